"""``nn.ClassSoftmax`` (Mikolov et al. 2011): normalised, forward == log_prob at the targets, gradients ==
central differences, and its sparse backward touches only the target classes' rows (equal to the dense one)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import RowSparseGrad, Tensor, gradcheck, nn, optim

CLASSES = np.array([0, 0, 1, 2, 1, 2, 2, 3, 3, 3, 3])  # 11 words, 4 classes, not in word order


def _model(seed: int, sparse=False, bias=True):
    m = nn.ClassSoftmax(6, CLASSES, bias=bias, sparse=sparse, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for p in m.parameters():
        p.data[...] = rng.normal(scale=0.5, size=p.shape)
    return m


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 8), bias=st.booleans())
def test_log_prob_is_normalised_and_forward_gathers_it(seed, n, bias):
    m = _model(seed, bias=bias)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(n, 6))
    target = rng.integers(0, 11, size=n)
    lp = m.log_prob(x).data
    np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0, rtol=1e-12)
    # the factorisation itself, from the parameters: P(class) * P(word | class)
    h = x @ m.class_weight.data.T + (m.class_bias.data if bias else 0)
    pc = np.exp(h - h.max(1, keepdims=True)); pc /= pc.sum(1, keepdims=True)
    w = 3
    words = np.flatnonzero(CLASSES == CLASSES[w])
    s = x @ m.weight.data[words].T + (m.bias.data[words] if bias else 0)
    pw = np.exp(s - s.max(1, keepdims=True)); pw /= pw.sum(1, keepdims=True)
    np.testing.assert_allclose(np.exp(lp[:, w]), pc[:, CLASSES[w]] * pw[:, list(words).index(w)], rtol=1e-10)
    out, loss = m(x, target)
    np.testing.assert_allclose(out.data, lp[np.arange(n), target], rtol=1e-12, atol=1e-12)
    assert loss.item() == pytest.approx(-lp[np.arange(n), target].mean(), rel=1e-12)
    np.testing.assert_array_equal(m.predict(x).data, lp.argmax(axis=1))


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_gradients_match_finite_differences(seed):
    m = _model(seed)
    x = Tensor(np.random.default_rng(seed).normal(size=(5, 6)), requires_grad=True)
    target = np.array([0, 4, 3, 10, 2])

    def loss(x, *ps):
        return m(x, target).loss

    assert gradcheck(loss, [x, *m.parameters()])


def test_sparse_backward_touches_only_the_target_classes_and_equals_dense():
    x = np.random.default_rng(0).normal(size=(4, 6))
    target = np.array([0, 1, 7, 0])  # classes 0 and 3 only
    grads = {}
    for sparse in (False, True):
        m = _model(1, sparse=sparse)
        m(x, target).loss.backward()
        grads[sparse] = m.weight.grad
    assert isinstance(grads[True], RowSparseGrad)
    touched = set(grads[True].coalesce().indices.tolist())
    assert touched == set(np.flatnonzero((CLASSES == 0) | (CLASSES == 3)).tolist())
    np.testing.assert_array_equal(grads[True].to_dense(), grads[False])
    m = _model(1, sparse=True)
    opt = optim.SGD(m.parameters(), lr=0.1)
    before = m.weight.data.copy()
    m(x, target).loss.backward()
    opt.step()
    untouched = sorted(set(range(11)) - touched)
    np.testing.assert_array_equal(m.weight.data[untouched], before[untouched])


def test_frequency_classes_bins_by_frequency_and_fills_every_class():
    counts = np.array([1000, 500, 10, 5, 300, 1, 1, 2, 50])
    cls = nn.frequency_classes(counts)
    assert cls.max() + 1 == 3 and len(np.unique(cls)) == 3
    order = np.argsort(-counts, kind="stable")
    assert (np.diff(cls[order]) >= 0).all()  # more frequent words never in a later class
    assert cls[0] == 0 and (cls == 0).sum() == 1  # the most frequent word has a class of its own here
    cls9 = nn.frequency_classes(counts, n_classes=9)
    assert sorted(cls9.tolist()) == list(range(9))
    with pytest.raises(ValueError):
        nn.frequency_classes(counts, n_classes=10)


def test_bad_classes_and_targets_are_refused():
    with pytest.raises(ValueError, match="every class"):
        nn.ClassSoftmax(4, [0, 2, 2])
    m = _model(0)
    with pytest.raises(RuntimeError, match="Target values"):
        m(np.zeros((1, 6)), np.array([11]))


@pytest.mark.parametrize("layout", ["union", "pairs", "grouped"])
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 9), bias=st.booleans(), sparse=st.booleans())
def test_every_layout_matches_log_prob_and_finite_differences(layout, seed, n, bias, sparse):
    """Every layout of the fused op (a tiny input's union block, a sentence's needed pairs, a batch's
    per-class groups) is exact."""
    from unittest import mock

    from tinygrad_rnn.nn import class_softmax

    m = _model(seed, sparse=sparse, bias=bias)
    rng = np.random.default_rng(seed + 7)
    x = Tensor(rng.normal(size=(n, 6)), requires_grad=True)
    target = rng.integers(0, 11, size=n)
    with mock.patch.object(class_softmax, "choose_layout", lambda *a: layout):
        out, loss = m(x, target)
        np.testing.assert_allclose(out.data, m.log_prob(x).data[np.arange(n), target], rtol=1e-12, atol=1e-12)
        assert gradcheck(lambda x, *ps: m(x, target).loss, [x, *m.parameters()])
        loss.backward()
    grad = m.weight.grad
    if sparse:
        assert isinstance(grad, RowSparseGrad)
        assert list(grad.indices) == sorted(set(grad.indices.tolist()))  # coalesced as it claims
        assert set(grad.indices.tolist()) == set(np.flatnonzero(np.isin(CLASSES, CLASSES[target])).tolist())


def test_layout_choice_follows_the_cost_model():
    from tinygrad_rnn.nn.class_softmax import choose_layout

    assert choose_layout(3, 60, 70, 3) == "union"  # a few rows: one block
    assert choose_layout(22, 700, 800, 15) == "pairs"  # a sentence: only the needed scores
    assert choose_layout(704, 8000, 26_000, 89) == "pairs"  # a batch of 32 sentences
    assert choose_layout(20_000, 8000, 700_000, 89) == "grouped"  # many rows per class: one product each
    assert choose_layout(0, 0, 0, 0) == "union"


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 12), bias=st.booleans(), distinct=st.booleans())
def test_pairs_layout_equals_union_for_ascending_classes_and_repeats(seed, n, bias, distinct):
    """The pairs layout against the union block (an independent formulation): outputs, dx and every
    parameter gradient, for classes that are ascending id ranges (no final sort) and for targets with
    and without repeated classes (the (k, m) @ (m, H) sums)."""
    from unittest import mock

    from tinygrad_rnn.nn import class_softmax

    classes = np.repeat(np.arange(5), [1, 2, 3, 4, 5])  # 15 words in ascending id ranges
    rng = np.random.default_rng(seed)
    if distinct:  # one word of each of up to 5 distinct classes, in a shuffled order
        target = np.array([np.flatnonzero(classes == c)[-1] for c in rng.permutation(5)[:min(n, 5)]])
    else:
        target = rng.integers(0, 15, size=n)
    x0 = rng.normal(size=(len(target), 6))
    results = {}
    for layout in ("union", "pairs"):
        m = nn.ClassSoftmax(6, classes, bias=bias, sparse=True, dtype=np.float64)
        r = np.random.default_rng(seed + 1)
        for p in m.parameters():
            p.data[...] = r.normal(scale=0.5, size=p.shape)
        x = Tensor(x0, requires_grad=True)
        with mock.patch.object(class_softmax, "choose_layout", lambda *a, _l=layout: _l):
            out, _ = m(x, target)
            (out * Tensor(r.normal(size=len(target)))).sum().backward()
        grads = [x.grad] + [np.asarray(p.grad) for p in m.parameters()]
        results[layout] = (out.data, grads, m.weight.grad)
    np.testing.assert_allclose(results["pairs"][0], results["union"][0], rtol=1e-12, atol=1e-12)
    for a, b in zip(results["pairs"][1], results["union"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    sparse = results["pairs"][2]
    assert list(sparse.indices) == sorted(set(sparse.indices.tolist()))
    np.testing.assert_array_equal(sparse.indices, results["union"][2].indices)
