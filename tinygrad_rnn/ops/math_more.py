"""More elementwise math as PyTorch has it: the trigonometric and hyperbolic family and their inverses,
log2/log10/exp2, sinc, logit, and the binary atan2, logaddexp(2), hypot, copysign, xlogy.

Each unary op is a small class: ``value(x)`` is the forward, ``slope(x, out)`` the derivative the backward
multiplies the upstream gradient by. Integer and bool inputs give the default float dtype, as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Context, Function
from ..dtypes import get_default_dtype
from .arithmetic import _torch_float

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def floating(x) -> np.ndarray:
    """``x`` as an array of its float dtype, or of the default float dtype if it is not one."""
    x = np.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(get_default_dtype())


def float_pair(a, b) -> tuple:
    """Two operands of a float function: when neither is a float array, the arrays become the default
    float dtype (Python numbers stay numbers, so numpy keeps them weak)."""
    fa = isinstance(a, (np.ndarray, np.generic)) and a.dtype.kind in "fc"
    fb = isinstance(b, (np.ndarray, np.generic)) and b.dtype.kind in "fc"
    if not (fa or fb):
        dt = get_default_dtype()
        a = np.asarray(a, dtype=dt) if isinstance(a, (np.ndarray, np.generic)) else float(a)
        b = np.asarray(b, dtype=dt) if isinstance(b, (np.ndarray, np.generic)) else float(b)
    return a, b


class FloatUnary(Function):
    """``value(x)`` on a float array (integers become the default float first); backward is
    ``grad * slope(x, out)``."""

    @staticmethod
    def value(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def slope(x: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx: Context, x):
        x = floating(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.asarray(cls.value(x)).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @classmethod
    def backward(cls, ctx: Context, grad):
        x, out = ctx.saved_arrays
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return grad * cls.slope(x, out)


class Tan(FloatUnary):
    value = staticmethod(np.tan)

    @staticmethod
    def slope(x, out):
        return 1 + out * out


class Asin(FloatUnary):
    value = staticmethod(np.arcsin)

    @staticmethod
    def slope(x, out):
        return 1 / np.sqrt(1 - x * x)


class Acos(FloatUnary):
    value = staticmethod(np.arccos)

    @staticmethod
    def slope(x, out):
        return -1 / np.sqrt(1 - x * x)


class Atan(FloatUnary):
    value = staticmethod(np.arctan)

    @staticmethod
    def slope(x, out):
        return 1 / (1 + x * x)


class Sinh(FloatUnary):
    value = staticmethod(np.sinh)

    @staticmethod
    def slope(x, out):
        return np.cosh(x)


class Cosh(FloatUnary):
    value = staticmethod(np.cosh)

    @staticmethod
    def slope(x, out):
        return np.sinh(x)


class Asinh(FloatUnary):
    value = staticmethod(np.arcsinh)

    @staticmethod
    def slope(x, out):
        return 1 / np.sqrt(x * x + 1)


class Acosh(FloatUnary):
    value = staticmethod(np.arccosh)

    @staticmethod
    def slope(x, out):
        # + 0.0 turns the -0 of (x - 1)(x + 1) at x = -1 into +0, so the slope is +inf there as at 1 (torch)
        return 1 / np.sqrt((x - 1) * (x + 1) + 0.0)


class Atanh(FloatUnary):
    value = staticmethod(np.arctanh)

    @staticmethod
    def slope(x, out):
        return 1 / (1 - x * x)


class Log2(FloatUnary):
    value = staticmethod(np.log2)

    @staticmethod
    def slope(x, out):
        return 1 / (x * _LN2)


class Log10(FloatUnary):
    value = staticmethod(np.log10)

    @staticmethod
    def slope(x, out):
        return 1 / (x * _LN10)


class Exp2(FloatUnary):
    value = staticmethod(np.exp2)

    @staticmethod
    def slope(x, out):
        return out * _LN2


class Sinc(FloatUnary):
    """sin(pi x) / (pi x), 1 at 0 (numpy's normalised sinc, as PyTorch's); d/dx = (cos(pi x) - sinc x) / x,
    0 at 0."""

    value = staticmethod(np.sinc)

    @staticmethod
    def slope(x, out):
        safe = np.where(x == 0, 1, x)
        return np.where(x == 0, 0, (np.cos(np.pi * x) - out) / safe)


class Logit(Function):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given; d/dx = 1 / (x (1 - x)),
    0 outside the clamp, NaN outside [0, 1] without eps (as the value, and torch)."""

    @staticmethod
    def forward(ctx: Context, x, eps=None):
        x = floating(x)
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        ctx.save_for_backward(x)
        ctx.eps = eps
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        with np.errstate(divide="ignore", invalid="ignore"):
            g = grad / (x * (1 - x))
        if ctx.eps is not None:
            return np.where((x < ctx.eps) | (x > 1 - ctx.eps), 0, g)
        return np.where((x < 0) | (x > 1), np.nan, g)


# ---- binary -------------------------------------------------------------------------------------
class FloatBinary(Function):
    """``value(a, b)`` with PyTorch's float result dtype; backward is ``grad * slopes(a, b, out)``."""

    @staticmethod
    def value(a, b):
        raise NotImplementedError

    @staticmethod
    def slopes(a, b, out):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx: Context, a, b):
        a, b = float_pair(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = _torch_float(np.asarray(cls.value(a, b)), a, b)
        ctx.save_for_backward(np.asarray(a), np.asarray(b), out)
        return out

    @classmethod
    def backward(cls, ctx: Context, grad):
        a, b, out = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            da, db = cls.slopes(a, b, out)
        return (grad * da if need_a else None), (grad * db if need_b else None)


class Atan2(FloatBinary):
    """atan2(a, b), the angle of the point (b, a); d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2), both 0
    where a^2 + b^2 is 0 (torch's choice, at the origin and where the squares underflow)."""

    value = staticmethod(np.arctan2)

    @staticmethod
    def slopes(a, b, out):
        r2 = a * a + b * b
        recip = np.where(r2 == 0, 0, 1 / r2)
        return b * recip, -a * recip


class LogAddExp(FloatBinary):
    """log(e^a + e^b); the slopes are the softmax weights 1 / (1 + e^(b - a)), 1 / (1 + e^(a - b)) -- torch's
    form, which is (1, 0) for (inf, 1) or (1, -inf) where e^(a - out) is e^(inf - inf) = NaN (and NaN for
    equal infinities, as torch)."""

    value = staticmethod(np.logaddexp)

    @staticmethod
    def slopes(a, b, out):
        return 1 / (1 + np.exp(b - a)), 1 / (1 + np.exp(a - b))


class LogAddExp2(FloatBinary):
    """log2(2^a + 2^b); the slopes are 1 / (1 + 2^(b - a)), 1 / (1 + 2^(a - b)) (see LogAddExp)."""

    value = staticmethod(np.logaddexp2)

    @staticmethod
    def slopes(a, b, out):
        return 1 / (1 + np.exp2(b - a)), 1 / (1 + np.exp2(a - b))


class Hypot(FloatBinary):
    """sqrt(a^2 + b^2); d/da = a / out, d/db = b / out (NaN at the origin, as PyTorch's)."""

    value = staticmethod(np.hypot)

    @staticmethod
    def slopes(a, b, out):
        return a / out, b / out


class Copysign(FloatBinary):
    """|a| with the sign of b; d/da = +-1 (out / a, 0 where a is 0), no gradient to b (0, as PyTorch)."""

    value = staticmethod(np.copysign)

    @staticmethod
    def slopes(a, b, out):
        safe = np.where(a == 0, 1, a)
        return np.where(a == 0, 0, out / safe), np.zeros_like(out)


class Xlogy(FloatBinary):
    """a * log(b), 0 where a is 0 (unless b is NaN); d/da = log b (0 where a = 0 and b <= 0), d/db = a / b."""

    @staticmethod
    def value(a, b):
        out = np.multiply(a, np.log(b))
        return np.where((np.asarray(a) == 0) & ~np.isnan(b), 0, out)

    @staticmethod
    def slopes(a, b, out):
        da = np.where((a == 0) & (b <= 0), 0, np.log(b))
        return da, a / b
