"""Pointwise activations beyond relu/tanh/sigmoid/gelu: each one small Function, its derivative beside it.

Gradients at the kinks are PyTorch's (e.g. LeakyReLU and ELU take the negative branch at exactly 0,
Hardtanh passes no gradient at its bounds).
"""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from .elementwise import stable_sigmoid


def softplus_(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class LeakyRelu(Function):
    """``x`` where ``x > 0``, else ``negative_slope * x``."""

    @staticmethod
    def forward(ctx: Context, x, negative_slope=0.01):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return np.where(x > 0, grad, grad * ctx.slope)


class Elu(Function):
    """``scale * x`` where ``x > 0``, else ``scale * alpha * (exp(input_scale * x) - 1)``: ELU (scale 1,
    input_scale 1), SELU (PyTorch's fixed alpha and scale) and CELU (input_scale ``1 / alpha``)."""

    @staticmethod
    def forward(ctx: Context, x, alpha=1.0, scale=1.0, input_scale=1.0):
        ctx.save_for_backward(x)
        ctx.coefs = (alpha, scale, input_scale)
        neg = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)  # (min: no overflow on the unused side)
        return np.where(x > 0, x * scale, neg)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        alpha, scale, input_scale = ctx.coefs
        neg = grad * (np.exp(np.minimum(x, 0) * input_scale) * (alpha * scale * input_scale))
        return np.where(x > 0, grad * scale, neg)


class Silu(Function):
    """``x * sigmoid(x)``; derivative ``s (1 + x (1 - s))``."""

    @staticmethod
    def forward(ctx: Context, x):
        s = stable_sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx: Context, grad):
        x, s = ctx.saved_arrays
        return grad * s * (1 + x * (1 - s))


class Mish(Function):
    """``x * tanh(softplus(x))``; derivative ``t + x sigmoid(x) (1 - t^2)`` with ``t = tanh(softplus(x))``."""

    @staticmethod
    def forward(ctx: Context, x):
        t = np.tanh(softplus_(x))
        ctx.save_for_backward(x, t)
        return x * t

    @staticmethod
    def backward(ctx: Context, grad):
        x, t = ctx.saved_arrays
        return grad * (t + x * stable_sigmoid(x) * (1 - t * t))


class Softplus(Function):
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold`` (PyTorch's switch)."""

    @staticmethod
    def forward(ctx: Context, x, beta=1.0, threshold=20.0):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        bx = x * beta
        return np.where(bx > threshold, x, softplus_(bx) / beta)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        bx = x * ctx.beta
        return np.where(bx > ctx.threshold, grad, grad * stable_sigmoid(bx))


class LogSigmoid(Function):
    """``log(sigmoid(x)) = -softplus(-x)``, stable at any magnitude; derivative ``sigmoid(-x)``."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return -softplus_(-x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * stable_sigmoid(-x)


class Softsign(Function):
    """``x / (1 + |x|)``; derivative ``1 / (1 + |x|)^2``."""

    @staticmethod
    def forward(ctx: Context, x):
        d = 1 + np.abs(x)
        ctx.save_for_backward(d)
        return x / d

    @staticmethod
    def backward(ctx: Context, grad):
        (d,) = ctx.saved_arrays
        return grad / (d * d)


class Hardtanh(Function):
    """Clamp to ``[min_val, max_val]``; the gradient passes strictly inside (0 at the bounds, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x, min_val=-1.0, max_val=1.0):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return np.clip(x, min_val, max_val)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        lo, hi = ctx.bounds
        return grad * ((x > lo) & (x < hi))


class Threshold(Function):
    """``x`` where ``x > threshold``, else ``value`` (the gradient passes where ``x > threshold``)."""

    @staticmethod
    def forward(ctx: Context, x, threshold=0.0, value=0.0):
        keep = x > threshold
        ctx.save_for_backward(keep)
        return np.where(keep, x, np.asarray(value, dtype=x.dtype))

    @staticmethod
    def backward(ctx: Context, grad):
        (keep,) = ctx.saved_arrays
        return grad * keep


class PRelu(Function):
    """``x`` where ``x > 0``, else ``w * x``, with a learnable ``w`` broadcast against ``x`` (the caller
    shapes it, e.g. ``(C, 1, 1)`` for channels on dimension 1); ``w``'s gradient is ``x`` on the negative side,
    summed back to its shape by the engine."""

    @staticmethod
    def forward(ctx: Context, x, w):
        pos = x > 0
        ctx.save_for_backward(x, w, pos)
        return np.where(pos, x, w * x)

    @staticmethod
    def backward(ctx: Context, grad):
        x, w, pos = ctx.saved_arrays
        need_x, need_w = ctx.needs_input_grad[:2]
        gx = np.where(pos, grad, grad * w) if need_x else None
        gw = np.where(pos, 0, grad * x) if need_w else None
        return gx, gw
