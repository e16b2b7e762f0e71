"""The word model's fused ops (windowed truncated BPTT, linear+cross-entropy) against three independent
oracles: the numpy tutorial reference, a per-step autograd composition of primitive ops, and finite
differences. float64 throughout."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn.nn.functional as F
from tinygrad_rnn import Tensor
from tinygrad_rnn.ops import TruncatedTanhRNN
from models.word_rnn.reference import RNNNumpy

truncations = st.one_of(st.none(), st.integers(0, 10))


def _setup(vocab, hidden, length, k, seed, scale=2.0):
    rng = np.random.default_rng(seed)
    ref = RNNNumpy.random(vocab, hidden, bptt_truncate=k, seed=seed)
    ref.W *= scale  # recurrent weights large enough that truncation changes the gradient
    ids = rng.integers(0, vocab, size=length + 1)
    return ref, ids[:-1], ids[1:]


def _leaves(ref):
    return (Tensor(ref.U.T.copy(), requires_grad=True), Tensor(ref.W.copy(), requires_grad=True),
            Tensor(ref.V.copy(), requires_grad=True))


def fused_loss(E, W, V, x, y, k):
    e = F.embedding(E, x[:, None])
    hs = TruncatedTanhRNN.apply(e, W, truncate=k)
    return F.linear_cross_entropy(hs.reshape(len(x), W.shape[0]), V, None, y, reduction="sum")


def per_step_loss(E, W, V, x, y, k, states):
    """Σ_t loss_t where output t's chain is rebuilt from primitives, starting at the detached state
    before its window: exactly what windowed truncation means, with no hand-derived backward."""
    total = None
    for t in range(len(x)):
        start = 0 if k is None else max(0, t - k)
        h = Tensor(states[start - 1][None] if start > 0 else np.zeros((1, W.shape[0])))
        for j in range(start, t + 1):
            h = (F.embedding(E, x[j:j + 1]) + h @ W.T).tanh()
        term = F.cross_entropy(h @ V.T, y[t:t + 1], reduction="sum")
        total = term if total is None else total + term
    return total


def _assert_close(got, want, rtol=1e-9):
    scale = max(np.abs(want).max(), 1e-300)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


@settings(max_examples=15)
@given(vocab=st.integers(2, 9), hidden=st.integers(1, 6), length=st.integers(1, 12), k=truncations,
       seed=st.integers(0, 2**16))
def test_fused_equals_reference_and_per_step_composition(vocab, hidden, length, k, seed):
    ref, x, y = _setup(vocab, hidden, length, k, seed)
    dU, dV, dW = ref.bptt(x, y)

    E, W, V = _leaves(ref)
    loss = fused_loss(E, W, V, x, y, k)
    loss.backward()
    assert abs(loss.item() - ref.sentence_loss(x, y)) <= 1e-9 * abs(ref.sentence_loss(x, y))
    _assert_close(E.grad.T, dU), _assert_close(W.grad, dW), _assert_close(V.grad, dV)

    _, s = ref.forward_propagation(x)
    E2, W2, V2 = _leaves(ref)
    composed = per_step_loss(E2, W2, V2, x, y, k, s)
    composed.backward()
    _assert_close(composed.item(), loss.item())
    _assert_close(E2.grad, E.grad), _assert_close(W2.grad, W.grad), _assert_close(V2.grad, V.grad)


@settings(max_examples=10)
@given(vocab=st.integers(2, 7), hidden=st.integers(1, 5), length=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_full_bptt_matches_finite_differences(vocab, hidden, length, seed):
    ref, x, y = _setup(vocab, hidden, length, None, seed)
    E, W, V = _leaves(ref)
    fused_loss(E, W, V, x, y, None).backward()
    eps = 1e-6
    for leaf in (E, W, V):
        num = np.zeros_like(leaf.data)
        for ix in np.ndindex(leaf.shape):
            orig = leaf.data[ix]
            leaf.data[ix] = orig + eps
            plus = fused_loss(E, W, V, x, y, None).item()
            leaf.data[ix] = orig - eps
            minus = fused_loss(E, W, V, x, y, None).item()
            leaf.data[ix] = orig
            num[ix] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(leaf.grad, num, rtol=1e-6, atol=1e-8)


@settings(max_examples=10)
@given(batch=st.integers(1, 4), hidden=st.integers(1, 5), k=truncations, seed=st.integers(0, 2**16))
def test_padded_batch_equals_mean_of_sentences(batch, hidden, k, seed):
    """Right-padding with ignored targets must not change any sentence's loss or gradient."""
    rng = np.random.default_rng(seed)
    vocab = 6
    ref = RNNNumpy.random(vocab, hidden, bptt_truncate=k, seed=seed)
    lengths = rng.integers(1, 9, size=batch)
    T = int(lengths.max())
    X = np.zeros((T, batch), dtype=np.int64)
    Y = np.full((T, batch), -100, dtype=np.int64)
    want = [np.zeros_like(a) for a in (ref.U, ref.W, ref.V)]
    want_loss = 0.0
    for b, n in enumerate(lengths):
        ids = rng.integers(0, vocab, size=n + 1)
        X[:n, b], Y[:n, b] = ids[:-1], ids[1:]
        X[n:, b] = rng.integers(0, vocab, size=T - n)  # padding inputs are arbitrary ids
        dU, dV, dW = ref.bptt(ids[:-1], ids[1:])
        for acc, g in zip(want, (dU, dW, dV)):
            acc += g / batch
        want_loss += ref.sentence_loss(ids[:-1], ids[1:]) / batch
    E, W, V = _leaves(ref)
    hs = TruncatedTanhRNN.apply(F.embedding(E, X), W, truncate=k)
    loss = F.linear_cross_entropy(hs, V, None, Y, ignore_index=-100, reduction="sum") * (1.0 / batch)
    loss.backward()
    _assert_close(loss.item(), want_loss)
    _assert_close(E.grad.T, want[0]), _assert_close(W.grad, want[1]), _assert_close(V.grad, want[2])


def test_bad_truncation_rejected():
    with pytest.raises(ValueError, match="truncate"):
        TruncatedTanhRNN.apply(Tensor(np.zeros((2, 1, 3))), Tensor(np.zeros((3, 3))), truncate=-1)
