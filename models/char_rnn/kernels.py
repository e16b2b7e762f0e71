"""Fused autograd ops that make the char-RNN training step lean, and the numpy kernels inside them.

Kernels (plain numpy, no autograd):

* ``rnn_forward_from_ids`` / ``rnn_backward_from_ids``: a tanh layer fed character ids. Multiplying
  ``Wxh`` by a one-hot vector selects a column, so the input projection of all steps is one gather
  of ``weight_ih`` columns (no one-hot is built) and its gradient a scatter-add into the columns
  used. The recurrence is ``tinygrad_rnn.kernels.rnn``' time loop (three numpy calls per step,
  forward and backward), the one ``nn``'s fused RNN runs.

Function (the autograd op built from them): ``GatherRNN``, used by ``CharRNN``.

Tests compare it with the composition nn.RNN(one-hot), with the numpy min-char-rnn reference and with
finite differences.
"""
from __future__ import annotations

import numpy as np

from tinygrad_rnn import Function, Tensor
from tinygrad_rnn.kernels.rnn import rnn_recurrence_backward, rnn_recurrence_forward, rnn_weight_hh_grad
from tinygrad_rnn.kernels.scatter import scatter_add_columns


# ------------------------------------------------------------------------------------------ kernels
def rnn_forward_from_ids(w_ih: np.ndarray, w_hh: np.ndarray, bias: np.ndarray | None, ids: np.ndarray,
                         h0: np.ndarray | None) -> np.ndarray:
    """hs (T, B, H) with ``hs[t] = tanh(w_ih[:, ids[t]].T + bias + hs[t-1] @ w_hh.T)``, hs[-1] = h0 (B, H) or 0.

    w_ih (H, V), w_hh (H, H), bias (H,) or None (the sum of both biases), ids (T, B) ints.
    """
    T, B = ids.shape
    H = w_hh.shape[0]
    dtype = w_hh.dtype
    hs = np.empty((T, B, H), dtype=dtype)
    # a column of w_ih per character = the one-hot product, for all steps at once
    np.take(w_ih.T, ids.reshape(-1), axis=0, out=hs.reshape(T * B, H))
    if bias is not None:
        hs += bias
    # the transposed view, not a copy: BLAS then computes Whh @ h as the numpy reference does, so the
    # classic configuration trains bit-identically to it
    return rnn_recurrence_forward(hs, h0, w_hh, "tanh", copy_w_hh_t=False)


def rnn_backward_from_ids(grad_hs: np.ndarray, hs: np.ndarray, w_hh: np.ndarray, ids: np.ndarray,
                          h0: np.ndarray | None, vocab_size: int,
                          out: tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None] | None = None,
                          needs: tuple[bool, bool, bool] = (True, True, True)):
    """BPTT for ``rnn_forward_from_ids`` given the upstream gradient of every state (T, B, H).

    Returns ``(dw_ih (H, V), dw_hh (H, H), db (H,))`` (None where ``needs`` says no). With ``out``,
    the gradients are written into those arrays (C-contiguous, the right shapes) instead.
    """
    T, B, H = hs.shape
    need_wih, need_whh, need_b = needs
    out = out or (None, None, None)
    da = rnn_recurrence_backward(grad_hs, hs, w_hh)
    da2 = da.reshape(T * B, H)
    dw_ih = dw_hh = db = None
    if need_wih:
        dw_ih = scatter_add_columns(ids.reshape(-1), da2, vocab_size, out=out[0])
    if need_whh:
        dw_hh = rnn_weight_hh_grad(da, hs, h0, out=out[1])
    if need_b:
        db = da2.sum(axis=0, out=out[2])
    return dw_ih, dw_hh, db


# ---------------------------------------------------------------------------------------- functions
class GatherRNN(Function):
    """``hs = GatherRNN.apply(w_ih, w_hh, b_ih, b_hh, ids, h0)``: every hidden state of a tanh RNN layer.

    w_ih (H, V), w_hh (H, H), b_ih / b_hh (H,) or None (Tensors); ids (T, B) int array; h0 (B, H) array
    or None for zeros (carried state: not differentiated). Returns hs (T, B, H).
    """

    @staticmethod
    def forward(ctx, w_ih, w_hh, b_ih, b_hh, ids, h0):
        ids = np.asarray(ids)
        dtype = w_hh.dtype
        bias = b_ih if b_hh is None else (b_hh if b_ih is None else b_ih + b_hh)
        h0 = None if h0 is None else np.asarray(h0, dtype=dtype)
        hs = rnn_forward_from_ids(w_ih, w_hh, bias, ids, h0)
        ctx.save_for_backward(hs, w_hh)
        ctx.ids, ctx.h0, ctx.vocab_size = ids, h0, w_ih.shape[1]
        return hs

    @staticmethod
    def backward(ctx, grad):
        hs, w_hh = ctx.saved_arrays
        need_wih, need_whh, need_bih, need_bhh = ctx.needs_input_grad[:4]
        dw_ih, dw_hh, db = rnn_backward_from_ids(np.asarray(grad, dtype=hs.dtype), hs, w_hh, ctx.ids, ctx.h0,
                                                 ctx.vocab_size, needs=(need_wih, need_whh, need_bih or need_bhh))
        # the engine copies leaf gradients, so the same db for both biases is safe
        return dw_ih, dw_hh, (db if need_bih else None), (db if need_bhh else None), None, None


def gather_rnn(w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None,
               ids: np.ndarray, h0: np.ndarray | None) -> Tensor:
    """All hidden states (T, B, H) of a tanh layer fed character ids (T, B); see ``GatherRNN``."""
    return GatherRNN.apply(w_ih, w_hh, b_ih, b_hh, ids, h0)
