"""1-D pooling over the last dimension of ``(N, C, L)``: windowed averages, and the per-dimension rules (output
lengths, ceil_mode's padding, divisors, adaptive windows, PyTorch's max scan) that the d-dimensional pools of
:mod:`.pooling_nd` apply to each dimension.

Max pools (1-D, 2-D and 3-D) are split in two: the winning positions are found on plain arrays
(:func:`.pooling_nd.max_pool_indices`, :func:`.pooling_nd.adaptive_max_pool_indices`), and :class:`TakeLast` reads
them, which is all that has a gradient. The indices are what ``return_indices=True`` returns, so the two never
disagree.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Context, Function
from .conv import scatter_windows, windows


def pool1d_out_length(length: int, kernel_size: int, stride: int, padding: int, dilation: int,
                      ceil_mode: bool) -> int:
    """PyTorch's pooling output length; with ``ceil_mode`` the last window must start inside the input or
    the left padding."""
    span = dilation * (kernel_size - 1) + 1
    num = length + 2 * padding - span
    out = (-(-num // stride) if ceil_mode else num // stride) + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1
    return out


def _padded(x: np.ndarray, padding: int, right: int, value: float) -> np.ndarray:
    """``x`` with ``padding`` values before and ``right`` after along the last dimension."""
    if padding == 0 and right == 0:
        return x
    return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(padding, right)], constant_values=value)


def _right_pad(length: int, kernel_size: int, stride: int, padding: int, dilation: int, out_len: int) -> int:
    """How much padding the right end needs so the last window (ceil_mode may push it past) fits."""
    span = dilation * (kernel_size - 1) + 1
    return max(padding, (out_len - 1) * stride + span - length - padding)


def _last_nan_or_first_max(win: np.ndarray) -> np.ndarray:
    """The tap PyTorch's max scan ends on, ``(val > max) || isnan(val)``: a window's last NaN, else its
    first maximum."""
    tap = np.argmax(win, axis=-1)
    if win.dtype.kind != "f":
        return tap
    nan = np.isnan(win)
    last_nan = win.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
    return np.where(nan.any(axis=-1), last_nan, tap)


def adaptive_pool1d_windows(length: int, output_size: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows ``[floor(i L / out), ceil((i+1) L / out))`` as a ``(out, K_max)`` index
    array (clipped into range) and its validity mask."""
    i = np.arange(output_size)
    start = (i * length) // output_size
    end = -((-(i + 1) * length) // output_size)
    k_max = int((end - start).max())
    idx = start[:, None] + np.arange(k_max)
    mask = idx < end[:, None]
    return np.minimum(idx, length - 1), mask


def check_nonempty(x: np.ndarray, name: str, first: int) -> None:
    """PyTorch's adaptive pools refuse an empty length (no window to pool), some an empty channel dimension
    too; ``first`` is the first dimension from the end checked (-1 to -4, as the caller's torch function)."""
    for d in range(x.ndim + first, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(x.shape)} with dimension {d} being empty")


def _scatter_last(values: np.ndarray, index: np.ndarray, lead_ndim: int, length: int) -> np.ndarray:
    """``out[r, index[r, j...]] += values[r, j...]`` for each row ``r`` of the first ``lead_ndim`` dimensions:
    ``values`` ``lead + tail``, ``index`` broadcastable to it, positions in ``[0, length)``; repeated
    positions are summed (one bincount over the flattened rows)."""
    lead = values.shape[:lead_ndim]
    rows = int(np.prod(lead, dtype=np.int64))
    index = np.broadcast_to(index, values.shape).reshape(rows, math.prod(values.shape[lead_ndim:]))
    flat = (np.arange(rows)[:, None] * length + index).ravel()
    out = np.bincount(flat, weights=values.reshape(-1), minlength=rows * length)
    return out.reshape(lead + (length,)).astype(values.dtype, copy=False)


class TakeLast(Function):
    """``out[..., j] = x[..., index[..., j]]`` (the max pools' read); backward adds each gradient back at
    its position. ``index`` int ``(..., M)`` with ``x``'s leading shape; an index past the end, or one that
    ``empty`` (bool, broadcastable to ``index``) marks, reads -inf and passes no gradient."""

    @staticmethod
    def forward(ctx: Context, x, index, empty=None):
        L = x.shape[-1]
        outside = index >= L  # a max-pool window over padding only: -inf, and no gradient
        if empty is not None:  # the same, for windows whose (flat 2-D) index still lies inside x
            outside |= empty
        ctx.outside = outside if outside.any() else None
        ctx.index = np.minimum(index, L - 1) if ctx.outside is not None else index
        ctx.length = L
        out = np.take_along_axis(x, ctx.index, axis=-1)
        if ctx.outside is not None:
            out[np.broadcast_to(outside, out.shape)] = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.outside is not None:
            grad = np.where(ctx.outside, 0, grad)
        return _scatter_last(grad, ctx.index, grad.ndim - 1, ctx.length)


def _avg_divisors(length: int, kernel_size: int, stride: int, padding: int, out_len: int,
                  count_include_pad: bool) -> np.ndarray:
    """Each window's divisor as PyTorch counts it: the window clipped to the padded input (padding
    included) or to the input itself (``count_include_pad=False``)."""
    start = np.arange(out_len) * stride - padding
    end = np.minimum(start + kernel_size, length + padding)
    if count_include_pad:
        return (end - start).astype(np.float64)
    return (np.minimum(end, length) - np.maximum(start, 0)).astype(np.float64)


class AvgPool1d(Function):
    """Mean of each ``kernel_size`` window of ``(..., L)`` zero-padded by ``padding`` -> ``(..., L_out)``."""

    @staticmethod
    def forward(ctx: Context, x, kernel_size, stride, padding=0, ceil_mode=False, count_include_pad=True):
        L = x.shape[-1]
        out_len = pool1d_out_length(L, kernel_size, stride, padding, 1, ceil_mode)
        right = _right_pad(L, kernel_size, stride, padding, 1, out_len)
        xp = _padded(x, padding, right, 0.0)
        div = _avg_divisors(L, kernel_size, stride, padding, out_len, count_include_pad).astype(x.dtype)
        ctx.conf = (L, kernel_size, stride, padding, right, out_len)
        ctx.div = div
        return windows(xp, (kernel_size,), (stride,), (1,), (out_len,)).sum(axis=-1) / div

    @staticmethod
    def backward(ctx: Context, grad):
        L, K, stride, padding, right, out_len = ctx.conf
        g = grad / ctx.div
        dwin = np.broadcast_to(g[..., None], g.shape + (K,))
        return scatter_windows(dwin, (L + padding + right,), (stride,), (1,))[..., padding : padding + L]


class AdaptiveAvgPool1d(Function):
    """Mean of PyTorch's adaptive windows (see :func:`adaptive_pool1d_windows`): ``(..., L)`` -> ``(..., out)``."""

    @staticmethod
    def forward(ctx: Context, x, output_size):
        check_nonempty(x, "adaptive_avg_pool1d", -1)
        L = x.shape[-1]
        idx, mask = adaptive_pool1d_windows(L, output_size)
        weights = (mask / mask.sum(axis=1, keepdims=True)).astype(x.dtype)  # (out, K_max), 0 off the window
        ctx.idx, ctx.weights, ctx.length = idx, weights, L
        # the taps past a window's end read a neighbour's value: zeroed, not weighted by 0 (0 * inf is NaN)
        taps = x[..., idx] if mask.all() else np.where(mask, x[..., idx], 0)
        return np.einsum("...ok,ok->...o", taps, weights)

    @staticmethod
    def backward(ctx: Context, grad):
        return _scatter_last(grad[..., None] * ctx.weights, ctx.idx, grad.ndim - 1, ctx.length)


__all__ = ["AvgPool1d", "AdaptiveAvgPool1d", "TakeLast", "pool1d_out_length", "adaptive_pool1d_windows"]
