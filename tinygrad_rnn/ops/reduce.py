"""Reductions: sum, mean, max over an axis (or all axes)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def _normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < max(ndim, 1):
            raise ValueError(f"axis {ax} is out of range for a tensor with {ndim} dimensions")
        out.append(int(ax) % max(ndim, 1))
    return tuple(out)


def _expand_to(grad: np.ndarray, axes: tuple[int, ...], keepdims: bool, shape: tuple[int, ...]) -> np.ndarray:
    if not keepdims and axes:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


def _remember_reduction(ctx: Context, x, axis, keepdims) -> np.ndarray:
    """x as an array; the normalized axes, keepdims and input shape kept on ctx for the backward."""
    x = np.asarray(x)
    ctx.axes = _normalize_axes(axis, x.ndim)
    ctx.keepdims = keepdims
    ctx.in_shape = x.shape
    return x


class Sum(Function):
    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        return np.sum(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad):
        return _expand_to(grad, ctx.axes, ctx.keepdims, ctx.in_shape)


class Mean(Function):
    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes])) if x.ndim else 1
        return np.mean(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad):
        return _expand_to(grad / ctx.count, ctx.axes, ctx.keepdims, ctx.in_shape)


class Max(Function):
    """Max over ``axis``; the gradient goes to the arg-max, split equally between ties."""

    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = np.asarray(x)
        if x.size == 0:
            raise ValueError(f"max of an empty tensor (shape {x.shape}) is undefined")
        axes = _normalize_axes(axis, x.ndim)
        out = np.max(x, axis=axes, keepdims=True)
        winners = (x == out).astype(x.dtype)  # in the input's dtype: a float32 max keeps float32 gradients
        ctx.save_for_backward(winners / winners.sum(axis=axes, keepdims=True))
        ctx.axes = axes
        ctx.keepdims = keepdims
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx: Context, grad):
        (share,) = ctx.saved_arrays
        if not ctx.keepdims and ctx.axes:
            grad = np.expand_dims(grad, ctx.axes)
        return grad * share
