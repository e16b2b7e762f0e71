"""The special functions PyTorch has as elementwise ops -- erf, erfc, erfinv, lgamma, digamma, polygamma --
in numpy alone, to float64 round-off, with their gradients as Function classes.

erf/erfc are W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969; the CALERF intervals
|x| <= 0.5, <= 4, > 4). erfinv is a single-precision starting guess (M. Giles, 2010) refined by Halley
steps on erf (Newton steps on log erfc in the tail). lgamma and digamma reduce the argument to [1.5, 2.5] by the recurrence and sum the
Taylor series about 2, whose coefficients are zeta(k) - 1 (so the zeros of lgamma at 1 and 2 keep their
relative accuracy); large arguments use Stirling's series, negative ones the reflection formula.
polygamma(n >= 1) is (-1)^(n+1) n! zeta(n + 1, x), the Hurwitz zeta by Euler-Maclaurin summation.
Every function computes in float64 and returns the input's float dtype.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Context, Function
from ..dtypes import get_default_dtype

_F64 = np.float64
_SQRT_PI_INV = 0.56418958354775628695  # 1 / sqrt(pi)
_TWO_OVER_SQRT_PI = 1.1283791670955125739
_EULER = 0.57721566490153286061

# Cody's coefficients, interval by interval
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)


def _as_f64(x) -> np.ndarray:
    return np.asarray(x, dtype=_F64)


def out_dtype(x) -> np.dtype:
    """The result dtype of a float function of ``x``: its float dtype, else the default float (PyTorch's rule)."""
    dt = np.asarray(x).dtype
    return dt if dt.kind == "f" else np.dtype(get_default_dtype())


def _exp_neg_square(y: np.ndarray) -> np.ndarray:
    """exp(-y*y) with y*y split as in CALERF, so the rounding of y*y is not magnified by exp."""
    ysq = np.trunc(y * 16) / 16
    return np.exp(-ysq * ysq) * np.exp(-(y - ysq) * (y + ysq))


def _erfc_tail(y: np.ndarray) -> np.ndarray:
    """erfc(y) for y >= 0.5 (Cody's second and third intervals)."""
    out = np.empty_like(y)
    mid = y <= 4
    ym = y[mid]
    num, den = _C[8] * ym, ym.copy()
    for i in range(7):
        num, den = (num + _C[i]) * ym, (den + _D[i]) * ym
    out[mid] = (num + _C[7]) / (den + _D[7])
    yt = y[~mid]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = 1 / (yt * yt)
        num, den = _P[5] * z, z.copy()
        for i in range(4):
            num, den = (num + _P[i]) * z, (den + _Q[i]) * z
        r = z * (num + _P[4]) / (den + _Q[4])
        out[~mid] = (_SQRT_PI_INV - r) / yt
        out = out * _exp_neg_square(y)
    # erfc(y) underflows to 0 from y ~ 27.3 on; above ~1e307 the split in _exp_neg_square overflows (y * 16)
    # to inf - inf = NaN, so those (and +inf) are set outright
    out[y > 40] = 0.0
    return out


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| <= 0.5."""
    z = x * x
    num, den = _A[4] * z, z.copy()
    for i in range(3):
        num, den = (num + _A[i]) * z, (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def erf(x) -> np.ndarray:
    """The error function, float64."""
    x = _as_f64(x)
    y = np.abs(x)
    small = y <= 0.5
    out = np.empty_like(x)
    out[small] = _erf_small(x[small])
    big = ~small & ~np.isnan(x)
    out[big] = np.copysign((0.5 - _erfc_tail(y[big])) + 0.5, x[big])
    out[np.isnan(x)] = np.nan
    return out


def erfc(x) -> np.ndarray:
    """The complementary error function 1 - erf(x), float64, accurate where it is tiny (large x)."""
    x = _as_f64(x)
    y = np.abs(x)
    small = y <= 0.5
    out = np.empty_like(x)
    out[small] = 1 - _erf_small(x[small])
    big = ~small & ~np.isnan(x)
    tail = _erfc_tail(y[big])
    out[big] = np.where(x[big] < 0, 2 - tail, tail)
    out[np.isnan(x)] = np.nan
    return out


def _erfinv_guess(x: np.ndarray) -> np.ndarray:
    """Giles' single-precision erfinv (relative error ~1e-7), the starting point of the Halley steps."""
    with np.errstate(divide="ignore"):
        w = -np.log((1 - x) * (1 + x))
    central = w < 5
    wc = w - 2.5
    p = np.full_like(x, 2.81022636e-08)
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        p = c + p * wc
    wt = np.sqrt(w) - 3
    q = np.full_like(x, -0.000200214257)
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        q = c + q * wt
    return np.where(central, p, q) * x


def erfinv(x) -> np.ndarray:
    """The inverse of erf on (-1, 1): +-inf at +-1, NaN outside [-1, 1]. Float64."""
    x = _as_f64(x)
    inside = np.abs(x) < 1
    a = np.where(inside, np.abs(x), 0.0)  # by symmetry, solve for |x|
    y = _erfinv_guess(a)
    tail = a > 0.5
    one_minus = 1 - a  # exact for a in [0.5, 1] (Sterbenz), so the tail residual keeps its digits
    log_one_minus = np.log(np.where(tail, one_minus, 1.0))
    for _ in range(5):  # the far tail (1 - |x| < 1e-8, beyond the guess's float32 design) needs all five
        # inside: Halley's step on f = erf(y) - a (f'' = -2 y f'); in the tail, Newton's step on
        # log erfc(y) - log(1 - a), which is nearly quadratic in y where erfc is steep
        slope = _TWO_OVER_SQRT_PI * np.exp(-y * y)
        ratio = (erf(y) - a) / slope
        e = erfc(y)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail_step = (np.log(e) - log_one_minus) * e / slope
        y = np.where(tail, y + tail_step, y - ratio / (1 + y * ratio))
    out = np.copysign(y, x)
    out = np.where(np.abs(x) == 1, np.copysign(np.inf, x), out)
    return np.where(inside | (np.abs(x) == 1), out, np.nan)


def _zeta_minus_one(k: int) -> float:
    """zeta(k) - 1 = sum_{n >= 2} n^-k by Euler-Maclaurin (k >= 2), to float64 round-off."""
    n = 12
    head = math.fsum(m ** -k for m in range(n - 1, 1, -1))
    # tail sum_{m >= n} m^-k ~ integral + half the first term + Bernoulli corrections
    tail = n ** (1 - k) / (k - 1) + 0.5 * n ** -k
    rising, bernoulli = k, (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)
    fact = 2
    for j, b in enumerate(bernoulli, start=1):
        tail += b / fact * rising * n ** (-k - 2 * j + 1)
        rising *= (k + 2 * j - 1) * (k + 2 * j)
        fact *= (2 * j + 1) * (2 * j + 2)
    return head + tail


_ZM1 = np.array([_zeta_minus_one(k) for k in range(2, 40)])  # zeta(k) - 1 for k = 2..39


def _lgamma_near_two(z: np.ndarray) -> np.ndarray:
    """lgamma(2 + z) for |z| <= 0.5: (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k (Horner)."""
    acc = np.zeros_like(z)
    for k in range(len(_ZM1) + 1, 1, -1):
        acc = acc * z + (-1) ** k * _ZM1[k - 2] / k
    return z * ((1 - _EULER) + z * acc)


def _digamma_near_two(z: np.ndarray) -> np.ndarray:
    """digamma(2 + z) for |z| <= 0.5: 1 - gamma + sum_k (-1)^k (zeta(k) - 1) z^(k-1)."""
    acc = np.zeros_like(z)
    for k in range(len(_ZM1) + 1, 1, -1):
        acc = acc * z + (-1) ** k * _ZM1[k - 2]
    return (1 - _EULER) + z * acc


def _sin_pi(x: np.ndarray) -> np.ndarray:
    """|sin(pi x)| with the argument reduced exactly (x - round(x) has no rounding error)."""
    return np.abs(np.sin(np.pi * (x - np.round(x))))


def _stirling_lgamma(x: np.ndarray) -> np.ndarray:
    """lgamma(x) for x >= 10 by Stirling's series (the next term is below 4e-17 at x = 10)."""
    with np.errstate(over="ignore"):
        z = 1 / (x * x)
    series = (1 / 12 + z * (-1 / 360 + z * (1 / 1260 + z * (-1 / 1680 + z * (1 / 1188 + z * (
        -691 / 360360 + z * (1 / 156 + z * (-3617 / 122400)))))))) / x
    return (x - 0.5) * np.log(x) - x + 0.91893853320467274178 + series


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """lgamma on x > 0 (finite)."""
    out = np.empty_like(x)
    large = x >= 10
    out[large] = _stirling_lgamma(x[large])
    tiny = x < 0.5   # lgamma(x) = lgamma(2 + x) - log(1 + x) - log(x)
    xt = x[tiny]
    out[tiny] = _lgamma_near_two(xt) - np.log1p(xt) - np.log(xt)
    low = (x >= 0.5) & (x < 1.5)  # lgamma(x) = lgamma(2 + (x - 1)) - log1p(x - 1); x - 1 is exact here
    zl = x[low] - 1
    out[low] = _lgamma_near_two(zl) - np.log1p(zl)
    mid = (x >= 1.5) & ~large  # down to r in [1.5, 2.5): lgamma(x) = lgamma(r) + log(r (r+1) ... (x-1))
    xm = x[mid]
    n = np.floor(xm - 1.5)
    r = xm - n
    prod = np.ones_like(xm)
    for j in range(8):
        prod = np.where(j < n, prod * (r + j), prod)
    out[mid] = _lgamma_near_two(r - 2) + np.log(prod)
    return out


def lgamma(x) -> np.ndarray:
    """log|Gamma(x)|, float64: +inf at the poles 0, -1, -2, ... and at +-inf; NaN for NaN."""
    x = _as_f64(x)
    out = np.full_like(x, np.inf)
    finite = np.isfinite(x)
    pos = finite & (x > 0)
    out[pos] = _lgamma_positive(x[pos])
    # on (-0.5, 0), lgamma(x) = lgamma(2 + x) - log(1 + x) - log(-x) as for tiny positive x: the reflection
    # below would overflow in pi / sin(pi x) for |x| < ~1e-308
    small = finite & (x < 0) & (x > -0.5)
    xs = x[small]
    out[small] = _lgamma_near_two(xs) - np.log1p(xs) - np.log(-xs)
    neg = finite & (x <= -0.5) & (x != np.floor(x))
    xn = x[neg]
    # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x)
    out[neg] = np.log(np.pi / _sin_pi(xn)) - _lgamma_positive(1 - xn)
    out[np.isnan(x)] = np.nan
    return out


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """digamma on x > 0 (finite)."""
    out = np.empty_like(x)
    large = x >= 10
    xl = x[large]
    with np.errstate(over="ignore"):
        z = 1 / (xl * xl)
    series = z * (1 / 12 + z * (-1 / 120 + z * (1 / 252 + z * (-1 / 240 + z * (1 / 132 + z * (
        -691 / 32760 + z * (1 / 12)))))))
    out[large] = np.log(xl) - 0.5 / xl - series
    tiny = x < 0.5  # digamma(x) = digamma(2 + x) - 1/(1 + x) - 1/x
    xt = x[tiny]
    out[tiny] = _digamma_near_two(xt) - 1 / (1 + xt) - 1 / xt
    low = (x >= 0.5) & (x < 1.5)
    xw = x[low]
    out[low] = _digamma_near_two(xw - 1) - 1 / xw
    mid = (x >= 1.5) & ~large
    xm = x[mid]
    n = np.floor(xm - 1.5)
    r = xm - n
    acc = np.zeros_like(xm)
    for j in range(8):
        acc = np.where(j < n, acc + 1 / (r + j), acc)
    out[mid] = _digamma_near_two(r - 2) + acc
    return out


def digamma(x) -> np.ndarray:
    """d/dx lgamma(x), float64: -inf at +0 and +inf at -0 (PyTorch's choice), NaN at the negative integers and -inf."""
    x = _as_f64(x)
    out = np.full_like(x, np.nan)
    pos = np.isfinite(x) & (x > 0)
    out[pos] = _digamma_positive(x[pos])
    neg = np.isfinite(x) & (x < 0) & (x != np.floor(x))
    xn = x[neg]
    # reflection: digamma(1 - x) - digamma(x) = pi cot(pi x); tan has period pi, so reduce exactly
    out[neg] = _digamma_positive(1 - xn) - np.pi / np.tan(np.pi * (xn - np.round(xn)))
    zero = x == 0
    out[zero] = np.where(np.signbit(x[zero]), np.inf, -np.inf)  # like -1/x, as PyTorch
    out[np.isposinf(x)] = np.inf
    return out


_REFLECT_BELOW = 1e3  # below -this, zeta(s, x) comes from zeta(s, 1 - x) by reflection


def _reflected_zeta(s: int, x: np.ndarray) -> np.ndarray:
    """zeta(s, x) for negative x from the polygamma reflection formula, which in zeta's terms reads
    zeta(s, x) = (-1)^(s-1) (pi^s P_{s-1}(cot(pi x)) / (s-1)! + zeta(s, 1 - x)), with P_0(c) = c and
    P_{k+1}(c) = -(1 + c^2) P_k'(c) (so that d^k/dx^k cot(pi x) = pi^k P_k(cot(pi x))). The cotangent is taken
    of x mod 1, exact for any float; integers are poles (+inf)."""
    from numpy.polynomial import polynomial as P

    coef = np.array([0.0, 1.0])  # P_0(c) = c
    for _ in range(s - 1):
        coef = -P.polymul([1.0, 0.0, 1.0], P.polyder(coef))
    r = np.remainder(x, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.cos(np.pi * r) / np.sin(np.pi * r)
        out = (-1.0) ** (s - 1) * (np.pi ** s * P.polyval(c, coef) / math.factorial(s - 1) + _hurwitz_zeta(s, 1.0 - x))
    out[r == 0] = np.inf
    return out


def _hurwitz_zeta(s: int, x: np.ndarray) -> np.ndarray:
    """zeta(s, x) = sum_{k >= 0} (x + k)^-s for an integer s >= 2: the terms below ``10 + s`` are summed, the
    rest by Euler-Maclaurin (the Bernoulli terms up to B_16 leave float64 round-off there). Poles
    (x = 0, -1, ...) give +inf."""
    x = _as_f64(x)
    top = 10.0 + s
    ok = np.isfinite(x)
    far = ok & (x < -_REFLECT_BELOW)
    if far.any():  # summing ~|x| terms one by one would take as long: the reflection formula instead
        out = _hurwitz_zeta(s, np.where(far, 0.5, x))
        out[far] = _reflected_zeta(s, x[far])
        return out
    xs = np.where(ok, x, top)
    m = np.maximum(np.ceil(top - xs), 0)  # terms summed one by one
    head = np.zeros_like(xs)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k in range(int(m.max(initial=0))):
            head += np.where(k < m, np.abs(xs + k) ** -float(s) * np.sign(xs + k) ** s, 0.0)
    a = xs + m
    tail = a ** (1.0 - s) / (s - 1) + 0.5 * a ** -float(s)
    rising, fact = float(s), 2.0
    for j, b in enumerate((1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510), start=1):
        tail = tail + b / fact * rising * a ** (-s - 2 * j + 1.0)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        fact *= (2 * j + 1) * (2 * j + 2)
    out = head + tail
    out[(xs <= 0) & (xs == np.floor(xs))] = np.inf
    out[np.isposinf(x)] = 0.0
    out[np.isnan(x) | np.isneginf(x)] = np.nan
    return out


def polygamma(n: int, x) -> np.ndarray:
    """The n-th derivative of digamma, float64: polygamma(0) is digamma."""
    if n == 0:
        return digamma(x)
    return (-1.0) ** (n + 1) * math.factorial(n) * _hurwitz_zeta(n + 1, x)


# ---- the ops ------------------------------------------------------------------------------------
class _SpecialUnary(Function):
    """``value(x)`` in float64, returned in x's float dtype; the gradient is ``grad * slope(x)``."""

    value = staticmethod(erf)

    @staticmethod
    def slope(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx: Context, x):
        ctx.save_for_backward(x)
        return cls.value(x).astype(out_dtype(x), copy=False)

    @classmethod
    def backward(cls, ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * cls.slope(x).astype(grad.dtype, copy=False)


class Erf(_SpecialUnary):
    """erf(x); d/dx = 2/sqrt(pi) exp(-x^2)."""

    value = staticmethod(erf)

    @staticmethod
    def slope(x):
        return _TWO_OVER_SQRT_PI * np.exp(-_as_f64(x) ** 2)


class Erfc(_SpecialUnary):
    """erfc(x) = 1 - erf(x); d/dx = -2/sqrt(pi) exp(-x^2)."""

    value = staticmethod(erfc)

    @staticmethod
    def slope(x):
        return -_TWO_OVER_SQRT_PI * np.exp(-_as_f64(x) ** 2)


class Erfinv(_SpecialUnary):
    """erfinv(x); d/dx = sqrt(pi)/2 exp(erfinv(x)^2)."""

    value = staticmethod(erfinv)

    @staticmethod
    def slope(x):
        y = erfinv(x)
        return np.exp(y * y) / _TWO_OVER_SQRT_PI


class Lgamma(_SpecialUnary):
    """log|Gamma(x)|; d/dx = digamma(x)."""

    value = staticmethod(lgamma)
    slope = staticmethod(digamma)


class Digamma(_SpecialUnary):
    """digamma(x); d/dx = polygamma(1, x)."""

    value = staticmethod(digamma)

    @staticmethod
    def slope(x):
        return polygamma(1, x)


class Polygamma(Function):
    """polygamma(n, x); d/dx = polygamma(n + 1, x)."""

    @staticmethod
    def forward(ctx: Context, x, n=1):
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
        ctx.save_for_backward(x)
        ctx.n = int(n)
        return polygamma(ctx.n, x).astype(out_dtype(x), copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        return grad * polygamma(ctx.n + 1, x).astype(grad.dtype, copy=False)
