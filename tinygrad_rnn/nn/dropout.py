"""``Dropout``: inverted dropout as a module (scale kept activations by 1/(1-p) in training, identity in eval)."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .functional import _check_p, dropout
from .module import Module

__all__ = ["Dropout"]


class _DropoutNd(Module):
    """The dropout modules' shared shape: ``p``, PyTorch's ``inplace`` flag, and ``_fn(x, p, training)``."""

    _fn: Any = None

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        _check_p(p)
        self.p = float(p)
        self.inplace = bool(inplace)  # accepted for PyTorch's signature; the result is always a new tensor

    def forward(self, x: Any) -> Tensor:
        return type(self)._fn(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """``Dropout(p=0.5)``: see :func:`tinygrad_rnn.nn.functional.dropout`; masks come from
    :mod:`tinygrad_rnn.random`'s generator."""

    _fn = staticmethod(dropout)
