"""torch.distributions for `import tinygrad_rnn as torch`: values and parameter gradients against torch
(float64), sample shapes, argument validation, sampling statistics and reproducibility under manual_seed,
and F.gumbel_softmax (soft and straight-through hard)."""
import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import F
from tinygrad_rnn.distributions import (Bernoulli, Categorical, Distribution, Independent, Normal, OneHotCategorical,
                                        OneHotCategoricalStraightThrough, Uniform, kl_divergence)

RNG = np.random.default_rng(0)
P = RNG.uniform(0.05, 1.0, size=(2, 3, 5))  # unnormalised probabilities, batch (2, 3), 5 categories
LOGITS = RNG.normal(size=(2, 3, 5)) * 2
IDX = RNG.integers(0, 5, size=(4, 2, 3))  # values with a sample dimension in front of the batch


def _torch():
    return pytest.importorskip("torch")


def pair(a):
    """The same float64 leaf in both libraries."""
    torch = _torch()
    return tg.tensor(np.array(a, dtype=np.float64), requires_grad=True), torch.tensor(np.array(a, dtype=np.float64),
                                                                                       requires_grad=True)


def close(ours, theirs, atol=1e-10):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    np.testing.assert_allclose(np.asarray(ours.data if isinstance(ours, tg.Tensor) else ours), theirs, rtol=1e-9,
                               atol=atol)


def grads_match(ours, theirs, leaves):
    """Backward of the sum of every output (each weighted differently) in both; the leaf gradients agree."""
    w = [RNG.normal(size=np.shape(o.data)) for o in ours]
    torch = _torch()
    sum(((o * wi).sum() for o, wi in zip(ours, w)), tg.tensor(0.0, dtype=tg.float64)).backward()
    sum((t * torch.tensor(wi)).sum() for t, wi in zip(theirs, w)).backward()
    for a, b in leaves:
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-10)


# ---- import surface ------------------------------------------------------------------------------------------
def test_distributions_is_a_submodule_of_the_package():
    import tinygrad_rnn.distributions as D

    assert tg.distributions is D and tg.distributions.Categorical is Categorical
    assert issubclass(D.Normal, Distribution) and D.kl.kl_divergence is kl_divergence
    assert "gumbel_softmax" in F.__all__ and tg.nn.functional.gumbel_softmax is F.gumbel_softmax


# ---- values and gradients against torch ----------------------------------------------------------------------
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_categorical_matches_torch(param):
    torch = _torch()
    ours_p, theirs_p = pair(P if param == "probs" else LOGITS)
    d, td = Categorical(**{param: ours_p}), torch.distributions.Categorical(**{param: theirs_p})
    assert d.batch_shape == td.batch_shape == (2, 3) and d.event_shape == td.event_shape == ()
    assert isinstance(d.batch_shape, tg.Size) and d.param_shape == (2, 3, 5)
    close(d.probs, td.probs)
    close(d.logits, td.logits)
    lp, tlp = d.log_prob(tg.tensor(IDX)), td.log_prob(torch.tensor(IDX))
    assert lp.shape == (4, 2, 3)
    close(lp, tlp)
    close(d.entropy(), td.entropy())
    close(d.perplexity(), td.perplexity())
    assert np.isnan(d.mean.data).all() and d.mean.shape == (2, 3) and np.isnan(d.variance.data).all()
    np.testing.assert_array_equal(d.mode.data, td.mode.numpy())
    grads_match([lp, d.entropy()], [tlp, td.entropy()], [(ours_p, theirs_p)])


def test_categorical_zero_probability_keeps_entropy_and_log_prob_finite_like_torch():
    torch = _torch()
    p = np.array([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])
    ours_p, theirs_p = pair(p)
    d, td = Categorical(probs=ours_p), torch.distributions.Categorical(probs=theirs_p)
    close(d.entropy(), td.entropy())
    v = np.array([1, 0])
    close(d.log_prob(tg.tensor(v)), td.log_prob(torch.tensor(v)))
    grads_match([d.entropy(), d.log_prob(tg.tensor(v))], [td.entropy(), td.log_prob(torch.tensor(v))],
                [(ours_p, theirs_p)])


def test_one_hot_categorical_matches_torch():
    torch = _torch()
    ours_p, theirs_p = pair(LOGITS)
    d, td = OneHotCategorical(logits=ours_p), torch.distributions.OneHotCategorical(logits=theirs_p)
    assert d.batch_shape == (2, 3) and d.event_shape == td.event_shape == (5,)
    value = np.eye(5)[IDX]
    lp, tlp = d.log_prob(tg.tensor(value)), td.log_prob(torch.tensor(value))
    close(lp, tlp)
    close(d.mean, td.mean)
    close(d.variance, td.variance)
    close(d.mode, td.mode)
    grads_match([lp, d.entropy(), d.variance], [tlp, td.entropy(), td.variance], [(ours_p, theirs_p)])
    s = d.sample((7,))
    assert s.shape == (7, 2, 3, 5) and s.dtype == np.float64 and (s.data.sum(-1) == 1).all()


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_bernoulli_matches_torch(param):
    torch = _torch()
    a = RNG.uniform(0.02, 0.98, size=(3, 4)) if param == "probs" else RNG.normal(size=(3, 4)) * 3
    ours_p, theirs_p = pair(a)
    d, td = Bernoulli(**{param: ours_p}), torch.distributions.Bernoulli(**{param: theirs_p})
    assert d.batch_shape == td.batch_shape == (3, 4)
    v = (RNG.random((2, 3, 4)) < 0.5).astype(np.float64)
    lp, tlp = d.log_prob(tg.tensor(v)), td.log_prob(torch.tensor(v))
    close(lp, tlp)
    close(d.entropy(), td.entropy())
    close(d.mean, td.mean)
    close(d.variance, td.variance)
    close(d.probs, td.probs)
    close(d.logits, td.logits)
    grads_match([lp, d.entropy(), d.variance], [tlp, td.entropy(), td.variance], [(ours_p, theirs_p)])


def test_bernoulli_large_logits_log_prob_is_stable_like_torch():
    torch = _torch()
    logits = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    v = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    d = Bernoulli(logits=tg.tensor(logits))
    close(d.log_prob(tg.tensor(v)), torch.distributions.Bernoulli(logits=torch.tensor(logits)).log_prob(
        torch.tensor(v)))


def test_normal_matches_torch():
    torch = _torch()
    (loc, tloc), (scale, tscale) = pair(RNG.normal(size=(3, 1))), pair(RNG.uniform(0.3, 2.0, size=(4,)))
    d, td = Normal(loc, scale), torch.distributions.Normal(tloc, tscale)
    assert d.batch_shape == td.batch_shape == (3, 4)
    x = RNG.normal(size=(2, 3, 4))
    u = RNG.uniform(0.01, 0.99, size=(3, 4))
    outs = [d.log_prob(tg.tensor(x)), d.entropy(), d.cdf(tg.tensor(x)), d.icdf(tg.tensor(u)), d.mean, d.variance,
            d.stddev]
    touts = [td.log_prob(torch.tensor(x)), td.entropy(), td.cdf(torch.tensor(x)), td.icdf(torch.tensor(u)),
             td.mean, td.variance, td.stddev]
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape)
        close(o, t)
    grads_match(outs, touts, [(loc, tloc), (scale, tscale)])


def test_normal_log_prob_is_differentiable_in_the_value():
    torch = _torch()
    (x, tx), (loc, tloc) = pair(RNG.normal(size=(5,))), pair(RNG.normal(size=(5,)))
    lp, tlp = Normal(loc, 0.7).log_prob(x), torch.distributions.Normal(tloc, 0.7).log_prob(tx)
    close(lp, tlp)
    grads_match([lp], [tlp], [(x, tx), (loc, tloc)])


def test_normal_rsample_is_reparameterised():
    """rsample = loc + eps * scale: d/dloc = 1 and d/dscale = eps = (x - loc) / scale, per element."""
    loc = tg.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    scale = tg.tensor(np.array([0.3, 1.0, 2.5]), requires_grad=True)
    tg.manual_seed(3)
    x = Normal(loc, scale).rsample((6,))
    assert x.shape == (6, 3) and x.requires_grad
    x.sum().backward()
    np.testing.assert_allclose(loc.grad, np.full(3, 6.0))
    eps = (x.data - loc.data) / scale.data
    np.testing.assert_allclose(scale.grad, eps.sum(0), rtol=1e-12)
    assert not Normal(loc, scale).sample((2,)).requires_grad


def test_uniform_matches_torch():
    torch = _torch()
    (low, tlow), (high, thigh) = pair(np.array([0.0, -1.0, 2.0])), pair(np.array([1.0, 3.0, 2.5]))
    d, td = Uniform(low, high), torch.distributions.Uniform(tlow, thigh)
    x = np.array([[0.5, -1.0, 2.4], [0.0, 2.9, 2.0]])
    outs = [d.log_prob(tg.tensor(x)), d.entropy(), d.cdf(tg.tensor(x)), d.icdf(tg.tensor(x[:1] * 0 + 0.3)),
            d.mean, d.variance, d.stddev]
    touts = [td.log_prob(torch.tensor(x)), td.entropy(), td.cdf(torch.tensor(x)),
             td.icdf(torch.tensor(x[:1] * 0 + 0.3)), td.mean, td.variance, td.stddev]
    for o, t in zip(outs, touts):
        close(o, t)
    grads_match(outs, touts, [(low, tlow), (high, thigh)])
    # outside the support (validation off, as torch needs to score it): -inf, like torch
    out = np.array([-0.5, 3.0, 2.5])
    d2, td2 = Uniform(low, high, validate_args=False), torch.distributions.Uniform(tlow, thigh, validate_args=False)
    close(d2.log_prob(tg.tensor(out)), td2.log_prob(torch.tensor(out)))


def test_independent_normal_sums_the_event_dimension_like_torch():
    torch = _torch()
    (loc, tloc), (scale, tscale) = pair(RNG.normal(size=(2, 3))), pair(RNG.uniform(0.5, 1.5, size=(2, 3)))
    d = Independent(Normal(loc, scale), 1)
    td = torch.distributions.Independent(torch.distributions.Normal(tloc, tscale), 1)
    assert d.batch_shape == td.batch_shape == (2,) and d.event_shape == td.event_shape == (3,)
    x = RNG.normal(size=(4, 2, 3))
    outs, touts = [d.log_prob(tg.tensor(x)), d.entropy()], [td.log_prob(torch.tensor(x)), td.entropy()]
    for o, t in zip(outs, touts):
        close(o, t)
    grads_match(outs, touts, [(loc, tloc), (scale, tscale)])
    assert d.rsample((5,)).shape == (5, 2, 3) and d.has_rsample


# ---- KL divergence -------------------------------------------------------------------------------------------
def test_kl_normal_normal_matches_torch():
    torch = _torch()
    (m1, tm1), (s1, ts1) = pair(RNG.normal(size=(4,))), pair(RNG.uniform(0.3, 2, size=(4,)))
    (m2, tm2), (s2, ts2) = pair(RNG.normal(size=(4,))), pair(RNG.uniform(0.3, 2, size=(4,)))
    kl = kl_divergence(Normal(m1, s1), Normal(m2, s2))
    tkl = torch.distributions.kl_divergence(torch.distributions.Normal(tm1, ts1), torch.distributions.Normal(tm2, ts2))
    close(kl, tkl)
    grads_match([kl], [tkl], [(m1, tm1), (s1, ts1), (m2, tm2), (s2, ts2)])
    # the VAE term: KL(N(mu, sigma) || N(0, 1)) = 0.5 (sigma^2 + mu^2 - 1 - log sigma^2)
    mu, sigma = np.array([0.3, -1.2]), np.array([0.5, 1.7])
    close(kl_divergence(Normal(tg.tensor(mu), tg.tensor(sigma)), Normal(0.0, 1.0)),
          0.5 * (sigma ** 2 + mu ** 2 - 1 - np.log(sigma ** 2)))


def test_kl_categorical_categorical_matches_torch_including_zero_probabilities():
    torch = _torch()
    p = np.array([[0.2, 0.3, 0.5], [0.0, 0.4, 0.6], [0.5, 0.5, 0.0]])
    q = np.array([[0.1, 0.6, 0.3], [0.3, 0.3, 0.4], [0.2, 0.0, 0.8]])  # row 3: q has no mass where p has: inf
    (ap, tp), (aq, tq) = pair(p), pair(q)
    kl = kl_divergence(Categorical(probs=ap), Categorical(probs=aq))
    tkl = torch.distributions.kl_divergence(torch.distributions.Categorical(probs=tp),
                                            torch.distributions.Categorical(probs=tq))
    close(kl, tkl)
    assert np.isinf(kl.data[2])
    kl[:2].sum().backward()
    tkl[:2].sum().backward()
    np.testing.assert_allclose(ap.grad, tp.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(aq.grad, tq.grad.numpy(), rtol=1e-9, atol=1e-10)
    (lp, tlp), (lq, tlq) = pair(LOGITS), pair(LOGITS[::-1].copy())
    kl = kl_divergence(Categorical(logits=lp), Categorical(logits=lq))
    tkl = torch.distributions.kl_divergence(torch.distributions.Categorical(logits=tlp),
                                            torch.distributions.Categorical(logits=tlq))
    close(kl, tkl)
    grads_match([kl], [tkl], [(lp, tlp), (lq, tlq)])


def test_kl_other_pairs_match_torch():
    torch = _torch()
    D = torch.distributions
    (a, ta), (b, tb) = pair([0.1, 0.5, 0.9]), pair([0.3, 0.5, 0.2])
    kl, tkl = kl_divergence(Bernoulli(a), Bernoulli(b)), D.kl_divergence(D.Bernoulli(ta), D.Bernoulli(tb))
    close(kl, tkl)
    grads_match([kl], [tkl], [(a, ta), (b, tb)])
    lo, hi = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    close(kl_divergence(Uniform(tg.tensor(lo), tg.tensor(hi)), Uniform(tg.tensor(lo - 1), tg.tensor(hi + 0.5))),
          D.kl_divergence(D.Uniform(torch.tensor(lo), torch.tensor(hi)),
                          D.Uniform(torch.tensor(lo - 1), torch.tensor(hi + 0.5))))
    assert np.isinf(kl_divergence(Uniform(0.0, 2.0), Uniform(0.5, 3.0)).data)
    m = np.zeros((2, 3))
    kl = kl_divergence(Independent(Normal(tg.tensor(m), tg.tensor(m + 1)), 1),
                       Independent(Normal(tg.tensor(m + 1), tg.tensor(m + 2)), 1))
    tkl = D.kl_divergence(D.Independent(D.Normal(torch.tensor(m), torch.tensor(m + 1)), 1),
                          D.Independent(D.Normal(torch.tensor(m + 1), torch.tensor(m + 2)), 1))
    assert kl.shape == (2,)
    close(kl, tkl)
    close(kl_divergence(OneHotCategorical(tg.tensor(P)), OneHotCategorical(tg.tensor(P[::-1].copy()))),
          D.kl_divergence(D.OneHotCategorical(torch.tensor(P)), D.OneHotCategorical(torch.tensor(P[::-1].copy()))))


def test_kl_without_a_closed_form_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="No KL.*Normal.*Categorical"):
        kl_divergence(Normal(0.0, 1.0), Categorical(probs=tg.tensor([0.5, 0.5])))


# ---- shapes --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3), tg.Size([4])])
@pytest.mark.parametrize("batch", [(), (3,), (2, 4)])
def test_sample_shapes(sample_shape, batch):
    torch = _torch()
    params = np.full(batch, 0.3)
    cat = Categorical(probs=tg.tensor(np.full(batch + (6,), 1.0)))
    s = cat.sample(sample_shape)
    assert s.shape == tuple(sample_shape) + batch and s.dtype == np.int64
    assert tuple(s.shape) == tuple(torch.distributions.Categorical(probs=torch.ones(batch + (6,))).sample(
        torch.Size(sample_shape)).shape)
    for d in (Normal(tg.tensor(params), tg.tensor(params + 1)), Uniform(tg.tensor(params), tg.tensor(params + 1)),
              Bernoulli(tg.tensor(params))):
        assert d.sample(sample_shape).shape == tuple(sample_shape) + batch
        if d.has_rsample:
            assert d.rsample(sample_shape).shape == tuple(sample_shape) + batch
    assert Normal(0.0, 1.0).sample(sample_shape).shape == tuple(sample_shape)


def test_float32_parameters_give_float32_samples_and_scalar_parameters_an_empty_batch():
    d = Normal(tg.zeros(3), tg.ones(3))
    assert d.sample().dtype == np.float32 and d.rsample((2,)).dtype == np.float32
    assert Bernoulli(0.3).sample((4,)).dtype == np.float32 and Bernoulli(0.3).batch_shape == ()
    assert Uniform(0.0, 1.0).batch_shape == () and Normal(0.0, tg.ones(2)).batch_shape == (2,)


def test_expand():
    d = Normal(tg.tensor([0.0, 1.0]), 1.0).expand((3, 2))
    assert d.batch_shape == (3, 2) and d.sample((4,)).shape == (4, 3, 2)
    c = Categorical(logits=tg.tensor([0.0, 1.0, 2.0])).expand([5])
    assert c.batch_shape == (5,) and c.sample().shape == (5,) and c.log_prob(tg.tensor([2] * 5)).shape == (5,)


# ---- validation ----------------------------------------------------------------------------------------------
def test_invalid_parameters_raise_value_error_like_torch():
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        Categorical(probs=tg.tensor([0.5, 0.5]), logits=tg.tensor([0.0, 0.0]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        Bernoulli()
    with pytest.raises(ValueError, match="at least one-dimensional"):
        Categorical(probs=tg.tensor(1.0))
    with pytest.raises(ValueError, match="parameter probs.*Simplex"):
        Categorical(probs=tg.tensor([0.5, -0.1, 0.6]))
    with pytest.raises(ValueError, match="parameter probs"):
        Bernoulli(probs=tg.tensor([0.2, 1.5]))
    with pytest.raises(ValueError, match="parameter scale"):
        Normal(tg.tensor([0.0, 0.0]), tg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="parameter scale"):
        Normal(0.0, 0.0)
    with pytest.raises(ValueError, match="parameter low"):
        Uniform(1.0, 1.0)
    Normal(0.0, -1.0, validate_args=False)  # validation off: no check, as in torch
    Bernoulli(probs=tg.tensor([1.5]), validate_args=False)


def test_values_outside_the_support_raise_value_error():
    with pytest.raises(ValueError, match="within the support"):
        Categorical(probs=tg.tensor([0.5, 0.5])).log_prob(tg.tensor([2]))
    with pytest.raises(ValueError, match="within the support"):
        Bernoulli(0.3).log_prob(tg.tensor(0.5))
    with pytest.raises(ValueError, match="within the support"):
        Uniform(0.0, 1.0).log_prob(tg.tensor(1.5))
    with pytest.raises(ValueError, match="broadcastable"):
        Normal(tg.zeros(3), tg.ones(3)).log_prob(tg.zeros(4))
    with pytest.raises(ValueError, match="must be a Tensor"):
        Normal(0.0, 1.0).log_prob(0.5)


# ---- sampling statistics (no torch needed) -------------------------------------------------------------------
def test_categorical_frequencies_match_probs():
    tg.manual_seed(1234)
    p = np.array([[0.1, 0.0, 0.3, 0.6], [0.25, 0.25, 0.25, 0.25]])
    n = 20000
    s = Categorical(probs=tg.tensor(p)).sample((n,)).data
    assert s.shape == (n, 2)
    for row in range(2):
        freq = np.bincount(s[:, row], minlength=4) / n
        se = np.sqrt(p[row] * (1 - p[row]) / n)
        assert np.all(np.abs(freq - p[row]) <= 4 * se + 1e-12), (row, freq)
    assert not (s[:, 0] == 1).any()  # a zero-probability category is never drawn


def test_categorical_from_logits_frequencies():
    tg.manual_seed(7)
    logits = np.array([2.0, 0.0, -1.0, 1.0, -30.0])
    p = np.exp(logits) / np.exp(logits).sum()
    n = 20000
    freq = np.bincount(Categorical(logits=tg.tensor(logits)).sample((n,)).data, minlength=5) / n
    assert np.all(np.abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12)


def test_normal_bernoulli_uniform_sample_moments():
    tg.manual_seed(99)
    n = 20000
    x = Normal(tg.tensor([1.5, -2.0]), tg.tensor([0.5, 3.0])).sample((n,)).data
    np.testing.assert_array_less(np.abs(x.mean(0) - [1.5, -2.0]), 4 * np.array([0.5, 3.0]) / np.sqrt(n))
    np.testing.assert_allclose(x.std(0), [0.5, 3.0], rtol=0.03)
    b = Bernoulli(tg.tensor([0.2, 0.9])).sample((n,)).data
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_array_less(np.abs(b.mean(0) - [0.2, 0.9]), 4 * np.sqrt(np.array([0.16, 0.09]) / n))
    u = Uniform(tg.tensor(-1.0), tg.tensor(3.0)).sample((n,)).data
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 4 * 4 / np.sqrt(12 * n)


@pytest.mark.parametrize("make", [
    lambda: Categorical(logits=tg.tensor(LOGITS)), lambda: OneHotCategorical(probs=tg.tensor(P)),
    lambda: Bernoulli(tg.tensor([0.3, 0.6])), lambda: Normal(tg.zeros(3), tg.ones(3)),
    lambda: Uniform(tg.zeros(2), tg.ones(2)),
])
def test_manual_seed_makes_sampling_reproducible(make):
    tg.manual_seed(2024)
    a = make().sample((50,)).data
    tg.manual_seed(2024)
    b = make().sample((50,)).data
    c = make().sample((50,)).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_straight_through_one_hot_rsample_passes_the_probs_gradient():
    logits = tg.tensor(np.array([0.5, -0.2, 1.0]), requires_grad=True)
    d = OneHotCategoricalStraightThrough(logits=logits)
    y = d.rsample((3,))
    assert (y.data.sum(-1) == 1).all() and set(np.unique(y.data)) <= {0.0, 1.0}
    w = np.array([1.0, 2.0, -3.0])
    (y * w).sum().backward()
    p = np.exp(logits.data) / np.exp(logits.data).sum()
    np.testing.assert_allclose(logits.grad, 3 * p * (w - (p * w).sum()), rtol=1e-10)  # softmax Jacobian


# ---- gumbel_softmax ------------------------------------------------------------------------------------------
def _gumbel_noise(seed, shape):
    """The noise gumbel_softmax draws after manual_seed(seed): -log of standard exponentials."""
    tg.manual_seed(seed)
    return -np.log(tg.random.get_generator().standard_exponential(shape))


@pytest.mark.parametrize("dim", [-1, 0])
@pytest.mark.parametrize("tau", [1.0, 0.5])
def test_gumbel_softmax_matches_torch_formula_with_the_same_noise(dim, tau):
    torch = _torch()
    logits, tlogits = pair(RNG.normal(size=(4, 5)))
    g = _gumbel_noise(5, (4, 5))
    tg.manual_seed(5)
    y = F.gumbel_softmax(logits, tau=tau, dim=dim)
    ty = ((tlogits + torch.tensor(g)) / tau).softmax(dim)
    close(y, ty)
    np.testing.assert_allclose(y.data.sum(dim), 1.0)
    grads_match([y], [ty], [(logits, tlogits)])


@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient(dim):
    logits = tg.tensor(RNG.normal(size=(6, 4)), requires_grad=True)
    soft_logits = tg.tensor(logits.data.copy(), requires_grad=True)
    tg.manual_seed(11)
    hard = F.gumbel_softmax(logits, tau=0.7, hard=True, dim=dim)
    tg.manual_seed(11)
    soft = F.gumbel_softmax(soft_logits, tau=0.7, hard=False, dim=dim)
    assert set(np.unique(hard.data)) <= {0.0, 1.0}
    np.testing.assert_array_equal(hard.data.sum(dim), 1.0)
    np.testing.assert_array_equal(hard.data.argmax(dim), soft.data.argmax(dim))
    w = RNG.normal(size=(6, 4))
    (hard * w).sum().backward()
    (soft * w).sum().backward()
    np.testing.assert_allclose(logits.grad, soft_logits.grad, rtol=1e-12, atol=1e-15)
    assert np.abs(logits.grad).max() > 0


def test_gumbel_softmax_samples_follow_the_categorical():
    """argmax(logits + Gumbel) is distributed as Categorical(softmax(logits)): the Gumbel-max trick."""
    tg.manual_seed(0)
    logits = np.log(np.array([0.5, 0.2, 0.3]))
    n = 20000
    y = F.gumbel_softmax(tg.tensor(np.tile(logits, (n, 1))), hard=True).data
    freq = y.mean(0)
    p = np.array([0.5, 0.2, 0.3])
    assert np.all(np.abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / n))
