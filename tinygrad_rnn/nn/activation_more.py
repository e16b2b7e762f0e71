"""More activation modules: hard sigmoid/swish, shrinkage, randomized leaky ReLU and the channel softmax."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .activation import _Inplace
from .module import Module

__all__ = ["Hardswish", "Hardsigmoid", "Hardshrink", "Softshrink", "Tanhshrink", "RReLU", "Softmax2d"]


class Hardswish(_Inplace):
    """``Hardswish(inplace=False)``: ``x * relu6(x + 3) / 6``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardswish(x)


class Hardsigmoid(_Inplace):
    """``Hardsigmoid(inplace=False)``: ``relu6(x + 3) / 6``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardsigmoid(x)


class Hardshrink(Module):
    """``Hardshrink(lambd=0.5)``: ``x`` where ``|x| > lambd``, else 0."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = float(lambd)

    def forward(self, x: Tensor) -> Tensor:
        return F.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """``Softshrink(lambd=0.5)``: ``x`` moved ``lambd`` towards 0, 0 inside ``[-lambd, lambd]``."""

    def __init__(self, lambd: float = 0.5):
        if lambd < 0:
            raise ValueError(f"Softshrink: lambd must be >= 0, got {lambd}")
        super().__init__(lambd)

    def forward(self, x: Tensor) -> Tensor:
        return F.softshrink(x, self.lambd)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanhshrink(x)


class RReLU(_Inplace):
    """``RReLU(lower=1/8, upper=1/3, inplace=False)``: in training a random slope per element from
    ``U(lower, upper)`` (the library generator) where ``x <= 0``; in eval the fixed ``(lower + upper) / 2``."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__(inplace)
        if not 0 <= lower <= upper:
            raise ValueError(f"RReLU: need 0 <= lower <= upper, got lower={lower}, upper={upper}")
        self.lower, self.upper = float(lower), float(upper)

    def forward(self, x: Tensor) -> Tensor:
        return F.rrelu(x, self.lower, self.upper, self.training)

    def _arguments(self) -> str:
        return f"lower={self.lower}, upper={self.upper}"


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)`` (dimension -3)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax2d(x)
