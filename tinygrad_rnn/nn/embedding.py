"""``Embedding``: a lookup table of vectors, indexed by integer ids; sparse (row) gradient."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """``Embedding(num_embeddings, embedding_dim, sparse=False, dtype=None)``: weight ``(V, D)``.

    ``forward(ids)`` with integer ids of any shape (numpy array, list or integer Tensor) gives
    ``(*ids.shape, D)``. The backward scatter-adds into the rows used only. ``sparse=True`` (PyTorch's
    flag) makes ``weight.grad`` a ``tinygrad_rnn.RowSparseGrad`` of just those rows, which ``optim.SGD``
    and ``optim.Adagrad`` apply to those rows alone: with a large vocabulary the step then costs what the
    batch touched, not V x D.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, *, sparse: bool = False, dtype: Any = None,
                 scheme: str = "pytorch"):
        super().__init__()
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(f"Embedding sizes must be positive, got ({num_embeddings}, {embedding_dim})")
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.sparse = bool(sparse)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=param_dtype(dtype)))
        self.reset_parameters(scheme)

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch: normal(0, 1); rnn-numpy: uniform(±1/sqrt(V)) (the one-hot input's dimension)."""
        init.init_weight_(self.weight, scheme, self.num_embeddings, None, generator)

    def forward(self, indices: Any) -> Tensor:
        # ids are checked (integer dtype, in range) by the embedding op itself
        return F.embedding(self.weight, indices.data if isinstance(indices, Tensor) else indices, sparse=self.sparse)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}" + (", sparse=True" if self.sparse else "")
