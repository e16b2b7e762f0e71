"""1-D convolution (cross-correlation, as PyTorch's) as one im2col gather plus one (batched) matmul."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Context, Function


def conv1d_out_length(length: int, kernel_size: int, stride: int, padding: tuple[int, int], dilation: int) -> int:
    """Output length of a convolution/pool over ``length`` positions padded by ``(left, right)``."""
    return (length + padding[0] + padding[1] - dilation * (kernel_size - 1) - 1) // stride + 1


def _windows(xp: np.ndarray, kernel_size: int, stride: int, dilation: int, out_len: int) -> np.ndarray:
    """``(..., L_padded)`` -> a read-only view ``(..., out_len, kernel_size)`` of every window's taps."""
    span = dilation * (kernel_size - 1) + 1
    return sliding_window_view(xp, span, axis=-1)[..., : stride * (out_len - 1) + 1 : stride, ::dilation]


def scatter_windows(dwin: np.ndarray, length: int, stride: int, dilation: int) -> np.ndarray:
    """The transpose of :func:`_windows` (col2im): ``(..., out_len, K)`` tap gradients summed into
    ``(..., length)`` positions. One strided slice-add per kernel tap: within a tap no position repeats."""
    out_len, K = dwin.shape[-2:]
    out = np.zeros(dwin.shape[:-2] + (length,), dtype=dwin.dtype)
    for k in range(K):
        start = k * dilation
        out[..., start : start + stride * (out_len - 1) + 1 : stride] += dwin[..., k]
    return out


def _columns(x: np.ndarray, K: int, conf: tuple) -> np.ndarray:
    """im2col: ``(N, C, L)`` -> ``(G, N*L_out, C/G*K)``, one row of taps per output position and group."""
    N, C, L, stride, padding, dilation, G, out_len = conf
    xp = np.pad(x, ((0, 0), (0, 0), padding)) if padding != (0, 0) else x
    cols = _windows(xp, K, stride, dilation, out_len).reshape(N, G, C // G, out_len, K)
    return cols.transpose(1, 0, 3, 2, 4).reshape(G, N * out_len, C // G * K)


class Conv1d(Function):
    """``out[n, o, t] = bias[o] + sum_{c in group(o), k} w[o, c, k] * xpad[n, c, t*stride + k*dilation]``.

    x ``(N, C, L)``, weight ``(O, C/groups, K)``, bias ``(O,)`` or None, ``padding`` a ``(left, right)``
    pair of zeros -> ``(N, O, L_out)``. The windows are gathered into ``(G, N*L_out, C/G*K)`` columns so
    each group is one matmul; backward is the same matmuls transposed and the columns scattered back.
    """

    @staticmethod
    def forward(ctx: Context, x, weight, bias, stride=1, padding=(0, 0), dilation=1, groups=1):
        N, C, L = x.shape
        O, Cg, K = weight.shape
        out_len = conv1d_out_length(L, K, stride, padding, dilation)
        conf = (N, C, L, stride, padding, dilation, groups, out_len)
        cols = _columns(x, K, conf)  # (G, N*Lout, Cg*K)
        w = weight.reshape(groups, O // groups, Cg * K)
        out = np.matmul(cols, w.transpose(0, 2, 1))  # (G, N*Lout, O/G)
        out = out.reshape(groups, N, out_len, O // groups).transpose(1, 0, 3, 2).reshape(N, O, out_len)
        if bias is not None:
            out = out + bias[:, None]
        # x, not its columns, is kept: K times smaller, and checked for in-place changes like any saved input
        ctx.save_for_backward(x, weight)
        ctx.conf = conf
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx: Context, grad):
        x, weight = ctx.saved_arrays
        N, C, L, stride, padding, dilation, G, out_len = ctx.conf
        O, Cg, K = weight.shape
        needs = ctx.needs_input_grad
        g = grad.reshape(N, G, O // G, out_len).transpose(1, 0, 3, 2).reshape(G, N * out_len, O // G)
        dx = dw = db = None
        if needs[0]:
            dcols = np.matmul(g, weight.reshape(G, O // G, Cg * K))  # (G, N*Lout, Cg*K)
            dcols = dcols.reshape(G, N, out_len, Cg, K).transpose(1, 0, 3, 2, 4).reshape(N, C, out_len, K)
            dxp = scatter_windows(dcols, L + padding[0] + padding[1], stride, dilation)
            dx = dxp[:, :, padding[0] : padding[0] + L]
        if needs[1]:
            dw = np.matmul(g.transpose(0, 2, 1), _columns(x, K, ctx.conf)).reshape(O, Cg, K)
        if len(needs) > 2 and needs[2]:
            db = grad.sum(axis=(0, 2))
        return dx, dw, db
