"""Fused sequence ops: one ``Function`` for all T steps of one RNN / LSTM / GRU layer.

Their forward and backward are the numpy kernels of :mod:`tinygrad_rnn.kernels.rnn` and
:mod:`tinygrad_rnn.kernels.gated` (hand-derived BPTT), so the autograd graph has one node per layer
instead of several per time step. ``nn.RNN``/``nn.LSTM``/``nn.GRU`` use them by default
(``fused=True``); the per-step composition of cell operations stays available (``fused=False``) and
the tests prove both agree with each other, with finite differences and with PyTorch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..kernels.gated import OneHotInput, gru_backward, gru_forward, lstm_backward, lstm_forward
from ..kernels.truncated_rnn import tanh_rnn_backward, tanh_rnn_forward
from ..kernels.rnn import rnn_backward, rnn_backward_from_ids, rnn_forward, rnn_states_from_ids

__all__ = ["FusedRNNFunction", "FusedLSTMFunction", "FusedGRUFunction"]


def _as(a: Any, dtype: np.dtype) -> Any:
    return a if a is None or isinstance(a, OneHotInput) or a.dtype == dtype else a.astype(dtype)


def _common(*arrays: Any) -> np.dtype:
    """The library's promotion rule, as for every op: the widest floating dtype among the inputs wins
    (a one-hot input has none of its own)."""
    return np.result_type(*[a.dtype for a in arrays if a is not None and not isinstance(a, OneHotInput)])


class FusedRNNFunction(Function):
    """``hs = FusedRNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)``.

    x ``(T, B, I)``, h0 ``(B, H)`` or None (zeros), w_ih ``(H, I)``, w_hh ``(H, H)``, b_ih/b_hh
    ``(H,)`` or None -> hs ``(T, B, H)``, every hidden state. Everything is computed in the widest float
    dtype of the inputs (the rule of every op; the gradients are cast back to each input's dtype by the engine).
    """

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
        dtype = _common(x, h0, w_ih, w_hh, b_ih, b_hh)
        x, h0, w_ih, w_hh = _as(x, dtype), _as(h0, dtype), _as(w_ih, dtype), _as(w_hh, dtype)
        hs = rnn_forward(x, h0, w_ih, w_hh, _as(b_ih, dtype), _as(b_hh, dtype), nonlinearity)
        ctx.save_for_backward(x, h0, hs, w_ih, w_hh)
        ctx.nonlinearity = nonlinearity
        ctx.has_bias = b_ih is not None or b_hh is not None
        return hs

    @staticmethod
    def backward(ctx: Context, grad):
        x, h0, hs, w_ih, w_hh = ctx.saved_arrays
        n_x, n_h0, n_wih, n_whh, n_bih, n_bhh = ctx.needs_input_grad[:6]
        dx, dh0, dw_ih, dw_hh, db = rnn_backward(
            grad, x, h0, hs, w_ih, w_hh, ctx.has_bias, ctx.nonlinearity, needs=(n_x, n_h0, n_wih, n_whh, n_bih or n_bhh)
        )
        # the same array for both biases is safe: the engine copies before accumulating into .grad
        return dx, dh0, dw_ih, dw_hh, (db if n_bih else None), (db if n_bhh else None), None


class FusedLSTMFunction(Function):
    """``y = FusedLSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh)``.

    x ``(T, B, I)`` (or a ``kernels.gated.OneHotInput``: ids never expanded, no gradient), h0/c0
    ``(B, H)`` or None (zeros), w_ih ``(4H, I)``, w_hh ``(4H, H)``, biases
    ``(4H,)`` or None -> y ``(2, T, B, H)``: y[0] every hidden state, y[1] every cell state.
    """

    @staticmethod
    def forward(ctx: Context, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        dtype = _common(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        x, h0, c0, w_ih, w_hh = _as(x, dtype), _as(h0, dtype), _as(c0, dtype), _as(w_ih, dtype), _as(w_hh, dtype)
        y, acts, tc = lstm_forward(x, h0, c0, w_ih, w_hh, _as(b_ih, dtype), _as(b_hh, dtype))
        ctx.save_for_backward(x, h0, c0, y, acts, tc, w_ih, w_hh)
        ctx.has_bias = b_ih is not None or b_hh is not None
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        x, h0, c0, y, acts, tc, w_ih, w_hh = ctx.saved_arrays
        n_x, n_h0, n_c0, n_wih, n_whh, n_bih, n_bhh = ctx.needs_input_grad[:7]
        dx, dh0, dc0, dw_ih, dw_hh, db = lstm_backward(
            grad, x, h0, c0, y, acts, tc, w_ih, w_hh, ctx.has_bias, (n_x, n_h0, n_c0, n_wih, n_whh, n_bih or n_bhh)
        )
        return dx, dh0, dc0, dw_ih, dw_hh, (db if n_bih else None), (db if n_bhh else None)


class FusedGRUFunction(Function):
    """``hs = FusedGRUFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh)``.

    x ``(T, B, I)`` (or a ``kernels.gated.OneHotInput``), h0 ``(B, H)`` or None (zeros), w_ih ``(3H, I)``, w_hh ``(3H, H)``, biases
    ``(3H,)`` or None -> hs ``(T, B, H)``, every hidden state.
    """

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh):
        dtype = _common(x, h0, w_ih, w_hh, b_ih, b_hh)
        x, h0, w_ih, w_hh = _as(x, dtype), _as(h0, dtype), _as(w_ih, dtype), _as(w_hh, dtype)
        hs, acts, ghn = gru_forward(x, h0, w_ih, w_hh, _as(b_ih, dtype), _as(b_hh, dtype))
        ctx.save_for_backward(x, h0, hs, acts, ghn, w_ih, w_hh)
        ctx.has_bias = b_ih is not None or b_hh is not None
        return hs

    @staticmethod
    def backward(ctx: Context, grad):
        x, h0, hs, acts, ghn, w_ih, w_hh = ctx.saved_arrays
        return gru_backward(grad, x, h0, hs, acts, ghn, w_ih, w_hh, ctx.has_bias, tuple(ctx.needs_input_grad[:6]))


class FusedRNNOneHotFunction(Function):
    """``hs = FusedRNNOneHotFunction.apply(w_ih, w_hh, b_ih, b_hh, ids, h0)``: every hidden state of a tanh
    RNN layer whose inputs are the one-hot vectors of ``ids`` (min-char-rnn's ``Wxh @ x``).

    w_ih (H, V), w_hh (H, H), b_ih / b_hh (H,) or None (Tensors); ids (T, B) int array; h0 (B, H) array
    or None for zeros (carried state: not differentiated). Returns hs (T, B, H). The one-hot product is a
    gather of ``w_ih`` columns and its gradient a scatter-add into the columns used.
    """

    @staticmethod
    def forward(ctx, w_ih, w_hh, b_ih, b_hh, ids, h0):
        ids = np.asarray(ids)
        dtype = w_hh.dtype
        bias = b_ih if b_hh is None else (b_hh if b_ih is None else b_ih + b_hh)
        h0 = None if h0 is None else np.asarray(h0, dtype=dtype)
        states = rnn_states_from_ids(w_ih, w_hh, bias, ids, h0)
        ctx.save_for_backward(states, w_hh)
        ctx.ids, ctx.vocab_size = ids, w_ih.shape[1]
        return states[1:]  # (the initial state shares the buffer: dW_hh is one matmul over all steps)

    @staticmethod
    def backward(ctx, grad):
        states, w_hh = ctx.saved_arrays
        need_wih, need_whh, need_bih, need_bhh = ctx.needs_input_grad[:4]
        if grad.dtype != states.dtype:
            grad = grad.astype(states.dtype)
        dw_ih, dw_hh, db = rnn_backward_from_ids(grad, states, w_hh, ctx.ids, ctx.vocab_size,
                                                 needs=(need_wih, need_whh, need_bih or need_bhh))
        # the engine copies leaf gradients, so the same db for both biases is safe
        return dw_ih, dw_hh, (db if need_bih else None), (db if need_bhh else None), None, None


class TruncatedTanhRNN(Function):
    """``TruncatedTanhRNN.apply(e, w_hh, h0=None, truncate=None)``: e (T, B, H), w_hh (H, H), h0 (B, H)
    array or None (not differentiated) → hidden states (T, B, H), backward truncated as in ``tanh_rnn_backward``."""

    @staticmethod
    def forward(ctx, e, w_hh, h0=None, truncate=None):
        if e.ndim != 3 or w_hh.shape != (e.shape[2], e.shape[2]):
            raise ValueError(f"expected e (T, B, H) and w_hh (H, H), got {e.shape} and {w_hh.shape}")
        if truncate is not None and truncate < 0:
            raise ValueError(f"truncate must be None or >= 0, got {truncate}")
        hs = tanh_rnn_forward(e, w_hh, h0)
        ctx.save_for_backward(hs, w_hh)
        ctx.truncate = truncate
        return hs[1:]

    @staticmethod
    def backward(ctx, grad):
        hs, w_hh = ctx.saved_arrays
        grad_e, grad_w = tanh_rnn_backward(grad, hs, w_hh, ctx.truncate)
        return (grad_e if ctx.needs_input_grad[0] else None), grad_w
