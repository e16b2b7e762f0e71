"""``LayerNorm``: normalization over the trailing dimensions with a learned elementwise affine."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..tensor import Tensor
from . import functional as F
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["LayerNorm"]


class _AffineNorm(Module):
    """What the normalization layers share: a ``weight`` of ones and a ``bias`` of zeros of one shape, or
    None for either (PyTorch's ``affine=False`` / ``bias=False``), and ``reset_parameters`` back to them."""

    def _add_affine(self, shape: tuple[int, ...], affine: bool, bias: bool, dtype: Any) -> None:
        dt = param_dtype(dtype)
        self.register_parameter("weight", Parameter(np.ones(shape, dtype=dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(shape, dtype=dt)) if affine and bias else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0


class LayerNorm(_AffineNorm):
    """``LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None)``.

    Input ``(..., *normalized_shape)``, output the same shape; ``weight`` (ones) and ``bias`` (zeros) of
    ``normalized_shape`` when ``elementwise_affine``.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self._add_affine(self.normalized_shape, self.elementwise_affine, bias, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
