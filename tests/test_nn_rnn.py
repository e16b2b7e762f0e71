"""Recurrent layers: the fused RNN/LSTM/GRU kernels and Functions, cells and RNN/LSTM/GRU layers.

Oracles, all independent of the code under test:
  * central finite differences of a plain-numpy forward (kernels) or of the module (gradcheck),
  * plain-numpy implementations of PyTorch's RNN/LSTM/GRU equations written out below,
  * the fused op against the per-step composition of cells (two different code paths),
  * PyTorch itself when installed (weights copied by name).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, gradcheck, nn
from tinygrad_rnn.ops.fused_rnn import FusedRNNFunction
from tinygrad_rnn.kernels.gated import gru_backward, gru_forward, lstm_backward, lstm_forward
from tinygrad_rnn.kernels.rnn import rnn_backward, rnn_forward

F64 = np.float64
sizes = st.integers(1, 4)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


# ---- plain-numpy references of PyTorch's equations (one layer, (T, B, I) input) ---------------------
def ref_rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
    h = h0
    out = []
    for t in range(x.shape[0]):
        a = x[t] @ w_ih.T + h @ w_hh.T
        if b_ih is not None:
            a = a + b_ih + b_hh
        h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)
        out.append(h)
    return np.stack(out), h


def ref_lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    H = h0.shape[-1]
    h, c = h0, c0
    out = []
    for t in range(x.shape[0]):
        g = x[t] @ w_ih.T + h @ w_hh.T
        if b_ih is not None:
            g = g + b_ih + b_hh
        i, f, gg, o = _sigmoid(g[:, :H]), _sigmoid(g[:, H : 2 * H]), np.tanh(g[:, 2 * H : 3 * H]), _sigmoid(g[:, 3 * H :])
        c = f * c + i * gg
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out), h, c


def ref_gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh):
    H = h0.shape[-1]
    h = h0
    out = []
    for t in range(x.shape[0]):
        gi = x[t] @ w_ih.T + (b_ih if b_ih is not None else 0.0)
        gh = h @ w_hh.T + (b_hh if b_hh is not None else 0.0)
        r = _sigmoid(gi[:, :H] + gh[:, :H])
        z = _sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
        n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        h = (1 - z) * n + z * h
        out.append(h)
    return np.stack(out), h


def ref_stack(module, x, state):
    """Multi-layer reference over a tinygrad_rnn RNN/LSTM/GRU module's weights (float64)."""
    L = module.num_layers
    w = {k: v.numpy().astype(F64) for k, v in module.state_dict().items()}
    hs, cs = [], []
    for k in range(L):
        args = [w[f"weight_ih_l{k}"], w[f"weight_hh_l{k}"], w.get(f"bias_ih_l{k}"), w.get(f"bias_hh_l{k}")]
        if isinstance(module, nn.LSTM):
            x, h, c = ref_lstm_layer(x, state[0][k], state[1][k], *args)
            cs.append(c)
        elif isinstance(module, nn.GRU):
            x, h = ref_gru_layer(x, state[k], *args)
        else:
            x, h = ref_rnn_layer(x, state[k], *args, nonlinearity=module.nonlinearity)
        hs.append(h)
    return x, np.stack(hs), (np.stack(cs) if cs else None)


# ---- the pure-numpy kernels ---------------------------------------------------------------------------
def _numeric(f, arrays, upstream, i, eps=1e-6):
    a = arrays[i]
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        plus = np.sum(f(*arrays) * upstream)
        a[idx] = old - eps
        minus = np.sum(f(*arrays) * upstream)
        a[idx] = old
        g[idx] = (plus - minus) / (2 * eps)
    return g


@given(T=sizes, B=sizes, I=sizes, H=sizes, seed=st.integers(0, 2**31), use_h0=st.booleans(),
       bias=st.booleans(), nonlinearity=st.sampled_from(["tanh", "relu"]))
def test_kernels_match_reference_and_finite_differences(T, B, I, H, seed, use_h0, bias, nonlinearity):
    r = _rng(seed)
    x = r.normal(size=(T, B, I))
    h0 = r.normal(size=(B, H))
    w_ih, w_hh = r.normal(size=(H, I)) * 0.8, r.normal(size=(H, H)) * 0.8
    b_ih, b_hh = r.normal(size=H), r.normal(size=H)
    upstream = r.normal(size=(T, B, H))
    bi, bh = (b_ih, b_hh) if bias else (None, None)
    h0_arg = h0 if use_h0 else None

    hs = rnn_forward(x, h0_arg, w_ih, w_hh, bi, bh, nonlinearity)
    ref, _ = ref_rnn_layer(x, h0 if use_h0 else np.zeros((B, H)), w_ih, w_hh, bi, bh, nonlinearity)
    np.testing.assert_allclose(hs, ref, rtol=1e-12, atol=1e-12)

    def f(x, h0, w_ih, w_hh, b_ih, b_hh):
        return ref_rnn_layer(x, h0, w_ih, w_hh, b_ih if bias else None, b_hh if bias else None, nonlinearity)[0]

    h0_full = h0 if use_h0 else np.zeros((B, H))
    if nonlinearity == "relu":
        pre = []
        h = h0_full
        for t in range(T):
            a = x[t] @ w_ih.T + h @ w_hh.T + ((b_ih + b_hh) if bias else 0.0)
            pre.append(a)
            h = np.maximum(a, 0)
        if np.min(np.abs(np.stack(pre))) < 1e-4:
            return  # a pre-activation on the kink: the derivative is undefined there
    dx, dh0, dw_ih, dw_hh, db = rnn_backward(upstream, x, h0_arg, hs, w_ih, w_hh, bias, nonlinearity)
    arrays = [x.copy(), h0_full.copy(), w_ih.copy(), w_hh.copy(), b_ih.copy(), b_hh.copy()]
    expected = {i: _numeric(f, arrays, upstream, i) for i in range(6)}
    np.testing.assert_allclose(dx, expected[0], atol=1e-7)
    np.testing.assert_allclose(dw_ih, expected[2], atol=1e-7)
    np.testing.assert_allclose(dw_hh, expected[3], atol=1e-7)
    if use_h0:
        np.testing.assert_allclose(dh0, expected[1], atol=1e-7)
    else:
        assert dh0 is None
    if bias:
        np.testing.assert_allclose(db, expected[4], atol=1e-7)
        np.testing.assert_allclose(db, expected[5], atol=1e-7)
    else:
        assert db is None


def test_kernel_forward_writes_into_out_and_rejects_bad_out():
    r = _rng(0)
    x, w_ih, w_hh = r.normal(size=(3, 2, 4)), r.normal(size=(5, 4)), r.normal(size=(5, 5))
    out = np.empty((3, 2, 5))
    assert rnn_forward(x, None, w_ih, w_hh, out=out) is out
    with pytest.raises(ValueError, match="out must be"):
        rnn_forward(x, None, w_ih, w_hh, out=np.empty((3, 2, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        rnn_forward(x, None, w_ih, w_hh, nonlinearity="sigmoid")


def test_kernel_backward_extra_gradient_of_last_state():
    r = _rng(1)
    x, h0 = r.normal(size=(4, 2, 3)), r.normal(size=(2, 5))
    w_ih, w_hh = r.normal(size=(5, 3)), r.normal(size=(5, 5)) * 0.5
    hs = rnn_forward(x, h0, w_ih, w_hh)
    g, g_last = r.normal(size=hs.shape), r.normal(size=(2, 5))
    folded = g.copy()
    folded[-1] += g_last
    a = rnn_backward(g, x, h0, hs, w_ih, w_hh, False, grad_h_last=g_last)
    b = rnn_backward(folded, x, h0, hs, w_ih, w_hh, False)
    for u, v in zip(a, b):
        if u is not None:
            np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12)


@given(T=sizes, B=sizes, I=sizes, H=st.integers(1, 3), seed=st.integers(0, 2**31), use_state=st.booleans(),
       bias=st.booleans(), kind=st.sampled_from(["lstm", "gru"]))
@settings(max_examples=12)
def test_gated_kernels_match_reference_and_finite_differences(T, B, I, H, seed, use_state, bias, kind):
    r = _rng(seed)
    G = 4 if kind == "lstm" else 3
    x = r.normal(size=(T, B, I))
    h0, c0 = (r.normal(size=(B, H)), r.normal(size=(B, H))) if use_state else (np.zeros((B, H)), np.zeros((B, H)))
    w = [r.normal(size=(G * H, I)), r.normal(size=(G * H, H)), r.normal(size=G * H), r.normal(size=G * H)]
    b = (w[2], w[3]) if bias else (None, None)
    st_arg = (lambda a: a) if use_state else (lambda a: None)
    if kind == "lstm":
        y, acts, tc = lstm_forward(x, st_arg(h0), st_arg(c0), w[0], w[1], *b)
        upstream = r.normal(size=y.shape)

        def f(x, h0, c0, w_ih, w_hh, b_ih, b_hh):  # every h and c from the reference, stacked like y
            hs, cs, h, c = [], [], h0, c0
            for t in range(T):
                _, h, c = ref_lstm_layer(x[t : t + 1], h, c, w_ih, w_hh, *((b_ih, b_hh) if bias else (None, None)))
                hs.append(h)
                cs.append(c)
            return np.stack([np.stack(hs), np.stack(cs)])

        np.testing.assert_allclose(y, f(x, h0, c0, *w), rtol=1e-12, atol=1e-12)
        got = lstm_backward(upstream, x, st_arg(h0), st_arg(c0), y, acts, tc, w[0], w[1], bias)
        arrays = [x, h0, c0, *w]
        pairs = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (5, 6)]  # (result index, input index)
    else:
        hs, acts, ghn = gru_forward(x, st_arg(h0), w[0], w[1], *b)
        upstream = r.normal(size=hs.shape)

        def f(x, h0, w_ih, w_hh, b_ih, b_hh):
            return ref_gru_layer(x, h0, w_ih, w_hh, *((b_ih, b_hh) if bias else (None, None)))[0]

        np.testing.assert_allclose(hs, f(x, h0, *w), rtol=1e-12, atol=1e-12)
        got = gru_backward(upstream, x, st_arg(h0), hs, acts, ghn, w[0], w[1], bias)
        arrays = [x, h0, *w]
        pairs = [(k, k) for k in range(6)]
    arrays = [a.copy() for a in arrays]
    for res, inp in pairs:
        is_state = inp in ((1, 2) if kind == "lstm" else (1,))
        is_bias = inp >= len(arrays) - 2
        if (is_state and not use_state) or (is_bias and not bias):
            assert got[res] is None
            continue
        np.testing.assert_allclose(got[res], _numeric(f, arrays, upstream, inp), atol=1e-7, err_msg=f"{kind} input {inp}")


# ---- the fused Function under the engine ---------------------------------------------------------------
@given(T=sizes, B=sizes, I=sizes, H=sizes, seed=st.integers(0, 2**31), bias=st.booleans())
@settings(max_examples=10)
def test_fused_function_gradcheck_all_inputs(T, B, I, H, seed, bias):
    r = _rng(seed)
    ts = [Tensor(r.normal(size=s), requires_grad=True) for s in [(T, B, I), (B, H), (H, I), (H, H), (H,), (H,)]]
    if not bias:
        ts[4] = ts[5] = None
    inputs = [t for t in ts if t is not None]

    def fn(*_):
        return FusedRNNFunction.apply(*ts, "tanh")

    assert gradcheck(fn, inputs)


def _pair(cls, fused_kwargs, seed, **kw):
    tg.manual_seed(seed)
    a = cls(**kw, **fused_kwargs[0], dtype=F64)
    b = cls(**kw, **fused_kwargs[1], dtype=F64)
    b.load_state_dict(a.state_dict())
    return a, b


@given(T=sizes, B=sizes, I=sizes, H=sizes, L=st.integers(1, 3), seed=st.integers(0, 2**31),
       bias=st.booleans(), batch_first=st.booleans(), use_h0=st.booleans(),
       kind=st.sampled_from(["tanh", "relu", "lstm", "gru"]))
def test_fused_equals_composed_outputs_and_all_gradients(T, B, I, H, L, seed, bias, batch_first, use_h0, kind):
    kw = dict(input_size=I, hidden_size=H, num_layers=L, bias=bias, batch_first=batch_first)
    if kind in ("tanh", "relu"):
        cls, kw["nonlinearity"] = nn.RNN, kind
    else:
        cls = nn.LSTM if kind == "lstm" else nn.GRU
    fused, composed = _pair(cls, ({"fused": True}, {"fused": False}), seed, **kw)
    r = _rng(seed + 1)
    x_np = r.normal(size=(B, T, I) if batch_first else (T, B, I))
    h0_np, c0_np = r.normal(size=(L, B, H)), r.normal(size=(L, B, H))
    g_out = r.normal(size=(B, T, H) if batch_first else (T, B, H))
    g_h, g_c = r.normal(size=(L, B, H)), r.normal(size=(L, B, H))
    results = []
    for m in (fused, composed):
        x = Tensor(x_np.copy(), requires_grad=True)
        h0 = Tensor(h0_np.copy(), requires_grad=True) if use_h0 else None
        c0 = Tensor(c0_np.copy(), requires_grad=True) if use_h0 else None
        if kind == "lstm":
            out, (h_n, c_n) = m(x, (h0, c0) if use_h0 else None)
            ((out * g_out).sum() + (h_n * g_h).sum() + (c_n * g_c).sum()).backward()
        else:
            out, h_n = m(x, h0)
            c_n = None
            ((out * g_out).sum() + (h_n * g_h).sum()).backward()
        grads = {n: p.grad for n, p in m.named_parameters()}
        states = [h_n.data] + ([] if c_n is None else [c_n.data])
        state_grads = [] if h0 is None else [h0.grad] + ([c0.grad] if kind == "lstm" else [])
        results.append((out.data, states, x.grad, state_grads, grads))
    (o1, s1, dx1, ds1, g1), (o2, s2, dx2, ds2, g2) = results
    np.testing.assert_allclose(o1, o2, rtol=1e-10, atol=1e-12)
    for a, b in zip(s1, s2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx1, dx2, rtol=1e-9, atol=1e-11)
    for a, b in zip(ds1, ds2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    assert g1.keys() == g2.keys()
    for name in g1:
        np.testing.assert_allclose(g1[name], g2[name], rtol=1e-9, atol=1e-11, err_msg=name)


@given(T=sizes, B=sizes, I=sizes, H=sizes, seed=st.integers(0, 2**31), fused=st.booleans())
@settings(max_examples=8)
def test_rnn_layer_gradcheck_including_h0(T, B, I, H, seed, fused):
    tg.manual_seed(seed)
    m = nn.RNN(I, H, num_layers=2, dtype=F64, fused=fused)
    r = _rng(seed)
    x = Tensor(r.normal(size=(T, B, I)), requires_grad=True)
    h0 = Tensor(r.normal(size=(2, B, H)), requires_grad=True)

    def fn(*_):
        out, h_n = m(x, h0)
        return Tensor.concatenate([out.reshape(-1), h_n.reshape(-1)])

    assert gradcheck(fn, [x, h0, *m.parameters()])


# ---- cells -------------------------------------------------------------------------------------------
@given(B=sizes, I=sizes, H=sizes, seed=st.integers(0, 2**31), bias=st.booleans(),
       kind=st.sampled_from(["rnn_tanh", "rnn_relu", "lstm", "gru"]))
@settings(max_examples=16)
def test_cells_gradcheck_and_match_numpy(B, I, H, seed, bias, kind):
    tg.manual_seed(seed)
    r = _rng(seed)
    x = Tensor(r.normal(size=(B, I)), requires_grad=True)
    h = Tensor(r.normal(size=(B, H)), requires_grad=True)
    c = Tensor(r.normal(size=(B, H)), requires_grad=True)
    if kind.startswith("rnn"):
        nl = kind[4:]
        cell = nn.RNNCell(I, H, bias=bias, nonlinearity=nl, dtype=F64)
        fn = lambda *_: cell(x, h)  # noqa: E731
        inputs = [x, h]
    elif kind == "lstm":
        cell = nn.LSTMCell(I, H, bias=bias, dtype=F64)
        fn = lambda *_: Tensor.concatenate(list(cell(x, (h, c))), axis=1)  # noqa: E731
        inputs = [x, h, c]
    else:
        cell = nn.GRUCell(I, H, bias=bias, dtype=F64)
        fn = lambda *_: cell(x, h)  # noqa: E731
        inputs = [x, h]
    w = [p.data for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh) if p is not None] + [None, None]
    args = (w[0], w[1], w[2] if bias else None, w[3] if bias else None)
    if kind.startswith("rnn"):
        if kind == "rnn_relu":
            a = x.data @ args[0].T + h.data @ args[1].T + ((args[2] + args[3]) if bias else 0)
            if np.min(np.abs(a)) < 1e-4:
                return  # on relu's kink the gradient is undefined
        expected = ref_rnn_layer(x.data[None], h.data, *args, nonlinearity=kind[4:])[1]
    elif kind == "lstm":
        _, eh, ec = ref_lstm_layer(x.data[None], h.data, c.data, *args)
        expected = np.concatenate([eh, ec], axis=1)
    else:
        expected = ref_gru_layer(x.data[None], h.data, *args)[1]
    np.testing.assert_allclose(fn().data, expected, rtol=1e-12, atol=1e-12)
    assert gradcheck(fn, inputs + list(cell.parameters()))


def test_cells_accept_unbatched_input_and_default_state():
    tg.manual_seed(0)
    for cell in (nn.RNNCell(3, 4, dtype=F64), nn.GRUCell(3, 4, dtype=F64)):
        x = np.arange(3.0)
        np.testing.assert_allclose(cell(x).data, cell(x[None], np.zeros((1, 4))).data[0], rtol=1e-14)
    lstm = nn.LSTMCell(3, 4, dtype=F64)
    h, c = lstm(np.arange(3.0))
    assert h.shape == c.shape == (4,)
    with pytest.raises(ValueError, match=r"\(batch, 3\)"):
        lstm(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="must have shape"):
        nn.GRUCell(3, 4)(np.zeros((2, 3), np.float32), np.zeros((3, 4), np.float32))


# ---- LSTM / GRU layers ---------------------------------------------------------------------------------
@given(T=sizes, B=sizes, I=sizes, H=st.integers(1, 3), seed=st.integers(0, 2**31), kind=st.sampled_from(["lstm", "gru"]),
       fused=st.booleans())
@settings(max_examples=10)
def test_lstm_gru_layers_gradcheck(T, B, I, H, seed, kind, fused):
    tg.manual_seed(seed)
    r = _rng(seed)
    x = Tensor(r.normal(size=(T, B, I)), requires_grad=True)
    h0 = Tensor(r.normal(size=(2, B, H)), requires_grad=True)
    if kind == "lstm":
        m = nn.LSTM(I, H, num_layers=2, dtype=F64, fused=fused)
        c0 = Tensor(r.normal(size=(2, B, H)), requires_grad=True)

        def fn(*_):
            out, (h_n, c_n) = m(x, (h0, c0))
            return Tensor.concatenate([out.reshape(-1), h_n.reshape(-1), c_n.reshape(-1)])

        inputs = [x, h0, c0]
    else:
        m = nn.GRU(I, H, num_layers=2, dtype=F64, fused=fused)

        def fn(*_):
            out, h_n = m(x, h0)
            return Tensor.concatenate([out.reshape(-1), h_n.reshape(-1)])

        inputs = [x, h0]
    assert gradcheck(fn, inputs + list(m.parameters()))


@given(T=sizes, B=sizes, I=sizes, H=sizes, L=st.integers(1, 3), seed=st.integers(0, 2**31),
       kind=st.sampled_from(["rnn", "rnn_relu", "rnn_composed", "lstm", "gru", "lstm_composed", "gru_composed"]),
       bias=st.booleans(),
       batch_first=st.booleans(), use_state=st.booleans())
def test_layers_forward_match_numpy_equations(T, B, I, H, L, seed, kind, bias, batch_first, use_state):
    tg.manual_seed(seed)
    kw = dict(num_layers=L, bias=bias, batch_first=batch_first, dtype=F64)
    if kind.startswith("lstm"):
        m = nn.LSTM(I, H, fused=kind == "lstm", **kw)
    elif kind.startswith("gru"):
        m = nn.GRU(I, H, fused=kind == "gru", **kw)
    else:
        m = nn.RNN(I, H, nonlinearity="relu" if kind == "rnn_relu" else "tanh", fused=kind != "rnn_composed", **kw)
    r = _rng(seed)
    x = r.normal(size=(T, B, I))
    h0, c0 = r.normal(size=(L, B, H)), r.normal(size=(L, B, H))
    xin = x.transpose(1, 0, 2) if batch_first else x
    if kind.startswith("lstm"):
        state = (h0, c0) if use_state else (np.zeros((L, B, H)), np.zeros((L, B, H)))
        out, (h_n, c_n) = m(xin, (h0, c0) if use_state else None)
    else:
        state = h0 if use_state else np.zeros((L, B, H))
        out, h_n = m(xin, h0 if use_state else None)
    e_out, e_h, e_c = ref_stack(m, x, state)
    got = out.data.transpose(1, 0, 2) if batch_first else out.data
    np.testing.assert_allclose(got, e_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n.data, e_h, rtol=1e-12, atol=1e-12)
    if kind.startswith("lstm"):
        np.testing.assert_allclose(c_n.data, e_c, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_unbatched_input_equals_batch_of_one(cls):
    tg.manual_seed(3)
    m = cls(3, 4, num_layers=2, dtype=F64)
    x = _rng(0).normal(size=(5, 3))
    out_u, state_u = m(x)
    out_b, state_b = m(x[:, None, :])
    np.testing.assert_allclose(out_u.data, out_b.data[:, 0], rtol=1e-14)
    hu = state_u[0] if cls is nn.LSTM else state_u
    hb = state_b[0] if cls is nn.LSTM else state_b
    assert hu.shape == (2, 4)
    np.testing.assert_allclose(hu.data, hb.data[:, 0], rtol=1e-14)


def test_layer_parameter_names_shapes_and_gate_layout():
    m = nn.LSTM(3, 5, num_layers=2)
    shapes = {n: p.shape for n, p in m.named_parameters()}
    assert shapes == {
        "weight_ih_l0": (20, 3), "weight_hh_l0": (20, 5), "bias_ih_l0": (20,), "bias_hh_l0": (20,),
        "weight_ih_l1": (20, 5), "weight_hh_l1": (20, 5), "bias_ih_l1": (20,), "bias_hh_l1": (20,),
    }
    assert nn.GRU(3, 5).weight_ih_l0.shape == (15, 3)
    assert [n for n, _ in nn.RNN(3, 5, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


def test_dropout_between_layers_only_in_training():
    tg.manual_seed(0)
    m = nn.RNN(3, 8, num_layers=2, dropout=0.5, dtype=F64)
    plain = nn.RNN(3, 8, num_layers=2, dtype=F64)
    plain.load_state_dict(m.state_dict())
    x = _rng(0).normal(size=(4, 2, 3))
    train_out = m(x)[0].data
    m.eval()
    np.testing.assert_allclose(m(x)[0].data, plain(x)[0].data, rtol=1e-14)
    assert not np.allclose(train_out, plain(x)[0].data)
    # one layer: dropout only acts between layers, so none is applied
    single = nn.RNN(3, 8, dropout=0.5, dtype=F64)
    np.testing.assert_array_equal(single(x)[0].data, single(x)[0].data)


def test_layer_input_errors_are_clear():
    m = nn.GRU(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=re.escape("input_size=3, got torch.Size([5, 2, 7])")):
        m(np.zeros((5, 2, 7), np.float32))
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 2, 4\)"):
        m(np.zeros((5, 2, 3), np.float32), np.zeros((1, 2, 4), np.float32))
    with pytest.raises(ValueError, match="empty"):
        m(np.zeros((0, 2, 3), np.float32))
    with pytest.raises(TypeError, match="pair"):
        nn.LSTM(3, 4)(np.zeros((5, 2, 3), np.float32), np.zeros((1, 2, 4), np.float32))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")


def test_fused_rnn_float32_and_no_grad():
    tg.manual_seed(0)
    m = nn.RNN(3, 4)
    assert m.weight_hh_l0.dtype == np.float32
    x = _rng(0).normal(size=(5, 2, 3)).astype(np.float32)
    with tg.no_grad():
        out, h = m(x)
    assert out.dtype == np.float32 and not out.requires_grad
    m64 = nn.RNN(3, 4, dtype=F64)
    m64.load_state_dict(m.state_dict())
    np.testing.assert_allclose(out.data, m64(x.astype(F64))[0].data, rtol=1e-5, atol=1e-6)


# ---- PyTorch as an external oracle ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["rnn", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_matches_pytorch_outputs_and_gradients(kind, batch_first):
    torch = pytest.importorskip("torch")
    tg.manual_seed(7)
    L, T, B, I, H = 2, 5, 3, 4, 6
    if kind == "lstm":
        ours, theirs = nn.LSTM(I, H, L, batch_first=batch_first, dtype=F64), torch.nn.LSTM(I, H, L, batch_first=batch_first)
    elif kind == "gru":
        ours, theirs = nn.GRU(I, H, L, batch_first=batch_first, dtype=F64), torch.nn.GRU(I, H, L, batch_first=batch_first)
    else:
        nl = "relu" if kind == "rnn_relu" else "tanh"
        ours = nn.RNN(I, H, L, nonlinearity=nl, batch_first=batch_first, dtype=F64)
        theirs = torch.nn.RNN(I, H, L, nonlinearity=nl, batch_first=batch_first)
    theirs = theirs.double()
    # weights move ours -> torch by name, and back
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    r = _rng(11)
    x = r.normal(size=(B, T, I) if batch_first else (T, B, I))
    h0, c0 = r.normal(size=(L, B, H)), r.normal(size=(L, B, H))
    g = r.normal(size=(B, T, H) if batch_first else (T, B, H))
    gh = r.normal(size=(L, B, H))

    tx, th0, tc0 = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    ox, oh0, oc0 = (Tensor(a.copy(), requires_grad=True) for a in (x, h0, c0))
    if kind == "lstm":
        tout, (th, _) = theirs(tx, (th0, tc0))
        oout, (oh, _) = ours(ox, (oh0, oc0))
    else:
        tout, th = theirs(tx, th0)
        oout, oh = ours(ox, oh0)
    ((tout * torch.from_numpy(g)).sum() + (th * torch.from_numpy(gh)).sum()).backward()
    ((oout * g).sum() + (oh * gh).sum()).backward()
    np.testing.assert_allclose(oout.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(oh.data, th.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ox.grad, tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(oh0.grad, th0.grad.numpy(), rtol=1e-9, atol=1e-11)
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tgrads[name].grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cells_match_pytorch(kind):
    torch = pytest.importorskip("torch")
    tg.manual_seed(8)
    B, I, H = 3, 4, 5
    ours = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}[kind](I, H, dtype=F64)
    theirs = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[kind](I, H).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    r = _rng(12)
    x, h, c, g = (r.normal(size=s) for s in [(B, I), (B, H), (B, H), (B, H)])
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    ox, oh, oc = (Tensor(a.copy(), requires_grad=True) for a in (x, h, c))
    tout = theirs(tx, (th, tc))[0] if kind == "lstm" else theirs(tx, th)
    oout = ours(ox, (oh, oc))[0] if kind == "lstm" else ours(ox, oh)
    (tout * torch.from_numpy(g)).sum().backward()
    (oout * g).sum().backward()
    np.testing.assert_allclose(oout.data, tout.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ox.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(oh.grad, th.grad.numpy(), rtol=1e-10, atol=1e-12)
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tgrads[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
