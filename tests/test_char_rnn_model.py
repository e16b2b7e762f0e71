"""The autograd CharRNN against the numpy min-char-rnn reference and finite differences (float64)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_rnn import gradcheck, nn, optim
from models.char_rnn import reference as ref
from models.char_rnn.model import CharRNN, from_reference, reference_grads, to_reference


@st.composite
def problems(draw, max_T=8):
    V = draw(st.integers(2, 9))
    H = draw(st.integers(1, 7))
    T = draw(st.integers(1, max_T))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    params = ref.init_params(V, H, rng, scale=0.6)
    params["bh"] += rng.standard_normal(H) * 0.3
    params["by"] += rng.standard_normal(V) * 0.3
    seq = rng.integers(0, V, 3 * T + 1)
    h0 = np.zeros(H) if draw(st.booleans()) else np.tanh(rng.standard_normal(H))
    return params, seq, T, h0


def _model_like(params, fused=True):
    H, V = params["Wxh"].shape
    m = CharRNN(V, H, dtype=np.float64, fused=fused)
    from_reference(m, params)
    return m


def _rel_close(a, b, rtol=1e-9):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(np.abs(b).max(), 1e-12)
    assert np.abs(a - b).max() <= rtol * scale, (np.abs(a - b).max(), scale)


@given(problems(), st.booleans())
def test_loss_and_every_gradient_match_the_reference(problem, fused):
    params, seq, T, h0 = problem
    inputs, targets = seq[:T], seq[1:T + 1]
    r_loss, r_grads, r_h = ref.loss_and_grads(inputs.tolist(), targets.tolist(), h0, params)
    m = _model_like(params, fused)
    loss, state = m.chunk_loss(inputs.reshape(T, 1), targets.reshape(T, 1), (h0.reshape(1, 1, -1),))
    loss.backward()
    assert loss.item() == pytest.approx(r_loss, rel=1e-12)
    for name, g in reference_grads(m).items():
        _rel_close(g, r_grads[name])
    assert m.rnn.bias_hh_l0.grad is None  # frozen: min-char-rnn has a single hidden bias
    _rel_close(state[0][0, 0], r_h, 1e-12)


@settings(max_examples=8)
@given(problems(max_T=5), st.booleans())
def test_model_gradients_match_finite_differences(problem, fused):
    params, seq, T, h0 = problem
    m = _model_like(params, fused)
    ids, tg = seq[:T].reshape(T, 1), seq[1:T + 1].reshape(T, 1)
    ps = m.trainable_parameters()

    def f(*_):
        return m.chunk_loss(ids, tg, (h0.reshape(1, 1, -1),))[0]

    assert gradcheck(f, ps, eps=1e-6, atol=1e-7, rtol=1e-5)


@settings(max_examples=10)
@given(problems(max_T=6), st.integers(1, 6))
def test_adagrad_and_clip_trajectories_match(problem, n_steps):
    params, seq, T, h0 = problem
    m = _model_like(params)
    opt = optim.Adagrad(m.trainable_parameters(), lr=0.1, eps=1e-8, eps_inside_sqrt=True)
    r_params = {k: v.copy() for k, v in params.items()}
    memory = {k: np.zeros_like(v) for k, v in params.items()}
    r_h, state = h0.copy(), (h0.reshape(1, 1, -1),)
    for step in range(n_steps):
        p = (step * T) % (2 * T)
        x, y = seq[p:p + T], seq[p + 1:p + T + 1]
        r_loss, r_h = ref.train_step(x.tolist(), y.tolist(), r_h, r_params, memory, lr=0.1, clip=5.0)
        opt.zero_grad()
        loss, state = m.chunk_loss(x.reshape(T, 1), y.reshape(T, 1), state)
        loss.backward()
        nn.utils.clip_grad_value_(m.trainable_parameters(), 5.0)
        opt.step()
        assert loss.item() == pytest.approx(r_loss, rel=1e-9)
    for name, value in to_reference(m).items():
        _rel_close(value, r_params[name])
    _rel_close(state[0][0, 0], r_h)


@given(problems(max_T=5))
def test_carried_state_across_chunks_matches(problem):
    params, seq, T, h0 = problem
    m = _model_like(params)
    r_h, state = h0.copy(), (h0.reshape(1, 1, -1),)
    for c in range(3):
        x, y = seq[c * T:(c + 1) * T], seq[c * T + 1:(c + 1) * T + 1]
        r_loss, _, r_h = ref.loss_and_grads(x.tolist(), y.tolist(), r_h, params)
        loss, state = m.chunk_loss(x.reshape(T, 1), y.reshape(T, 1), state)
        assert loss.item() == pytest.approx(r_loss, rel=1e-12)
        _rel_close(state[0][0, 0], r_h, 1e-12)


@given(st.integers(1, 5), st.integers(1, 6), st.integers(0, 1000))
def test_batch_loss_is_mean_of_per_stream_losses(B, T, seed):
    rng = np.random.default_rng(seed)
    V, H = 6, 5
    params = ref.init_params(V, H, rng, scale=0.7)
    m = _model_like(params)
    ids, tg = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    h0 = np.tanh(rng.standard_normal((1, B, H)))
    loss, state = m.chunk_loss(ids, tg, (h0,))
    losses = []
    for b in range(B):
        lb, _, hb = ref.loss_and_grads(ids[:, b].tolist(), tg[:, b].tolist(), h0[0, b], params)
        losses.append(lb)
        _rel_close(state[0][0, b], hb, 1e-12)
    assert loss.item() == pytest.approx(np.mean(losses), rel=1e-12)


@settings(max_examples=10)
@given(st.sampled_from(["rnn", "lstm", "gru"]), st.integers(1, 2), st.integers(1, 4), st.integers(1, 3),
       st.integers(0, 1000))
def test_fused_and_composed_paths_agree_for_every_cell(cell, layers, T, B, seed):
    rng = np.random.default_rng(seed)
    V, H = 5, 4
    a = CharRNN(V, H, layers, cell, dtype=np.float64, init="pytorch", generator=np.random.default_rng(seed))
    b = CharRNN(V, H, layers, cell, dtype=np.float64, init="pytorch", fused=False)
    b.load_state_dict(a.state_dict())
    ids, tg = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    state = tuple(np.tanh(rng.standard_normal(s.shape)) for s in a.init_state(B))
    la, sa = a.chunk_loss(ids, tg, state)
    lb, sb = b.chunk_loss(ids, tg, state)
    la.backward()
    lb.backward()
    assert la.item() == pytest.approx(lb.item(), rel=1e-12)
    for x, y in zip(sa, sb):
        _rel_close(x, y, 1e-12)
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        if pa.requires_grad:
            _rel_close(pa.grad, pb.grad, 1e-10)
    # and the logits path agrees with the loss path
    logits, _ = a(ids, state)
    lp = logits.data - np.log(np.exp(logits.data).sum(-1, keepdims=True))
    assert -np.take_along_axis(lp, tg[..., None], -1).sum() / B == pytest.approx(la.item(), rel=1e-10)


@settings(max_examples=6)
@given(st.sampled_from(["lstm", "gru"]), st.integers(1, 2), st.integers(0, 100))
def test_lstm_gru_gradients_match_finite_differences(cell, layers, seed):
    rng = np.random.default_rng(seed)
    m = CharRNN(4, 3, layers, cell, dtype=np.float64, generator=rng)
    ids, tg = rng.integers(0, 4, (3, 2)), rng.integers(0, 4, (3, 2))
    state = tuple(np.tanh(rng.standard_normal(s.shape)) for s in m.init_state(2))
    assert gradcheck(lambda *_: m.chunk_loss(ids, tg, state)[0], m.trainable_parameters(),
                     eps=1e-6, atol=1e-7, rtol=1e-5)


def test_bad_constructor_arguments_raise():
    for kwargs in ({"vocab_size": 0}, {"vocab_size": 3, "hidden_size": -1}, {"vocab_size": 3, "cell": "tcn"},
                   {"vocab_size": 3, "num_layers": 0}, {"vocab_size": 3, "dropout": 1.0}):
        with pytest.raises(ValueError):
            CharRNN(**kwargs)


def test_dtype_and_reference_mapping_round_trip():
    params = ref.init_params(5, 3, np.random.default_rng(0), scale=1.0)
    m = CharRNN(5, 3, dtype=np.float32)
    from_reference(m, params)
    assert m.dtype == np.float32 and all(p.dtype == np.float32 for p in m.parameters())
    back = to_reference(m)
    for k in ref.PARAM_NAMES:
        np.testing.assert_allclose(back[k], params[k], rtol=1e-6)
    with pytest.raises(ValueError):
        to_reference(CharRNN(5, 3, cell="gru"))


@given(problems(), st.integers(1, 3))
def test_fused_chunk_loss_matches_the_composition_and_the_reference(problem, B):
    """The fused classic path (id gather + F.linear_cross_entropy) on flattened parameters equals the plain
    composition nn.RNN(one-hot) + F.linear + F.cross_entropy, and for one stream min-char-rnn itself."""
    params, seq, T, h0 = problem
    ids = np.stack([np.roll(seq[:T], b) for b in range(B)], axis=1)
    tg = np.stack([np.roll(seq[1:T + 1], b) for b in range(B)], axis=1)
    hb = np.stack([np.roll(h0, b) for b in range(B)])
    results = []
    for fused in (True, False):
        m = _model_like(params, fused=fused)
        flat = nn.utils.flatten_parameters_(m.trainable_parameters())
        loss, state = m.chunk_loss(ids, tg, (hb[None],))
        loss.backward()
        results.append((loss.item(), state[0][0], flat.grad.copy(), reference_grads(m)))
    (loss, last, grad, named), (loss2, last2, grad2, _) = results
    assert loss == pytest.approx(loss2, rel=1e-12)
    _rel_close(last, last2, 1e-12)
    _rel_close(grad, grad2, 1e-10)
    if B == 1:
        r_loss, r_grads, _ = ref.loss_and_grads(ids[:, 0].tolist(), tg[:, 0].tolist(), h0, params)
        assert loss == pytest.approx(r_loss, rel=1e-12)
        for name in ref.PARAM_NAMES:
            _rel_close(named[name], r_grads[name])
