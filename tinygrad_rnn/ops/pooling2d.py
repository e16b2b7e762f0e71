"""2-D pooling over the last two dimensions of ``(N, C, H, W)`` (or ``(C, H, W)``): window maxima, window
averages and PyTorch's adaptive averages.

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
    """``x`` padded ``(top, bottom, left, right)`` with ``value`` over its last two dimensions."""
    if not any(pads):
        return x
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [pads[:2], pads[2:]], constant_values=value)


def _pads(size, kernel, stride, padding, dilation, out) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)``: ``padding`` before, and after as much as the last window needs."""
    return (padding[0], _right_pad(size[0], kernel[0], stride[0], padding[0], dilation[0], out[0]),
            padding[1], _right_pad(size[1], kernel[1], stride[1], padding[1], dilation[1], out[1]))


def max_pool2d_indices(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
                       dilation: tuple[int, int], out: tuple[int, int]) -> np.ndarray:
    """Flat positions ``h * W + w`` in ``x``'s last two dimensions (int64) of each window's first maximum
    (first in row-major order over the window) or its last NaN, as PyTorch's scan; shape ``(..., H_out, W_out)``."""
    H, W = x.shape[-2:]
    xp = _padded2d(x, _pads((H, W), kernel, stride, padding, dilation, out), -np.inf)
    win = windows(xp, kernel, stride, dilation, out)
    tap = _last_nan_or_first_max(win.reshape(win.shape[:-2] + (-1,)))  # PyTorch's scan, as in 1-D
    row = np.arange(out[0])[:, None] * stride[0] - padding[0] + (tap // kernel[1]) * dilation[0]
    col = np.arange(out[1]) * stride[1] - padding[1] + (tap % kernel[1]) * dilation[1]
    # a window of padding only (never with padding <= kernel / 2) would read an edge
    return (np.clip(row, 0, H - 1) * W + np.clip(col, 0, W - 1)).astype(np.int64)


def adaptive_max_pool2d_indices(x: np.ndarray, output_size: tuple[int, int]) -> np.ndarray:
    """Flat positions ``h * W + w`` (int64) of each adaptive window's maximum (or last NaN, as PyTorch's scan),
    shape ``(..., oH, oW)``: the 1-D adaptive windows of each dimension, their taps gathered as
    ``(..., oH, kH, oW, kW)`` with the taps past a window's end masked to -inf."""
    check_nonempty(x, "adaptive_max_pool2d", -3)
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


def _adaptive_matrix(length: int, output_size: int, dtype) -> np.ndarray:
    """``(output_size, length)``: row ``i`` averages PyTorch's adaptive window ``i`` (see
    :func:`.pooling.adaptive_pool1d_windows`), zero elsewhere."""
    idx, mask = adaptive_pool1d_windows(length, output_size)
    m = np.zeros((output_size, length))
    rows, taps = np.nonzero(mask)
    m[rows, idx[rows, taps]] = 1.0 / mask.sum(axis=1)[rows]
    return m.astype(dtype)


class AdaptiveAvgPool2d(Function):
    """Mean over PyTorch's adaptive windows in each dimension: ``(..., H, W)`` -> ``(..., oH, oW)``.
    A window is a rectangle, so its mean separates: ``A_h @ x @ A_w^T`` with :func:`_adaptive_matrix`;
    backward is ``A_h^T @ grad @ A_w``."""

    @staticmethod
    def forward(ctx: Context, x, output_size):
        H, W = x.shape[-2:]
        ah, aw = _adaptive_matrix(H, output_size[0], x.dtype), _adaptive_matrix(W, output_size[1], x.dtype)
        ctx.ah, ctx.aw = ah, aw
        return ah @ x @ aw.T

    @staticmethod
    def backward(ctx: Context, grad):
        return ctx.ah.T @ grad @ ctx.aw


__all__ = ["AvgPool2d", "AdaptiveAvgPool2d", "adaptive_max_pool2d_indices", "max_pool2d_indices"]
