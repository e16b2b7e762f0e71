"""Tensor-level functions also reached through F: where, maximum, minimum, concatenate, stack and pad."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import ops
from ...ops.padding import TakeAlongAxes, pad_indices
from ...tensor import Tensor, _promoted
from ._common import _tensor


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Padding in PyTorch's order: ``(left, right)`` of the last dimension, then ``(top, bottom)`` of the one
    before, and so on. ``mode`` is ``'constant'`` (``value``, default 0, any number of dimensions) or
    ``'reflect'`` / ``'replicate'`` / ``'circular'``, which pad the last 1, 2 or 3 dimensions of an input with
    one or two more (``(C, W)`` or ``(N, C, W)`` for ``len(pad) == 2``, and so on); their negative widths crop."""
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    input = _tensor(input)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: {len(pad)} values do not give (before, after) pairs for at most {input.ndim} dimensions")
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)][::-1]
    if mode != "constant":
        return _pad_by_index(input, pairs, mode, value)
    widths = [(0, 0)] * (input.ndim - len(pairs)) + pairs
    return ops.Pad.apply(input, widths=widths, value=0.0 if value is None else value)


def _pad_by_index(input: Tensor, pairs: list[tuple[int, int]], mode: str, value: float | None) -> Tensor:
    """Reflect / replicate / circular padding of the last ``len(pairs)`` dimensions, with PyTorch's checks."""
    if value is not None:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    spatial = len(pairs)
    if spatial not in (1, 2, 3) or input.ndim not in (spatial + 1, spatial + 2):
        raise NotImplementedError(
            f"Padding size {2 * spatial} is not supported for {input.ndim}D input tensor. Non-constant padding "
            "takes 2, 4 or 6 values for a 2D/3D, 3D/4D or 4D/5D input (pads the last 1, 2 or 3 dimensions)")
    if mode != "circular" and 0 in input.shape[1:]:
        raise RuntimeError(f"pad: mode {mode!r} expects non-zero dimensions besides the batch one, got input "
                           f"shape {list(input.shape)}")
    first = input.ndim - spatial
    maps = []
    for axis, (before, after) in enumerate(pairs, start=first):
        n = input.shape[axis]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"pad: padding size should be less than the corresponding input dimension for "
                               f"mode 'reflect', but got padding ({before}, {after}) at dimension {axis} of "
                               f"input {list(input.shape)}")
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError(f"pad: padding ({before}, {after}) at dimension {axis} of input "
                               f"{list(input.shape)} causes wrapping around more than once (mode 'circular')")
        if mode == "circular" and n - max(0, -before) - max(0, -after) <= 0 and (before > 0 or after > 0):
            raise RuntimeError(f"pad: padding ({before}, {after}) at dimension {axis} crops away every value "
                               "that mode 'circular' would wrap around")
        if n + before + after < 0:
            raise RuntimeError(f"pad: padding ({before}, {after}) leaves a negative size at dimension {axis}")
        if before or after:
            maps.append((axis, pad_indices(n, before, after, mode)))
    return TakeAlongAxes.apply(input, maps=tuple(maps)) if maps else input * 1


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
