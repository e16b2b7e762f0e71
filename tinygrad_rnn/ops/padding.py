"""Padding by index maps (reflect, replicate, circular): each padded dimension reads its input at an index
array, so the gradient is a scatter-add of the output gradient back to those indices."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def pad_indices(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """The input index that each output position of one dimension reads: positions ``-before .. n + after - 1``
    of the unpadded axis, folded back into ``0 .. n-1`` by ``mode`` (negative widths crop)."""
    if mode == "circular":
        # PyTorch crops first (negative widths), then wraps around what is left
        start, kept = max(0, -before), n - max(0, -before) - max(0, -after)
        return start + np.mod(np.arange(-max(0, before), kept + max(0, after)), kept)
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if n == 1:  # reflect of one value (only zero widths reach here): the value itself
        return np.zeros_like(j)
    k = np.mod(j, 2 * n - 2)  # reflect: period 2(n-1), edges not repeated
    return np.where(k < n, k, 2 * n - 2 - k)


class TakeAlongAxes(Function):
    """``x`` read along each listed axis at an index array: ``maps`` is a tuple of ``(axis, indices)``, applied
    in order. Indices may repeat; their gradients add up."""

    @staticmethod
    def forward(ctx: Context, x, maps):
        x = np.asarray(x)
        ctx.maps = tuple((int(axis), np.asarray(idx, dtype=np.intp)) for axis, idx in maps)
        ctx.shapes = []
        out = x
        for axis, idx in ctx.maps:
            ctx.shapes.append(out.shape[axis])
            out = np.take(out, idx, axis=axis)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        for (axis, idx), n in zip(reversed(ctx.maps), reversed(ctx.shapes)):
            moved = np.moveaxis(grad, axis, 0)
            summed = np.zeros((n,) + moved.shape[1:], dtype=grad.dtype)
            np.add.at(summed, idx, moved)
            grad = np.moveaxis(summed, 0, axis)
        return grad
