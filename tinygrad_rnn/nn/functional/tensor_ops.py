"""Tensor-level functions also reached through F: where, maximum, minimum, concatenate, stack and pad."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import ops
from ...tensor import Tensor, _promoted
from ._common import _tensor


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Constant padding in PyTorch's order: ``(left, right)`` of the last dimension, then ``(top, bottom)`` of the
    one before, and so on. Only ``mode="constant"`` is provided (a ValueError says so for the others)."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is provided here, got {mode!r}")
    input = _tensor(input)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: {len(pad)} values do not give (before, after) pairs for at most {input.ndim} dimensions")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)][::-1]
    widths = [(0, 0)] * (input.ndim - len(pairs)) + pairs
    return ops.Pad.apply(input, widths=widths, value=0.0 if value is None else value)


def where(cond: Any, a: Any = None, b: Any = None) -> Any:
    """``a`` where ``cond`` is true, else ``b`` (broadcasting); ``cond`` gets no gradient.
    ``where(cond)`` alone gives the tuple of int64 index tensors of the true entries (``nonzero``)."""
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond, dtype=bool)
    if a is None and b is None:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(cond))
    return ops.Where.apply(cond, *_promoted(a, b))  # PyTorch's result dtype: where(c, f32, i64) is float32


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; where a == b the gradient is split equally."""
    return ops.Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; where a == b the gradient is split equally."""
    return ops.Minimum.apply(a, b)


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along an existing dimension (``axis`` or PyTorch's ``dim``), in the tensors' promoted dtype."""
    return Tensor.concatenate([_tensor(t) for t in tensors], axis=axis if dim is None else dim)


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new dimension (``axis`` or PyTorch's ``dim``), in their promoted dtype."""
    return Tensor.stack([_tensor(t) for t in tensors], axis=axis if dim is None else dim)
