"""The LSTM/GRU kernels' own paths: gradient subsets (merged and separate weight products), float32
against float64, and saturated gates (exp overflowing to inf) — kernels.gated."""
import itertools
import warnings

import numpy as np
import pytest

from tinygrad_rnn.kernels.gated import gru_backward, gru_forward, lstm_backward, lstm_forward


def _problem(kind, dtype, scale=1.0, T=5, B=3, I=4, H=3, seed=0):
    r = np.random.default_rng(seed)
    G = 4 if kind == "lstm" else 3
    x = (r.normal(size=(T, B, I)) * scale).astype(dtype)
    h0, c0 = r.normal(size=(B, H)).astype(dtype), r.normal(size=(B, H)).astype(dtype)
    w = [(r.normal(size=s) * scale).astype(dtype) for s in [(G * H, I), (G * H, H), (G * H,), (G * H,)]]
    return r, x, h0, c0, w


def _run(kind, x, h0, c0, w, upstream_rng, needs):
    if kind == "lstm":
        y, acts, tc = lstm_forward(x, h0, c0, *w)
        g = upstream_rng.normal(size=y.shape).astype(y.dtype)
        return y, lstm_backward(g, x, h0, c0, y, acts, tc, w[0], w[1], True, needs)
    hs, acts, ghn = gru_forward(x, h0, *w)
    g = upstream_rng.normal(size=hs.shape).astype(hs.dtype)
    return hs, gru_backward(g, x, h0, hs, acts, ghn, w[0], w[1], True, needs)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_any_subset_of_gradients_equals_the_full_computation(kind):
    _, x, h0, c0, w = _problem(kind, np.float64)
    full = _run(kind, x, h0, c0, w, np.random.default_rng(1), (True,) * 6)[1]
    for needs in itertools.product([False, True], repeat=6):
        got = _run(kind, x, h0, c0, w, np.random.default_rng(1), needs)[1]
        for k, (want, have) in enumerate(zip(full, got)):
            if needs[k]:
                np.testing.assert_allclose(have, want, rtol=1e-12, atol=1e-12, err_msg=f"{needs} output {k}")
            else:
                assert have is None


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_float32_matches_float64(kind):
    _, x, h0, c0, w = _problem(kind, np.float64, T=7, B=4, I=6, H=5)
    y64, g64 = _run(kind, x, h0, c0, w, np.random.default_rng(2), (True,) * 6)
    y32, g32 = _run(kind, x.astype(np.float32), h0.astype(np.float32), c0.astype(np.float32),
                    [a.astype(np.float32) for a in w], np.random.default_rng(2), (True,) * 6)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, atol=2e-6)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(b).max())))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_saturated_gates_give_exact_limits_without_warnings(kind):
    # pre-activations of several hundred: exp overflows to inf, the gates must still be exactly 0 or 1
    _, x, h0, c0, w = _problem(kind, np.float32, scale=60.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, grads = _run(kind, x, h0, c0, w, np.random.default_rng(3), (True,) * 6)
    assert np.isfinite(y).all() and all(np.isfinite(g).all() for g in grads)
    if kind == "lstm":
        acts = lstm_forward(x, h0, c0, *w)[1]
    else:
        acts = gru_forward(x, h0, *w)[1]
    assert ((acts >= -1.0) & (acts <= 1.0)).all()
    assert np.isin(acts, [-1.0, 0.0, 1.0]).mean() > 0.5  # mostly saturated, to exactly the limits


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("B", [1, 3])
def test_one_hot_input_equals_the_dense_one_hot(kind, B):
    from tinygrad_rnn.kernels.gated import OneHotInput

    r, _, h0, c0, w = _problem(kind, np.float64, I=6, B=B)
    ids = r.integers(0, 6, (5, B))
    dense = np.eye(6)[ids]
    y_d, g_d = _run(kind, dense, h0, c0, w, np.random.default_rng(4), (True,) * 6)
    y_o, g_o = _run(kind, OneHotInput(ids, 6), h0, c0, w, np.random.default_rng(4), (True,) * 6)
    np.testing.assert_array_equal(y_o, y_d)
    assert g_o[0] is None  # a one-hot input has no gradient
    for k, (a, b) in enumerate(zip(g_o[1:], g_d[1:]), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f"output {k}")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_char_model_gather_path_matches_nn_layers_with_dropout(cell):
    import tinygrad_rnn as tg
    from models.char_rnn.model import CharRNN

    a = CharRNN(7, 5, 2, cell, dropout=0.4, dtype=np.float64, generator=np.random.default_rng(0))
    b = CharRNN(7, 5, 2, cell, dropout=0.4, dtype=np.float64, fused=False)
    b.load_state_dict(a.state_dict())
    rng = np.random.default_rng(1)
    ids, targets = rng.integers(0, 7, (6, 3)), rng.integers(0, 7, (6, 3))
    losses = []
    for m in (a, b):
        tg.manual_seed(5)
        loss, state = m.chunk_loss(ids, targets)
        loss.backward()
        losses.append((loss.item(), state, [p.grad for p in m.trainable_parameters()]))
    assert losses[0][0] == pytest.approx(losses[1][0], rel=1e-12)
    for x, y in zip(losses[0][1], losses[1][1]):
        np.testing.assert_allclose(x, y, rtol=1e-12)
    for x, y in zip(losses[0][2], losses[1][2]):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("T,B", [(1, 1), (5, 3)])
def test_reused_scratch_never_leaks_into_saved_or_returned_arrays(kind, T, B):
    # the kernels reuse per-thread scratch buffers for their temporaries: two problems of the same shape,
    # run interleaved (forward a, forward b, backward a, backward b), must give what each gives alone,
    # and what a call returned must not change when the next call runs (T = B = 1 included: there a
    # column slice of a scratch buffer counts as contiguous, so only an explicit copy is a copy)
    problems = [_problem(kind, np.float64, T=T, B=B, seed=s)[1:] for s in (10, 11)]
    alone = [_run(kind, *p, np.random.default_rng(5), (True,) * 6) for p in problems]
    alone = [(y.copy(), [None if g is None else g.copy() for g in grads]) for y, grads in alone]
    saved, got = [], []
    for x, h0, c0, w in problems:
        saved.append(lstm_forward(x, h0, c0, *w) if kind == "lstm" else gru_forward(x, h0, *w))
    for (x, h0, c0, w), out in zip(problems, saved):
        g = np.random.default_rng(5).normal(size=out[0].shape)
        if kind == "lstm":
            got.append(lstm_backward(g, x, h0, c0, *out, w[0], w[1], True))
        else:
            got.append(gru_backward(g, x, h0, *out, w[0], w[1], True))
    _run(kind, *problems[1], np.random.default_rng(6), (True,) * 6)  # one more call over the same scratch
    for (y, want), out, have in zip(alone, saved, got):
        np.testing.assert_array_equal(out[0], y)
        for a, b in zip(have, want):
            np.testing.assert_array_equal(a, b)


def _gru_reference(x, h0, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's GRU equations step by step in plain float64 numpy (r, z, n stacked along W's first axis)."""
    H = w_hh.shape[1]
    b_ih = np.zeros(3 * H) if b_ih is None else b_ih
    b_hh = np.zeros(3 * H) if b_hh is None else b_hh
    h = np.zeros((x.shape[1], H)) if h0 is None else h0
    out = []
    for x_t in x:
        gi, gh = x_t @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r = 1.0 / (1.0 + np.exp(-(gi[:, :H] + gh[:, :H])))
        z = 1.0 / (1.0 + np.exp(-(gi[:, H : 2 * H] + gh[:, H : 2 * H])))
        n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        h = (1.0 - z) * n + z * h
        out.append(h)
    return np.stack(out)


@pytest.mark.parametrize("B", [1, 2, 4])  # B = 1 keeps the gates step-major, B > 1 gate-major
@pytest.mark.parametrize("biases", ["both", "ih", "hh", "none"])
@pytest.mark.parametrize("use_h0", [True, False])
def test_gru_layouts_and_bias_folding_against_plain_numpy_and_finite_differences(B, biases, use_h0):
    # the forward folds b_hh's r, z parts into the input projection's bias and keeps b_hn in the loop; the
    # states must be the equations', every gradient the central difference of sum(g * hs)
    r, x, h0, _, (w_ih, w_hh, b_ih, b_hh) = _problem("gru", np.float64, T=4, B=B, I=3, H=2, seed=B)
    b_ih = b_ih if biases in ("both", "ih") else None
    b_hh = b_hh if biases in ("both", "hh") else None
    h0 = h0 if use_h0 else None
    hs, acts, ghn = gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    np.testing.assert_allclose(hs, _gru_reference(x, h0, w_ih, w_hh, b_ih, b_hh), rtol=1e-13, atol=1e-14)
    g = r.normal(size=hs.shape)
    grads = gru_backward(g, x, h0, hs, acts, ghn, w_ih, w_hh, b_ih is not None or b_hh is not None)
    inputs = {"x": (x, grads[0]), "h0": (h0, grads[1]), "w_ih": (w_ih, grads[2]), "w_hh": (w_hh, grads[3]),
              "b_ih": (b_ih, grads[4]), "b_hh": (b_hh, grads[5])}
    eps = 1e-6
    for name, (a, grad) in inputs.items():
        if a is None:
            assert name != "h0" or grad is None  # (an absent bias's gradient is not looked at)
            continue
        want = np.empty_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            up = float((g * _gru_reference(x, h0, w_ih, w_hh, b_ih, b_hh)).sum())
            a[i] = old - eps
            down = float((g * _gru_reference(x, h0, w_ih, w_hh, b_ih, b_hh)).sum())
            a[i] = old
            want[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, want, rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("chunk_steps", [1, 2, 3])
@pytest.mark.parametrize("use_h0", [True, False])
def test_gru_backward_in_chunks_of_steps_equals_one_chunk(monkeypatch, chunk_steps, use_h0):
    # the backward computes its gate factors a chunk of steps at a time (c = _GRU_CHUNK // (B H)); any chunking,
    # with a partial first chunk (T = 7), must give the one-chunk result bit for bit
    import tinygrad_rnn.kernels.gated as gated

    r, x, h0, _, w = _problem("gru", np.float64, T=7, B=3, I=4, H=2, seed=7)
    h0 = h0 if use_h0 else None
    hs, acts, ghn = gru_forward(x, h0, *w)
    g = r.normal(size=hs.shape)
    monkeypatch.setattr(gated, "_GRU_CHUNK", 10**9)
    want = gru_backward(g, x, h0, hs, acts, ghn, w[0], w[1], True)
    monkeypatch.setattr(gated, "_GRU_CHUNK", chunk_steps * 3 * 2)
    have = gru_backward(g, x, h0, hs, acts, ghn, w[0], w[1], True)
    for a, b in zip(have, want):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
