"""Elementwise math and special functions: tan ... atanh, log2, hypot, xlogy, erf, lgamma, polygamma."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..ops import math_more as mm
from ..ops import special as sp
from ..tensor import Tensor
from ._common import _arr, _binary, _t

_FLOAT_UNARY = ("tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh", "acosh",
                "atanh", "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2", "sinc", "deg2rad", "rad2deg",
                "erf", "erfc", "erfinv", "lgamma", "digamma")

__all__ = [
    *_FLOAT_UNARY, "atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "copysign", "xlogy", "logit",
    "float_power", "heaviside", "signbit", "nextafter", "polygamma",
]


def tan(input: Any) -> Tensor:
    """tan(x); d/dx = 1 + tan(x)^2."""
    return mm.Tan.apply(_t(input))


def asin(input: Any) -> Tensor:
    """arcsin on [-1, 1] (NaN outside); d/dx = 1 / sqrt(1 - x^2)."""
    return mm.Asin.apply(_t(input))


def acos(input: Any) -> Tensor:
    """arccos on [-1, 1] (NaN outside); d/dx = -1 / sqrt(1 - x^2)."""
    return mm.Acos.apply(_t(input))


def atan(input: Any) -> Tensor:
    """arctan; d/dx = 1 / (1 + x^2)."""
    return mm.Atan.apply(_t(input))


def sinh(input: Any) -> Tensor:
    return mm.Sinh.apply(_t(input))


def cosh(input: Any) -> Tensor:
    return mm.Cosh.apply(_t(input))


def asinh(input: Any) -> Tensor:
    return mm.Asinh.apply(_t(input))


def acosh(input: Any) -> Tensor:
    """arccosh on [1, inf) (NaN below 1)."""
    return mm.Acosh.apply(_t(input))


def atanh(input: Any) -> Tensor:
    """arctanh on [-1, 1] (+-inf at +-1, NaN outside)."""
    return mm.Atanh.apply(_t(input))


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input) in (-pi, pi] (input and other broadcast)."""
    return _binary(mm.Atan2, input, other)


def log2(input: Any) -> Tensor:
    return mm.Log2.apply(_t(input))


def log10(input: Any) -> Tensor:
    return mm.Log10.apply(_t(input))


def exp2(input: Any) -> Tensor:
    return mm.Exp2.apply(_t(input))


def logaddexp(input: Any, other: Any) -> Tensor:
    """log(exp(input) + exp(other)) without overflow."""
    return _binary(mm.LogAddExp, input, other)


def logaddexp2(input: Any, other: Any) -> Tensor:
    """log2(2^input + 2^other) without overflow."""
    return _binary(mm.LogAddExp2, input, other)


def hypot(input: Any, other: Any) -> Tensor:
    """sqrt(input^2 + other^2) without overflow."""
    return _binary(mm.Hypot, input, other)


def copysign(input: Any, other: Any) -> Tensor:
    """|input| with the sign of other (-0.0 counts as negative)."""
    return _binary(mm.Copysign, input, other)


def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), 0 where input is 0 (unless other is NaN)."""
    return _binary(mm.Xlogy, input, other)


def logit(input: Any, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] first when eps is given."""
    return mm.Logit.apply(_t(input), eps=eps)


def sinc(input: Any) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0."""
    return mm.Sinc.apply(_t(input))


def deg2rad(input: Any) -> Tensor:
    x = _t(input)
    return _float_of(x) * (math.pi / 180)


def rad2deg(input: Any) -> Tensor:
    x = _t(input)
    return _float_of(x) * (180 / math.pi)


def _float_of(x: Tensor) -> Tensor:
    return x if x.dtype.kind in "fc" else x.to(get_default_dtype())


def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64 (PyTorch's float_power: the result is always double)."""
    base = _t(input).to(np.float64)
    exp = exponent.to(np.float64) if isinstance(exponent, Tensor) else float(exponent)
    return base ** exp


def heaviside(input: Any, values: Any) -> Tensor:
    """``values`` where input == 0, else 1 where input > 0 and 0 elsewhere (NaN included, as PyTorch); not
    differentiable, as in PyTorch."""
    x, v = _t(input), _t(values)
    dt = np.result_type(x.data, v.data)
    return Tensor._wrap(np.asarray(np.where(x.data == 0, v.data, x.data > 0)).astype(dt, copy=False))


def signbit(input: Any) -> Tensor:
    """True where the sign bit is set (negatives and -0.0); bool."""
    return Tensor._wrap(np.asarray(np.signbit(_t(input).data)))


def nextafter(input: Any, other: Any) -> Tensor:
    """The next float after input towards other (not differentiable)."""
    x, o = _t(input), _arr(other)
    return Tensor._wrap(np.asarray(np.nextafter(x.data, o)).astype(x.dtype, copy=False))


def erf(input: Any) -> Tensor:
    """The error function; d/dx = 2/sqrt(pi) exp(-x^2)."""
    return sp.Erf.apply(_t(input))


def erfc(input: Any) -> Tensor:
    """1 - erf(x), accurate where it is tiny."""
    return sp.Erfc.apply(_t(input))


def erfinv(input: Any) -> Tensor:
    """The inverse error function on [-1, 1] (+-inf at +-1, NaN outside)."""
    return sp.Erfinv.apply(_t(input))


def lgamma(input: Any) -> Tensor:
    """log|Gamma(x)| (+inf at 0, -1, -2, ...); d/dx = digamma(x)."""
    return sp.Lgamma.apply(_t(input))


def digamma(input: Any) -> Tensor:
    """d/dx lgamma(x) (-inf at 0, NaN at the negative integers); d/dx = polygamma(1, x)."""
    return sp.Digamma.apply(_t(input))


def polygamma(n: int, input: Any) -> Tensor:
    """The n-th derivative of digamma (``torch.polygamma(n, x)``; the method is ``x.polygamma(n)``)."""
    return sp.Polygamma.apply(_t(input), n=n)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``polygamma(n, self)``."""
    return polygamma(n, self)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = asin, acos, atan, asinh, acosh, atanh, atan2
