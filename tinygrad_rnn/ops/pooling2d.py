"""2-D pooling over the last two dimensions of ``(N, C, H, W)`` (or ``(C, H, W)``): window maxima (also over
PyTorch's adaptive windows) and window averages. (The adaptive average is the 1-D one over each dimension in
turn: ``F.adaptive_avg_pool2d``.)

As in 1-D (:mod:`.pooling`), max pooling is the winners' flat positions ``h * W + w`` found on plain arrays
(:func:`max_pool2d_indices`, also what ``return_indices=True`` returns) read by :class:`.pooling.TakeLast`
on the ``(..., H*W)`` view; only that read has a gradient. Sizes, ceil_mode's extra right/bottom padding,
divisors and adaptive windows are the 1-D rules applied to each dimension.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from .conv import scatter_windows, windows
from .pooling import (_avg_divisors, _last_nan_or_first_max, _right_pad, adaptive_pool1d_windows, check_nonempty,
                      pool1d_out_length)


def _padded2d(x: np.ndarray, pads: tuple[int, int, int, int], value: float) -> np.ndarray:
    """``x`` padded ``(top, bottom, left, right)`` with ``value`` over its last two dimensions (-inf is an
    integer dtype's least value)."""
    if not any(pads):
        return x
    if x.dtype.kind in "iub" and value == -np.inf:
        value = np.iinfo(x.dtype).min if x.dtype.kind != "b" else False
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [pads[:2], pads[2:]], constant_values=value)


def _pads(size, kernel, stride, padding, dilation, out) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)``: ``padding`` before, and after as much as the last window needs."""
    return (padding[0], _right_pad(size[0], kernel[0], stride[0], padding[0], dilation[0], out[0]),
            padding[1], _right_pad(size[1], kernel[1], stride[1], padding[1], dilation[1], out[1]))


def _first_inside(out: int, stride: int, padding: int, dilation: int) -> np.ndarray:
    """Each window's first tap at or after position 0, where PyTorch's scan starts."""
    start = np.arange(out) * stride - padding
    return start + dilation * (-(start // dilation)).clip(0)


def max_pool2d_indices(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
                       dilation: tuple[int, int], out: tuple[int, int]) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat positions ``h * W + w`` in ``x``'s last two dimensions (int64) of each window's first maximum
    (first in row-major order over the window) or its last NaN, as PyTorch's scan, shape ``(..., H_out,
    W_out)``; and a bool mask of the windows with no tap inside the input (None if there are none).

    As in 1-D, a window holding no value above -inf keeps the scan's start, its first tap inside the input
    in each dimension; where that start lies past the input (a dilation stepping over it) the window is
    empty: PyTorch's index, but -inf and no gradient."""
    H, W = x.shape[-2:]
    fill = -np.inf if x.dtype.kind == "f" else (np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
    xp = _padded2d(x, _pads((H, W), kernel, stride, padding, dilation, out), fill)
    win = windows(xp, kernel, stride, dilation, out)
    taps = win.reshape(win.shape[:-2] + (kernel[0] * kernel[1],))
    tap = _last_nan_or_first_max(taps)  # PyTorch's scan, as in 1-D
    row = np.arange(out[0])[:, None] * stride[0] - padding[0] + (tap // kernel[1]) * dilation[0]
    col = np.arange(out[1]) * stride[1] - padding[1] + (tap % kernel[1]) * dilation[1]
    stuck = np.take_along_axis(taps, tap[..., None], axis=-1)[..., 0] == fill
    if not stuck.any():
        return (row * W + col).astype(np.int64), None
    first_row = _first_inside(out[0], stride[0], padding[0], dilation[0])[:, None]
    first_col = _first_inside(out[1], stride[1], padding[1], dilation[1])
    row, col = np.where(stuck, first_row, row), np.where(stuck, first_col, col)
    empty = stuck & ((first_row >= H) | (first_col >= W))
    return (row * W + col).astype(np.int64), (empty if empty.any() else None)


def adaptive_max_pool2d_indices(x: np.ndarray, output_size: tuple[int, int]) -> np.ndarray:
    """Flat positions ``h * W + w`` (int64) of each adaptive window's maximum (or last NaN, as PyTorch's scan),
    shape ``(..., oH, oW)``: the 1-D adaptive windows of each dimension, their taps gathered as
    ``(..., oH, kH, oW, kW)`` with the taps past a window's end masked to -inf."""
    # torch checks the "non-batch" dimensions: of a 3-D input its last two (the first counts as a batch there)
    check_nonempty(x, "adaptive_max_pool2d", -2 if x.ndim == 3 else -3)
    H, W = x.shape[-2:]
    (ih, mh), (iw, mw) = adaptive_pool1d_windows(H, output_size[0]), adaptive_pool1d_windows(W, output_size[1])
    taps = x[..., ih[:, :, None, None], iw[None, None, :, :]]  # (..., oH, kH, oW, kW)
    valid = mh[:, :, None, None] & mw[None, None, :, :]
    vals = np.where(valid, taps, -np.inf).swapaxes(-3, -2)  # (..., oH, oW, kH, kW)
    kh, kw = vals.shape[-2:]
    tap = _last_nan_or_first_max(vals.reshape(vals.shape[:-2] + (kh * kw,)))
    rows = ih[np.arange(output_size[0])[:, None], tap // kw]  # (..., oH, oW): the winning tap's row
    cols = iw[np.arange(output_size[1]), tap % kw]
    return (rows * W + cols).astype(np.int64)


class AvgPool2d(Function):
    """Mean of each ``kH x kW`` window of ``(..., H, W)`` zero-padded by ``padding`` ``(h, w)`` ->
    ``(..., H_out, W_out)``. The divisor is the window's area clipped to the padded input (or to the input
    with ``count_include_pad=False``), or ``divisor_override``."""

    @staticmethod
    def forward(ctx: Context, x, kernel, stride, padding=(0, 0), ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        H, W = x.shape[-2:]
        out = tuple(pool1d_out_length(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip((H, W), kernel, stride, padding))
        pads = _pads((H, W), kernel, stride, padding, (1, 1), out)
        if divisor_override is not None:
            div = np.asarray(float(divisor_override), dtype=x.dtype)
        else:  # the window's area is the product of its clipped height and width
            dh, dw = (_avg_divisors(n, k, s, p, o, count_include_pad)
                      for n, k, s, p, o in zip((H, W), kernel, stride, padding, out))
            div = np.outer(dh, dw).astype(x.dtype)
        ctx.conf = (H, W, kernel, stride, pads)
        ctx.div = div
        return windows(_padded2d(x, pads, 0.0), kernel, stride, (1, 1), out).sum(axis=(-2, -1)) / div

    @staticmethod
    def backward(ctx: Context, grad):
        H, W, kernel, stride, (top, bottom, left, right) = ctx.conf
        g = grad / ctx.div
        dwin = np.broadcast_to(g[..., None, None], g.shape + tuple(kernel))
        dxp = scatter_windows(dwin, (H + top + bottom, W + left + right), stride, (1, 1))
        return dxp[..., top : top + H, left : left + W]


__all__ = ["AvgPool2d", "adaptive_max_pool2d_indices", "max_pool2d_indices"]
