"""Elementwise ops PyTorch programs reach for beyond the activations: the rounding family (zero gradient),
fmod, nan_to_num and cumprod."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


class Rounded(Function):
    """``fn(x)`` for a piecewise-constant ``fn`` (sign, floor, ceil, round, trunc): recorded, as in PyTorch,
    so the graph stays connected, with a zero gradient."""

    @staticmethod
    def forward(ctx: Context, x, fn):
        ctx.shape = np.shape(x)
        return np.asarray(fn(x))

    @staticmethod
    def backward(ctx: Context, grad):
        return np.zeros(ctx.shape, dtype=grad.dtype)


class Fmod(Function):
    """C's remainder ``a - trunc(a / b) * b`` (the sign of the dividend, unlike ``%``); d/da = 1,
    d/db = -trunc(a / b)."""

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(np.asarray(a), np.asarray(b))
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (-grad * np.trunc(a / b) if need_b else None)


class NanToNum(Function):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: 0 and the dtype's largest
    and smallest finite values); the gradient passes at the finite entries only."""

    @staticmethod
    def forward(ctx: Context, x, nan=0.0, posinf=None, neginf=None):
        x = np.asarray(x)
        ctx.finite = np.isfinite(x)
        return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx: Context, grad):
        return np.where(ctx.finite, grad, np.zeros((), dtype=grad.dtype))


class CumProd(Function):
    """``y[..., i, ...] = prod_{j <= i} x[..., j, ...]`` along ``axis``. Its gradient,
    ``dx_i = prod_{k < i} x_k * S_i`` with ``S_i = g_i + x_{i+1} S_{i+1}``, is built by that backward
    recurrence, so zeros in x need no division."""

    @staticmethod
    def forward(ctx: Context, x, axis=0):
        x = np.asarray(x)
        if x.ndim == 0:
            ctx.axis = None
            return x.copy()
        ctx.axis = axis % x.ndim
        ctx.save_for_backward(x)
        return np.cumprod(x, axis=ctx.axis)

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.axis is None:
            return grad
        (x,) = ctx.saved_arrays
        xs, gs = np.moveaxis(x, ctx.axis, 0), np.moveaxis(grad, ctx.axis, 0)
        n = xs.shape[0]
        if n == 0:
            return np.zeros_like(grad)
        before = np.ones_like(xs, dtype=np.result_type(xs, gs))  # prod_{k < i} x_k
        if n > 1:
            before[1:] = np.cumprod(xs[:-1], axis=0)
        s = np.empty_like(before)
        s[n - 1] = gs[n - 1]
        for i in range(n - 2, -1, -1):
            s[i] = gs[i] + xs[i + 1] * s[i + 1]
        return np.moveaxis(before * s, 0, ctx.axis)
