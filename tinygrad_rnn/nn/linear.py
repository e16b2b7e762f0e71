"""``Linear``: y = x @ W.T + b over any number of leading dimensions; the shape-only ``Identity``, ``Flatten`` and
``Unflatten``; the parameter-free pairwise ``CosineSimilarity`` and ``PairwiseDistance``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["Linear", "Identity", "Flatten", "Unflatten", "CosineSimilarity", "PairwiseDistance"]


class Linear(Module):
    """``Linear(in_features, out_features, bias=True, dtype=None)``.

    weight ``(out_features, in_features)``, bias ``(out_features,)`` (PyTorch's layout);
    input ``(..., in_features)`` -> output ``(..., out_features)``.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None, scheme: str = "pytorch"
    ):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear sizes must be non-negative, got in={in_features}, out={out_features}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dt = param_dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(scheme)

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """Re-initialise by ``scheme`` (see ``nn.init``); PyTorch's default is uniform(±1/sqrt(in))."""
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        init.init_weight_(self.weight, scheme, self.in_features, bound, generator)
        if self.bias is not None:
            init.init_bias_(self.bias, scheme, bound, generator)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) expects inputs whose last dimension is "
                f"{self.in_features}, got shape {x.shape}"
            )
        if x.ndim > 2:
            # one 2-D matmul instead of a batched one: its weight gradient is a single GEMM
            lead = x.shape[:-1]
            y = F.linear(x.reshape(-1, self.in_features), self.weight, self.bias)
            return y.reshape(*lead, self.out_features)
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input (any constructor arguments are ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """``Flatten(start_dim=1, end_dim=-1)``: merge those dimensions (the batch dimension 0 is kept by default)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """``Unflatten(dim, unflattened_size)``: split dimension ``dim`` into ``unflattened_size`` (one entry may be -1)."""

    def __init__(self, dim: int, unflattened_size: Any):
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("Unflatten: named dimensions are not provided here; give dim as an int")
        if not isinstance(unflattened_size, (tuple, list)) or not all(isinstance(n, (int, np.integer))
                                                                        for n in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = int(dim), tuple(int(n) for n in unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        return x.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class CosineSimilarity(Module):
    """``CosineSimilarity(dim=1, eps=1e-8)``: see :func:`functional.cosine_similarity`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = int(dim), float(eps)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``PairwiseDistance(p=2.0, eps=1e-6, keepdim=False)``: see :func:`functional.pairwise_distance`."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = float(p), float(eps), bool(keepdim)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
