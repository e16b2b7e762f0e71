"""Pooling over the last d dimensions of ``(N, C, *size)`` (or ``(C, *size)``): d = 2 for images ``(H, W)``, 3
for volumes ``(D, H, W)``. Window maxima (also over PyTorch's adaptive windows) and window averages. (The
adaptive average is the 1-D one over each dimension in turn: ``F.adaptive_avg_pool2d`` / ``3d``.)

As in 1-D (:mod:`.pooling`), max pooling is the winners' flat (row-major) positions, ``h * W + w`` in 2-D and
``(d * H + h) * W + w`` in 3-D, found on plain arrays (:func:`max_pool_indices`, also what
``return_indices=True`` returns) and read by :class:`.pooling.TakeLast` on the ``(..., prod(size))`` view;
only that read has a gradient. Sizes, ceil_mode's extra right/bottom padding, divisors and adaptive windows
are the 1-D rules applied to each dimension.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ..autograd import Context, Function
from .conv import scatter_windows, windows
from .pooling import _avg_divisors, _last_nan_or_first_max, _right_pad, adaptive_pool1d_windows, pool1d_out_length


def _least(dtype: np.dtype) -> float | int | bool:
    """What max pooling pads with: -inf, or an integer dtype's least value."""
    if dtype.kind == "f":
        return -np.inf
    return np.iinfo(dtype).min if dtype.kind in "iu" else False


def _padded(x: np.ndarray, pads: tuple[tuple[int, int], ...], value: float | int | bool) -> np.ndarray:
    """``x`` padded with ``value`` by ``(before, after)`` pairs over its last ``len(pads)`` dimensions."""
    if not any(map(any, pads)):
        return x
    return np.pad(x, [(0, 0)] * (x.ndim - len(pads)) + list(pads), constant_values=value)


def _pads(size, kernel, stride, padding, dilation, out) -> tuple[tuple[int, int], ...]:
    """Per dimension ``(before, after)``: ``padding`` before, and after as much as the last window needs."""
    return tuple((p, _right_pad(n, k, s, p, dl, o)) for n, k, s, p, dl, o in zip(size, kernel, stride, padding,
                                                                                 dilation, out))


def _first_inside(out: int, stride: int, padding: int, dilation: int) -> np.ndarray:
    """Each window's first tap at or after position 0, where PyTorch's scan starts."""
    start = np.arange(out) * stride - padding
    return start + dilation * (-(start // dilation)).clip(0)


def _along(values: np.ndarray, axis: int, d: int) -> np.ndarray:
    """A 1-D array over output dimension ``axis`` of ``d``, shaped to broadcast against ``(..., *out)``."""
    return values.reshape((-1,) + (1,) * (d - 1 - axis))


def max_pool_indices(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
                     dilation: tuple[int, ...], out: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat row-major positions over ``x``'s last ``d = len(kernel)`` dimensions (int64) of each window's first
    maximum (first in row-major order over the window) or its last NaN, as PyTorch's scan, shape ``(...,
    *out)``; and a bool mask of the windows with no tap inside the input (None if there are none).

    As in 1-D, a window holding no value above -inf keeps the scan's start, its first tap inside the input
    in each dimension; where that start lies past the input (a dilation stepping over it) the window is
    empty: PyTorch's index, but -inf and no gradient."""
    d = len(kernel)
    size = x.shape[x.ndim - d:]
    fill = _least(x.dtype)
    win = windows(_padded(x, _pads(size, kernel, stride, padding, dilation, out), fill), kernel, stride, dilation, out)
    taps = win.reshape(win.shape[: win.ndim - d] + (math.prod(kernel),))
    tap = _last_nan_or_first_max(taps)  # PyTorch's scan, as in 1-D
    stuck = np.take_along_axis(taps, tap[..., None], axis=-1)[..., 0] == fill
    flat, empty = np.zeros(tap.shape, dtype=np.int64), np.zeros(tap.shape, dtype=bool)
    for axis, offset in enumerate(np.unravel_index(tap, kernel)):
        n, s, p, dl = size[axis], stride[axis], padding[axis], dilation[axis]
        pos = _along(np.arange(out[axis]) * s - p, axis, d) + offset * dl
        if stuck.any():
            first = _along(_first_inside(out[axis], s, p, dl), axis, d)
            pos = np.where(stuck, first, pos)
            empty |= stuck & (first >= n)
        flat = flat * n + pos
    return flat, (empty if empty.any() else None)


def adaptive_max_pool_indices(x: np.ndarray, output_size: tuple[int, ...]) -> np.ndarray:
    """Flat row-major positions (int64) of each adaptive window's maximum (or last NaN, as PyTorch's scan),
    shape ``(..., *output_size)``: the 1-D adaptive windows of each dimension, their taps gathered as
    ``(..., o1, k1, o2, k2, ...)`` with the taps past a window's end masked to -inf. (The emptiness check is
    the caller's: PyTorch's differs between the 1-D, 2-D and 3-D pools.)"""
    d = len(output_size)
    size = x.shape[x.ndim - d:]
    wins = [adaptive_pool1d_windows(n, o) for n, o in zip(size, output_size)]  # (o, k) indices and masks

    def spread(a: np.ndarray, axis: int) -> np.ndarray:  # an (o, k) array onto axes 2*axis, 2*axis + 1 of 2d
        return a.reshape((1,) * (2 * axis) + a.shape + (1,) * (2 * (d - 1 - axis)))

    taps = x[(Ellipsis,) + tuple(spread(idx, axis) for axis, (idx, _) in enumerate(wins))]
    valid = functools.reduce(np.logical_and, (spread(mask, axis) for axis, (_, mask) in enumerate(wins)))
    lead = taps.ndim - 2 * d
    # (..., o1, k1, o2, k2, ...) -> (..., o1, o2, ..., k1 * k2 * ...)
    order = tuple(range(lead)) + tuple(lead + 2 * a for a in range(d)) + tuple(lead + 2 * a + 1 for a in range(d))
    vals = np.where(valid, taps, -np.inf).transpose(order)
    kernel = vals.shape[vals.ndim - d:]
    tap = _last_nan_or_first_max(vals.reshape(vals.shape[: vals.ndim - d] + (math.prod(kernel),)))
    flat = np.zeros(tap.shape, dtype=np.int64)
    for axis, offset in enumerate(np.unravel_index(tap, kernel)):
        idx = wins[axis][0]  # the winning tap's position along this dimension
        flat = flat * size[axis] + idx[_along(np.arange(output_size[axis]), axis, d), offset]
    return flat


class AvgPoolNd(Function):
    """Mean of each ``kernel`` window of ``(..., *size)`` zero-padded by ``padding`` (d-tuples) ->
    ``(..., *out)``. The divisor is the window's volume clipped to the padded input (or to the input with
    ``count_include_pad=False``), or ``divisor_override``."""

    @staticmethod
    def forward(ctx: Context, x, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        d = len(kernel)
        size = x.shape[x.ndim - d:]
        out = tuple(pool1d_out_length(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(size, kernel, stride, padding))
        pads = _pads(size, kernel, stride, padding, (1,) * d, out)
        if divisor_override is not None:
            div = np.asarray(float(divisor_override), dtype=x.dtype)
        else:  # the window's volume is the product of its clipped extents
            divs = (_avg_divisors(n, k, s, p, o, count_include_pad)
                    for n, k, s, p, o in zip(size, kernel, stride, padding, out))
            div = functools.reduce(np.multiply.outer, divs).astype(x.dtype)
        ctx.conf = (size, kernel, stride, pads)
        ctx.div = div
        taps = windows(_padded(x, pads, 0.0), kernel, stride, (1,) * d, out)
        return taps.sum(axis=tuple(range(-d, 0))) / div

    @staticmethod
    def backward(ctx: Context, grad):
        size, kernel, stride, pads = ctx.conf
        g = grad / ctx.div
        dwin = np.broadcast_to(g[(Ellipsis,) + (None,) * len(kernel)], g.shape + tuple(kernel))
        dxp = scatter_windows(dwin, tuple(n + lo + hi for n, (lo, hi) in zip(size, pads)), stride, (1,) * len(kernel))
        return dxp[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(size, pads))]


__all__ = ["AvgPoolNd", "adaptive_max_pool_indices", "max_pool_indices"]
