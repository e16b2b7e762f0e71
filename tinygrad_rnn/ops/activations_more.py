"""Piecewise-linear activations (hard sigmoid/swish, shrinkage): each one small Function with its derivative
beside it, so the kinks take PyTorch's one-sided gradients exactly (a composition of clamps would not).
"""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


class Hardsigmoid(Function):
    """``relu6(x + 3) / 6``; gradient ``1/6`` strictly inside ``(-3, 3)``, 0 elsewhere (PyTorch's)."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * (((x > -3) & (x < 3)) / 6).astype(grad.dtype)


class Hardswish(Function):
    """``x * relu6(x + 3) / 6``; gradient 0 up to -3, ``x/3 + 1/2`` strictly inside ``(-3, 3)``, 1 from 3 on
    (PyTorch's one-sided choice at both kinks)."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        slope = np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0))
        return (grad * slope).astype(grad.dtype, copy=False)


class Shrink(Function):
    """Hardshrink (``soft=False``: ``x`` where ``|x| > lambd``, else 0) and Softshrink (``soft=True``: ``x``
    moved ``lambd`` towards 0, 0 inside ``[-lambd, lambd]``). Both pass the gradient outside that closed
    interval only."""

    @staticmethod
    def forward(ctx: Context, x, lambd=0.5, soft=False):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        outside = (x < -lambd) | (x > lambd)
        shifted = x - np.sign(x) * lambd if soft else x
        return np.where(outside, shifted, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * ((x < -ctx.lambd) | (x > ctx.lambd))
