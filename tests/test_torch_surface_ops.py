"""PyTorch's indexing/scatter, rearranging and elementwise extras: values and dtypes against torch itself,
gradients against torch under a random upstream and against finite differences (float64 gradcheck)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, gradcheck

torch = pytest.importorskip("torch")


def check(fn, *arrays, grad=True, atol=1e-10, seed=0):
    """``fn(lib, *tensors)`` with lib tinygrad_rnn and torch: equal values, dtypes and shapes; with ``grad``
    (float inputs require grad), equal gradients under one random upstream, and a passing gradcheck."""
    needs = [grad and a.dtype.kind == "f" for a in arrays]
    ours = [Tensor(a.copy(), requires_grad=n) for a, n in zip(arrays, needs)]
    theirs = [torch.tensor(a.copy(), requires_grad=n) for a, n in zip(arrays, needs)]
    out, ref = fn(tg, *ours), fn(torch, *theirs)
    if isinstance(ref, tuple):
        assert isinstance(out, tuple) and len(out) == len(ref)
        for o, r in zip(out, ref):
            _same(o, r, atol)
        return
    _same(out, ref, atol)
    if not grad or not any(needs):
        return
    upstream = np.random.default_rng(seed).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    for o, r, n in zip(ours, theirs, needs):
        if n:
            expected = np.zeros(o.shape) if r.grad is None else r.grad.numpy()
            got = np.zeros(o.shape) if o.grad is None else o.grad
            np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-7)
    fresh = [Tensor(a.copy(), requires_grad=n) for a, n in zip(arrays, needs)]
    assert gradcheck(lambda *ts: fn(tg, *ts), fresh)


def _same(out, ref, atol):
    ref = ref.detach().numpy()
    assert out.shape == ref.shape, (out.shape, ref.shape)
    assert out.dtype == ref.dtype, (out.dtype, ref.dtype)
    np.testing.assert_allclose(out.data, ref, atol=atol, rtol=1e-7)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@st.composite
def scatter_case(draw):
    """self (rows x cols), a dim, a src at least index's size and an index with distinct entries along dim
    (so which write wins is defined)."""
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    dim = draw(st.integers(0, ndim - 1))
    ishape = tuple(draw(st.integers(1, n)) for n in shape)
    seed = draw(st.integers(0, 10 ** 6))
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random(ishape[:dim] + (shape[dim],) + ishape[dim + 1:]), axis=dim)
    index = np.take(perms, np.arange(ishape[dim]), axis=dim).astype(np.int64)
    # src exactly index's shape: torch's own backward fails on a larger src (its src gradient is index-shaped)
    return rand(*shape, seed=seed), dim, index, rand(*ishape, seed=seed + 1)


# ---- group 1: scatter, index_add, selection --------------------------------------------------------
@given(scatter_case())
def test_scatter_src(case):
    x, dim, index, src = case
    check(lambda L, a, s: a.scatter(dim, L.tensor(index), s), x, src)
    check(lambda L, a, s: L.scatter(a, dim, L.tensor(index), s), x, src)


@given(scatter_case())
def test_scatter_add(case):
    x, dim, _, src = case
    rng = np.random.default_rng(1)
    index = rng.integers(0, x.shape[dim], size=src.shape)  # repeats accumulate: any index
    index = index[tuple(slice(0, n) for n in np.minimum(index.shape, x.shape[:dim] + (9,) + x.shape[dim + 1:]))]
    check(lambda L, a, s: a.scatter_add(dim, L.tensor(index), s), x, src)


def test_scatter_from_a_larger_src():
    x, src, idx = rand(3, 4), rand(4, 5), np.array([[2, 0], [0, 1]])
    ours = tg.tensor(x).scatter(0, tg.tensor(idx), tg.tensor(src))
    np.testing.assert_array_equal(ours.numpy(), torch.tensor(x).scatter(0, torch.tensor(idx), torch.tensor(src)).numpy())
    for reduce in (None, "add"):
        ins = [Tensor(x.copy(), requires_grad=True), Tensor(src.copy(), requires_grad=True)]
        assert gradcheck(lambda a, s: a.scatter(0, tg.tensor(idx), s, reduce=reduce), ins)


def test_scatter_value_and_in_place():
    idx = np.array([[1], [3], [0]])
    check(lambda L, a: a.scatter(1, L.tensor(idx), 2.5), rand(3, 4))
    check(lambda L, a: a.scatter(1, L.tensor(idx), value=-1.0), rand(3, 4))
    # the one-hot idiom
    ours = tg.zeros(3, 5).scatter_(1, tg.tensor(idx), 1.0)
    ref = torch.zeros(3, 5).scatter_(1, torch.tensor(idx), 1.0)
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    assert ours._version == 1


def test_in_place_scatter_is_recorded_on_non_leaves():
    idx = np.array([[0, 2], [1, 0]])
    check(lambda L, a, s: (a * 2).scatter_(1, L.tensor(idx), s) * 3, rand(2, 3), rand(2, 2))
    check(lambda L, a, s: (a * 2).scatter_add_(0, L.tensor(idx % 2), s) * 3, rand(2, 3), rand(2, 2))
    check(lambda L, a, s: (a + 0).index_add_(1, L.tensor([2, 0, 2]), s, alpha=0.5), rand(2, 3), rand(2, 3))
    check(lambda L, a: (a + 0).index_fill_(0, L.tensor([1]), 7.0), rand(3, 2))


def test_in_place_on_leaf_that_requires_grad_raises():
    x = tg.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.scatter_(1, tg.tensor([[0], [1]]), 1.0)


@given(st.integers(1, 3), st.integers(0, 10 ** 6))
def test_index_add(ndim, seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 4, size=ndim))
    dim = int(rng.integers(0, ndim))
    index = rng.integers(0, shape[dim], size=int(rng.integers(1, 5)))  # torch takes no negative index here
    src = rand(*(shape[:dim] + (len(index),) + shape[dim + 1:]), seed=seed)
    check(lambda L, a, s: a.index_add(dim, L.tensor(index), s), rand(*shape, seed=seed + 1), src)
    check(lambda L, a, s: L.index_add(a, dim, L.tensor(index), s, alpha=-2.0), rand(*shape, seed=seed + 1), src)


def test_index_add_takes_negative_indices():
    ours = tg.zeros(3).index_add(0, tg.tensor([-1, 0, -1]), tg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(ours.numpy(), [2.0, 0.0, 4.0])


def test_index_fill_masked_select_take():
    check(lambda L, a: a.index_fill(1, L.tensor([0, 2]), -3.0), rand(2, 4))
    check(lambda L, a: L.index_fill(a, 0, L.tensor([1]), 0.5), rand(3, 2))
    mask = rand(3, 4) > 0
    check(lambda L, a: a.masked_select(L.tensor(mask)), rand(3, 4))
    check(lambda L, a: L.masked_select(a, L.tensor(mask[:1])), rand(3, 4))  # mask broadcast over rows
    check(lambda L, a: a.masked_select(L.tensor(mask)), rand(1, 4))  # self broadcast
    check(lambda L, a: a.take(L.tensor([[0, 5], [-1, 5]])), rand(2, 3))
    check(lambda L, a: L.take(a, L.tensor([3, 3, 0])), rand(4))


def test_take_along_dim_and_select():
    idx = np.argsort(rand(3, 4), axis=1)
    check(lambda L, a: a.take_along_dim(L.tensor(idx), dim=1), rand(3, 4))
    check(lambda L, a: L.take_along_dim(a, L.tensor(idx[:, :2]), 1), rand(3, 4))
    check(lambda L, a: a.take_along_dim(L.tensor(idx[:1]), 1), rand(3, 4))  # indices broadcast
    check(lambda L, a: a.take_along_dim(L.tensor([0, 11, 5])), rand(3, 4))
    check(lambda L, a: a.select(1, -1), rand(3, 4, 2))
    check(lambda L, a: L.select(a, 0, 2), rand(3, 4))
    with pytest.raises(IndexError):
        tg.zeros(2, 3).select(1, 3)


@pytest.mark.parametrize("data", [np.array([[0, 1.5, 0], [2, 0, -1]]), np.array([0, 0]), np.array([[True, False]])])
def test_nonzero_argwhere(data):
    check(lambda L, a: a.nonzero(), data, grad=False)
    check(lambda L, a: L.nonzero(a, as_tuple=True), data, grad=False)
    check(lambda L, a: L.argwhere(a), data, grad=False)
    check(lambda L, a: a.count_nonzero(), data, grad=False)


def test_scatter_errors_name_the_problem():
    x = tg.zeros(2, 3)
    with pytest.raises(TypeError, match="index"):
        x.scatter(1, tg.tensor([[0.0]]), 1.0)
    with pytest.raises(IndexError, match="out of range"):
        x.scatter(1, tg.tensor([[3]]), 1.0)
    with pytest.raises(ValueError, match="dimensions"):
        x.scatter(1, tg.tensor([0]), 1.0)
    with pytest.raises(ValueError, match="source"):
        x.index_add(0, tg.tensor([0]), tg.zeros(2, 3))


# ---- group 2: rearranging -------------------------------------------------------------------------
@given(st.integers(0, 10 ** 6))
def test_repeat_interleave(seed):
    rng = np.random.default_rng(seed)
    x = rand(2, 3, seed=seed)
    times = int(rng.integers(0, 3))
    check(lambda L, a: a.repeat_interleave(times), x)
    counts = rng.integers(0, 3, size=3)
    check(lambda L, a: a.repeat_interleave(L.tensor(counts), dim=1), x)
    check(lambda L, a: L.repeat_interleave(a, 2, dim=0), x)
    np.testing.assert_array_equal(tg.repeat_interleave(tg.tensor(counts)).numpy(),
                                  torch.repeat_interleave(torch.tensor(counts)).numpy())


@given(st.integers(-7, 7), st.integers(-7, 7))
def test_roll(s0, s1):
    x = rand(3, 4)
    check(lambda L, a: a.roll(s0), x)
    check(lambda L, a: L.roll(a, (s0, s1), (0, 1)), x)
    check(lambda L, a: a.roll(s1, -1), x)


def test_tile_movedim_swapaxes_mT():
    x = rand(2, 3, 4)
    check(lambda L, a: a.tile(2), x)
    check(lambda L, a: L.tile(a, (2, 1, 1, 2)), x)
    check(lambda L, a: a.movedim(0, -1), x)
    check(lambda L, a: L.movedim(a, (0, 2), (2, 0)), x)
    check(lambda L, a: L.moveaxis(a, (1, 0), (0, 2)), x)
    check(lambda L, a: a.swapaxes(0, 2), x)
    check(lambda L, a: L.swapdims(a, 1, 2), x)
    check(lambda L, a: a.mT, x)


@pytest.mark.parametrize("n,dim", [(1, -1), (2, 0), (3, 1), (5, 1)])
def test_diff(n, dim):
    check(lambda L, a: a.diff(n=n, dim=dim), rand(3, 4))
    check(lambda L, a, p: L.diff(a, n, dim, prepend=p), rand(3, 4), rand(3, 4, seed=1))
    check(lambda L, a: L.diff(a, dim=0, append=L.zeros(1, 4, dtype=L.float64)), rand(3, 4))
    check(lambda L, a: a.diff(), np.array([True, False, False, True]), grad=False)


@pytest.mark.parametrize("k", [-2, -1, 0, 1, 3])
def test_diag(k):
    check(lambda L, a: a.diag(k), rand(3))
    check(lambda L, a: L.diag(a, k), rand(3, 4))
    check(lambda L, a: L.diag(a, k), np.arange(3), grad=False)


def test_is_contiguous_type_as_detach_():
    x, r = tg.zeros(2, 3), torch.zeros(2, 3)
    assert x.is_contiguous() == r.is_contiguous()
    assert x.t().is_contiguous() == r.t().is_contiguous() is False
    assert x.t().contiguous().is_contiguous()
    check(lambda L, a: a.t().contiguous() * 2, rand(2, 3))
    assert tg.zeros(2).type_as(tg.zeros(1, dtype=tg.int64)).dtype == np.int64
    check(lambda L, a: a.type_as(L.zeros(1, dtype=L.float32)), rand(3), grad=False, atol=1e-6)
    y = tg.zeros(2, requires_grad=True) * 2
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None
