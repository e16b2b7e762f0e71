"""``F.linear_cross_entropy``: the fused projection + log-softmax + NLL equals its plain-numpy definition in
value and, by central differences, in gradient; equals the composition ``cross_entropy(linear(...))``; and
leaves a retained graph usable twice. Every test runs in both layouts of the op's scores (row-major (N, C),
and class-major (C, N) with unnormalised exponentials, which the library picks for many classes and few rows),
forced by the layout rule's thresholds; the class-major shift rule has tests of its own."""
from __future__ import annotations

import itertools
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_rnn import F, Tensor
from tinygrad_rnn.kernels import cross_entropy as ce_kernel

from op_factory import check_backprop, upstream_for

IGNORE = -100
LAYOUTS = {"row-major": dict(CLASS_MAJOR_MIN_CLASSES=10**9),
           "class-major": dict(CLASS_MAJOR_MIN_CLASSES=1, CLASS_MAJOR_MAX_ROWS=10**9)}


@pytest.fixture(scope="module", params=sorted(LAYOUTS), autouse=True)
def layout(request):
    """Each test once per layout (module-scoped: hypothesis runs its examples inside one layout)."""
    with mock.patch.multiple(ce_kernel, **LAYOUTS[request.param]):
        yield request.param


def numpy_lce(x, w, b, targets, reduction, ignore_index=IGNORE):
    """The definition, in float64 numpy: logits, log-softmax by logsumexp, NLL, reduction."""
    z = x.reshape(-1, x.shape[-1]) @ w.T + (0 if b is None else b)
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    t = targets.reshape(-1)
    keep = t != ignore_index
    losses = np.where(keep, -logp[np.arange(len(t)), np.where(keep, t, 0)], 0.0)
    if reduction == "none":
        return losses.reshape(targets.shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / keep.sum()


def score_gradient(x, w, targets):
    """The definition's gradient of the summed losses with respect to the scores x @ w.T, float64:
    softmax - one_hot, 0 on rows whose target is IGNORE."""
    z = x @ w.T
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    keep = targets != IGNORE
    p[np.flatnonzero(keep), targets[keep]] -= 1
    p[~keep] = 0
    return p


@st.composite
def problems(draw):
    lead = draw(st.sampled_from([(1,), (4,), (3, 2), (2, 1, 3)]))
    H, C = draw(st.integers(1, 4)), draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, C, size=lead)
    if draw(st.booleans()):
        targets.reshape(-1)[rng.random(targets.size) < 0.3] = IGNORE
    if (targets == IGNORE).all():
        targets.reshape(-1)[0] = 0
    return (rng.normal(size=lead + (H,)), rng.normal(size=(C, H)), rng.normal(size=C) if draw(st.booleans()) else None,
            targets, draw(st.sampled_from(["mean", "sum", "none"])))


@given(problem=problems(), data=st.data())
def test_value_and_gradients_match_the_definition(problem, data):
    x, w, b, targets, reduction = problem
    arrays = [x, w] + ([] if b is None else [b])
    upstream = upstream_for(data, np.shape(numpy_lce(x, w, b, targets, reduction)))

    def ours(x, w, b=None):
        return F.linear_cross_entropy(x, w, b, targets, reduction=reduction)

    def reference(x, w, b=None):
        return numpy_lce(x, w, b, targets, reduction)

    check_backprop(ours, reference, arrays, upstream)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_the_composition_of_linear_and_cross_entropy(reduction, dtype):
    rng = np.random.default_rng(1)
    x0, w0, b0 = rng.normal(size=(7, 5)), rng.normal(size=(11, 5)), rng.normal(size=11)
    t = rng.integers(0, 11, size=7)
    t[2] = IGNORE
    grads = []
    for fused in (True, False):
        x, w, b = (Tensor(a.astype(dtype), requires_grad=True) for a in (x0, w0, b0))
        if fused:
            loss = F.linear_cross_entropy(x, w, b, t, reduction=reduction)
        else:
            loss = F.cross_entropy(F.linear(x, w, b), t, reduction=reduction)
        assert loss.dtype == dtype
        (loss.sum() if reduction == "none" else loss).backward()
        grads.append((loss.data, x.grad, w.grad, b.grad))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for a, c in zip(*grads):
        np.testing.assert_allclose(a, c, rtol=tol, atol=tol)


def test_retained_graph_gives_the_same_gradient_twice():
    rng = np.random.default_rng(2)
    x = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    w = Tensor(rng.normal(size=(6, 3)), requires_grad=True)
    loss = F.linear_cross_entropy(x, w, target=np.array([0, 5, 2, 2]))
    loss.backward(retain_graph=True)
    first = w.grad.copy()
    loss.backward()
    np.testing.assert_allclose(w.grad, 2 * first, rtol=1e-14)


def test_huge_scores_stay_finite():
    x = Tensor(np.array([[1e4, -1e4]]), requires_grad=True)
    w = Tensor(np.eye(2), requires_grad=True)
    loss = F.linear_cross_entropy(x, w, target=np.array([1]), reduction="sum")
    assert loss.item() == pytest.approx(2e4)
    loss.backward()
    assert np.isfinite(x.grad).all() and np.isfinite(w.grad).all()


def test_every_target_ignored_gives_nan_mean_and_zero_gradient():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    loss = F.linear_cross_entropy(x, Tensor(np.eye(2)), target=np.array([IGNORE, IGNORE]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad, 0.0)


def test_bad_arguments_name_the_problem():
    x, w = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3)))
    with pytest.raises(TypeError, match="target"):
        F.linear_cross_entropy(x, w)
    with pytest.raises(ValueError, match="do not fit"):
        F.linear_cross_entropy(x, Tensor(np.ones((4, 2))), target=np.array([0, 1]))
    with pytest.raises(ValueError, match="out of range"):
        F.linear_cross_entropy(x, w, target=np.array([0, 4]))
    with pytest.raises(ValueError, match="reduction"):
        F.linear_cross_entropy(x, w, target=np.array([0, 1]), reduction="avg")


def _lce_case(x, w, t, reduction="none"):
    x, w = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    loss = F.linear_cross_entropy(x, w, target=t, reduction=reduction)
    (loss.sum() if reduction == "none" else loss).backward()
    return loss.data, x.grad, w.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scores_near_overflow_and_columns_that_underflow_stay_exact(dtype):
    """Scores beyond exp's range (the whole block is shifted row by row) and rows whose scores are all very
    negative (their unshifted exponentials underflow; they are recomputed shifted): value and gradients as
    the float64 definition."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 3))
    w = rng.normal(size=(9, 3))
    t = rng.integers(0, 9, size=6)
    # past exp's range; and large scores whose unshifted exponentials stay below the kept totals' bound
    bigs = (200.0, 40.0) if dtype == np.float32 else (1000.0, 300.0)
    for big, scale_rows in itertools.product(bigs, ({0: 1}, {1: 1, 2: -1}, {3: -1}, {4: -1, 5: -1})):
        scale_rows = {r: s * big for r, s in scale_rows.items()}
        xs = x.copy()
        for r, s in scale_rows.items():
            xs[r] = np.abs(xs[r]) * s / 3
        wp = np.abs(w)  # positive scores on a positive row, negative on a negative one
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflowed exponential is redone, never reported
            value, gx, gw = _lce_case(xs.astype(dtype), wp.astype(dtype), t, "none")
        want = numpy_lce(xs, wp, None, t, "none")
        assert np.isfinite(value).all() and np.isfinite(gx).all() and np.isfinite(gw).all()
        np.testing.assert_allclose(value, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-3)
        p = score_gradient(xs, wp, t)
        tol = 1e-4 if dtype == np.float32 else 1e-10
        np.testing.assert_allclose(gx, p @ wp, rtol=tol, atol=tol * big)
        np.testing.assert_allclose(gw, p.T @ xs, rtol=tol, atol=tol * big)


def test_a_nan_row_spoils_only_its_own_loss():
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(4, 3)), rng.normal(size=(7, 3))
    x[1, 0] = np.nan
    value = F.linear_cross_entropy(Tensor(x), Tensor(w), target=np.array([0, 1, 2, 3]), reduction="none").data
    assert np.isnan(value[1]) and np.isfinite(value[[0, 2, 3]]).all()
    np.testing.assert_allclose(value[[0, 2, 3]], numpy_lce(x[[0, 2, 3]], w, None, np.array([0, 2, 3]), "none"),
                               rtol=1e-12)


def test_the_library_picks_class_major_for_a_sentence_against_a_vocabulary():
    """At the default thresholds a sentence (22 rows) against 2000 classes is class-major, 1 row or 65
    classes row-major; the sentence's value and gradients equal the float64 definition."""
    with mock.patch.multiple(ce_kernel, CLASS_MAJOR_MIN_CLASSES=1000, CLASS_MAJOR_MAX_ROWS=128):
        f32 = np.dtype(np.float32)
        assert ce_kernel.use_class_major(22, 2000, f32) and ce_kernel.use_class_major(128, 1000, np.float64)
        assert not ce_kernel.use_class_major(1, 8000, f32) and not ce_kernel.use_class_major(25, 65, f32)
        assert not ce_kernel.use_class_major(704, 8000, f32)
        assert not ce_kernel.use_class_major(22, 8000, np.float16)  # w / total would be subnormal
        rng = np.random.default_rng(5)
        x, w = np.tanh(rng.normal(size=(22, 16))), rng.normal(size=(2000, 16)) * 0.5
        t = rng.integers(0, 2000, size=22)
        t[3] = IGNORE
        value, gx, gw = _lce_case(x, w, t, "mean")
    keep = t != IGNORE
    np.testing.assert_allclose(value, numpy_lce(x, w, None, t, "mean"), rtol=1e-12)
    p = score_gradient(x, w, t) / keep.sum()
    np.testing.assert_allclose(gx, p @ w, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gw, p.T @ x, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("target_dtype", [np.int8, np.int16, np.uint8, np.uint16, np.int32, np.int64])
def test_targets_of_any_integer_dtype_give_the_same_numbers(target_dtype):
    """Target offsets are computed in the index type, not the targets' own (int16 * 22 columns would wrap)."""
    rng = np.random.default_rng(6)
    C = 120 if np.iinfo(target_dtype).max < 1500 else 1500  # every target representable
    x, w = rng.normal(size=(22, 8)), rng.normal(size=(C, 8))
    t = rng.integers(0, C, size=22)
    want = _lce_case(x, w, t, "none")
    got = _lce_case(x, w, t.astype(target_dtype), "none")
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_equal_scores_at_the_edge_of_the_unshifted_range_give_finite_exact_gradients():
    """Scores of 80 everywhere (float32): the softmax is uniform and the input's gradient is exactly 0 in
    exact arithmetic; the exponentials must not overflow the backward's products on the way."""
    x = np.ones((2, 1), np.float32)
    w = np.full((1000, 1), 80.0, np.float32)
    value, gx, gw = _lce_case(x, w, np.array([0, 1]), "none")
    np.testing.assert_allclose(value, np.log(1000.0), rtol=1e-5)
    assert np.isfinite(gx).all() and np.isfinite(gw).all()
    np.testing.assert_allclose(gx, 0.0, atol=1e-3)
    want_gw = np.full((1000, 1), 2 / 1000.0)  # each of the two rows: uniform softmax - its one-hot
    want_gw[[0, 1]] -= 1.0
    np.testing.assert_allclose(gw, want_gw, rtol=1e-4, atol=1e-7)


def test_half_precision_keeps_row_major_accuracy():
    """float16 stays row-major (its w / total would be subnormal): gradients as accurate as for 129 rows."""
    rng = np.random.default_rng(8)
    x, w = rng.normal(size=(128, 16)), rng.normal(size=(2000, 16)) * 0.5
    t = rng.integers(0, 2000, size=128)
    value, gx, gw = _lce_case(x.astype(np.float16), w.astype(np.float16), t, "mean")
    x16, w16 = (a.astype(np.float16).astype(np.float64) for a in (x, w))
    want = score_gradient(x16, w16, t) / 128 @ w16
    assert np.abs(gx - want).max() <= 2e-3 * np.abs(want).max()
