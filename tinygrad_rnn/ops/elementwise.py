"""Elementwise functions of one tensor, plus maximum and where."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


class Exp(Function):
    @staticmethod
    def forward(ctx: Context, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad / x


class Tanh(Function):
    @staticmethod
    def forward(ctx: Context, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad * (1 - out * out)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) without overflow for large |x| (exp only ever sees non-positive numbers)."""
    e = np.exp(-np.abs(x))
    inv = 1 / (1 + e)
    return np.where(x >= 0, inv, e * inv)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx: Context, x):
        out = stable_sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad * out * (1 - out)


class Relu(Function):
    """max(x, 0); the gradient at exactly 0 is taken as 0, as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * (x > 0)


class Sqrt(Function):
    @staticmethod
    def forward(ctx: Context, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad / (2 * out)


class Abs(Function):
    """|x|; the gradient at exactly 0 is taken as 0 (sign(0)), as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * np.sign(x)


class Clip(Function):
    """Clamp to [lo, hi] (either may be None); the gradient passes where lo <= x <= hi."""

    @staticmethod
    def forward(ctx: Context, x, lo, hi):
        if lo is None and hi is None:
            raise ValueError("clip needs at least one of min and max")
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        lo, hi = ctx.bounds
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return grad * inside, None, None


class Maximum(Function):
    """Elementwise max(a, b); where a == b the gradient is split equally between them."""

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_arrays
        share_a = (a > b) + 0.5 * (a == b)
        return grad * share_a, grad * (1 - share_a)


class Where(Function):
    """``where(cond, a, b)``: a where cond is true, else b; cond gets no gradient."""

    @staticmethod
    def forward(ctx: Context, cond, a, b):
        cond = np.array(cond, dtype=bool)  # a copy: the caller may reuse its mask before backward
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        (cond,) = ctx.saved_arrays
        zero = np.zeros((), dtype=grad.dtype)
        return None, np.where(cond, grad, zero), np.where(cond, zero, grad)
