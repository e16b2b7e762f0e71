"""Convolution (cross-correlation, as PyTorch's) over the last d = 1 or 2 dimensions: one im2col gather plus
one (group-batched) matmul.

The window view over the last d dimensions and its transpose (col2im) live here; the pools (:mod:`.pooling`,
:mod:`.pooling_nd`) use them too. Sizes, strides, dilations and kernels are d-tuples; padding is d
``(before, after)`` pairs of zeros.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Context, Function

__all__ = ["ConvNd", "ConvTransposeNd", "conv1d_out_length", "conv_out_size", "windows", "scatter_windows"]


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


def _rows(grad: np.ndarray, G: int) -> np.ndarray:
    """A convolution's output gradient ``(N, O, *out)`` -> ``(G, N*prod(out), O/G)``, the rows of its matmul."""
    N, O, d = grad.shape[0], grad.shape[1], grad.ndim - 2
    return grad.reshape(N, G, O // G, *grad.shape[2:]).transpose(1, 0, *range(3, 3 + d), 2).reshape(G, -1, O // G)


def _conv(x: np.ndarray, weight: np.ndarray, conf: tuple) -> np.ndarray:
    """The cross-correlation (no bias): x ``(N, C, *size)``, weight ``(O, C/G, *kernel)`` -> ``(N, O, *out)``."""
    G, out = conf[3], conf[4]
    N, O, kernel, d = x.shape[0], weight.shape[0], weight.shape[2:], len(conf[4])
    cols = _columns(x, kernel, conf)  # (G, N*prod(out), Cg*prod(kernel))
    y = np.matmul(cols, weight.reshape(G, O // G, -1).transpose(0, 2, 1))  # (G, N*prod(out), O/G)
    y = y.reshape(G, N, *out, O // G).transpose(1, 0, 2 + d, *range(2, 2 + d))  # (N, G, O/G, *out)
    return y.reshape(N, O, *out)


def _conv_input_grad(rows: np.ndarray, weight: np.ndarray, size: tuple[int, ...], conf: tuple) -> np.ndarray:
    """The gradient wrt x ``(N, C, *size)`` of :func:`_conv` from its output gradient's :func:`_rows`: the
    taps' gradients (one matmul per group) scattered back into the padded input, its padding cut off."""
    stride, padding, dilation, G, out = conf
    Cg, kernel, d = weight.shape[1], weight.shape[2:], len(size)
    N = rows.shape[1] // math.prod(out)
    dcols = np.matmul(rows, weight.reshape(G, weight.shape[0] // G, -1))  # (G, N*prod(out), Cg*prod(kernel))
    dcols = dcols.reshape(G, N, *out, Cg, *kernel)
    # -> (N, G, Cg, *out, *kernel) = (N, C, *out, *kernel)
    dcols = dcols.transpose(1, 0, 2 + d, *range(2, 2 + d), *range(3 + d, 3 + 2 * d))
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(size, padding))
    dxp = scatter_windows(dcols.reshape(N, G * Cg, *out, *kernel), padded, stride, dilation)
    return dxp[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(size, padding))]


def _conv_weight_grad(rows: np.ndarray, x: np.ndarray, weight_shape: tuple[int, ...], conf: tuple) -> np.ndarray:
    """The gradient wrt the weight ``(O, C/G, *kernel)`` of :func:`_conv` of ``x``, from its output
    gradient's :func:`_rows`."""
    return np.matmul(rows.transpose(0, 2, 1), _columns(x, weight_shape[2:], conf)).reshape(weight_shape)


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
        kernel, d = weight.shape[2:], weight.ndim - 2
        conf = (stride, padding, dilation, groups, conv_out_size(x.shape[2:], kernel, stride, padding, dilation))
        y = _conv(x, weight, conf)
        if bias is not None:
            y = y + bias.reshape((-1,) + (1,) * d)
        # x, not its columns, is kept: prod(kernel) times smaller, and checked for in-place changes like any
        # saved input
        ctx.save_for_backward(x, weight)
        ctx.conf = conf
        return np.ascontiguousarray(y)

    @staticmethod
    def backward(ctx: Context, grad):
        x, weight = ctx.saved_arrays
        needs = ctx.needs_input_grad
        rows = _rows(grad, ctx.conf[3])
        dx = _conv_input_grad(rows, weight, x.shape[2:], ctx.conf) if needs[0] else None
        dw = _conv_weight_grad(rows, x, weight.shape, ctx.conf) if needs[1] else None
        db = grad.sum(axis=(0, *range(2, grad.ndim))) if len(needs) > 2 and needs[2] else None
        return dx, dw, db


class ConvTransposeNd(Function):
    """The transposed convolution: the gradient of :class:`ConvNd` wrt its input, as an op of its own.

    x ``(N, C_in, *size)``, weight ``(C_in, C_out/groups, *kernel)`` (a convolution from C_out to C_in
    channels, PyTorch's layout), bias ``(C_out,)`` or None, ``padding`` d ``(p, p)`` pairs and
    ``output_padding`` d ints (extra positions at the end, which no window reaches: only the bias) ->
    ``(N, C_out, *out)`` with ``out = (size - 1) stride - 2 p + dilation (kernel - 1) + output_padding + 1``.
    Forward is that convolution's input gradient, with x as its output gradient; backward wrt x is the
    convolution itself, and wrt the weight its weight gradient with x and the output gradient in swapped roles.
    """

    @staticmethod
    def forward(ctx: Context, x, weight, bias, stride, padding, output_padding, dilation, groups=1):
        size, kernel, d = x.shape[2:], weight.shape[2:], weight.ndim - 2
        out = tuple((n - 1) * s - lo - hi + dl * (k - 1) + op + 1
                    for n, s, (lo, hi), dl, k, op in zip(size, stride, padding, dilation, kernel, output_padding))
        # the convolution whose input gradient this is: its output size is x's (an explicit size, since with
        # output_padding >= stride, allowed when below the dilation, its own formula would give one more)
        conf = (stride, padding, dilation, groups, size)
        if x.size == 0 or 0 in out:  # an empty batch (or output): nothing to scatter, only the bias's shape
            y = np.zeros((x.shape[0], weight.shape[1] * groups) + out, np.result_type(x, weight))
        else:
            y = _conv_input_grad(_rows(x, groups), weight, out, conf)
        if bias is not None:
            y = y + bias.reshape((-1,) + (1,) * d)
        ctx.save_for_backward(x, weight)
        ctx.conf = conf
        return np.ascontiguousarray(y)

    @staticmethod
    def backward(ctx: Context, grad):
        x, weight = ctx.saved_arrays
        needs = ctx.needs_input_grad
        if x.size == 0 or grad.size == 0:  # the empty forward's: no product reaches the output
            dx = np.zeros_like(x, dtype=grad.dtype) if needs[0] else None
            dw = np.zeros_like(weight, dtype=grad.dtype) if needs[1] else None
        else:
            dx = _conv(grad, weight, ctx.conf) if needs[0] else None
            dw = _conv_weight_grad(_rows(x, ctx.conf[3]), grad, weight.shape, ctx.conf) if needs[1] else None
        db = grad.sum(axis=(0, *range(2, grad.ndim))) if len(needs) > 2 and needs[2] else None
        return dx, dw, db
