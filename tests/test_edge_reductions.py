"""Edge cases of reductions, search, pooling and batch normalization, compared with PyTorch: zero-norm
gradients, addmm's beta=0, mode and quantile with NaN, vectorised searchsorted, padding-only pool windows,
empty adaptive pools, float32 batch statistics with a large mean."""
import math

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor

torch = pytest.importorskip("torch")

NAN, INF = math.nan, math.inf


def _grads(fn_ours, fn_torch, x):
    """(our value, torch value, our grad, torch grad) of sum(fn(x)) at the float64 array x."""
    a = Tensor(np.array(x, dtype=np.float64), requires_grad=True)
    out = fn_ours(a)
    out.sum().backward()
    ta = torch.tensor(np.array(x, dtype=np.float64), requires_grad=True)
    tout = fn_torch(ta)
    tout.sum().backward()
    tgrad = ta.grad.numpy() if ta.grad is not None else np.zeros(ta.shape)
    ograd = a.grad if a.grad is not None else np.zeros(a.shape)
    return out.numpy(), tout.detach().numpy(), np.asarray(ograd), tgrad


# ---- 1. vector_norm at zero -------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 3, 1.5, 0.5, -1, 0])
@pytest.mark.parametrize("x", [[0.0, 0.0, 0.0], [0.0, 3.0, -4.0], [[0.0, 0.0], [1.0, -2.0]]])
def test_vector_norm_gradient_at_zero_matches_torch(ord, x):
    dim = -1 if np.ndim(x) == 2 else None
    v, tv, g, tgr = _grads(lambda a: tg.linalg.vector_norm(a, ord=ord, dim=dim),
                           lambda a: torch.linalg.vector_norm(a, ord=ord, dim=dim), x)
    np.testing.assert_allclose(v, tv, rtol=1e-12)
    np.testing.assert_allclose(g, tgr, rtol=1e-12, atol=1e-15)


def test_tensor_norm_gradient_at_zero_is_zero():
    v, tv, g, tgr = _grads(lambda a: a.norm(), lambda a: a.norm(), [0.0, 0.0])
    np.testing.assert_array_equal(g, tgr)


# ---- 2. addmm with beta=0 ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3), (3,), (1, 1)])
def test_addmm_beta_zero_input_grad_is_zeros_and_nan_ignored(shape):
    rng = np.random.default_rng(0)
    inp = rng.standard_normal(shape)
    inp.flat[0] = NAN
    m1, m2 = rng.standard_normal((2, 4)), rng.standard_normal((4, 3))
    a = Tensor(inp, requires_grad=True)
    out = tg.addmm(a, Tensor(m1), Tensor(m2), beta=0, alpha=2)
    out.sum().backward()
    ta = torch.tensor(inp, requires_grad=True)
    tout = torch.addmm(ta, torch.tensor(m1), torch.tensor(m2), beta=0, alpha=2)
    tout.sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    assert a.grad is not None
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())


def test_baddbmm_beta_zero_input_grad_is_zeros():
    rng = np.random.default_rng(1)
    inp = np.full((2, 3, 3), NAN)
    b1, b2 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 3))
    v, tv, g, tgr = _grads(lambda a: tg.baddbmm(a, Tensor(b1), Tensor(b2), beta=0),
                           lambda a: torch.baddbmm(a, torch.tensor(b1), torch.tensor(b2), beta=0), inp)
    np.testing.assert_allclose(v, tv, rtol=1e-12)
    np.testing.assert_array_equal(g, tgr)


# ---- 4. quantile / nanquantile with NaN and inf -----------------------------------------------------
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_quantile_nan_and_inf_rows_match_torch_values_and_grads(fn, interpolation):
    rows = np.array([[1.0, NAN, 3.0, 2.0, 5.0],
                     [NAN, 1.0, NAN, 4.0, 0.5],
                     [NAN, NAN, NAN, NAN, NAN],
                     [1.0, 2.0, INF, 3.0, -1.0],
                     [-INF, 1.0, 2.0, 2.0, INF],
                     [4.0, 3.0, 2.0, 1.0, 0.0]])
    q = np.array([0.0, 0.25, 0.3, 0.5, 0.75, 1.0])
    weights = np.random.default_rng(2).standard_normal((len(q), rows.shape[0]))
    a = Tensor(rows, requires_grad=True)
    out = getattr(tg, fn)(a, Tensor(q), dim=1, interpolation=interpolation)
    (out * Tensor(weights)).sum().backward()
    ta = torch.tensor(rows, requires_grad=True)
    tout = getattr(torch, fn)(ta, torch.tensor(q), dim=1, interpolation=interpolation)
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)  # NaN where torch's is
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_float32_and_dim_none_match_torch(fn):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 11)).astype(np.float32)
    x[1, 3] = NAN
    for q in (0.3, 0.7, 0.1):
        np.testing.assert_allclose(getattr(tg, fn)(Tensor(x), q, dim=1).numpy(),
                                   getattr(torch, fn)(torch.tensor(x), q, dim=1).numpy(), rtol=1e-6)
        x64 = x.astype(np.float64)
        v, tv, g, tgr = _grads(lambda a: getattr(tg, fn)(a, q), lambda a: getattr(torch, fn)(a, q), x64)
        np.testing.assert_allclose(v, tv, rtol=1e-12)
        np.testing.assert_allclose(g, tgr, rtol=1e-12)


# ---- 5. searchsorted over rows (vectorised) ---------------------------------------------------------
def _random_search_case(seed):
    rng = np.random.default_rng(seed)
    lead = [(), (3,), (2, 4), (1,), (0,)][seed % 5]
    n, m = int(rng.integers(0, 12)), int(rng.integers(0, 9))
    pool = np.array([-INF, -2.0, -1.0, 0.0, 0.5, 1.0, 3.0, INF])
    seq = np.sort(rng.choice(pool, size=lead + (n,)), axis=-1)
    if seed % 3 == 0 and n:  # NaNs where torch.sort puts them, at the ends of some rows
        k = int(rng.integers(1, n + 1))
        seq[..., n - k:] = np.where(rng.random(lead + (k,)) < 0.5, NAN, seq[..., n - k:])
        seq = np.sort(seq, axis=-1)
    if seed % 7 == 0 and n:  # a NaN inside a row: both searches then follow the same (binary) path
        seq[..., int(rng.integers(0, n))] = NAN
    vals = rng.choice(np.append(pool, [NAN, 2.0, -0.0]), size=(lead if seq.ndim > 1 else ()) + (m,))
    return seq, vals


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_rows_match_torch(seed, right):
    seq, vals = _random_search_case(seed)
    side = "right" if right else "left"
    ref = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right).numpy()
    np.testing.assert_array_equal(tg.searchsorted(Tensor(seq), Tensor(vals), right=right).numpy(), ref)
    np.testing.assert_array_equal(tg.searchsorted(Tensor(seq), Tensor(vals), side=side).numpy(), ref)


def test_searchsorted_many_rows_with_nan_tails_match_torch():
    rng = np.random.default_rng(4)
    seq = np.sort(rng.integers(0, 20, size=(500, 16)).astype(np.float64), axis=-1)
    seq[::7, -3:] = NAN
    vals = rng.integers(-1, 22, size=(500, 5)).astype(np.float64)
    for right in (False, True):
        np.testing.assert_array_equal(tg.searchsorted(Tensor(seq), Tensor(vals), right=right).numpy(),
                                      torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right).numpy())


# ---- 6. max_pool1d windows over padding only; empty adaptive pools ----------------------------------
@pytest.mark.parametrize("L,kw", [  # the dilation steps from the left padding over the input into the right
    (1, dict(kernel_size=2, padding=1, dilation=2)),
    (2, dict(kernel_size=2, padding=1, dilation=3)),
    (3, dict(kernel_size=2, stride=3, padding=1, dilation=4)),
    (5, dict(kernel_size=2, padding=1, dilation=6)),
    (1, dict(kernel_size=2, stride=2, padding=1, dilation=3, ceil_mode=True)),
])
def test_max_pool1d_padding_only_windows_match_torch(L, kw):
    x = np.random.default_rng(L).standard_normal((2, 3, L))
    F, tF = tg.nn.functional, torch.nn.functional
    out, idx = F.max_pool1d(Tensor(x), return_indices=True, **kw)
    tout, tidx = tF.max_pool1d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(out.numpy(), tout.numpy())  # -inf where a window holds only padding
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert (tidx.numpy() >= L).any()  # the case: torch reports such a window's first tap, past the input
    a = Tensor(x, requires_grad=True)
    F.max_pool1d(a, **kw).sum().backward()
    # not torch's backward: it adds those windows' gradient at that index anyway, past the channel's end
    # (into the next one's memory, or beyond the buffer). A constant -inf has gradient 0, so 1 goes to each
    # in-range index only.
    inside = tidx.numpy() < L
    want = np.zeros_like(x)
    for n, c, j in zip(*np.nonzero(inside)):
        want[n, c, tidx.numpy()[n, c, j]] += 1
    np.testing.assert_array_equal(a.grad, want)


@pytest.mark.parametrize("row", [[NAN, 1.0, NAN, 2.0, 0.0], [-INF, -INF, 1.0, NAN, -INF], [-INF] * 5,
                                 [3.0, 3.0, NAN, 0.0, 3.0]])
def test_max_pools_nan_and_minus_inf_pick_torchs_index(row):
    x = np.array(row)[None, None]
    F, tF = tg.nn.functional, torch.nn.functional
    for ours, theirs in ((lambda a: F.max_pool1d(a, 3, 1, 1, 2, return_indices=True),
                          lambda a: tF.max_pool1d(a, 3, 1, 1, 2, return_indices=True)),
                         (lambda a: F.max_pool1d(a, 5, return_indices=True),
                          lambda a: tF.max_pool1d(a, 5, return_indices=True)),
                         (lambda a: F.adaptive_max_pool1d(a, 2, return_indices=True),
                          lambda a: tF.adaptive_max_pool1d(a, 2, return_indices=True)),
                         # the row as a 1 x 5 image, and beside its reverse as a 2 x 5 one
                         (lambda a: F.max_pool2d(a[:, :, None], (1, 3), 1, (0, 1), return_indices=True),
                          lambda a: tF.max_pool2d(a[:, :, None], (1, 3), 1, (0, 1), return_indices=True)),
                         (lambda a: F.max_pool2d(F.concatenate([a, a.flip(-1)], 1)[:, None], 2, 1,
                                                 return_indices=True),
                          lambda a: tF.max_pool2d(torch.cat([a, a.flip(-1)], 1)[:, None], 2, 1,
                                                  return_indices=True))):
        (out, idx), (tout, tidx) = ours(Tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_array_equal(out.numpy(), tout.numpy())
        np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
        v, tv, g, tgr = _grads(lambda a: ours(a)[0], lambda a: theirs(a)[0], x)
        np.testing.assert_array_equal(g, tgr)


@pytest.mark.parametrize("fn", ["adaptive_avg_pool1d", "adaptive_max_pool1d"])
@pytest.mark.parametrize("shape", [(1, 2, 0), (2, 0), (3, 1, 0)])
def test_adaptive_pools_refuse_empty_input_like_torch(fn, shape):
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, fn)(torch.zeros(shape), 2)
    with pytest.raises(RuntimeError, match="non-zero size"):
        getattr(tg.nn.functional, fn)(Tensor(np.zeros(shape)), 2)


def test_adaptive_max_pool_refuses_zero_channels_avg_pool_does_not():
    with pytest.raises(RuntimeError):
        torch.nn.functional.adaptive_max_pool1d(torch.zeros(1, 0, 3), 2)
    with pytest.raises(RuntimeError, match="non-zero size"):
        tg.nn.functional.adaptive_max_pool1d(Tensor(np.zeros((1, 0, 3))), 2)
    assert torch.nn.functional.adaptive_avg_pool1d(torch.zeros(1, 0, 3), 2).shape == (1, 0, 2)
    assert tg.nn.functional.adaptive_avg_pool1d(Tensor(np.zeros((1, 0, 3))), 2).shape == (1, 0, 2)


# ---- 7. BatchNorm1d statistics of a float32 batch far from 0 -----------------------------------------
@pytest.mark.parametrize("shape", [(256, 3), (32, 3, 9)])
def test_batchnorm1d_float32_large_mean_statistics_match_torch(shape):
    rng = np.random.default_rng(5)
    x = (1e4 + 1e-2 * rng.standard_normal(shape)).astype(np.float32)
    bn = tg.nn.BatchNorm1d(3, momentum=1.0)  # momentum 1: the running statistics are the batch's own
    tbn = torch.nn.BatchNorm1d(3, momentum=1.0)
    out = bn(Tensor(x))
    tbn(torch.tensor(x))
    x64 = x.astype(np.float64).swapaxes(0, 1).reshape(3, -1)
    n = x64.shape[1]
    np.testing.assert_allclose(bn.running_mean.numpy(), tbn.running_mean.numpy(), rtol=1e-7)
    np.testing.assert_allclose(bn.running_var.numpy(), x64.var(axis=1, ddof=1), rtol=1e-6)
    # torch sums in double too, but about its mean rounded to float32: its variance is larger by at most
    # (half that mean's spacing)^2 n / (n - 1) (float32 rounding in float32 naive sums is far larger)
    bound = (np.spacing(tbn.running_mean.numpy()) / 2) ** 2 * n / (n - 1) + 1e-6 * tbn.running_var.numpy()
    assert np.all(np.abs(bn.running_var.numpy() - tbn.running_var.numpy()) <= bound)
    # torch's float32 output itself rounds x * scale + shift near 1e6, so compare with its float64 answer
    ref = torch.nn.functional.batch_norm(torch.tensor(x, dtype=torch.float64), None, None, training=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-4)
