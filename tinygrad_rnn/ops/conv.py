"""Convolution (cross-correlation, as PyTorch's) over the last d = 1 or 2 dimensions: one im2col gather plus
one (group-batched) matmul.

The window view over the last d dimensions and its transpose (col2im) live here; the pools (:mod:`.pooling`,
:mod:`.pooling2d`) use them too. Sizes, strides, dilations and kernels are d-tuples; padding is d
``(before, after)`` pairs of zeros.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Context, Function

__all__ = ["ConvNd", "conv1d_out_length", "conv_out_size", "windows", "scatter_windows"]


def conv1d_out_length(length: int, kernel_size: int, stride: int, padding: tuple[int, int], dilation: int) -> int:
    """Output length of a convolution/pool over ``length`` positions padded by ``(before, after)``."""
    return (length + padding[0] + padding[1] - dilation * (kernel_size - 1) - 1) // stride + 1


def conv_out_size(size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                  padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> tuple[int, ...]:
    """The output size in each dimension: :func:`conv1d_out_length` per dimension."""
    return tuple(conv1d_out_length(*dim) for dim in zip(size, kernel, stride, padding, dilation))


def windows(xp: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
            out: tuple[int, ...]) -> np.ndarray:
    """``(..., *padded_size)`` -> a read-only view ``(..., *out, *kernel)`` of every window's taps, over the
    last ``len(kernel)`` dimensions."""
    d = len(kernel)
    spans = tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))
    view = sliding_window_view(xp, spans, axis=tuple(range(-d, 0)))
    picks = tuple(slice(None, s * (o - 1) + 1, s) for s, o in zip(stride, out)) + tuple(slice(None, None, dl)
                                                                                   for dl in dilation)
    return view[(Ellipsis,) + picks]


def scatter_windows(dwin: np.ndarray, size: tuple[int, ...], stride: tuple[int, ...],
                    dilation: tuple[int, ...]) -> np.ndarray:
    """The transpose of :func:`windows` (col2im): ``(..., *out, *kernel)`` tap gradients summed into
    ``(..., *size)``. One strided slice-add per kernel offset: within one offset no position repeats, so
    the loop is over the kernel's offsets only, never over positions or the batch."""
    d = len(size)
    out, kernel = dwin.shape[dwin.ndim - 2 * d: dwin.ndim - d], dwin.shape[dwin.ndim - d:]
    result = np.zeros(dwin.shape[: dwin.ndim - 2 * d] + tuple(size), dtype=dwin.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        at = tuple(slice(i * dl, i * dl + s * (o - 1) + 1, s) for i, dl, s, o in zip(offset, dilation, stride, out))
        result[(Ellipsis,) + at] += dwin[(Ellipsis,) + offset]
    return result


def _columns(x: np.ndarray, kernel: tuple[int, ...], conf: tuple) -> np.ndarray:
    """im2col: ``(N, C, *size)`` -> ``(G, N*prod(out), C/G*prod(kernel))``, one row of taps per output
    position and group."""
    stride, padding, dilation, G, out = conf
    N, C, d = x.shape[0], x.shape[1], len(kernel)
    xp = np.pad(x, ((0, 0), (0, 0)) + padding) if any(map(any, padding)) else x
    cols = windows(xp, kernel, stride, dilation, out).reshape(N, G, C // G, *out, *kernel)
    # (G, N, *out, C/G, *kernel): the group first, then one row per output position
    order = (1, 0, *range(3, 3 + d), 2, *range(3 + d, 3 + 2 * d))
    return cols.transpose(order).reshape(G, N * math.prod(out), C // G * math.prod(kernel))


class ConvNd(Function):
    """``out[n, o, i] = bias[o] + sum_{c in group(o), p} w[o, c, p] * xpad[n, c, i*stride + p*dilation]`` with
    i and p d-dimensional.

    x ``(N, C, *size)``, weight ``(O, C/groups, *kernel)``, bias ``(O,)`` or None; ``stride`` and ``dilation``
    d-tuples, ``padding`` d ``(before, after)`` pairs of zeros -> ``(N, O, *out)``. The windows are gathered
    into ``(G, N*prod(out), C/G*prod(kernel))`` columns so each group is one matmul; backward is the same
    matmuls transposed and the columns scattered back (:func:`scatter_windows`).
    """

    @staticmethod
    def forward(ctx: Context, x, weight, bias, stride, padding, dilation, groups=1):
        N, size = x.shape[0], x.shape[2:]
        O, kernel = weight.shape[0], weight.shape[2:]
        d = len(kernel)
        out = conv_out_size(size, kernel, stride, padding, dilation)
        conf = (stride, padding, dilation, groups, out)
        cols = _columns(x, kernel, conf)  # (G, N*prod(out), Cg*prod(kernel))
        w = weight.reshape(groups, O // groups, -1)
        y = np.matmul(cols, w.transpose(0, 2, 1))  # (G, N*prod(out), O/G)
        y = y.reshape(groups, N, *out, O // groups).transpose(1, 0, 2 + d, *range(2, 2 + d))  # (N, G, O/G, *out)
        y = y.reshape(N, O, *out)
        if bias is not None:
            y = y + bias.reshape((O,) + (1,) * d)
        # x, not its columns, is kept: prod(kernel) times smaller, and checked for in-place changes like any
        # saved input
        ctx.save_for_backward(x, weight)
        ctx.conf = conf
        return np.ascontiguousarray(y)

    @staticmethod
    def backward(ctx: Context, grad):
        x, weight = ctx.saved_arrays
        stride, padding, dilation, G, out = ctx.conf
        N, C, size = x.shape[0], x.shape[1], x.shape[2:]
        O, Cg, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
        d = len(kernel)
        needs = ctx.needs_input_grad
        g = grad.reshape(N, G, O // G, *out).transpose(1, 0, *range(3, 3 + d), 2).reshape(G, -1, O // G)
        dx = dw = db = None
        if needs[0]:
            dcols = np.matmul(g, weight.reshape(G, O // G, -1))  # (G, N*prod(out), Cg*prod(kernel))
            dcols = dcols.reshape(G, N, *out, Cg, *kernel)
            # -> (N, G, Cg, *out, *kernel) = (N, C, *out, *kernel)
            dcols = dcols.transpose(1, 0, 2 + d, *range(2, 2 + d), *range(3 + d, 3 + 2 * d))
            padded = tuple(n + lo + hi for n, (lo, hi) in zip(size, padding))
            dxp = scatter_windows(dcols.reshape(N, C, *out, *kernel), padded, stride, dilation)
            dx = dxp[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(size, padding))]
        if needs[1]:
            dw = np.matmul(g.transpose(0, 2, 1), _columns(x, kernel, ctx.conf)).reshape(weight.shape)
        if len(needs) > 2 and needs[2]:
            db = grad.sum(axis=(0, *range(2, 2 + d)))
        return dx, dw, db
