"""PyTorch's elementwise extras, in-place unary ops, products and reductions: values, dtypes and gradients
against torch, and float64 gradcheck (the helpers are test_torch_surface_ops's)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor

from test_torch_surface_ops import check, rand

torch = pytest.importorskip("torch")

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
# values off the rounding steps (x.5 and integers), where the finite differences would cross a jump
off_steps = st.integers(-30, 30).map(lambda i: i / 10 + 0.03)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc", "fix", "frac"])
@given(data=st.data())
def test_rounding(name, data):
    x = data.draw(hnp.arrays(np.float64, data.draw(shapes), elements=off_steps))
    check(lambda L, a: getattr(a, name)(), x)
    check(lambda L, a: getattr(L, name)(a) * a, x)  # zero gradient, the graph stays connected


def test_round_decimals_and_integers():
    check(lambda L, a: a.round(decimals=1) * a, np.array([1.234, -5.678, 0.26]))
    check(lambda L, a: L.round(a, decimals=-1), np.array([14.0, 26.0, -33.0]))
    check(lambda L, a: a.sign(), np.array([3, -2, 0]), grad=False)
    check(lambda L, a: L.floor(a), np.array([3, -2]), grad=False)


@given(data=st.data())
def test_reciprocal_lerp_addc(data):
    shape = data.draw(shapes)
    away = st.floats(0.3, 3).flatmap(lambda v: st.sampled_from([v, -v]))
    x, y, z = (data.draw(hnp.arrays(np.float64, shape, elements=away)) for _ in range(3))
    check(lambda L, a: a.reciprocal(), x)
    check(lambda L, a, b, w: a.lerp(b, w), x, y, z)
    check(lambda L, a, b: L.lerp(a, b, 0.3), x, y)
    check(lambda L, a, b, c: a.addcmul(b, c, value=0.5), x, y, z)
    check(lambda L, a, b, c: L.addcdiv(a, b, c, value=-2), x, y, z)
    check(lambda L, a, b, c: L.addcmul(a, b, c), x, y, z)


def test_reciprocal_of_integers_is_float():
    check(lambda L, a: a.reciprocal(), np.array([1, 2, 4], dtype=np.int64), grad=False, atol=1e-7)


def test_fmod():
    a = np.array([[5.3, -5.3], [2.2, -7.1]])
    b = np.array([[2.0, 2.0], [-1.5, 3.0]])
    check(lambda L, x, y: x.fmod(y), a, b)
    check(lambda L, x: L.fmod(x, 1.5), a)
    check(lambda L, x: L.fmod(x, 3), np.array([-7, 7, 5]), grad=False)


def test_nan_to_num():
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    check(lambda L, a: a.nan_to_num(), x, grad=False)
    check(lambda L, a: L.nan_to_num(a, nan=0.5, posinf=9.0, neginf=-9.0) * 2, x, grad=False)
    ours = Tensor(x.copy(), requires_grad=True)
    ours.nan_to_num(posinf=1.0, neginf=1.0).sum().backward()
    ref = torch.tensor(x, requires_grad=True)
    ref.nan_to_num(posinf=1.0, neginf=1.0).sum().backward()
    np.testing.assert_array_equal(ours.grad, ref.grad.numpy())


def test_clamp_min_max():
    x = np.array([-1.3, 0.2, 2.7, 0.9])
    check(lambda L, a: a.clamp_min(0.1), x)
    check(lambda L, a: L.clamp_max(a, 1.0), x)


@pytest.mark.parametrize("name", ["exp_", "log_", "sqrt_", "tanh_", "sigmoid_", "relu_", "abs_", "neg_"])
def test_in_place_unary(name):
    x = np.array([[0.3, 1.7], [2.2, 0.9]]) * np.array([1, -1]) if name in ("relu_", "abs_", "neg_", "tanh_") \
        else np.array([[0.3, 1.7], [2.2, 0.9]])
    # on a non-leaf it is recorded: gradients flow through as for the out-of-place op
    check(lambda L, a: getattr(a * 2, name)() * 3, x)
    # on a tensor outside the graph the values change in place (one version more, the same array)
    ours, ref = Tensor(x.copy()), torch.tensor(x.copy())
    before = ours.data
    assert getattr(ours, name)() is ours and ours.data is before and ours._version == 1
    getattr(ref, name)()
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12)
    if hasattr(torch, name):
        np.testing.assert_allclose(getattr(tg, name)(Tensor(x.copy())).numpy(), getattr(torch, name)(torch.tensor(x)).numpy())


def test_pow_in_place():
    x = np.array([0.5, 1.5, 2.0])
    check(lambda L, a: (a + 0).pow_(3) * 2, x)
    check(lambda L, a, e: (a + 0).pow_(e), x, np.array([2.0, 0.5, 1.0]))
    t = Tensor(x.copy())
    t.pow_(2)
    np.testing.assert_allclose(t.numpy(), x ** 2)


def test_in_place_on_a_leaf_that_requires_grad_raises():
    with pytest.raises(RuntimeError, match="leaf"):
        tg.zeros(2, requires_grad=True).exp_()
    with tg.no_grad():
        p = tg.ones(2, requires_grad=True)
        p.mul_(2).exp_()
    np.testing.assert_allclose(p.numpy(), np.exp([2.0, 2.0]), rtol=1e-6)


def test_dot_outer():
    check(lambda L, a, b: a.dot(b), rand(4), rand(4, seed=1))
    check(lambda L, a, b: L.dot(a, b), rand(3), rand(3, seed=1))
    check(lambda L, a, b: L.inner(a, b), rand(3), rand(3, seed=1))
    check(lambda L, a, b: a.outer(b), rand(3), rand(2, seed=1))
    check(lambda L, a, b: L.outer(a, b), rand(1), rand(4, seed=1))
    check(lambda L, a, b: L.ger(a, b), rand(2), rand(3, seed=1))
    with pytest.raises(RuntimeError, match="1-D"):
        tg.zeros(2, 2).dot(tg.zeros(2, 2))


@given(data=st.data())
def test_cumprod(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    # zeros included: the gradient must not divide by them
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 0.5, -1.2, 2.0, 1.1])))
    check(lambda L, a: a.cumprod(dim), x)
    check(lambda L, a: L.cumprod(a, dim=dim), x)


def test_cumprod_integers_and_0d():
    check(lambda L, a: a.cumprod(0), np.array([2, 3, 4], dtype=np.int32), grad=False)
    check(lambda L, a: a.cumprod(0), np.array(1.5))


def test_nansum_count_nonzero():
    x = np.array([[1.0, np.nan, 2.0], [np.nan, 0.0, 3.0]])
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        ours = Tensor(x.copy(), requires_grad=True)
        ref = torch.tensor(x, requires_grad=True)
        out, expected = tg.nansum(ours, **kwargs), torch.nansum(ref, **kwargs)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy())
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_array_equal(ours.grad, ref.grad.numpy())
    check(lambda L, a: a.nansum(), rand(3, 2))
    z = np.array([[0, 1, 2], [0, 0, 3]])
    check(lambda L, a: a.count_nonzero(), z, grad=False)
    check(lambda L, a: L.count_nonzero(a, dim=1), z, grad=False)
    check(lambda L, a: L.count_nonzero(a, dim=(0, 1)), z, grad=False)


# ---- einsum, unique, bincount, isclose, meshgrid, stacking --------------------------------------
EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("ijk->j", [(2, 3, 2)]),
    ("ij,jk", [(2, 3), (3, 2)]), ("ba,ca", [(2, 3), (4, 3)]), ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("bhqd, bhkd -> bhqk", [(1, 2, 3, 2), (1, 2, 2, 2)]), ("ij,kl->", [(2, 2), (1, 3)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUMS)
def test_einsum(equation, shapes):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda L, *ts: L.einsum(equation, *ts), *arrays)
    check(lambda L, *ts: L.einsum(equation, list(ts)) * 2, *arrays)


@pytest.mark.parametrize("equation", ["ij->k", "ij->ii", "ijk->i", "i1->i"])
def test_einsum_unsupported_forms_raise_one_clear_error(equation):
    with pytest.raises(ValueError, match="einsum"):
        tg.einsum(equation, tg.zeros(2, 2))


def test_einsum_size_mismatch():
    with pytest.raises(ValueError, match="sizes"):
        tg.einsum("ij,jk->ik", tg.zeros(2, 3), tg.zeros(2, 2))


@pytest.mark.parametrize("data", [np.array([[3, 1, 2], [1, 3, 3]]), np.array([2.5, -1.0, 2.5, 0.0]), np.array([True, False, True])])
@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True, "sorted": True}])
def test_unique(data, kwargs):
    check(lambda L, a: L.unique(a, **kwargs), data, grad=False)
    check(lambda L, a: a.unique(**kwargs), data, grad=False)


def test_unique_dim():
    data = np.array([[3, 1], [1, 3], [3, 1]])
    check(lambda L, a: L.unique(a, dim=0, return_inverse=True, return_counts=True), data, grad=False)
    check(lambda L, a: L.unique(a, dim=1, return_inverse=True), data, grad=False)


def test_bincount():
    x = np.array([0, 2, 2, 5])
    check(lambda L, a: L.bincount(a), x, grad=False)
    check(lambda L, a: a.bincount(minlength=8), x, grad=False)
    check(lambda L, a, w: L.bincount(a, weights=w), x, np.array([0.5, 1.0, 2.0, -1.0]), grad=False)
    check(lambda L, a, w: L.bincount(a, w), x, np.array([0.5, 1.0, 2.0, -1.0], dtype=np.float32), grad=False)
    check(lambda L, a: L.bincount(a), np.array([], dtype=np.int64), grad=False)
    with pytest.raises(RuntimeError, match="non-negative"):
        tg.bincount(tg.tensor([-1]))


def test_isclose():
    a, b = np.array([1.0, 2.0, np.nan, 1e-9]), np.array([1.0 + 1e-6, 2.1, np.nan, 0.0])
    check(lambda L, x, y: L.isclose(x, y), a, b, grad=False)
    check(lambda L, x, y: x.isclose(y, rtol=0.1, equal_nan=True), a, b, grad=False)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check(lambda L, a, b: L.meshgrid(a, b, indexing=indexing)[0] * L.meshgrid(a, b, indexing=indexing)[1],
          rand(3), rand(2, seed=1))
    check(lambda L, a, b, c: L.stack(L.meshgrid([a, b, c], indexing=indexing)), rand(2), rand(3, seed=1), rand(2, seed=2))
    check(lambda L, a, b: L.meshgrid(a, b, indexing=indexing), np.arange(3), np.arange(2), grad=False)


def test_hstack_vstack_column_stack():
    check(lambda L, a, b: L.hstack([a, b]), rand(2), rand(3, seed=1))
    check(lambda L, a, b: L.hstack((a, b)), rand(2, 2), rand(2, 1, seed=1))
    check(lambda L, a, b: L.vstack([a, b]), rand(3), rand(3, seed=1))
    check(lambda L, a, b: L.vstack([a, b]), rand(1, 3), rand(2, 3, seed=1))
    check(lambda L, a, b: L.row_stack([a, b]), rand(3), rand(2, 3, seed=1))
    check(lambda L, a, b: L.column_stack([a, b]), rand(3), rand(3, 2, seed=1))
    check(lambda L, a, b: L.column_stack([a, b]), rand(2), rand(2, seed=1))
