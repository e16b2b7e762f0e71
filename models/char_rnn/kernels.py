"""Fused autograd ops that make the char-RNN training step lean, and the numpy kernels inside them.

Kernels (plain numpy, no autograd):

* ``rnn_forward_from_ids`` / ``rnn_backward_from_ids``: a tanh layer fed character ids. Multiplying
  ``Wxh`` by a one-hot vector selects a column, so the input projection of all steps is one gather
  of ``weight_ih`` columns (no one-hot is built) and its gradient a scatter-add into the columns
  used. The recurrence is ``tinygrad_rnn.kernels.rnn``' time loop (three numpy calls per step,
  forward and backward), the one ``nn``'s fused RNN runs.
* ``softmax_xent_forward`` / ``softmax_xent_backward``: the output layer and the summed
  cross-entropy of all steps: one matmul for every step's logits, a max-shifted log-sum-exp, and the
  backward ``softmax - one_hot`` feeding one matmul per gradient.

Functions (autograd ops built from them):

* ``GatherRNN`` and ``LinearCrossEntropy``: one op each, used by ``CharRNN``.
* ``FlatClassicLoss``: the whole min-char-rnn chunk loss as ONE op on ONE flat parameter vector
  (Wxh, Whh, bh, Why, by side by side), so the training step has one graph node, one leaf gradient
  and one vectorized optimizer update. At min-char-rnn's sizes per-call overhead, not arithmetic,
  decides the speed.

Tests compare all of them with the composition nn.RNN + F.linear + F.cross_entropy, with the numpy
min-char-rnn reference and with finite differences.
"""
from __future__ import annotations

import math

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


def softmax_xent_forward(h: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                         targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Summed cross-entropy of ``h (N, H) @ weight.T + bias`` against targets (N,): ``(loss, softmax (N, V))``."""
    logits = np.dot(h, weight.T)
    if bias is not None:
        logits += bias
    rows = np.arange(len(targets))
    logits -= logits.max(axis=1, keepdims=True)
    picked = logits[rows, targets]
    np.exp(logits, out=logits)
    total = logits.sum(axis=1)
    loss = float((np.log(total) - picked).sum(dtype=np.float64))
    logits /= total[:, None]
    return loss, logits


def softmax_xent_backward(probs: np.ndarray, h: np.ndarray, weight: np.ndarray, targets: np.ndarray,
                          scale: float, out: tuple | None = None, needs: tuple[bool, bool, bool] = (True, True, True)):
    """Gradients ``(dh (N, H), dweight (V, H), dbias (V,))`` of ``scale`` x the summed cross-entropy.

    ``probs`` is the forward's softmax and is overwritten (with the gradient of the logits).
    """
    out = out or (None, None, None)
    dlogits = probs
    dlogits[np.arange(len(targets)), targets] -= 1.0
    if scale != 1.0:
        dlogits *= scale
    need_h, need_w, need_b = needs
    dh = np.dot(dlogits, weight, out=out[0]) if need_h else None
    dw = np.dot(dlogits.T, h, out=out[1]) if need_w else None
    db = dlogits.sum(axis=0, out=out[2]) if need_b else None
    return dh, dw, db


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


class LinearCrossEntropy(Function):
    """``loss = LinearCrossEntropy.apply(h, weight, bias, targets, divisor)``.

    h (N, H) (or (T, B, H), read as (T*B, H)), weight (V, H), bias (V,) or None, targets (N,) int → scalar
    ``sum_n -log softmax(h[n] @ weight.T + bias)[targets[n]] / divisor`` (divisor 1: min-char-rnn's sum).
    """

    @staticmethod
    def forward(ctx, h, weight, bias, targets, divisor=1.0):
        targets = np.asarray(targets).reshape(-1)
        ctx.h_shape = h.shape
        h = h.reshape(-1, h.shape[-1])
        loss, probs = softmax_xent_forward(h, weight, bias, targets)
        ctx.save_for_backward(probs, h, weight)
        ctx.targets, ctx.divisor = targets, divisor
        return np.asarray(loss / divisor, dtype=h.dtype)

    @staticmethod
    def backward(ctx, grad):
        probs, h, weight = ctx.saved_arrays
        dh, dw, db = softmax_xent_backward(probs.copy(), h, weight, ctx.targets, float(grad) / ctx.divisor,
                                           needs=ctx.needs_input_grad[:3])
        return (None if dh is None else dh.reshape(ctx.h_shape)), dw, db, None, None


class FlatClassicLoss(Function):
    """The min-char-rnn chunk loss on one flat parameter vector: ``FlatClassicLoss.apply(flat, layout, ...)``.

    ``flat`` (P,) holds Wxh (H, V), Whh (H, H), bh (H,), Why (V, H), by (V,) at the (offset, shape)
    pairs of ``layout`` (in that order); ``b_hh`` (H,) is an extra constant hidden bias (PyTorch's
    second bias, zero in min-char-rnn). ids, targets (T, B); h0 (B, H) array or None; the loss is the sum
    over steps and streams divided by ``divisor``. ``out_state`` (a list) receives the last hidden
    state (B, H), the carried state for the next chunk.
    """

    @staticmethod
    def forward(ctx, flat, layout, b_hh, ids, targets, h0, divisor, out_state):
        w_ih, w_hh, b_ih, w_out, b_out = (flat[o:o + math.prod(s)].reshape(s) for o, s in layout)
        h0 = None if h0 is None else np.asarray(h0, dtype=flat.dtype)
        hs = rnn_forward_from_ids(w_ih, w_hh, b_ih + b_hh, ids, h0)
        T, B, H = hs.shape
        targets = targets.reshape(-1)
        loss, probs = softmax_xent_forward(hs.reshape(T * B, H), w_out, b_out, targets)
        out_state.append(hs[T - 1].copy())
        ctx.save_for_backward(flat, hs, probs)
        ctx.layout, ctx.ids, ctx.targets, ctx.h0, ctx.divisor = layout, ids, targets, h0, divisor
        return np.asarray(loss / divisor, dtype=flat.dtype)

    @staticmethod
    def backward(ctx, grad):
        flat, hs, probs = ctx.saved_arrays
        T, B, H = hs.shape
        grad_flat = np.empty_like(flat)
        (o_ih, s_ih), (o_hh, s_hh), (o_b, s_b), (o_w, s_w), (o_by, s_by) = ctx.layout
        view = lambda o, s: grad_flat[o:o + math.prod(s)].reshape(s)  # noqa: E731
        w_hh = flat[o_hh:o_hh + H * H].reshape(s_hh)
        w_out = flat[o_w:o_w + math.prod(s_w)].reshape(s_w)
        dh, _, _ = softmax_xent_backward(probs.copy(), hs.reshape(T * B, H), w_out, ctx.targets,
                                         float(grad) / ctx.divisor, out=(None, view(o_w, s_w), view(o_by, s_by)))
        rnn_backward_from_ids(dh.reshape(T, B, H), hs, w_hh, ctx.ids, ctx.h0, s_ih[1],
                              out=(view(o_ih, s_ih), view(o_hh, s_hh), view(o_b, s_b)))
        return grad_flat, None, None, None, None, None, None, None


def gather_rnn(w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None,
               ids: np.ndarray, h0: np.ndarray | None) -> Tensor:
    """All hidden states (T, B, H) of a tanh layer fed character ids (T, B); see ``GatherRNN``."""
    return GatherRNN.apply(w_ih, w_hh, b_ih, b_hh, ids, h0)


def linear_cross_entropy(h: Tensor, weight: Tensor, bias: Tensor | None, targets: np.ndarray,
                         divisor: float = 1.0) -> Tensor:
    """Summed cross-entropy of ``h (N, H) @ weight.T + bias`` against targets (N,), over ``divisor``."""
    return LinearCrossEntropy.apply(h, weight, bias, targets, divisor)
