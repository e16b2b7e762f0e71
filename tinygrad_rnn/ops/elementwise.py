"""Elementwise functions of one tensor, plus maximum and where."""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Context, Function
from ..dtypes import get_default_dtype
from .special import erf as _erf  # vectorised numpy rational approximation (was math.erf per element)


def _floating(x):
    """``x`` as the input of a float function: float arrays as they are, integer and bool ones as the default
    float dtype -- PyTorch's result dtype (numpy's would be float16 for bool and uint8, float64 for int64)."""
    x = x if isinstance(x, np.ndarray) else np.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(get_default_dtype())


class Exp(Function):
    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        out = np.exp(x)
        ctx.saved_arrays = (out,)  # save_for_backward, minus a call (the hot path of every recurrent net)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad / x


class Tanh(Function):
    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        out = np.tanh(x)
        ctx.saved_arrays = (out,)  # save_for_backward, minus a call (the hot path of every recurrent net)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad - grad * out * out  # grad * (1 - out**2) without a Python scalar (numpy is slower on those)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) without overflow for large |x| (exp only ever sees non-positive numbers)."""
    e = np.exp(-np.abs(x))
    inv = 1 / (1 + e)
    return np.where(x >= 0, inv, e * inv)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        out = stable_sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        d = grad * out
        return d - d * out  # grad * out * (1 - out) without a Python scalar


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
        x = _floating(x)
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
        # sign(x) with 0 at NaN (torch's sgn), where np.sign gives NaN
        return grad * np.subtract(x > 0, x < 0, dtype=grad.dtype)


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


class Log1p(Function):
    """log(1 + x), accurate for small x."""

    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad / (1 + x)


class Expm1(Function):
    """exp(x) - 1, accurate for small x."""

    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad * (out + 1)


class Rsqrt(Function):
    """1 / sqrt(x)."""

    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad * -0.5 * out * out * out


class Sin(Function):
    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * np.cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx: Context, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * -np.sin(x)


class Minimum(Function):
    """Elementwise min(a, b); where a == b the gradient is split equally between them."""

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_arrays
        share_a = (a < b) + 0.5 * (a == b)
        return grad * share_a, grad * (1 - share_a)




class Gelu(Function):
    """x * Phi(x) (``approximate="none"``, with the exact erf) or PyTorch's tanh approximation
    (``approximate="tanh"``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))))."""

    @staticmethod
    def forward(ctx: Context, x, approximate="none"):
        x = np.asarray(x)
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
            return (0.5 * x * (1 + np.tanh(inner))).astype(x.dtype, copy=False)
        return (0.5 * x * (1 + _erf(x / math.sqrt(2)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        if ctx.approximate == "tanh":
            c = math.sqrt(2 / math.pi)
            t = np.tanh(c * (x + 0.044715 * x ** 3))
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x))
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return grad * (cdf + x * pdf)
