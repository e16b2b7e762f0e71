"""The tanh recurrence of the RNNNumpy tutorial with its windowed truncated BPTT, on numpy arrays.

``s_t = tanh(e_t + W s_{t-1})`` (no biases, as in the tutorial; ``e_t`` is the embedded input). The
tutorial's ``bptt_truncate=k`` sends the gradient arriving at output t back through steps t, t-1, ...,
t-k only: a window per output, which differs from chunked truncation (a window per chunk).
"""
from __future__ import annotations

import numpy as np

__all__ = ["tanh_rnn_forward", "tanh_rnn_backward"]


def tanh_rnn_forward(e: np.ndarray, w_hh: np.ndarray, h0: np.ndarray | None) -> np.ndarray:
    """States ``hs`` (T+1, B, H): ``hs[0] = h0`` (zeros if None), ``hs[t+1] = tanh(e[t] + hs[t] @ W.T)``.

    ``e`` (T, B, H) is the embedded input (the tutorial's ``U[:, x_t]`` rows); no biases, as in the tutorial.
    """
    T, B, H = e.shape
    dtype = np.result_type(e, w_hh)
    hs = np.empty((T + 1, B, H), dtype=dtype)
    hs[0] = 0 if h0 is None else h0
    # a contiguous W^T (BLAS multiplies by it faster than by a transposed view) and the per-step views made
    # once: at a sentence's batch of 1 the cost of a step is its numpy calls, not their arithmetic
    w_t = np.ascontiguousarray(w_hh.T, dtype=dtype)
    dot, add, tanh = np.dot, np.add, np.tanh
    states, inputs = list(hs), list(e)
    for t in range(T):
        cur = states[t + 1]
        dot(states[t], w_t, cur)
        add(cur, inputs[t], cur)
        tanh(cur, cur)
    return hs


def tanh_rnn_backward(
    grad_h: np.ndarray, hs: np.ndarray, w_hh: np.ndarray, truncate: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (dL/de (T, B, H), dL/dW (H, H)) given ``grad_h`` = dL/dh_t from the outputs, (T, B, H).

    ``truncate=k``: the gradient arriving at output t flows back through steps t, t−1, …, max(0, t−k)
    only. Instead of one inner loop per output (the tutorial's O(T·k) Python loops) all outputs move
    back one lag together: ``E_l[j]`` is the error at step j coming from output j+l, and
    ``E_{l+1}[j] = (E_l[j+1] @ W) * (1 − h_j²)``, so the Python loop runs over k+1 lags, not T·k pairs.
    ``truncate=None`` (or a window that covers the sequence) is ordinary full BPTT.
    """
    T, B, H = grad_h.shape
    h = hs[1:]
    deriv = np.multiply(h, h)  # tanh' = 1 - h^2 at every step, computed once
    np.subtract(1.0, deriv, out=deriv)
    grad_e = np.empty_like(grad_h)
    grad_w = np.zeros(w_hh.shape, dtype=w_hh.dtype)  # (np.zeros_like's Python wrapper costs ~1 µs)
    if T == 0:
        return grad_e, grad_w
    if truncate is None or truncate >= T - 1:
        carry = np.zeros((B, H), dtype=grad_h.dtype)
        for t in range(T - 1, -1, -1):
            d = grad_e[t]
            np.add(grad_h[t], carry, out=d)
            d *= deriv[t]
            if t:
                np.dot(d, w_hh, out=carry)
    else:
        err = np.multiply(grad_h, deriv)  # lag 0: E_0[j] from output j
        grad_e[...] = err
        step = np.empty_like(err)
        for lag in range(1, truncate + 1):
            n = T - lag  # steps 0..n-1 receive error from outputs lag..T-1
            if n <= 0:
                break
            nxt = step[:n]
            np.dot(err[1:].reshape(n * B, H), w_hh, out=nxt.reshape(n * B, H))
            nxt *= deriv[:n]
            grad_e[:n] += nxt
            err, step = nxt, err
    # every lag's error at step j meets the same state h_{j-1} = hs[j], so the weight gradient of all the
    # windows is one product over the summed errors: dW = sum_j grad_e[j]^T hs[j]
    np.dot(grad_e.reshape(T * B, H).T, hs[:T].reshape(T * B, H), out=grad_w)
    return grad_e, grad_w
