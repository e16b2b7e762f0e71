"""The one-stream (B=1) fast paths of kernels/rnn.py and the sums of kernels/scatter.py against plain numpy loops."""
import numpy as np
import pytest

from tinygrad_rnn.kernels.rnn import (rnn_backward_from_ids, rnn_recurrence_backward, rnn_recurrence_forward,
                                      rnn_states_from_ids)
from tinygrad_rnn.kernels.scatter import column_sums


def _loop_forward(pre, h0, w, f):
    h = np.zeros(w.shape[0]) if h0 is None else h0[0]
    out = []
    for p in pre[:, 0]:
        h = f(p + w @ h)
        out.append(h)
    return np.array(out)[:, None]


def _loop_backward(g, hs, w, relu, g_last):
    T, _, H = hs.shape
    da = np.zeros((T, 1, H))
    carry = np.zeros(H) if g_last is None else g_last[0].copy()
    for t in range(T - 1, -1, -1):
        dh = g[t, 0] + carry
        da[t, 0] = ((hs[t, 0] > 0) if relu else (1 - hs[t, 0] ** 2)) * dh
        carry = w.T @ da[t, 0]
    return da


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("copy", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("T", [1, 2, 7])
def test_one_stream_loops_match_a_plain_loop(nonlinearity, copy, with_h0, T):
    rng = np.random.default_rng(T)
    H = 6
    w = rng.standard_normal((H, H)) * 0.5
    pre = rng.standard_normal((T, 1, H))
    h0 = rng.standard_normal((1, H)) if with_h0 else None
    f = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0))
    hs = rnn_recurrence_forward(pre.copy(), h0, w, nonlinearity, copy_w_hh_t=copy)
    np.testing.assert_allclose(hs, _loop_forward(pre, h0, w, f), rtol=1e-12, atol=1e-14)
    g = rng.standard_normal((T, 1, H))
    for g_last in (None, rng.standard_normal((1, H))):
        da = rnn_recurrence_backward(g, hs, w, nonlinearity, g_last)
        np.testing.assert_allclose(da, _loop_backward(g, hs, w, nonlinearity == "relu", g_last), rtol=1e-12, atol=1e-14)


def test_one_stream_product_is_min_char_rnns_bit_for_bit():
    rng = np.random.default_rng(0)
    H = 100
    w, pre, h0 = rng.standard_normal((H, H)) * 0.1, rng.standard_normal((5, 1, H)), rng.standard_normal((1, H))
    hs = rnn_recurrence_forward(pre.copy(), h0, w, copy_w_hh_t=False)
    h = h0[0]
    for t in range(5):
        h = np.tanh(pre[t, 0] + np.dot(w, h))
        np.testing.assert_array_equal(hs[t, 0], h)


@pytest.mark.parametrize("B", [1, 3])
def test_states_from_ids_and_their_gradients_match_the_one_hot_loop(B):
    rng = np.random.default_rng(B)
    T, H, V = 5, 4, 7
    w_ih, w_hh, bias = rng.standard_normal((H, V)), rng.standard_normal((H, H)) * 0.5, rng.standard_normal(H)
    ids, h0 = rng.integers(0, V, (T, B)), rng.standard_normal((B, H))
    states = rnn_states_from_ids(w_ih, w_hh, bias, ids, h0)
    x = np.eye(V)[ids]  # (T, B, V) one-hot
    h, expect = h0, [h0]
    for t in range(T):
        h = np.tanh(x[t] @ w_ih.T + bias + h @ w_hh.T)
        expect.append(h)
    np.testing.assert_allclose(states, np.array(expect), rtol=1e-12, atol=1e-14)
    g = rng.standard_normal((T, B, H))
    dw_ih, dw_hh, db = rnn_backward_from_ids(g, states, w_hh, ids, V)
    da = np.zeros((T, B, H))
    carry = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        da[t] = (1 - states[t + 1] ** 2) * (g[t] + carry)
        carry = da[t] @ w_hh
    np.testing.assert_allclose(dw_ih, np.einsum("tbh,tbv->hv", da, x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dw_hh, np.einsum("tbh,tbk->hk", da, states[:-1]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, da.sum(axis=(0, 1)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_sums_are_the_sums_of_the_rows(dtype):
    rows = np.random.default_rng(0).standard_normal((25, 9)).astype(dtype)
    out = np.empty(9, dtype)
    assert column_sums(rows, out) is out
    np.testing.assert_allclose(out, rows.sum(axis=0), rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(column_sums(rows[:0]), np.zeros(9))
