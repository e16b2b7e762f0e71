"""``Bilinear``: ``y = x1^T W x2 + b`` per output feature, over any number of leading dimensions."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["Bilinear"]


class Bilinear(Module):
    """``Bilinear(in1_features, in2_features, out_features, bias=True, dtype=None)``.

    weight ``(out, in1, in2)``, bias ``(out,)`` (PyTorch's layout); inputs ``(*, in1)`` and ``(*, in2)`` ->
    ``(*, out)``. Both initialised uniform(±1/sqrt(in1)), as in PyTorch.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None):
        super().__init__()
        if min(in1_features, in2_features, out_features) <= 0:
            raise ValueError(f"Bilinear sizes must be positive, got ({in1_features}, {in2_features}, {out_features})")
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        dt = param_dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        bound = 1.0 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound, generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
