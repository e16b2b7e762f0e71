"""2-D convolution (cross-correlation, as PyTorch's): one im2col gather plus one (group-batched) matmul.

The 2-D window view and its transpose (col2im) live here; the 2-D pools (:mod:`.pooling2d`) use them too.
Output sizes are :func:`.conv.conv1d_out_length` per spatial dimension.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Context, Function
from .conv import conv1d_out_length


def windows2d(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int],
              out: tuple[int, int]) -> np.ndarray:
    """``(..., H_padded, W_padded)`` -> a read-only view ``(..., H_out, W_out, kH, kW)`` of every window's taps."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = sliding_window_view(xp, span, axis=(-2, -1))
    return view[..., : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]


def scatter_windows2d(dwin: np.ndarray, size: tuple[int, int], stride: tuple[int, int],
                      dilation: tuple[int, int]) -> np.ndarray:
    """The transpose of :func:`windows2d` (col2im): ``(..., H_out, W_out, kH, kW)`` tap gradients summed into
    ``(..., *size)``. One strided slice-add per kernel offset: within one offset no position repeats, so
    the loop is over the kH*kW offsets only, never over pixels or the batch."""
    oh, ow, kh, kw = dwin.shape[-4:]
    (sh, sw), (dh, dw) = stride, dilation
    out = np.zeros(dwin.shape[:-4] + tuple(size), dtype=dwin.dtype)
    for i in range(kh):
        for j in range(kw):
            out[..., i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw] += dwin[..., i, j]
    return out


def conv2d_out_size(size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                    padding: tuple[int, int, int, int], dilation: tuple[int, int]) -> tuple[int, int]:
    """``(H_out, W_out)`` of a convolution over ``size`` padded by ``(top, bottom, left, right)``."""
    return (conv1d_out_length(size[0], kernel[0], stride[0], padding[:2], dilation[0]),
            conv1d_out_length(size[1], kernel[1], stride[1], padding[2:], dilation[1]))


def _columns(x: np.ndarray, kernel: tuple[int, int], conf: tuple) -> np.ndarray:
    """im2col: ``(N, C, H, W)`` -> ``(G, N*H_out*W_out, C/G*kH*kW)``, one row of taps per output pixel and group."""
    N, C, _, _, stride, padding, dilation, G, out = conf
    top, bottom, left, right = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right))) if any(padding) else x
    cols = windows2d(xp, kernel, stride, dilation, out).reshape(N, G, C // G, *out, *kernel)
    return cols.transpose(1, 0, 3, 4, 2, 5, 6).reshape(G, N * out[0] * out[1], C // G * kernel[0] * kernel[1])


class Conv2d(Function):
    """``out[n, o, i, j] = bias[o] + sum_{c in group(o), p, q} w[o, c, p, q] * xpad[n, c, i*sH + p*dH, j*sW + q*dW]``.

    x ``(N, C, H, W)``, weight ``(O, C/groups, kH, kW)``, bias ``(O,)`` or None, ``padding`` zeros as
    ``(top, bottom, left, right)``, ``stride`` and ``dilation`` ``(h, w)`` pairs -> ``(N, O, H_out, W_out)``.
    The windows are gathered into ``(G, N*H_out*W_out, C/G*kH*kW)`` columns so each group is one matmul;
    backward is the same matmuls transposed and the columns scattered back (:func:`scatter_windows2d`).
    """

    @staticmethod
    def forward(ctx: Context, x, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        N, C, H, W = x.shape
        O, Cg, kh, kw = weight.shape
        out_hw = conv2d_out_size((H, W), (kh, kw), stride, padding, dilation)
        conf = (N, C, H, W, stride, padding, dilation, groups, out_hw)
        cols = _columns(x, (kh, kw), conf)  # (G, N*Ho*Wo, Cg*kh*kw)
        w = weight.reshape(groups, O // groups, Cg * kh * kw)
        out = np.matmul(cols, w.transpose(0, 2, 1))  # (G, N*Ho*Wo, O/G)
        out = out.reshape(groups, N, *out_hw, O // groups).transpose(1, 0, 4, 2, 3).reshape(N, O, *out_hw)
        if bias is not None:
            out = out + bias[:, None, None]
        # x, not its columns, is kept: kH*kW times smaller, and checked for in-place changes like any saved input
        ctx.save_for_backward(x, weight)
        ctx.conf = conf
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx: Context, grad):
        x, weight = ctx.saved_arrays
        N, C, H, W, stride, padding, dilation, G, out_hw = ctx.conf
        O, Cg, kh, kw = weight.shape
        needs = ctx.needs_input_grad
        g = grad.reshape(N, G, O // G, *out_hw).transpose(1, 0, 3, 4, 2).reshape(G, -1, O // G)
        dx = dw = db = None
        if needs[0]:
            dcols = np.matmul(g, weight.reshape(G, O // G, Cg * kh * kw))  # (G, N*Ho*Wo, Cg*kh*kw)
            dcols = dcols.reshape(G, N, *out_hw, Cg, kh, kw).transpose(1, 0, 4, 2, 3, 5, 6)
            top, bottom, left, right = padding
            padded = (H + top + bottom, W + left + right)
            dxp = scatter_windows2d(dcols.reshape(N, C, *out_hw, kh, kw), padded, stride, dilation)
            dx = dxp[:, :, top : top + H, left : left + W]
        if needs[1]:
            dw = np.matmul(g.transpose(0, 2, 1), _columns(x, (kh, kw), ctx.conf)).reshape(O, Cg, kh, kw)
        if len(needs) > 2 and needs[2]:
            db = grad.sum(axis=(0, 2, 3))
        return dx, dw, db


__all__ = ["Conv2d", "conv2d_out_size", "windows2d", "scatter_windows2d"]
