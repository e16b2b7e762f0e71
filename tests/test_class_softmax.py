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


@pytest.mark.parametrize("layout", ["union", "pairs", "grouped", "runs"])
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
    assert choose_layout(22, 700, 800, 15) == "runs"  # a sentence: only the needed scores, a product per class
    assert choose_layout(704, 8000, 26_000, 89) == "runs"  # a batch of 32 sentences
    assert choose_layout(20_000, 8000, 700_000, 89) == "runs"  # many rows per class: still one product each
    assert choose_layout(200, 320, 390, 134) == "pairs"  # classes of ~2 words: per-class calls would dominate
    assert choose_layout(0, 0, 0, 0) == "union"


@pytest.mark.parametrize("layout", ["pairs", "runs"])
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 12), bias=st.booleans(), distinct=st.booleans())
def test_needed_score_layouts_equal_union_for_ascending_classes_and_repeats(layout, seed, n, bias, distinct):
    """The pairs and runs layouts against the union block (an independent formulation): outputs, dx and
    every parameter gradient, for classes that are ascending id ranges (no final sort; runs reads views of
    the weights) and for targets with and without repeated classes (the (k, m) @ (m, H) sums)."""
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
    for lay in ("union", layout):
        m = nn.ClassSoftmax(6, classes, bias=bias, sparse=True, dtype=np.float64)
        r = np.random.default_rng(seed + 1)
        for p in m.parameters():
            p.data[...] = r.normal(scale=0.5, size=p.shape)
        x = Tensor(x0, requires_grad=True)
        with mock.patch.object(class_softmax, "choose_layout", lambda *a, _l=lay: _l):
            out, _ = m(x, target)
            (out * Tensor(r.normal(size=len(target)))).sum().backward()
        grads = [x.grad] + [np.asarray(p.grad) for p in m.parameters()]
        results[lay] = (out.data, grads, m.weight.grad)
    np.testing.assert_allclose(results[layout][0], results["union"][0], rtol=1e-12, atol=1e-12)
    for a, b in zip(results[layout][1], results["union"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    sparse = results[layout][2]
    assert list(sparse.indices) == sorted(set(sparse.indices.tolist()))
    np.testing.assert_array_equal(sparse.indices, results["union"][2].indices)


def _class_table(kind: str, rng: np.random.Generator) -> np.ndarray:
    """30 words in 6 classes: ascending id ranges in class order, ranges in a shuffled class order, or ranges
    for classes 0-2 (words 0-14) and the other classes' words scattered among ids 15-29."""
    classes = np.repeat(np.arange(6), [1, 3, 6, 2, 8, 10])
    if kind == "shuffled_ranges":
        return rng.permutation(6)[classes]
    if kind == "mixed":
        classes[15:] = rng.permutation(classes[15:])
    return classes


@pytest.mark.parametrize("kind", ["ascending", "shuffled_ranges", "mixed"])
@pytest.mark.parametrize("layout", ["runs", "pairs", "union", "grouped"])
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 14), bias=st.booleans(), sparse=st.booleans(),
       few=st.booleans())
def test_layouts_equal_log_prob_for_range_and_scattered_classes(kind, layout, seed, n, bias, sparse, few):
    """Every layout against ``log_prob``'s generic autograd graph (per-class log-softmaxes, concatenated):
    outputs, dx and every parameter gradient, for classes whose words are ascending id ranges (runs reads
    views of the weights), ranges out of class order (the touched words need a final sort) and words
    scattered among the ids (runs gathers them), with targets from many classes or from few (repeated
    classes among the rows); the sparse gradient is coalesced and equals the dense one."""
    from unittest import mock

    from tinygrad_rnn.nn import class_softmax

    rng = np.random.default_rng(seed)
    classes = _class_table(kind, rng)
    pool = np.flatnonzero(np.isin(classes, rng.choice(6, size=2, replace=False))) if few else np.arange(30)
    target = rng.choice(pool, size=n)
    x0 = rng.normal(size=(n, 5))
    weights = rng.normal(size=n)
    grads = {}
    for fused in (True, False):
        m = nn.ClassSoftmax(5, classes, bias=bias, sparse=sparse and fused, dtype=np.float64)
        if kind == "mixed":
            ranges = [is_range for _, _, is_range in m._tables.class_info]
            assert any(ranges) and not all(ranges)
        r = np.random.default_rng(seed + 1)
        for p in m.parameters():
            p.data[...] = r.normal(scale=0.5, size=p.shape)
        x = Tensor(x0, requires_grad=True)
        if fused:
            with mock.patch.object(class_softmax, "choose_layout", lambda *a: layout):
                out, _ = m(x, target)
                (out * Tensor(weights)).sum().backward()
            if sparse:
                g = m.weight.grad
                assert isinstance(g, RowSparseGrad)
                assert list(g.indices) == sorted(set(g.indices.tolist()))  # coalesced as it claims
                assert set(g.indices.tolist()) == set(np.flatnonzero(np.isin(classes, classes[target])).tolist())
        else:
            out = m.log_prob(x)[np.arange(n), target]
            (out * Tensor(weights)).sum().backward()
        grads[fused] = [out.data, x.grad] + [p.grad.to_dense() if isinstance(p.grad, RowSparseGrad)
                                             else np.asarray(p.grad) for p in m.parameters()]
    for a, b in zip(grads[True], grads[False]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layout", ["union", "runs", "pairs", "grouped"])
def test_a_retained_graph_backwards_twice_to_twice_the_gradients(layout):
    """The layouts turn their saved arrays into gradients in place only when the graph is freed: with
    ``retain_graph`` a second backward gives the same gradients again."""
    from unittest import mock

    from tinygrad_rnn.nn import class_softmax

    m = _model(3, sparse=True)
    x = Tensor(np.random.default_rng(3).normal(size=(7, 6)), requires_grad=True)
    target = np.array([0, 4, 3, 10, 2, 4, 7])
    with mock.patch.object(class_softmax, "choose_layout", lambda *a: layout):
        _, loss = m(x, target)
    loss.backward(retain_graph=True)
    first = [x.grad.copy()] + [np.array(p.grad.to_dense() if isinstance(p.grad, RowSparseGrad) else p.grad)
                               for p in m.parameters()]
    loss.backward()
    second = [x.grad] + [p.grad.to_dense() if isinstance(p.grad, RowSparseGrad) else p.grad
                         for p in m.parameters()]
    for a, b in zip(second, first):
        np.testing.assert_allclose(a, 2 * b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("layout", ["union", "runs", "pairs", "grouped"])
def test_float32_input_with_float64_parameters_in_every_layout(layout):
    """Mixed precision (a float32 input, float64 weights) computes in float64 in every layout: the same
    output and input gradient as the float64 input."""
    from unittest import mock

    from tinygrad_rnn.nn import class_softmax

    m = _model(3, sparse=True, bias=True)
    x64 = np.random.default_rng(4).normal(size=(9, 6))
    x32 = x64.astype(np.float32)
    target = np.random.default_rng(5).integers(0, 11, size=9)
    results = []
    with mock.patch.object(class_softmax, "choose_layout", lambda *a: layout):
        for x in (x32, x32.astype(np.float64)):
            xt = Tensor(x, requires_grad=True)
            out, loss = m(xt, target)
            loss.backward()
            results.append((out.data, xt.grad))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("sparse", [True, False])
def test_an_empty_batch_gives_no_log_probabilities_a_nan_loss_and_zero_gradients(bias, sparse):
    # as torch's AdaptiveLogSoftmaxWithLoss: output (0,), loss NaN (the mean of nothing)
    m = nn.ClassSoftmax(5, [0, 0, 1, 1, 1], bias=bias, sparse=sparse, dtype=np.float64)
    x = Tensor(np.zeros((0, 5)), requires_grad=True)
    out, loss = m(x, np.zeros(0, np.int64))
    assert out.shape == (0,) and np.isnan(loss.item())
    out.sum().backward()
    assert x.grad.shape == (0, 5)
    for p in m.parameters():
        assert not np.asarray(p.grad).any()
