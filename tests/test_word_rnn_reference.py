"""The numpy tutorial model's hand-derived BPTT against finite differences and a brute-force windowed sum."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from models.word_rnn.reference import RNNNumpy, softmax


def _sentence(rng, vocab, length):
    ids = rng.integers(0, vocab, size=length + 1)
    return ids[:-1], ids[1:]


def _numeric_grad(model, name, x, y, eps=1e-6):
    p = getattr(model, name)
    g = np.zeros_like(p)
    for ix in np.ndindex(p.shape):
        orig = p[ix]
        p[ix] = orig + eps
        plus = model.sentence_loss(x, y)
        p[ix] = orig - eps
        minus = model.sentence_loss(x, y)
        p[ix] = orig
        g[ix] = (plus - minus) / (2 * eps)
    return g


@settings(max_examples=10)
@given(vocab=st.integers(3, 8), hidden=st.integers(1, 5), length=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_full_bptt_matches_finite_differences(vocab, hidden, length, seed):
    rng = np.random.default_rng(seed)
    model = RNNNumpy.random(vocab, hidden, bptt_truncate=None, seed=seed)
    model.W *= 3  # larger recurrent weights so long-range terms matter
    x, y = _sentence(rng, vocab, length)
    for name, g in zip("UVW", model.bptt(x, y)):
        np.testing.assert_allclose(g, _numeric_grad(model, name, x, y), rtol=1e-6, atol=1e-8)


@settings(max_examples=10)
@given(vocab=st.integers(3, 8), hidden=st.integers(1, 5), length=st.integers(1, 8),
       k=st.integers(0, 8), seed=st.integers(0, 2**16))
def test_truncated_bptt_is_a_window_per_output(vocab, hidden, length, k, seed):
    """Brute force: for each output t, finite-difference the loss of output t alone with the state
    before the window (step t−k−1) frozen; the sum over t must equal the truncated BPTT."""
    rng = np.random.default_rng(seed)
    model = RNNNumpy.random(vocab, hidden, bptt_truncate=k, seed=seed)
    model.W *= 2
    x, y = _sentence(rng, vocab, length)
    _, s = model.forward_propagation(x)

    def window_loss(t):
        start = max(0, t - k)
        h = s[start - 1].copy() if start > 0 else np.zeros(hidden)
        for j in range(start, t + 1):
            h = np.tanh(model.U[:, x[j]] + model.W @ h)
        return -np.log(softmax(model.V @ h)[y[t]])

    eps = 1e-6
    want = {n: np.zeros_like(getattr(model, n)) for n in "UVW"}
    for n in "UVW":
        p = getattr(model, n)
        for ix in np.ndindex(p.shape):
            orig = p[ix]
            tot = 0.0
            for t in range(length):
                p[ix] = orig + eps
                plus = window_loss(t)
                p[ix] = orig - eps
                minus = window_loss(t)
                p[ix] = orig
                tot += (plus - minus) / (2 * eps)
            want[n][ix] = tot
    for n, g in zip("UVW", model.bptt(x, y)):
        np.testing.assert_allclose(g, want[n], rtol=1e-6, atol=1e-8)


def test_truncation_gives_early_outputs_gradient_and_differs_from_full():
    rng = np.random.default_rng(3)
    x, y = _sentence(rng, 6, 10)
    full = RNNNumpy.random(6, 4, bptt_truncate=None, seed=1)
    trunc = RNNNumpy(full.U.copy(), full.V.copy(), full.W.copy(), bptt_truncate=2)
    big = RNNNumpy(full.U.copy(), full.V.copy(), full.W.copy(), bptt_truncate=9)
    gf, gt, gb = full.bptt(x, y), trunc.bptt(x, y), big.bptt(x, y)
    assert not np.allclose(gf[2], gt[2])
    for a, b in zip(gf, gb):  # a window as long as the sentence is full BPTT
        np.testing.assert_allclose(a, b, rtol=1e-12)
    # the first input word feeds output 0 directly, so it gets a gradient under any truncation
    assert np.abs(trunc.bptt(x, y)[0][:, x[0]]).sum() > 0


def test_loss_convention_and_initial_loss():
    rng = np.random.default_rng(0)
    model = RNNNumpy.random(500, 20, seed=0)
    X, Y = zip(*[_sentence(rng, 500, int(n)) for n in rng.integers(1, 15, size=20)])
    total = model.calculate_total_loss(X, Y)
    assert model.calculate_loss(X, Y) == total / sum(len(y) for y in Y)
    assert abs(model.calculate_loss(X, Y) - np.log(500)) / np.log(500) < 0.01


def test_sgd_step_descends_sentence_loss():
    rng = np.random.default_rng(5)
    model = RNNNumpy.random(10, 6, seed=5)
    x, y = _sentence(rng, 10, 6)
    before = model.sentence_loss(x, y)
    for _ in range(5):
        model.sgd_step(x, y, 0.05)
    assert model.sentence_loss(x, y) < before


def test_tutorial_gradient_check_passes_for_full_bptt():
    rng = np.random.default_rng(2)
    model = RNNNumpy.random(8, 3, bptt_truncate=None, seed=2)
    x, y = _sentence(rng, 8, 5)
    worst = model.gradient_check(x, y)
    assert set(worst) == {"U", "V", "W"} and max(worst.values()) < 1e-5
