"""Aliases and dtype/shape properties: absolute, positive, ravel, is_floating_point, greater ... not_equal."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._common import _t

__all__ = [
    "absolute", "positive", "ravel", "is_floating_point", "is_complex", "is_signed", "is_same_size",
    "greater", "greater_equal", "less", "less_equal", "not_equal",
]


def absolute(input: Any) -> Tensor:
    return _t(input).abs()


def positive(input: Any) -> Tensor:
    """The input itself (PyTorch's unary plus); bool tensors raise, as in PyTorch."""
    x = _t(input)
    if x.dtype == np.bool_:
        raise TypeError("positive: not supported for bool tensors")
    return x


def ravel(input: Any) -> Tensor:
    """The 1-D flattening (differentiable)."""
    return _t(input).reshape(-1)


def is_floating_point(input: Tensor) -> bool:
    return _t(input).dtype.kind == "f"


def is_complex(input: Tensor) -> bool:
    """False: this library has no complex tensors."""
    return _t(input).dtype.kind == "c"


def is_signed(input: Tensor) -> bool:
    """Whether the dtype holds negative numbers (False for uint8 and bool)."""
    return _t(input).dtype.kind in "ifc"


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(_t(input).shape) == tuple(_t(other).shape)


def _nelement(self: Tensor) -> int:
    """The number of elements (``numel``)."""
    return int(self.data.size)


def greater(input: Any, other: Any) -> Tensor:
    return _t(input).gt(other)


def greater_equal(input: Any, other: Any) -> Tensor:
    return _t(input).ge(other)


def less(input: Any, other: Any) -> Tensor:
    return _t(input).lt(other)


def less_equal(input: Any, other: Any) -> Tensor:
    return _t(input).le(other)


def not_equal(input: Any, other: Any) -> Tensor:
    return _t(input).ne(other)
