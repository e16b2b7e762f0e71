"""``RMSNorm`` (root-mean-square normalization over the trailing dimensions) and ``GroupNorm`` (mean/variance
normalization over groups of channels), each with PyTorch's learned elementwise affine."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..tensor import Tensor
from . import functional as F
from ._dtype import param_dtype
from .module import Module, Parameter
from .normalization import _AffineNorm

__all__ = ["RMSNorm", "GroupNorm"]


class RMSNorm(Module):
    """``RMSNorm(normalized_shape, eps=None, elementwise_affine=True, dtype=None)``: input
    ``(..., *normalized_shape)`` -> the same shape; ``weight`` (ones) of ``normalized_shape``. ``eps`` None is
    the input dtype's machine epsilon."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = None if eps is None else float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=param_dtype(dtype)))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(_AffineNorm):
    """``GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, dtype=None, *, bias=True)``: input
    ``(N, C, *)`` -> the same shape; ``weight`` (ones) and ``bias`` (zeros, unless ``bias=False``) ``(C,)``
    when ``affine``."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = float(eps), bool(affine)
        self._add_affine((self.num_channels,), self.affine, bias, dtype)

    def forward(self, x: Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected input (N, {self.num_channels}, *), got shape {x.shape}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"
