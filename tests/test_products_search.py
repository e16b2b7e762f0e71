"""Products, reductions and search, creation and random draws, and the indexing writes of functions_more:
values, dtypes and gradients against torch, and finite differences (float64)."""
import math

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg

RNG = np.random.default_rng(3)


def _torch():
    return pytest.importorskip("torch")


def _pair(*shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    return [tg.tensor(a, requires_grad=True) for a in arrays], arrays


def _compare(fn_tg, fn_torch, shapes, rtol=1e-11, **kw):
    """fn on tinygrad tensors and on torch tensors: equal values and gradients, and gradcheck passes."""
    torch = _torch()
    xs, arrays = _pair(*shapes)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn_tg(*xs), fn_torch(*ts)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=1e-12)
    up = RNG.standard_normal(out.shape)
    out.backward(up)
    ref.backward(torch.tensor(up))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=rtol, atol=1e-12)
    assert tg.gradcheck(fn_tg, [tg.tensor(a, requires_grad=True) for a in arrays])


# ---- products -------------------------------------------------------------------------------------------
PRODUCTS = [
    ("mv", lambda m, a, b: m.mv(a, b), [(3, 4), (4,)]),
    ("addmm", lambda m, i, a, b: m.addmm(i, a, b, beta=0.5, alpha=2.0), [(3, 5), (3, 4), (4, 5)]),
    ("addmm_bcast", lambda m, i, a, b: m.addmm(i, a, b), [(5,), (3, 4), (4, 5)]),
    ("addmv", lambda m, i, a, b: m.addmv(i, a, b, alpha=-1.5), [(3,), (3, 4), (4,)]),
    ("addr", lambda m, i, a, b: m.addr(i, a, b, beta=2.0), [(3, 4), (3,), (4,)]),
    ("addbmm", lambda m, i, a, b: m.addbmm(i, a, b), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    ("baddbmm", lambda m, i, a, b: m.baddbmm(i, a, b, beta=0.25, alpha=3.0), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    ("vdot", lambda m, a, b: m.vdot(a, b), [(5,), (5,)]),
    ("kron", lambda m, a, b: m.kron(a, b), [(2, 3), (3, 2)]),
    ("kron_ranks", lambda m, a, b: m.kron(a, b), [(3,), (2, 2)]),
    ("trace", lambda m, a: m.trace(a), [(4, 3)]),
    ("cross", lambda m, a, b: m.cross(a, b, dim=1), [(4, 3), (4, 3)]),
    ("cross_bcast", lambda m, a, b: m.cross(a, b, dim=-1), [(2, 1, 3), (1, 4, 3)]),
    ("tensordot2", lambda m, a, b: m.tensordot(a, b, dims=2), [(2, 3, 4), (3, 4, 5)]),
    ("tensordot_pairs", lambda m, a, b: m.tensordot(a, b, dims=([0, 2], [1, 0])), [(2, 3, 4), (4, 2, 5)]),
    ("tensordot0", lambda m, a, b: m.tensordot(a, b, dims=0), [(2,), (3,)]),
    ("chain_matmul", lambda m, a, b, c: m.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)]),
    ("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4,)]),
    ("linalg_cross", lambda m, a, b: m.linalg.cross(a, b), [(2, 3), (2, 3)]),
    ("vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [(2, 3), (2, 3)]),
    ("vector_norm", lambda m, a: m.linalg.vector_norm(a, 3, dim=1), [(2, 3)]),
    ("dist", lambda m, a, b: m.dist(a, b, 3), [(2, 3), (3,)]),
    ("dist_inf", lambda m, a, b: m.dist(a, b, math.inf), [(2, 3), (2, 3)]),
    ("renorm", lambda m, a: m.renorm(a, 2, 0, 1.0), [(3, 4)]),
]


@pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated")
@pytest.mark.parametrize("name,fn,shapes", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_products_against_torch(name, fn, shapes):
    torch = _torch()
    _compare(lambda *xs: fn(tg, *xs), lambda *ts: fn(torch, *ts), shapes)


def test_product_methods_and_integer_trace():
    torch = _torch()
    a = np.arange(12).reshape(3, 4)
    assert str(tg.tensor(a).trace().dtype) == str(torch.tensor(a).trace().dtype).replace("torch.", "") == "int64"
    m, v = tg.tensor(RNG.standard_normal((3, 4))), tg.tensor(RNG.standard_normal(4))
    np.testing.assert_allclose(m.mv(v).data, m.data @ v.data)
    np.testing.assert_allclose(tg.tensor([[1.0, 2]]).kron(tg.tensor([[1.0], [1]])).data, [[1, 2], [1, 2]])


def test_addmm_beta_zero_ignores_nan_in_input():
    out = tg.addmm(tg.tensor([[math.nan]]), tg.ones(1, 2), tg.ones(2, 1), beta=0)
    assert out.data[0, 0] == 2


def test_cross_default_dim_is_the_first_of_size_3():
    torch = _torch()
    a, b = RNG.standard_normal((3, 3, 4)), RNG.standard_normal((3, 3, 4))
    with pytest.warns(UserWarning):
        ref = torch.cross(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(tg.cross(tg.tensor(a), tg.tensor(b)).data, ref.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="size 3"):
        tg.cross(tg.ones(2, 4), tg.ones(2, 4))


# ---- reductions and search ------------------------------------------------------------------------------
def test_cummax_cummin_values_indices_and_gradients():
    torch = _torch()
    a = np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0], [4.0, 1.0, np.nan, 0.0, np.nan, 9.0]])
    for name in ("cummax", "cummin"):
        for dim in (0, 1, -1):
            out, ref = getattr(tg, name)(tg.tensor(a), dim), getattr(torch, name)(torch.tensor(a), dim)
            np.testing.assert_array_equal(out.values.data, ref.values.numpy())
            np.testing.assert_array_equal(out.indices.data, ref.indices.numpy())
            assert out.indices.dtype == np.int64 and type(out).__name__ == name
    _compare(lambda x: x.cummax(1).values, lambda t: t.cummax(1).values, [(3, 5)])
    _compare(lambda x: tg.cummin(x, 0).values, lambda t: torch.cummin(t, 0).values, [(4, 2)])


def test_kthvalue_and_mode_match_torch():
    torch = _torch()
    a = RNG.integers(0, 4, (3, 7)).astype(np.float64)
    for dim in (0, 1):
        for keepdim in (False, True):
            for k in (1, 3):
                out = tg.kthvalue(tg.tensor(a), k, dim, keepdim)
                ref = torch.kthvalue(torch.tensor(a), k, dim, keepdim)
                np.testing.assert_array_equal(out.values.data, ref.values.numpy())
                # ties may be broken at another index than torch's: the index must point at the value
                ix = out.indices.data if keepdim else np.expand_dims(out.indices.data, dim)
                np.testing.assert_array_equal(np.take_along_axis(a, ix, dim).reshape(out.values.shape),
                                              out.values.data)
            out, ref = tg.tensor(a).mode(dim, keepdim), torch.tensor(a).mode(dim, keepdim)
            np.testing.assert_array_equal(out.values.data, ref.values.numpy())
            np.testing.assert_array_equal(out.indices.data, ref.indices.numpy())
    _compare(lambda x: x.kthvalue(2, 1).values, lambda t: t.kthvalue(2, 1).values, [(3, 4)])
    with pytest.raises(RuntimeError, match="out of range"):
        tg.kthvalue(tg.ones(3), 4)


def test_nanmean_matches_torch():
    torch = _torch()
    a = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
    for dim in (None, 0, 1):
        np.testing.assert_array_equal(tg.nanmean(tg.tensor(a), dim).data, torch.nanmean(torch.tensor(a), dim).numpy())
    # gradients: 0 at a NaN of a row with numbers; an all-NaN row's NaN, as torch's (0 / 0 there), with no
    # numpy warning on the way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, yt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        tg.nanmean(y, 1).nansum().backward()
    torch.nanmean(yt, 1).nansum().backward()
    np.testing.assert_array_equal(y.grad, yt.grad.numpy())
    assert np.isnan(y.grad[1]).all() and y.grad[0].tolist() == [0.5, 0.0, 0.5]


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_nanmean_values_and_gradients_with_all_nan_slices_match_torch(dim, keepdim, dtype):
    torch = _torch()
    a = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, -2.0], [np.nan, 4.0, np.nan]], dtype=dtype)
    up = RNG.standard_normal(np.asarray(torch.nanmean(torch.tensor(a), dim, keepdim)).shape)
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    with np.errstate(all="raise"):
        out = tg.nanmean(x, dim, keepdim)
        out.backward(up.astype(dtype))
    ref = torch.nanmean(xt, dim, keepdim)
    ref.backward(torch.tensor(up.astype(dtype)))
    assert out.dtype == np.dtype(dtype) and out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-6)  # NaN where torch's is NaN


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_quantile_and_nanquantile_match_torch(interpolation):
    torch = _torch()
    a = RNG.standard_normal((4, 6))
    an = a.copy()
    an[0, 1] = an[2, :] = np.nan
    for q in (0.3, [0.0, 0.25, 0.5, 1.0]):
        for dim, keepdim in ((None, False), (None, True), (0, False), (1, True), (-1, False)):
            qt = torch.tensor(q, dtype=torch.float64) if isinstance(q, list) else q
            qq = tg.tensor(np.array(q)) if isinstance(q, list) else q
            out = tg.quantile(tg.tensor(a), qq, dim, keepdim, interpolation=interpolation)
            ref = torch.quantile(torch.tensor(a), qt, dim, keepdim, interpolation=interpolation)
            np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12)
            out = tg.tensor(an).nanquantile(qq, dim, keepdim, interpolation=interpolation)
            ref = torch.nanquantile(torch.tensor(an), qt, dim, keepdim, interpolation=interpolation)
            np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12, equal_nan=True)
            out = tg.tensor(an).quantile(qq, dim, keepdim, interpolation=interpolation)
            ref = torch.quantile(torch.tensor(an), qt, dim, keepdim, interpolation=interpolation)
            np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12, equal_nan=True)


def test_quantile_gradients_and_errors():
    torch = _torch()
    _compare(lambda x: tg.quantile(x, 0.4, 1), lambda t: torch.quantile(t, 0.4, 1), [(3, 5)])
    _compare(lambda x: x.quantile(tg.tensor(np.array([0.1, 0.9])), 0, True),
             lambda t: t.quantile(torch.tensor([0.1, 0.9], dtype=torch.float64), 0, True), [(4, 2)])
    with pytest.raises(RuntimeError, match="float or double"):
        tg.quantile(tg.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tg.quantile(tg.tensor([1.0, 2.0]), 1.5)


def test_aminmax_searchsorted_bucketize_histc_match_torch():
    torch = _torch()
    a = RNG.standard_normal((3, 4))
    out, ref = tg.aminmax(tg.tensor(a), dim=1, keepdim=True), torch.aminmax(torch.tensor(a), dim=1, keepdim=True)
    np.testing.assert_array_equal(out.min.data, ref.min.numpy())
    np.testing.assert_array_equal(tg.tensor(a).aminmax().max.data, torch.tensor(a).aminmax().max.numpy())
    seq = np.array([1.0, 2.0, 2.0, 4.0])
    vals = np.array([[0.5, 2.0], [4.0, 9.0]])
    for kw in ({}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}):
        out = tg.searchsorted(tg.tensor(seq), tg.tensor(vals), **kw)
        ref = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw)
        np.testing.assert_array_equal(out.data, ref.numpy())
        assert str(out.dtype) == str(ref.dtype).replace("torch.", "")
    rows = np.sort(RNG.standard_normal((2, 5)), axis=1)
    v2 = RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(tg.searchsorted(tg.tensor(rows), tg.tensor(v2)).data,
                                  torch.searchsorted(torch.tensor(rows), torch.tensor(v2)).numpy())
    assert int(tg.searchsorted(tg.tensor(seq), 3.0).item()) == 3
    for right in (False, True):
        np.testing.assert_array_equal(tg.bucketize(tg.tensor(vals), tg.tensor(seq), right=right).data,
                                      torch.bucketize(torch.tensor(vals), torch.tensor(seq), right=right).numpy())
    h = RNG.standard_normal(100).astype(np.float32)
    for kw in ({}, {"bins": 7, "min": -1, "max": 1}, {"bins": 4}):
        out, ref = tg.histc(tg.tensor(h), **kw), torch.histc(torch.tensor(h), **kw)
        np.testing.assert_array_equal(out.data, ref.numpy())
        assert out.dtype == np.float32


def test_unique_consecutive_matches_torch():
    torch = _torch()
    a = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    out = tg.unique_consecutive(tg.tensor(a), return_inverse=True, return_counts=True)
    ref = torch.unique_consecutive(torch.tensor(a), return_inverse=True, return_counts=True)
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(o.data, r.numpy())
    m = np.array([[1, 1], [1, 1], [2, 3], [1, 1]])
    out = tg.tensor(m).unique_consecutive(return_counts=True, dim=0)
    ref = torch.tensor(m).unique_consecutive(return_counts=True, dim=0)
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(o.data, r.numpy())


# ---- creation and random --------------------------------------------------------------------------------
def test_index_creation_matches_torch():
    torch = _torch()
    for args in ((4, 3), (3, 5, 1), (4, 4, -1)):
        np.testing.assert_array_equal(tg.tril_indices(*args).data, torch.tril_indices(*args).numpy())
        np.testing.assert_array_equal(tg.triu_indices(*args).data, torch.triu_indices(*args).numpy())
    np.testing.assert_allclose(tg.logspace(0, 2, 5).data, torch.logspace(0, 2, 5).numpy(), rtol=1e-6)
    np.testing.assert_allclose(tg.logspace(0, 3, 4, base=2).data, torch.logspace(0, 3, 4, base=2).numpy())
    assert tg.logspace(0, 1, 3).dtype == np.float32


def test_block_diag_cartesian_combinations_vander_against_torch():
    torch = _torch()
    _compare(lambda a, b, c: tg.block_diag(a, b, c), lambda a, b, c: torch.block_diag(a, b, c), [(2, 3), (1,), (2, 2)])
    _compare(lambda a, b: tg.cartesian_prod(a, b), lambda a, b: torch.cartesian_prod(a, b), [(3,), (2,)])
    _compare(lambda a: tg.combinations(a, 2), lambda a: torch.combinations(a, 2), [(4,)])
    _compare(lambda a: tg.combinations(a, 3, with_replacement=True),
             lambda a: torch.combinations(a, 3, with_replacement=True), [(3,)])
    # torch.vander's own backward fails (an in-place cumprod in its graph), so values against torch and
    # gradients against d/dx x^k = k x^(k-1)
    a = RNG.standard_normal(4)
    np.testing.assert_allclose(tg.vander(tg.tensor(a)).data, torch.vander(torch.tensor(a)).numpy(), rtol=1e-13)
    np.testing.assert_allclose(tg.vander(tg.tensor(a), 3, increasing=True).data,
                               torch.vander(torch.tensor(a), 3, increasing=True).numpy(), rtol=1e-13)
    x = tg.tensor(a, requires_grad=True)
    tg.vander(x, 4).sum().backward()
    np.testing.assert_allclose(x.grad, 3 * a ** 2 + 2 * a + 1, rtol=1e-12)
    x = tg.tensor([0.0, 2.0], dtype=tg.float64, requires_grad=True)  # zeros: no 0 * inf in the gradient
    assert tg.gradcheck(lambda t: tg.vander(t, 4), [x])
    v = tg.vander(tg.tensor([2, 3]))
    assert v.dtype == np.int64 and v.data.tolist() == [[2, 1], [3, 1]]


@pytest.mark.parametrize("offset,dim1,dim2", [(0, -2, -1), (1, -2, -1), (-2, 0, 2), (2, 1, 0)])
def test_diag_embed_and_diagflat_match_torch(offset, dim1, dim2):
    torch = _torch()
    _compare(lambda a: tg.diag_embed(a, offset, dim1, dim2), lambda a: torch.diag_embed(a, offset, dim1, dim2),
             [(2, 3)])
    _compare(lambda a: a.diagflat(offset), lambda a: a.diagflat(offset), [(2, 2)])


def test_random_draws_come_from_the_library_generator():
    tg.manual_seed(5)
    first = [tg.normal(0.0, 1.0, (3,)), tg.bernoulli(tg.full((4,), 0.5)), tg.poisson(tg.full((3,), 2.0)),
             tg.randint_like(tg.zeros(3), 10), tg.normal(tg.zeros(2), 2.0)]
    tg.manual_seed(5)
    again = [tg.normal(0.0, 1.0, (3,)), tg.bernoulli(tg.full((4,), 0.5)), tg.poisson(tg.full((3,), 2.0)),
             tg.randint_like(tg.zeros(3), 10), tg.normal(tg.zeros(2), 2.0)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.data, b.data)
    g = tg.Generator().manual_seed(1)
    assert tg.normal(0.0, 1.0, (2,), generator=g).dtype == np.float32


def test_random_distributions_shapes_dtypes_and_moments():
    tg.manual_seed(0)
    n = tg.normal(tg.full((20000,), 3.0), tg.full((20000,), 2.0))
    assert n.dtype == np.float32 and abs(n.data.mean() - 3) < 0.1 and abs(n.data.std() - 2) < 0.1
    b = tg.tensor(np.full(20000, 0.3)).bernoulli()
    assert b.dtype == np.float64 and set(np.unique(b.data)) <= {0.0, 1.0} and abs(b.data.mean() - 0.3) < 0.02
    assert abs(tg.bernoulli(tg.zeros(1000), p=0.8).data.mean() - 0.8) < 0.05
    p = tg.poisson(tg.full((20000,), 4.0))
    assert p.dtype == np.float32 and abs(p.data.mean() - 4) < 0.1
    r = tg.randint_like(tg.zeros(1000, dtype=tg.int32), 3, 6)
    assert r.dtype == np.int32 and r.data.min() >= 3 and r.data.max() <= 5


def test_normal_is_differentiable_in_mean_and_std():
    mean = tg.tensor([1.0, 2.0], requires_grad=True)
    std = tg.tensor([0.5, 1.5], requires_grad=True)
    out = tg.normal(mean, std)
    out.sum().backward()
    np.testing.assert_array_equal(mean.grad, [1, 1])
    np.testing.assert_allclose(std.grad, (out.data - mean.data) / std.data, rtol=1e-5)
    with pytest.raises(RuntimeError, match="std"):
        tg.normal(0.0, -1.0, (2,))


# ---- unfold and the indexing writes ------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim,size,step", [((10,), 0, 3, 2), ((2, 7, 3), 1, 4, 1), ((4, 5), -1, 5, 3),
                                                 ((3, 4), 0, 1, 1)])
def test_unfold_matches_torch(shape, dim, size, step):
    _compare(lambda x: x.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), [shape])


@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 4))
def test_unfold_window_count_any_length(n, size, step):
    x = tg.tensor(np.arange(float(n)))
    if size > n:
        with pytest.raises(RuntimeError, match="size"):
            x.unfold(0, size, step)
        return
    out = x.unfold(0, size, step)
    assert out.shape == ((n - size) // step + 1, size)
    np.testing.assert_array_equal(out.data[:, 0], np.arange(0, n - size + 1, step))


def test_masked_scatter_index_copy_index_put_put_against_torch():
    torch = _torch()
    mask = np.array([[True, False, True], [False, True, True]])
    _compare(lambda x, s: x.masked_scatter(tg.tensor(mask), s),
             lambda x, s: x.masked_scatter(torch.tensor(mask), s), [(2, 3), (5,)])
    _compare(lambda x, s: tg.masked_scatter(x, tg.tensor(mask[0]), s),
             lambda x, s: x.masked_scatter(torch.tensor(mask[0]), s), [(2, 3), (2, 3)])
    idx = np.array([2, 0])
    _compare(lambda x, s: x.index_copy(1, tg.tensor(idx), s),
             lambda x, s: x.index_copy(1, torch.tensor(idx), s), [(3, 4), (3, 2)])
    rows, cols = np.array([0, 2, 0]), np.array([1, 1, 1])
    _compare(lambda x, v: x.index_put((tg.tensor(rows), tg.tensor(cols)), v, accumulate=True),
             lambda x, v: x.index_put((torch.tensor(rows), torch.tensor(cols)), v, accumulate=True), [(3, 2), (3,)])
    r2, c2 = np.array([0, 2]), np.array([1, 0])
    _compare(lambda x, v: tg.index_put(x, (tg.tensor(r2), tg.tensor(c2)), v),
             lambda x, v: torch.index_put(x, (torch.tensor(r2), torch.tensor(c2)), v), [(3, 2), (2,)])
    flat = np.array([5, 0, 5])
    _compare(lambda x, s: x.put(tg.tensor(flat), s, accumulate=True),
             lambda x, s: x.put(torch.tensor(flat), s, accumulate=True), [(2, 3), (3,)])
    with pytest.raises(RuntimeError, match="source only"):
        tg.ones(2, 3).masked_scatter(tg.tensor(mask), tg.ones(2))


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-5, 5)),
       st.integers(0, 2))
def test_cummax_and_kthvalue_any_shape(a, dim):
    dim = dim % a.ndim
    values, idx = tg.tensor(a).cummax(dim)
    np.testing.assert_array_equal(values.data, np.maximum.accumulate(a, axis=dim))
    np.testing.assert_array_equal(np.take_along_axis(a, idx.data, dim), values.data)
    k = a.shape[dim]
    np.testing.assert_array_equal(tg.tensor(a).kthvalue(k, dim).values.data, a.max(axis=dim))


def test_in_place_writes_change_self_and_keep_the_graph():
    torch = _torch()
    base = RNG.standard_normal((2, 3))
    x = tg.tensor(base.copy())
    x.index_put_((tg.tensor([0]), tg.tensor([1])), tg.tensor(5.0, dtype=tg.float64))
    x.index_copy_(1, tg.tensor([2]), tg.tensor(np.ones((2, 1))))
    x.put_(tg.tensor([0]), tg.tensor([7.0], dtype=tg.float64), accumulate=True)
    xt = torch.tensor(base.copy())
    xt.index_put_((torch.tensor([0]), torch.tensor([1])), torch.tensor(5.0, dtype=torch.float64))
    xt.index_copy_(1, torch.tensor([2]), torch.ones((2, 1), dtype=torch.float64))
    xt.put_(torch.tensor([0]), torch.tensor([7.0], dtype=torch.float64), accumulate=True)
    np.testing.assert_array_equal(x.data, xt.numpy())
    leaf = tg.tensor(base, requires_grad=True)
    src = tg.tensor(np.arange(6.0), requires_grad=True)
    y = leaf * 1
    y.masked_scatter_(tg.tensor(base > 0), src)
    y.sum().backward()
    np.testing.assert_array_equal(leaf.grad, (base <= 0).astype(float))
    assert src.grad.sum() == (base > 0).sum()
    tg.manual_seed(0)
    z = tg.zeros(1000).bernoulli_(0.25)
    assert set(np.unique(z.data)) <= {0.0, 1.0} and abs(z.data.mean() - 0.25) < 0.05
