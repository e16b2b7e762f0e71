"""Logical and bitwise ops: logical_and ... bitwise_right_shift, and the ^ & | << >> operator methods."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._common import _arr

__all__ = [
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift",
]


def logical_and(input: Any, other: Any) -> Tensor:
    return Tensor._wrap(np.asarray(np.logical_and(_arr(input), _arr(other))))


def logical_or(input: Any, other: Any) -> Tensor:
    return Tensor._wrap(np.asarray(np.logical_or(_arr(input), _arr(other))))


def logical_xor(input: Any, other: Any) -> Tensor:
    return Tensor._wrap(np.asarray(np.logical_xor(_arr(input), _arr(other))))


def _bitwise(name: str, ufunc: Any, *operands: Any) -> Tensor:
    arrays = [np.asarray(_arr(o)) if isinstance(o, Tensor) or not isinstance(o, (int, bool)) else o
              for o in operands]
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind not in "biu":
            raise TypeError(f"{name}: only integer and bool tensors are supported, got {a.dtype}")
        if isinstance(a, float):
            raise TypeError(f"{name}: only integer and bool operands are supported, got a float")
    return Tensor._wrap(np.asarray(ufunc(*arrays)))


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_not(input: Any) -> Tensor:
    return _bitwise("bitwise_not", np.invert, input)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_left_shift", np.left_shift, input, other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_right_shift", np.right_shift, input, other)


def _xor(self: Tensor, other: Any) -> Tensor:
    return bitwise_xor(self, other)


def _rxor(self: Tensor, other: Any) -> Tensor:
    return bitwise_xor(other, self)


def _rand(self: Tensor, other: Any) -> Tensor:
    return bitwise_and(other, self)


def _ror(self: Tensor, other: Any) -> Tensor:
    return bitwise_or(other, self)


def _lshift(self: Tensor, other: Any) -> Tensor:
    return bitwise_left_shift(self, other)


def _rshift(self: Tensor, other: Any) -> Tensor:
    return bitwise_right_shift(self, other)
