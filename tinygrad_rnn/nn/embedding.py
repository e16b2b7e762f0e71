"""``Embedding``: a lookup table of vectors, indexed by integer ids; sparse (row) gradient."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """``Embedding(num_embeddings, embedding_dim, padding_idx=None, sparse=False, dtype=None)``: weight ``(V, D)``.

    ``forward(ids)`` with integer ids of any shape (numpy array, list or integer Tensor) gives
    ``(*ids.shape, D)``. The backward scatter-adds into the rows used only. ``sparse=True`` (PyTorch's
    flag) makes ``weight.grad`` a ``tinygrad_rnn.RowSparseGrad`` of just those rows, which ``optim.SGD``
    and ``optim.Adagrad`` apply to those rows alone: with a large vocabulary the step then costs what the
    batch touched, not V x D.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None, *, scheme: str = "pytorch"):
        super().__init__()
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(f"Embedding sizes must be positive, got ({num_embeddings}, {embedding_dim})")
        if max_norm is not None or scale_grad_by_freq:
            raise ValueError("Embedding: max_norm and scale_grad_by_freq are not provided here")
        if device is not None:
            check_device(device)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} must be within num_embeddings ({num_embeddings})")
            padding_idx = int(padding_idx) % num_embeddings
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = padding_idx
        self.sparse = bool(sparse)
        if _weight is not None:
            self.weight = Parameter(_weight.data if isinstance(_weight, Tensor) else _weight, requires_grad=not _freeze)
        else:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=param_dtype(dtype)),
                                    requires_grad=not _freeze)
            self.reset_parameters(scheme)

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch: normal(0, 1); rnn-numpy: uniform(±1/sqrt(V)) (the one-hot input's dimension). The
        ``padding_idx`` row is zero."""
        init.init_weight_(self.weight, scheme, self.num_embeddings, None, generator)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        sparse: bool = False) -> Embedding:
        """An Embedding holding ``embeddings`` (V, D) (``freeze``: no gradient)."""
        arr = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        return cls(arr.shape[0], arr.shape[1], padding_idx=padding_idx, sparse=sparse, _weight=arr, _freeze=freeze)

    def forward(self, indices: Any) -> Tensor:
        # ids are checked (integer dtype, in range) by the embedding op itself
        return F.embedding(self.weight, indices.data if isinstance(indices, Tensor) else indices,
                           padding_idx=self.padding_idx, sparse=self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s + (", sparse=True" if self.sparse else "")
