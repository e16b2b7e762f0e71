"""erf, erfc, erfinv, lgamma, digamma and polygamma (ops/special.py): values to float64 round-off against
math.erf/math.lgamma and torch over wide ranges, edge values, result dtypes, and gradients against finite
differences and torch."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
from tinygrad_rnn.ops import special as sp

RNG = np.random.default_rng(1234)


def _wide(n=4000):
    return np.concatenate([RNG.uniform(-6, 6, n), RNG.uniform(-30, 30, n // 4),
                           10.0 ** RNG.uniform(-300, 2, n // 4) * RNG.choice([-1, 1], n // 4),
                           [0.0, -0.0, 0.5, -0.5, 4.0, -4.0, 27.0, -27.0]])


def _rel(got, ref):
    got, ref = np.asarray(got), np.asarray(ref)
    return np.abs(got - ref) / np.maximum(np.abs(ref), np.finfo(np.float64).tiny)


def test_erf_matches_math_erf_to_round_off():
    x = _wide()
    assert _rel(sp.erf(x), [math.erf(v) for v in x]).max() < 1e-14


def test_erfc_keeps_relative_accuracy_in_the_tail():
    x = np.concatenate([_wide(), RNG.uniform(4, 26, 500)])
    ref = np.array([math.erfc(v) for v in x])
    ok = ref > 0
    assert _rel(sp.erfc(x)[ok], ref[ok]).max() < 1e-14


def test_erfinv_inverts_erf_and_matches_torch():
    torch = pytest.importorskip("torch")
    y = np.concatenate([RNG.uniform(-1, 1, 5000), 1 - 10.0 ** RNG.uniform(-16, -1, 500),
                        10.0 ** RNG.uniform(-300, -1, 500), [np.nextafter(1, 0), -np.nextafter(1, 0), 5e-324]])
    got = sp.erfinv(y)
    ref = torch.erfinv(torch.tensor(y)).numpy()
    assert _rel(got, ref).max() < 1e-14
    tail = y > 0.9  # the residual 1 - y is what erfc(got) must reproduce there
    assert _rel([math.erfc(v) for v in got[tail]], 1 - y[tail]).max() < 1e-13


def test_lgamma_to_round_off_including_its_zeros():
    torch = pytest.importorskip("torch")
    x = np.concatenate([RNG.uniform(0, 20, 4000), 10.0 ** RNG.uniform(-300, 300, 1000), RNG.uniform(0.9, 2.1, 1000),
                        [1.0, 2.0, 1 + 1e-9, 2 - 1e-9]])
    got = sp.lgamma(x)
    ref = torch.lgamma(torch.tensor(x)).numpy()  # glibc's lgamma keeps relative accuracy near 1 and 2
    assert _rel(got, ref).max() < 1e-13
    assert got[-4] == 0 and got[-3] == 0
    # negative arguments (reflection): relative accuracy away from lgamma's negative zeros
    xn = -RNG.uniform(0, 20, 3000)
    xn = xn[xn != np.floor(xn)]
    refn = np.array([math.lgamma(v) for v in xn])
    assert (np.abs(sp.lgamma(xn) - refn) / np.maximum(np.abs(refn), 1)).max() < 1e-13


def test_digamma_and_polygamma_match_torch():
    torch = pytest.importorskip("torch")
    x = np.concatenate([RNG.uniform(0, 20, 3000), 10.0 ** RNG.uniform(-300, 300, 500), -RNG.uniform(0, 8, 1000)])
    x = x[x != np.floor(x)]
    got, ref = sp.digamma(x), torch.digamma(torch.tensor(x)).numpy()
    # relative where digamma is away from its zeros (1.4616..., and one in each negative interval); near a
    # pole the input's own rounding moves digamma by |x| eps / distance to the pole (relative), so allow that
    pole = np.where(x < 0, np.abs(x - np.round(x)), np.inf)
    tol = 1e-13 + 4 * np.finfo(float).eps * np.abs(x) / pole
    assert np.all(np.abs(got - ref) / np.maximum(np.abs(ref), 1) < tol)
    for n in (2, 3, 4):
        xp = x[(x > 0.01) & (x < 1e6)]
        assert _rel(sp.polygamma(n, xp), torch.polygamma(n, torch.tensor(xp)).numpy()).max() < 1e-13
    xp = x[(x > 0.01) & (x < 1e6)]
    # torch's trigamma truncates its asymptotic series (~5e-10); the identities below check ours at round-off
    assert _rel(sp.polygamma(1, xp), torch.polygamma(1, torch.tensor(xp)).numpy()).max() < 1e-9


def test_trigamma_identities():
    assert sp.polygamma(1, np.array([1.0]))[0] == pytest.approx(math.pi ** 2 / 6, rel=1e-15)
    assert sp.polygamma(1, np.array([0.5]))[0] == pytest.approx(math.pi ** 2 / 2, rel=1e-15)
    x = RNG.uniform(0.1, 30, 500)  # recurrence psi1(x) = psi1(x + 1) + 1 / x^2
    assert _rel(sp.polygamma(1, x), sp.polygamma(1, x + 1) + 1 / x ** 2).max() < 1e-14


EDGE = [np.inf, -np.inf, np.nan, 0.0, -0.0, -1.0, -2.0, 1.0, 2.0, 1.0, -1.0, 1.5, -1.5]


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_edge_values_match_torch(name):
    torch = pytest.importorskip("torch")
    x = np.array(EDGE)
    got = getattr(tg, name)(tg.tensor(x)).data
    ref = getattr(torch, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-14, atol=0, equal_nan=True)


@pytest.mark.parametrize("n", [1, 2])
def test_polygamma_edge_values_match_torch(n):
    torch = pytest.importorskip("torch")
    x = np.array([np.nan, 0.0, 1.0, 2.5, 1e300])
    np.testing.assert_allclose(tg.polygamma(n, tg.tensor(x)).data, torch.polygamma(n, torch.tensor(x)).numpy(),
                               rtol=1e-9, equal_nan=True)
    # at +inf the limit, 0 (torch gives 0 for n = 1 but NaN for n = 2)
    assert tg.polygamma(n, tg.tensor([np.inf])).data[0] == 0


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_result_dtypes_follow_torch(name, dtype):
    torch = pytest.importorskip("torch")
    x = np.array([0, 1, 3] if dtype == "int64" else [0.1, 0.5, 3.0], dtype=dtype)
    if name == "erfinv":
        x = (x * 0).astype(dtype) if dtype == "int64" else x / 4
    got = getattr(tg, name)(tg.tensor(x))
    ref = getattr(torch, name)(torch.tensor(x))
    assert str(got.dtype) == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.data, ref.numpy(), rtol=2e-6)


@pytest.mark.parametrize("name,lo,hi", [("erf", -3, 3), ("erfc", -3, 3), ("erfinv", -0.95, 0.95),
                                        ("lgamma", 0.1, 8), ("digamma", 0.1, 8)])
def test_gradients_finite_differences_and_torch(name, lo, hi):
    x = tg.tensor(RNG.uniform(lo, hi, (3, 4)), dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(getattr(tg, name), [x])
    torch = pytest.importorskip("torch")
    up = RNG.standard_normal((3, 4))
    getattr(tg, name)(x).backward(up)
    xt = torch.tensor(x.data, requires_grad=True)
    getattr(torch, name)(xt).backward(torch.tensor(up))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma_gradient(n):
    x = tg.tensor(RNG.uniform(0.2, 6, 5), dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda t: tg.polygamma(n, t), [x])
    assert tg.gradcheck(lambda t: t.polygamma(n), [x])


def test_lgamma_of_negative_non_integers_has_digamma_gradient():
    x = tg.tensor([-0.5, -1.3, -2.7], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(tg.lgamma, [x])


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(-0.999, 0.999, allow_nan=False)))
def test_erfinv_of_erf_roundtrip_any_shape(a):
    out = tg.erf(tg.erfinv(tg.tensor(a)))
    assert out.shape == a.shape
    np.testing.assert_allclose(out.data, a, rtol=1e-13, atol=1e-300)


def test_polygamma_rejects_a_negative_order():
    with pytest.raises(ValueError, match="non-negative"):
        tg.polygamma(-1, tg.tensor([1.0]))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_far_below_zero_comes_from_the_reflection_formula(n):
    """zeta(s, x) for x << 0 summed term by term would take ~|x| steps (polygamma and digamma's backward hung
    at -1e308); the reflection formula gives it at once, agreeing with the direct sum where both work and with
    torch where torch's own sin(pi x) keeps its digits."""
    torch = pytest.importorskip("torch")
    x = np.array([-1000.3, -1500.3, -12345.625, -1e6 - 0.5, -1e7 - 0.25])
    ours = tg.polygamma(n, tg.tensor(x)).data
    with_sum = sp._REFLECT_BELOW
    try:
        sp._REFLECT_BELOW = 1e9  # the direct sum at -1000.3 and -1500.3, for comparison
        summed = tg.polygamma(n, tg.tensor(x[:2])).data
    finally:
        sp._REFLECT_BELOW = with_sum
    np.testing.assert_allclose(ours[:2], summed, rtol=1e-9)
    np.testing.assert_allclose(ours[2:4], torch.polygamma(n, torch.tensor(x[2:4])).numpy(), rtol=1e-6, atol=1e-11)
    assert np.isposinf(tg.polygamma(1, tg.tensor(np.array([-2000.0, -1e308]))).data).all()  # poles
    g = tg.tensor(np.array([-1e308]), requires_grad=True)
    g.digamma().sum().backward()  # digamma's backward is trigamma
    assert np.isposinf(g.grad).all()
