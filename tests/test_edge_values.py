"""Pointwise ops at their edge values (huge, tiny, infinite, NaN, 0 ** 0, domain boundaries): value and
gradient against torch in float64 and float32, and the result dtype of float functions of integer and bool
tensors."""
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")

INF, NAN = np.inf, np.nan
DTYPES = ["float64", "float32"]


def _close(got, ref, dtype, rtol=None):
    rtol = rtol or (1e-12 if dtype == "float64" else 1e-6)
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64),
                               rtol=rtol, atol=0, equal_nan=True)


def _grad(t):
    g = t.grad
    return g.numpy() if hasattr(g, "numpy") else np.asarray(g)


def _check(tfn, ofn, dtype, *columns, rtol=None):
    """``ofn`` of tinygrad tensors against ``tfn`` of torch tensors: the values and every operand's
    gradient of the sum."""
    tt = [torch.tensor(np.array(c, dtype=dtype), requires_grad=True) for c in columns]
    ours = [tg.tensor(np.array(c, dtype=dtype), requires_grad=True) for c in columns]
    ref = tfn(*tt)
    ref.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = ofn(*ours)
        out.sum().backward()
    assert out.dtype == np.dtype(dtype)
    _close(out.numpy(), ref.detach().numpy(), dtype, rtol)
    for t, o in zip(tt, ours):
        assert _grad(o).dtype == np.dtype(dtype)
        _close(_grad(o), t.grad.numpy(), dtype, rtol)


def _huge(dtype):
    top = [1e308, -1e308, 1.5e307, -1.5e307] if dtype == "float64" else []
    return top + [3e38, -3e38, 1e30, -1e30, 30.0, -30.0, 27.0, -27.0, INF, -INF, NAN]


# 1. erf / erfc of huge arguments (|x| * 16 overflowed inside the tail's exp split: inf - inf = NaN)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_erfc_of_huge_arguments(name, dtype):
    _check(getattr(torch, name), getattr(tg, name), dtype, _huge(dtype))


# 2. lgamma of tiny negative numbers (pi / sin(pi x) overflowed in the reflection formula)
@pytest.mark.parametrize("dtype", DTYPES)
def test_lgamma_of_tiny_negative_numbers(dtype):
    if dtype == "float64":
        edge = [-1e-310, -5e-324, -2.2e-308, -1e-300, -1e-200, 1e-310, 5e-324]
    else:
        edge = [-1e-40, -1e-45, -1.2e-38, 1e-40]
    rng = np.random.default_rng(0)
    inside = np.concatenate([-rng.uniform(0, 0.5, 200), -(10.0 ** rng.uniform(-30, 0, 100)) / 2,
                             [-0.5, -0.25, -0.49999999, -1e-8]])
    # ours computes in float64; torch's float32 digamma is a few ulps off near its zero (x = -0.504)
    _check(torch.lgamma, tg.lgamma, dtype, np.concatenate([edge, inside]), rtol=None if dtype == "float64" else 2e-5)


# 3. logit's gradient outside [0, 1] is NaN (without eps), as the value is
@pytest.mark.parametrize("dtype", DTYPES)
def test_logit_gradient_outside_the_unit_interval(dtype):
    x = [-0.5, -1e-30, 1.5, 1 + 1e-6, 2.0, 0.0, 1.0, 0.3, NAN, INF, -INF]
    _check(torch.logit, tg.logit, dtype, x)
    _check(lambda t: torch.logit(t, 0.1), lambda t: tg.logit(t, 0.1), dtype, x)


# 4. logaddexp(2) gradients with infinite operands
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_gradient_with_infinite_operands(name, dtype):
    a = [INF, 1.0, INF, -INF, -INF, 1.0, INF, -INF, NAN, 1.0, 3.0, -700.0]
    b = [1.0, INF, INF, -INF, 1.0, -INF, -INF, INF, 1.0, NAN, -2.0, 700.0]
    _check(getattr(torch, name), getattr(tg, name), dtype, a, b)


# 5. atan2's gradient where a^2 + b^2 is 0 (torch: 0 for both operands)
@pytest.mark.parametrize("dtype", DTYPES)
def test_atan2_gradient_at_the_origin(dtype):
    a = [0.0, -0.0, 0.0, -0.0, 1e-200, 0.0, 1e-30, 1.0, 0.0, NAN]
    b = [0.0, 0.0, -0.0, -0.0, 0.0, 1e-200, 1e-25, 0.0, INF, 0.0]
    _check(torch.atan2, tg.atan2, dtype, a, b)


# 6. acosh's gradient at +-1 (torch: +inf at both; (x - 1)(x + 1) is -0 at -1, and 1 / sqrt(-0) = -inf)
@pytest.mark.parametrize("dtype", DTYPES)
def test_acosh_gradient_at_plus_minus_one(dtype):
    _check(torch.acosh, tg.acosh, dtype, [1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.5, INF, NAN])


# 7. pow at 0 ** 0: the base's slope is 0 where the exponent is 0, the exponent's slope 0 where the base
# is 0 and the exponent >= 0
@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_tensor_tensor_at_zero(dtype):
    a = [0.0, 0.0, -0.0, 0.0, 0.0, 0.0, 2.0, -1.0, 0.0, 3.0]
    b = [0.0, -0.0, 0.0, 1.0, -1.0, 0.5, 0.0, 0.0, 2.0, 2.0]
    _check(lambda x, y: x ** y, lambda x, y: x ** y, dtype, a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("exponent", [0, 0.0, -0.0, 1, 2.0, -1.0, 0.5])
def test_pow_tensor_scalar_at_zero(exponent, dtype):
    # (-0) ** 0.5 is left out: torch's slope there is -inf, from its rsqrt(-0) shortcut for pow(x, -0.5)
    x = [0.0, 1.0, 2.0, -3.0] if exponent == 0.5 else [0.0, -0.0, 1.0, 2.0, -3.0]
    _check(lambda t: t ** exponent, lambda t: t ** exponent, dtype, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("base", [0.0, 0, 2.0])
def test_pow_scalar_tensor_at_zero(base, dtype):
    _check(lambda x: base ** x, lambda x: base ** x, dtype, [0.0, -0.0, 1.0, -1.0, 0.5, 2.0])


# 8. abs's gradient at NaN (torch: 0, sgn(NaN) being 0)
@pytest.mark.parametrize("dtype", DTYPES)
def test_abs_gradient_at_nan(dtype):
    _check(torch.abs, lambda t: t.abs(), dtype, [NAN, 0.0, -0.0, -2.0, 3.0, INF, -INF])


# 9. float functions of integer and bool tensors give the default float dtype
UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "expm1", "log1p", "rsqrt",
         "tan", "log2", "erf", "lgamma"]


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
@pytest.mark.parametrize("name", UNARY)
def test_float_functions_of_integer_tensors_give_the_default_dtype(name, dtype, default):
    x = np.array([0, 1, 1, 0], dtype=dtype) if dtype == "bool" else np.array([0, 1, 2, 3], dtype=dtype)
    old_t, old_o = torch.get_default_dtype(), tg.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    tg.set_default_dtype(getattr(tg, default))
    try:
        ref = getattr(torch, name)(torch.from_numpy(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = getattr(tg, name)(tg.tensor(x))
    finally:
        torch.set_default_dtype(old_t)
        tg.set_default_dtype(old_o)
    assert str(ref.dtype) == f"torch.{out.dtype}"
    _close(out.numpy(), ref.numpy(), default)
