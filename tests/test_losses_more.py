"""The margin, embedding, multi-label, triplet and likelihood losses: values and gradients (of every float
input) against torch for varying shapes and all three reductions, finite differences in float64, the modules'
arguments, buffers and errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import torch, TF, needs_torch, close as _close, against_torch as _both
REDUCTIONS = ["mean", "sum", "none"]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _signs(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


batch = st.integers(1, 5)
dims = st.integers(1, 5)
seeds = st.integers(0, 10_000)


# ---------------------------------------------------------------- against torch
@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=batch, seed=seeds, margin=st.sampled_from([0.0, 0.5]))
def test_margin_ranking_loss(reduction, n, seed, margin):
    rng = _rng(seed)
    _both(lambda a, b, y: F.margin_ranking_loss(a, b, y, margin, reduction=reduction),
          lambda a, b, y: TF.margin_ranking_loss(a, b, y, margin, reduction=reduction),
          [rng.normal(size=n), rng.normal(size=n)], [_signs(rng, n)])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=st.lists(dims, min_size=1, max_size=3), seed=seeds, margin=st.sampled_from([1.0, 0.3]))
def test_hinge_embedding_loss(reduction, shape, seed, margin):
    rng = _rng(seed)
    _both(lambda x, y: F.hinge_embedding_loss(x, y, margin, reduction=reduction),
          lambda x, y: TF.hinge_embedding_loss(x, y, margin, reduction=reduction),
          [rng.normal(size=shape)], [_signs(rng, shape)])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=batch, d=dims, seed=seeds, margin=st.sampled_from([0.0, 0.2]), unbatched=st.booleans())
def test_cosine_embedding_loss(reduction, n, d, seed, margin, unbatched):
    rng = _rng(seed)
    shape, tshape = ((d,), ()) if unbatched else ((n, d), (n,))
    _both(lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin, reduction=reduction),
          lambda a, b, y: TF.cosine_embedding_loss(a, b, y, margin, reduction=reduction),
          [rng.normal(size=shape), rng.normal(size=shape)], [_signs(rng, tshape)])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=st.lists(dims, min_size=1, max_size=3), seed=seeds)
def test_soft_margin_loss(reduction, shape, seed):
    rng = _rng(seed)
    _both(lambda x, y: F.soft_margin_loss(x, y, reduction=reduction),
          lambda x, y: TF.soft_margin_loss(x, y, reduction=reduction),
          [rng.normal(scale=3, size=shape)], [_signs(rng, shape)])


def test_soft_margin_loss_is_stable_far_out():
    y = F.soft_margin_loss(tg.tensor([-800.0, 800.0]), np.array([1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(y.data, [800.0, 0.0])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=batch, c=dims, seed=seeds, weighted=st.booleans(), unbatched=st.booleans())
def test_multilabel_soft_margin_loss(reduction, n, c, seed, weighted, unbatched):
    rng = _rng(seed)
    shape = (c,) if unbatched else (n, c)
    x, y, w = rng.normal(size=shape), rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.5, 2, size=c)
    if weighted:
        _both(lambda x, w, y: F.multilabel_soft_margin_loss(x, y, w, reduction=reduction),
              lambda x, w, y: TF.multilabel_soft_margin_loss(x, y, w, reduction=reduction), [x, w], [y])
    else:
        _both(lambda x, y: F.multilabel_soft_margin_loss(x, y, reduction=reduction),
              lambda x, y: TF.multilabel_soft_margin_loss(x, y, reduction=reduction), [x], [y])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=batch, c=dims, seed=seeds, p=st.sampled_from([1, 2]), margin=st.sampled_from([1.0, 0.4]),
       weighted=st.booleans(), unbatched=st.booleans())
def test_multi_margin_loss(reduction, n, c, seed, p, margin, weighted, unbatched):
    rng = _rng(seed)
    shape, tshape = ((c,), ()) if unbatched else ((n, c), (n,))
    x, t, w = rng.normal(size=shape), rng.integers(0, c, size=tshape), rng.uniform(0.5, 2, size=c)
    if weighted:
        _both(lambda x, t, w: F.multi_margin_loss(x, t, p, margin, w, reduction=reduction),  # torch: no grad of w
              lambda x, t, w: TF.multi_margin_loss(x, t, p, margin, w, reduction=reduction), [x], [t, w])
    else:
        _both(lambda x, t: F.multi_margin_loss(x, t, p, margin, reduction=reduction),
              lambda x, t: TF.multi_margin_loss(x, t, p, margin, reduction=reduction), [x], [t])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=batch, d=dims, seed=seeds, p=st.sampled_from([1.0, 2.0, 3.0]), swap=st.booleans(),
       margin=st.sampled_from([1.0, 0.3]), unbatched=st.booleans())
def test_triplet_margin_loss(reduction, n, d, seed, p, swap, margin, unbatched):
    rng = _rng(seed)
    shape = (d,) if unbatched else (n, d)
    _both(lambda a, b, c: F.triplet_margin_loss(a, b, c, margin, p, swap=swap, reduction=reduction),
          lambda a, b, c: TF.triplet_margin_loss(a, b, c, margin, p, swap=swap, reduction=reduction),
          [rng.normal(size=shape) for _ in range(3)])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=st.lists(dims, min_size=1, max_size=3), seed=seeds, log_input=st.booleans(), full=st.booleans())
def test_poisson_nll_loss(reduction, shape, seed, log_input, full):
    rng = _rng(seed)
    x = rng.normal(size=shape) if log_input else rng.uniform(0.1, 3, size=shape)
    y = rng.poisson(2.0, size=shape).astype(float)
    _both(lambda x, y: F.poisson_nll_loss(x, y, log_input, full, reduction=reduction),
          lambda x, y: TF.poisson_nll_loss(x, y, log_input, full, reduction=reduction), [x], [y])


@needs_torch
def test_poisson_nll_loss_target_gradient_matches_torch():
    rng = _rng(3)
    _both(lambda x, y: F.poisson_nll_loss(x, y, full=True), lambda x, y: TF.poisson_nll_loss(x, y, full=True),
          [rng.normal(size=6), rng.uniform(1.5, 4, size=6)])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=batch, d=dims, seed=seeds, full=st.booleans(),
       var_shape=st.sampled_from(["same", "short", "one", "float"]))
def test_gaussian_nll_loss(reduction, n, d, seed, full, var_shape):
    rng = _rng(seed)
    x, y = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    var = {"same": (n, d), "short": (n,), "one": (n, 1), "float": None}[var_shape]
    if var is None:
        _both(lambda x, y: F.gaussian_nll_loss(x, y, 0.7, full, reduction=reduction),
              lambda x, y: TF.gaussian_nll_loss(x, y, 0.7, full, reduction=reduction), [x, y])
        return
    v = rng.uniform(0.0, 2, size=var)
    v.reshape(-1)[0] = 1e-9  # below eps: clamped, the gradient passing through as in torch
    _both(lambda x, y, v: F.gaussian_nll_loss(x, y, v, full, reduction=reduction),
          lambda x, y, v: TF.gaussian_nll_loss(x, y, v, full, reduction=reduction), [x, y, v], tol=1e-8)


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=batch, c=dims, seed=seeds, unbatched=st.booleans())
def test_multilabel_margin_loss(reduction, n, c, seed, unbatched):
    rng = _rng(seed)
    rows = []
    for _ in range(1 if unbatched else n):
        k = rng.integers(0, c + 1)
        row = np.full(c, -1)
        row[:k] = rng.permutation(c)[:k]
        if k < c - 1 and rng.random() < 0.5:
            row[k + 1] = rng.integers(0, c)  # after the first -1: ignored
        rows.append(row)
    t = np.array(rows[0] if unbatched else rows, dtype=np.int64)
    x = rng.normal(size=t.shape)
    _both(lambda x, t: F.multilabel_margin_loss(x, t, reduction=reduction),
          lambda x, t: TF.multilabel_margin_loss(x, t, reduction=reduction), [x], [t])


# ---------------------------------------------------------------- finite differences (float64)
def _away(a, gap=0.05):
    return np.where(np.abs(a) < gap, np.sign(a + 1e-300) * 2 * gap, a)


def test_finite_differences():
    rng = _rng(7)
    x, x2, x3 = (tg.tensor(rng.normal(size=(4, 3)), requires_grad=True) for _ in range(3))
    signs, classes = _signs(rng, (4,)), rng.integers(0, 3, size=4)
    labels = rng.integers(0, 2, size=(4, 3)).astype(float)
    var4, signs43 = tg.tensor(rng.uniform(0.5, 1, size=4)), _signs(rng, (4, 3))
    checks = [
        (lambda a, b: F.cosine_embedding_loss(a, b, signs, 0.1), [x, x2]),
        (lambda a: F.soft_margin_loss(a, signs43), [x]),
        (lambda a: F.multilabel_soft_margin_loss(a, labels), [x]),
        (lambda a: F.multi_margin_loss(a, classes, p=2), [x]),
        (lambda a, b, c: F.triplet_margin_loss(a, b, c, swap=True), [x, x2, x3]),
        (lambda a: F.poisson_nll_loss(a, labels * 3, full=True), [x]),
        (lambda a, b: F.gaussian_nll_loss(a, b, var4), [x, x2]),
    ]
    for fn, inputs in checks:
        assert gradcheck(fn, inputs)
    v = tg.tensor(rng.uniform(0.5, 1.5, size=(4, 1)), requires_grad=True)
    assert gradcheck(lambda v: F.gaussian_nll_loss(x.detach(), x2.detach(), v, full=True), [v])
    # the piecewise-linear ones, away from their kinks
    a, b = rng.normal(size=6), rng.normal(size=6)
    s = _signs(rng, 6)
    a = b + _away(a - b + s * 0.2)  # -s (a - b) + 0.2 kept off 0 (approximately)
    assert gradcheck(lambda p, q: F.margin_ranking_loss(p, q, s, 0.2),
                     [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)])
    h = _away(rng.normal(size=6) - 1.0) + 1.0
    assert gradcheck(lambda p: F.hinge_embedding_loss(p, s), [tg.tensor(h, requires_grad=True)])
    t = np.array([[0, 2, -1], [1, -1, 0]])
    m = rng.normal(size=(2, 3)) * 3
    assert gradcheck(lambda p: F.multilabel_margin_loss(p, t), [tg.tensor(m, requires_grad=True)])


# ---------------------------------------------------------------- modules
@needs_torch
@pytest.mark.parametrize("name,kwargs,arity", [
    ("MarginRankingLoss", {"margin": 0.3}, 3), ("HingeEmbeddingLoss", {"margin": 0.5}, 2),
    ("CosineEmbeddingLoss", {"margin": 0.1}, 3), ("SoftMarginLoss", {}, 2), ("MultiLabelSoftMarginLoss", {}, 2),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, 2), ("TripletMarginLoss", {"margin": 0.5, "swap": True}, 3),
    ("PoissonNLLLoss", {"full": True}, 2), ("GaussianNLLLoss", {"full": True}, 3),
    ("MultiLabelMarginLoss", {}, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_modules_match_torch(name, kwargs, arity, reduction):
    rng = _rng(8)
    x = rng.normal(size=(4, 3))
    targets = {
        "MarginRankingLoss": [rng.normal(size=4), _signs(rng, 4)], "HingeEmbeddingLoss": [_signs(rng, (4, 3))],
        "CosineEmbeddingLoss": [rng.normal(size=(4, 3)), _signs(rng, 4)], "SoftMarginLoss": [_signs(rng, (4, 3))],
        "MultiLabelSoftMarginLoss": [rng.integers(0, 2, size=(4, 3)).astype(float)],
        "MultiMarginLoss": [rng.integers(0, 3, size=4)], "TripletMarginLoss": [rng.normal(size=(4, 3))] * 2,
        "PoissonNLLLoss": [rng.poisson(2, size=(4, 3)).astype(float)],
        "GaussianNLLLoss": [rng.normal(size=(4, 3)), rng.uniform(0.5, 2, size=(4, 3))],
        "MultiLabelMarginLoss": [np.array([[0, -1, 1], [2, 1, 0], [-1, 0, 0], [1, -1, -1]])],
    }[name]
    if name == "MarginRankingLoss":
        x = x[:, 0]
    ours = getattr(nn, name)(reduction=reduction, **kwargs)
    theirs = getattr(torch.nn, name)(reduction=reduction, **kwargs)
    args = [x, *targets][:arity]
    _close(ours(*[tg.tensor(a) for a in args]).data, theirs(*[torch.tensor(a) for a in args]), 1e-10)


@needs_torch
def test_weighted_loss_modules_keep_weight_as_a_buffer_like_torch():
    w = np.array([1.0, 2.0, 0.5])
    for name in ["MultiMarginLoss", "MultiLabelSoftMarginLoss"]:
        ours, theirs = getattr(nn, name)(weight=tg.tensor(w)), getattr(torch.nn, name)(weight=torch.tensor(w))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        assert list(ours.parameters()) == []
        assert list(getattr(nn, name)().state_dict()) == list(getattr(torch.nn, name)().state_dict())


def test_errors_are_one_clear_line():
    x = tg.ones(2, 3)
    cases = [
        (lambda: F.multi_margin_loss(x, np.array([0, 1]), p=3), ValueError, "p == 1 and p == 2"),
        (lambda: nn.MultiMarginLoss(p=3), ValueError, "p == 1 and p == 2"),
        (lambda: F.multi_margin_loss(x, np.array([0, 3])), ValueError, "out of range"),
        (lambda: F.multi_margin_loss(x, np.array([0.0, 1.0])), TypeError, "integer"),
        (lambda: F.multi_margin_loss(x, np.array([0, 1]), weight=tg.ones(2)), ValueError, "weight"),
        (lambda: F.triplet_margin_loss(x, x, x, margin=0.0), ValueError, "margin"),
        (lambda: F.triplet_margin_loss(x, x, tg.ones(3)), ValueError, "(N, D)"),
        (lambda: F.gaussian_nll_loss(x, x, tg.ones(3)), ValueError, "var"),
        (lambda: F.gaussian_nll_loss(x, x, -tg.ones(2, 3)), ValueError, "negative"),
        (lambda: F.gaussian_nll_loss(x, x, tg.ones(2, 3), reduction="avg"), ValueError, "reduction"),
        (lambda: F.cosine_embedding_loss(x, x, np.ones(3)), ValueError, "target"),
        (lambda: F.soft_margin_loss(x, np.ones(3)), ValueError, "shape"),
        (lambda: F.margin_ranking_loss(tg.ones(2), tg.ones(2), np.ones((2, 1))), ValueError, "dimensions"),
        (lambda: F.multilabel_margin_loss(x, np.array([[0, 5, -1], [0, -1, 0]])), ValueError, "-1"),
        (lambda: F.hinge_embedding_loss(x, np.ones((2, 3)), reduction="avg"), ValueError, "reduction"),
        (lambda: nn.SoftMarginLoss(reduction="avg"), ValueError, "reduction"),
        (lambda: nn.PoissonNLLLoss(size_average=True), TypeError, "deprecated"),
    ]
    for call, err, words in cases:
        with pytest.raises(err, match=words.replace("(", r"\(").replace(")", r"\)")) as info:
            call()
        assert "\n" not in str(info.value)
