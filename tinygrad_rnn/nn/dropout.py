"""``Dropout``: inverted dropout (scale kept activations by 1/(1-p) in training, identity in eval)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..random import get_generator
from ..tensor import Tensor
from .module import Module

__all__ = ["Dropout", "dropout"]


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p); identity unless training."""
    _check_p(p)
    if not training or p == 0.0:
        return x
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    keep = get_generator(generator).random(x.shape) >= p
    mask = keep.astype(x.dtype)
    mask *= 1.0 / (1.0 - p)
    return x * mask


class Dropout(Module):
    """``Dropout(p=0.5)``: see :func:`dropout`; random masks come from :mod:`tinygrad_rnn.random`'s generator."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        _check_p(p)
        self.p = float(p)

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
