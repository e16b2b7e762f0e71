"""im2col and col2im: ``F.unfold`` cuts sliding blocks out of ``(N, C, H, W)`` into columns, ``F.fold`` sums
columns back into an image. Each is the other's backward (the adjoint linear map)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def _block_index(size, kernel, dilation, padding, stride):
    """Per spatial axis, the padded-input index each (kernel offset, block) pair reads: ``(k, blocks)``."""
    index = []
    for n, k, d, p, s in zip(size, kernel, dilation, padding, stride):
        blocks = (n + 2 * p - d * (k - 1) - 1) // s + 1
        index.append(np.arange(k)[:, None] * d + np.arange(blocks)[None, :] * s)
    return index


def im2col(x: np.ndarray, kernel, dilation, padding, stride) -> np.ndarray:
    """``(N, C, H, W) -> (N, C * kh * kw, L)``, channel slowest, then kernel row, kernel column (PyTorch's order)."""
    N, C = x.shape[:2]
    rows, cols = _block_index(x.shape[2:], kernel, dilation, padding, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    blocks = xp[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, kh, kw, oh, ow)
    return blocks.reshape(N, C * kernel[0] * kernel[1], -1)


def col2im(cols: np.ndarray, size, kernel, dilation, padding, stride) -> np.ndarray:
    """``(N, C * kh * kw, L) -> (N, C, H, W)``: every column value added to the pixel it came from."""
    N = cols.shape[0]
    C = cols.shape[1] // (kernel[0] * kernel[1])
    rows, cc = _block_index(size, kernel, dilation, padding, stride)
    blocks = cols.reshape(N, C, kernel[0], kernel[1], rows.shape[1], cc.shape[1])
    out = np.zeros((N, C, size[0] + 2 * padding[0], size[1] + 2 * padding[1]), dtype=cols.dtype)
    np.add.at(out, (slice(None), slice(None), rows[:, None, :, None], cc[None, :, None, :]), blocks)
    return out[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]]


class Unfold(Function):
    """``x`` ``(N, C, H, W)`` to its sliding blocks ``(N, C * kh * kw, L)``; all geometry as 2-tuples."""

    @staticmethod
    def forward(ctx: Context, x, kernel, dilation, padding, stride):
        x = np.asarray(x)
        ctx.geometry = (x.shape[2:], kernel, dilation, padding, stride)
        return im2col(x, kernel, dilation, padding, stride)

    @staticmethod
    def backward(ctx: Context, grad):
        return col2im(grad, *ctx.geometry)


class Fold(Function):
    """Columns ``(N, C * kh * kw, L)`` summed into an image ``(N, C, *size)``; all geometry as 2-tuples."""

    @staticmethod
    def forward(ctx: Context, cols, size, kernel, dilation, padding, stride):
        ctx.geometry = (kernel, dilation, padding, stride)
        return col2im(np.asarray(cols), size, kernel, dilation, padding, stride)

    @staticmethod
    def backward(ctx: Context, grad):
        return im2col(grad, *ctx.geometry)
