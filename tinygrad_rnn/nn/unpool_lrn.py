"""``MaxUnpool1d`` / ``MaxUnpool2d`` / ``MaxUnpool3d`` (the layers of :func:`F.max_unpool2d` and kin) and
``LocalResponseNorm`` (of :func:`F.local_response_norm`)."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LocalResponseNorm"]


class _MaxUnpoolNd(Module):
    """``MaxUnpoolNd(kernel_size, stride=None, padding=0)``; ``forward(input, indices, output_size=None)`` with the
    indices of ``MaxPoolNd(..., return_indices=True)``. ``stride`` defaults to ``kernel_size``."""

    _dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        super().__init__()
        n = self._dims

        def tup(v: Any) -> tuple[int, ...]:
            return tuple(int(i) for i in v) if isinstance(v, (tuple, list)) else (int(v),) * n

        self.kernel_size = tup(kernel_size)
        self.stride = tup(stride if stride is not None else kernel_size)
        self.padding = tup(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        unpool = getattr(F, f"max_unpool{self._dims}d")
        return unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    __doc__ = _MaxUnpoolNd.__doc__.replace("Nd", "1d") + " Input ``(N, C, L)`` or ``(C, L)``."
    _dims = 1


class MaxUnpool2d(_MaxUnpoolNd):
    __doc__ = _MaxUnpoolNd.__doc__.replace("Nd", "2d") + " Input ``(N, C, H, W)`` or ``(C, H, W)``."
    _dims = 2


class MaxUnpool3d(_MaxUnpoolNd):
    __doc__ = _MaxUnpoolNd.__doc__.replace("Nd", "3d") + " Input ``(N, C, D, H, W)`` or ``(C, D, H, W)``."
    _dims = 3


class LocalResponseNorm(Module):
    """``LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0)`` over the channels of ``(N, C, *)``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
