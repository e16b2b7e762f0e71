"""The fused Elman-RNN sequence op: one ``Function`` for all T steps of one layer.

Its forward and backward are the numpy kernels of :mod:`.rnn_kernels` (hand-derived BPTT), so the
autograd graph has one node per layer instead of several per time step.  ``nn.RNN`` uses it by
default (``fused=True``); the per-step composition of ``RNNCell`` operations stays available
(``fused=False``) and the tests prove both agree with each other and with finite differences.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor
from .rnn_kernels import rnn_backward, rnn_forward

__all__ = ["FusedRNNFunction", "fused_rnn"]


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


def fused_rnn(
    x: Tensor,
    h0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """All hidden states ``(T, B, H)`` of one Elman RNN layer, as one autograd node (see the class)."""
    return FusedRNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)
