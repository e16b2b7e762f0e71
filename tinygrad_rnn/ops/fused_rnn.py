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
from ..kernels.gated import gru_backward, gru_forward, lstm_backward, lstm_forward
from ..kernels.rnn import rnn_backward, rnn_forward

__all__ = ["FusedRNNFunction", "FusedLSTMFunction", "FusedGRUFunction"]


def _as(a: Any, dtype: np.dtype) -> Any:
    return a if a is None or a.dtype == dtype else a.astype(dtype)


class FusedRNNFunction(Function):
    """``hs = FusedRNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)``.

    x ``(T, B, I)``, h0 ``(B, H)`` or None (zeros), w_ih ``(H, I)``, w_hh ``(H, H)``, b_ih/b_hh
    ``(H,)`` or None -> hs ``(T, B, H)``, every hidden state. x and h0 are computed in the weights'
    dtype (their gradients are cast back to their own dtype by the engine).
    """

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
        dtype = w_hh.dtype
        x = _as(x, dtype)
        h0 = _as(h0, dtype)
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

    x ``(T, B, I)``, h0/c0 ``(B, H)`` or None (zeros), w_ih ``(4H, I)``, w_hh ``(4H, H)``, biases
    ``(4H,)`` or None -> y ``(2, T, B, H)``: y[0] every hidden state, y[1] every cell state.
    """

    @staticmethod
    def forward(ctx: Context, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        dtype = w_hh.dtype
        x, h0, c0 = _as(x, dtype), _as(h0, dtype), _as(c0, dtype)
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

    x ``(T, B, I)``, h0 ``(B, H)`` or None (zeros), w_ih ``(3H, I)``, w_hh ``(3H, H)``, biases
    ``(3H,)`` or None -> hs ``(T, B, H)``, every hidden state.
    """

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh):
        dtype = w_hh.dtype
        x, h0 = _as(x, dtype), _as(h0, dtype)
        hs, acts, ghn = gru_forward(x, h0, w_ih, w_hh, _as(b_ih, dtype), _as(b_hh, dtype))
        ctx.save_for_backward(x, h0, hs, acts, ghn, w_ih, w_hh)
        ctx.has_bias = b_ih is not None or b_hh is not None
        return hs

    @staticmethod
    def backward(ctx: Context, grad):
        x, h0, hs, acts, ghn, w_ih, w_hh = ctx.saved_arrays
        return gru_backward(grad, x, h0, hs, acts, ghn, w_ih, w_hh, ctx.has_bias, tuple(ctx.needs_input_grad[:6]))
