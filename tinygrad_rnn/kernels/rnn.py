"""Pure-numpy kernels for a whole-sequence Elman RNN layer (forward and hand-derived BPTT).

No autograd here: these are plain functions on arrays, so they can be tested against finite
differences in isolation and wrapped by :mod:`tinygrad_rnn.ops.fused_rnn` as one ``Function``.

Recurrence (PyTorch's ``nn.RNN`` equations, weights in PyTorch's layout)::

    h_t = f(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh),   f = tanh | relu

Shapes: ``x`` (T, B, I), ``h0`` (B, H) or None (zeros), ``W_ih`` (H, I), ``W_hh`` (H, H),
``b_ih``/``b_hh`` (H,) or None.  The output ``hs`` (T, B, H) holds every hidden state.

The time loops live in ``rnn_recurrence_forward`` / ``rnn_recurrence_backward``, which take the
input projection already computed: ``rnn_forward`` makes it with one matmul, the char-RNN
(``rnn_forward_from_ids``) with a gather of ``W_ih`` columns by id: a one-hot input, never built.

Speed notes (why the code looks like this): at small sizes the cost is the number of numpy
calls per time step, not flops.  So the input projection of all steps is one matmul written
straight into the output buffer, the loop does three calls per step (dot, add, nonlinearity)
into preallocated memory, the derivative of the nonlinearity is computed for all steps at once
before the backward loop (and then overwritten step by step with the gradient), and every
weight gradient is one matmul over all steps after it.
"""
from __future__ import annotations

import numpy as np

from .scatter import column_sums, scatter_add_columns

__all__ = [
    "rnn_forward", "rnn_backward", "rnn_recurrence_forward", "rnn_recurrence_backward", "rnn_weight_hh_grad",
    "rnn_states_from_ids", "rnn_forward_from_ids", "rnn_backward_from_ids",
    "NONLINEARITIES", "check_nonlinearity",
]

NONLINEARITIES = ("tanh", "relu")


def check_nonlinearity(nonlinearity: str) -> None:
    """Raise a ValueError naming the choices unless ``nonlinearity`` is one of ``NONLINEARITIES``."""
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None = None,
    b_hh: np.ndarray | None = None,
    nonlinearity: str = "tanh",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Run the recurrence over all T steps; return ``hs`` (T, B, H) (written into ``out`` if given).

    ``out`` must be a C-contiguous (T, B, H) array of the result dtype; it must not alias the inputs.
    """
    check_nonlinearity(nonlinearity)
    T, B, I = x.shape
    H = w_hh.shape[0]
    dtype = np.result_type(x, w_ih, w_hh)
    if out is None:
        out = np.empty((T, B, H), dtype=dtype)
    elif out.shape != (T, B, H) or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {(T, B, H)} array of dtype {dtype}")
    if T == 0:
        return out
    # Input projection of every step at once, written into the output buffer (the loop then adds
    # the recurrent term in place).
    np.dot(x.reshape(T * B, I), w_ih.T, out=out.reshape(T * B, H))
    if b_ih is not None and b_hh is not None:
        out += b_ih + b_hh
    elif b_ih is not None:
        out += b_ih
    elif b_hh is not None:
        out += b_hh
    return rnn_recurrence_forward(out, h0, w_hh, nonlinearity)


def rnn_recurrence_forward(
    pre: np.ndarray,
    h0: np.ndarray | None,
    w_hh: np.ndarray,
    nonlinearity: str = "tanh",
    copy_w_hh_t: bool = True,
) -> np.ndarray:
    """The time loop, in place: ``pre`` (T, B, H) holds each step's input projection (biases included)
    and becomes ``hs`` with ``hs[t] = f(pre[t] + hs[t-1] @ w_hh.T)``, ``hs[-1] = h0`` (B, H) or zeros.

    Returns ``pre``.  ``copy_w_hh_t``: multiply by a contiguous copy of ``w_hh.T`` (H*H elements, once
    per call; BLAS multiplies by it measurably faster than by a transposed view, and the loop uses it
    T times).  False multiplies by the view, i.e. BLAS computes ``w_hh @ h`` as min-char-rnn's numpy
    reference does, which keeps the char-RNN's classic training bit-identical to it.
    """
    T, B, H = pre.shape
    if T == 0:
        return pre
    act = np.tanh if nonlinearity == "tanh" else _relu_inplace
    add = np.add
    if B == 1:
        # One stream (min-char-rnn): 1-D vectors and the ndarray ``dot`` method, the cheapest matrix-vector
        # call numpy has (no array-function dispatch: ~0.2 µs less per step than np.dot at H=100).
        steps = list(pre[:, 0])  # views: the loop writes into pre
        rec = np.empty(H, dtype=pre.dtype)
        prev = steps[0]
        if copy_w_hh_t:
            w_t = np.ascontiguousarray(w_hh.T)
            if h0 is not None:
                h0[0].dot(w_t, rec)
                add(prev, rec, prev)
            act(prev, prev)
            for cur in steps[1:]:
                prev.dot(w_t, rec)
                add(cur, rec, cur)
                act(cur, cur)
                prev = cur
        else:
            # ``w_hh @ h``: BLAS's plain matrix-vector product, exactly min-char-rnn's ``np.dot(Whh, h)``
            mv = w_hh.dot
            if h0 is not None:
                mv(h0[0], rec)
                add(prev, rec, prev)
            act(prev, prev)
            for cur in steps[1:]:
                mv(prev, rec)
                add(cur, rec, cur)
                act(cur, cur)
                prev = cur
        return pre
    # Per-step views made once, positional out= and local names: at small B the Python overhead of
    # each call is comparable to the arithmetic.
    w_hh_t = np.ascontiguousarray(w_hh.T) if copy_w_hh_t else w_hh.T
    dot = np.dot
    rec = np.empty((B, H), dtype=pre.dtype)
    steps = list(pre)
    prev = steps[0]
    if h0 is not None:
        dot(h0, w_hh_t, rec)
        add(prev, rec, prev)
    act(prev, prev)
    for cur in steps[1:]:
        dot(prev, w_hh_t, rec)
        add(cur, rec, cur)
        act(cur, cur)
        prev = cur
    return pre


def _relu_inplace(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0, out=out)


def rnn_backward(
    grad_hs: np.ndarray,
    x: np.ndarray,
    h0: np.ndarray | None,
    hs: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    has_bias: bool = True,
    nonlinearity: str = "tanh",
    needs: tuple[bool, bool, bool, bool, bool] = (True, True, True, True, True),
    grad_h_last: np.ndarray | None = None,
) -> tuple[np.ndarray | None, ...]:
    """Backpropagation through time for :func:`rnn_forward`.

    ``grad_hs`` (T, B, H) is the upstream gradient of every output state; ``grad_h_last`` (B, H),
    if given, is an extra upstream gradient of the last state (for callers that expose h_n
    separately).  ``needs`` says which of (dx, dh0, dW_ih, dW_hh, db) to compute.

    Returns ``(dx (T,B,I), dh0 (B,H), dW_ih (H,I), dW_hh (H,H), db (H,))`` with None where not
    needed (``dh0`` is None when ``h0`` is None; ``db`` is the gradient of each of b_ih and b_hh,
    which is the same array, and None when ``has_bias`` is False).
    """
    check_nonlinearity(nonlinearity)
    need_x, need_h0, need_wih, need_whh, need_b = needs
    need_h0 = need_h0 and h0 is not None
    need_b = need_b and has_bias
    T, B, I = x.shape
    H = w_hh.shape[0]
    dtype = hs.dtype
    if T == 0:
        dh0 = None
        if need_h0:
            dh0 = np.zeros((B, H), dtype) if grad_h_last is None else grad_h_last.astype(dtype, copy=True)
        return (
            np.zeros((T, B, I), dtype) if need_x else None,
            dh0,
            np.zeros_like(w_ih) if need_wih else None,
            np.zeros_like(w_hh) if need_whh else None,
            np.zeros(H, dtype) if need_b else None,
        )
    da = rnn_recurrence_backward(grad_hs, hs, w_hh, nonlinearity, grad_h_last)
    dh0 = np.dot(da[0], w_hh) if need_h0 else None

    da2 = da.reshape(T * B, H)
    dx = np.dot(da2, w_ih).reshape(T, B, I) if need_x else None
    dw_ih = np.dot(da2.T, x.reshape(T * B, I)) if need_wih else None
    dw_hh = rnn_weight_hh_grad(da, hs, h0) if need_whh else None
    db = da2.sum(axis=0) if need_b else None
    return dx, dh0, dw_ih, dw_hh, db


def rnn_recurrence_backward(
    grad_hs: np.ndarray,
    hs: np.ndarray,
    w_hh: np.ndarray,
    nonlinearity: str = "tanh",
    grad_h_last: np.ndarray | None = None,
) -> np.ndarray:
    """BPTT through the time loop of :func:`rnn_recurrence_forward` (T >= 1).

    ``grad_hs`` (T, B, H): upstream gradient of every state; ``grad_h_last`` (B, H): an optional
    extra one for the last state.  Returns ``da`` (T, B, H), the gradient of every pre-activation
    (= of ``pre``); the input-projection gradients, ``dh0 = da[0] @ w_hh`` and the weight gradients
    are the caller's.
    """
    T, B, H = hs.shape
    dtype = hs.dtype
    # f'(pre-activation) expressed through the output, for all steps in one vectorized call; the
    # loop then overwrites it, step by step, with the gradient of the pre-activation.
    if nonlinearity == "tanh":
        da = np.multiply(hs, hs)
        np.subtract(1, da, out=da)
    else:
        da = (hs > 0).astype(dtype)
    add, mul = np.add, np.multiply
    if B == 1:
        # one stream: 1-D views and the ndarray ``dot`` method (see rnn_recurrence_forward);
        # ``d.dot(w_hh)`` is BLAS's transposed matrix-vector product, min-char-rnn's ``Whh.T @ dhraw``
        g_steps, da_steps = list(grad_hs[:, 0]), list(da[:, 0])
        carry = np.empty(H, dtype)  # gradient flowing into h_t from step t+1
        last = da_steps[T - 1]
        if grad_h_last is None:
            mul(last, g_steps[T - 1], last)  # nothing comes from step T: no add of zeros
        else:
            add(g_steps[T - 1], grad_h_last.reshape(H), carry)
            mul(last, carry, last)
        for t in range(T - 2, -1, -1):
            last.dot(w_hh, carry)          # to h_t, from step t+1
            d = da_steps[t]
            add(g_steps[t], carry, carry)  # dL/dh_t: from the output and from step t+1
            mul(d, carry, d)               # through the nonlinearity
            last = d
        return da
    carry = np.zeros((B, H), dtype)  # gradient flowing into h_t from step t+1
    if grad_h_last is not None:
        carry += grad_h_last
    dot = np.dot
    g_steps, da_steps = list(grad_hs), list(da)
    for t in range(T - 1, 0, -1):
        d = da_steps[t]
        add(g_steps[t], carry, carry)  # dL/dh_t: from the output and from step t+1
        mul(d, carry, d)               # through the nonlinearity
        dot(d, w_hh, carry)            # to h_{t-1}
    add(g_steps[0], carry, carry)
    mul(da_steps[0], carry, da_steps[0])
    return da


def rnn_weight_hh_grad(da: np.ndarray, hs: np.ndarray, h0: np.ndarray | None,
                       out: np.ndarray | None = None) -> np.ndarray:
    """``dW_hh`` (H, H) = sum_t da_t^T h_{t-1} (h_{-1} = h0 or zeros): one matmul over steps 1..T-1
    plus the h0 term; written into ``out`` (C-contiguous (H, H)) if given."""
    T, B, H = hs.shape
    if T > 1:
        dw_hh = np.dot(da[1:].reshape((T - 1) * B, H).T, hs[:-1].reshape((T - 1) * B, H), out=out)
    elif out is None:
        dw_hh = np.zeros((H, H), hs.dtype)
    else:
        out[...] = 0
        dw_hh = out
    if h0 is not None:
        dw_hh += np.dot(da[0].T, h0)
    return dw_hh


# ------------------------------------------------------------------ one-hot input given as ids
def rnn_states_from_ids(w_ih: np.ndarray, w_hh: np.ndarray, bias: np.ndarray | None, ids: np.ndarray,
                        h0: np.ndarray | None) -> np.ndarray:
    """``states`` (T + 1, B, H): ``states[0]`` = h0 (B, H) or zeros, ``states[t + 1] = tanh(w_ih[:, ids[t]].T +
    bias + states[t] @ w_hh.T)``.

    w_ih (H, V), w_hh (H, H), bias (H,) or None (the sum of both biases), ids (T, B) ints. The initial state
    sits in the same buffer as the others so that the backward's ``dW_hh`` is one matmul over all steps
    (``states[:-1]`` are the previous states) and ``states[1:]`` (C-contiguous) is the layer's output.
    """
    T, B = ids.shape
    H = w_hh.shape[0]
    dtype = w_hh.dtype
    states = np.empty((T + 1, B, H), dtype=dtype)
    if h0 is None:
        states[0] = 0
    else:
        states[0] = h0
    hs = states[1:]
    # a column of w_ih per character = the one-hot product, for all steps at once; gathered along w_ih's
    # contiguous axis and transposed while the bias is added (one pass: ~1.5 µs less than taking rows of w_ih.T)
    cols = w_ih.take(ids.reshape(-1), axis=1).T
    if bias is not None:
        np.add(cols, bias, out=hs.reshape(T * B, H))
    else:
        np.copyto(hs.reshape(T * B, H), cols)
    # ``w_hh @ h``, not a contiguous copy of w_hh.T: BLAS then computes it as the numpy reference does, so the
    # classic configuration trains bit-identically to it
    rnn_recurrence_forward(hs, None if h0 is None else states[0], w_hh, "tanh", copy_w_hh_t=False)
    return states


def rnn_forward_from_ids(w_ih: np.ndarray, w_hh: np.ndarray, bias: np.ndarray | None, ids: np.ndarray,
                         h0: np.ndarray | None) -> np.ndarray:
    """hs (T, B, H) with ``hs[t] = tanh(w_ih[:, ids[t]].T + bias + hs[t-1] @ w_hh.T)``, hs[-1] = h0 (B, H) or 0.

    w_ih (H, V), w_hh (H, H), bias (H,) or None (the sum of both biases), ids (T, B) ints.
    (``rnn_states_from_ids(...)[1:]``.)
    """
    return rnn_states_from_ids(w_ih, w_hh, bias, ids, h0)[1:]


def rnn_backward_from_ids(grad_hs: np.ndarray, states: np.ndarray, w_hh: np.ndarray, ids: np.ndarray,
                          vocab_size: int,
                          out: tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None] | None = None,
                          needs: tuple[bool, bool, bool] = (True, True, True)):
    """BPTT for ``rnn_states_from_ids`` given the upstream gradient of every state (T, B, H) and its ``states``
    (T + 1, B, H).

    Returns ``(dw_ih (H, V), dw_hh (H, H), db (H,))`` (None where ``needs`` says no). With ``out``,
    the gradients are written into those arrays (C-contiguous, the right shapes) instead.
    """
    T1, B, H = states.shape
    T = T1 - 1
    need_wih, need_whh, need_b = needs
    out = out or (None, None, None)
    if T == 0:
        return (np.zeros((H, vocab_size), states.dtype) if need_wih else None,
                np.zeros((H, H), states.dtype) if need_whh else None,
                np.zeros(H, states.dtype) if need_b else None)
    da = rnn_recurrence_backward(grad_hs, states[1:], w_hh)
    da2 = da.reshape(T * B, H)
    dw_ih = dw_hh = db = None
    if need_wih:
        dw_ih = scatter_add_columns(ids.reshape(-1), da2, vocab_size, out=out[0])
    if need_whh:
        # sum_t da_t^T h_{t-1}, h_{-1} = states[0]: one matmul over every step
        prev = states[:T].reshape(T * B, H)
        dw_hh = da2.T.dot(prev) if out[1] is None else da2.T.dot(prev, out[1])
    if need_b:
        db = column_sums(da2, out[2])
    return dw_ih, dw_hh, db
