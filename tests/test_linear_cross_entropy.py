"""``F.linear_cross_entropy``: the fused projection + log-softmax + NLL equals its plain-numpy definition in
value and, by central differences, in gradient; equals the composition ``cross_entropy(linear(...))``; and
leaves a retained graph usable twice."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_rnn import F, Tensor

from op_factory import check_backprop, upstream_for

IGNORE = -100


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
