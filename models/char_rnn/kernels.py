"""Two fused autograd ops that make the classic char-RNN training step lean.

``GatherRNN``: the first tanh layer straight from character ids. Multiplying ``Wxh`` by a one-hot
vector selects a column, so the input projection of all steps is one gather of ``weight_ih`` columns
(no one-hot is built) and its gradient is a scatter-add into the columns used. The recurrence then
runs as in ``tinygrad_rnn.nn``'s fused RNN (three numpy calls per step forward and backward).

``LinearCrossEntropy``: the output layer and the summed cross-entropy of all steps in one op: one
matmul for the logits of every step, a max-shifted log-sum-exp, and the backward
``softmax - one_hot`` feeding one matmul per gradient.

Both are independent of each other and of the reference; tests compare them with the composition of
nn.RNN + F.linear + F.cross_entropy, with the numpy min-char-rnn and with finite differences.
"""
from __future__ import annotations

import numpy as np

from tinygrad_rnn import Function, Tensor


def scatter_add_rows(ids: np.ndarray, rows: np.ndarray, num_rows: int) -> np.ndarray:
    """``out[ids[n]] += rows[n]`` for every n, repeated ids accumulating: ids (N,), rows (N, D) → (num_rows, D).

    ``np.add.at`` does this but is slow; a one-hot matmul wins for a few rows, a sort + ``reduceat``
    for many.
    """
    N, D = rows.shape
    if N <= 64:
        one_hot = np.zeros((N, num_rows), dtype=rows.dtype)
        one_hot[np.arange(N), ids] = 1.0
        return np.dot(one_hot.T, rows)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
    out = np.zeros((num_rows, D), dtype=rows.dtype)
    out[sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


class GatherRNN(Function):
    """``hs = GatherRNN.apply(w_ih, w_hh, b_ih, b_hh, ids, h0)``: every hidden state of a tanh RNN layer.

    w_ih (H, V), w_hh (H, H), b_ih / b_hh (H,) or None (Tensors); ids (T, B) int array; h0 (B, H) array
    or None for zeros (carried state: not differentiated). Returns hs (T, B, H) with
    ``hs[t] = tanh(w_ih[:, ids[t]].T + b_ih + b_hh + hs[t-1] @ w_hh.T)``.
    """

    @staticmethod
    def forward(ctx, w_ih, w_hh, b_ih, b_hh, ids, h0):
        ids = np.asarray(ids)
        T, B = ids.shape
        H, V = w_ih.shape
        dtype = w_hh.dtype
        hs = np.empty((T, B, H), dtype=dtype)
        flat_ids = ids.reshape(-1)
        # a column of w_ih per character = the one-hot product, for all steps at once
        np.take(w_ih.T, flat_ids, axis=0, out=hs.reshape(T * B, H))
        if b_ih is not None:
            hs += b_ih
        if b_hh is not None:
            hs += b_hh
        w_hh_t = w_hh.T
        dot, add, tanh = np.dot, np.add, np.tanh
        rec = np.empty((B, H), dtype=dtype)
        steps = list(hs)
        prev = steps[0]
        if h0 is not None:
            dot(np.asarray(h0, dtype=dtype), w_hh_t, rec)
            add(prev, rec, prev)
        tanh(prev, prev)
        for cur in steps[1:]:
            dot(prev, w_hh_t, rec)
            add(cur, rec, cur)
            tanh(cur, cur)
            prev = cur
        ctx.save_for_backward(hs, w_hh)
        ctx.flat_ids = flat_ids
        ctx.h0 = None if h0 is None else np.asarray(h0, dtype=dtype)
        ctx.vocab_size = V
        return hs

    @staticmethod
    def backward(ctx, grad):
        hs, w_hh = ctx.saved_arrays
        T, B, H = hs.shape
        need_wih, need_whh, need_bih, need_bhh = ctx.needs_input_grad[:4]
        da = np.multiply(hs, hs)            # becomes the gradient of each pre-activation
        np.subtract(1.0, da, out=da)
        dot, add, mul = np.dot, np.add, np.multiply
        carry = np.zeros((B, H), dtype=hs.dtype)
        g_steps, da_steps = list(np.asarray(grad, dtype=hs.dtype)), list(da)
        for t in range(T - 1, 0, -1):
            d = da_steps[t]
            add(g_steps[t], carry, carry)
            mul(d, carry, d)
            dot(d, w_hh, carry)
        add(g_steps[0], carry, carry)
        mul(da_steps[0], carry, da_steps[0])
        da2 = da.reshape(T * B, H)
        dw_ih = dw_hh = db = None
        if need_wih:
            # the engine copies leaf gradients, so a transposed view is enough
            dw_ih = scatter_add_rows(ctx.flat_ids, da2, ctx.vocab_size).T
        if need_whh:
            dw_hh = np.dot(da[1:].reshape((T - 1) * B, H).T, hs[:-1].reshape((T - 1) * B, H)) if T > 1 \
                else np.zeros((H, H), dtype=hs.dtype)
            if ctx.h0 is not None:
                dw_hh += np.dot(da[0].T, ctx.h0)
        if need_bih or need_bhh:
            db = da2.sum(axis=0)
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
        logits = np.dot(h, weight.T)
        if bias is not None:
            logits += bias
        rows = np.arange(len(targets))
        logits -= logits.max(axis=1, keepdims=True)
        picked = logits[rows, targets]
        np.exp(logits, out=logits)
        total = logits.sum(axis=1)
        loss = (np.log(total) - picked).sum(dtype=np.float64) / divisor
        logits /= total[:, None]            # softmax, kept for backward
        ctx.save_for_backward(logits, h, weight)
        ctx.rows, ctx.targets, ctx.divisor = rows, targets, divisor
        return np.asarray(loss, dtype=h.dtype)

    @staticmethod
    def backward(ctx, grad):
        probs, h, weight = ctx.saved_arrays
        dlogits = probs.copy()
        dlogits[ctx.rows, ctx.targets] -= 1.0
        scale = float(grad) / ctx.divisor
        if scale != 1.0:
            dlogits *= scale
        need_h, need_w, need_b = ctx.needs_input_grad[:3]
        dh = np.dot(dlogits, weight).reshape(ctx.h_shape) if need_h else None
        dw = np.dot(dlogits.T, h) if need_w else None
        db = dlogits.sum(axis=0) if need_b else None
        return dh, dw, db, None, None


def gather_rnn(w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None,
               ids: np.ndarray, h0: np.ndarray | None) -> Tensor:
    """All hidden states (T, B, H) of a tanh layer fed character ids (T, B); see ``GatherRNN``."""
    return GatherRNN.apply(w_ih, w_hh, b_ih, b_hh, ids, h0)


def linear_cross_entropy(h: Tensor, weight: Tensor, bias: Tensor | None, targets: np.ndarray,
                         divisor: float = 1.0) -> Tensor:
    """Summed cross-entropy of ``h (N, H) @ weight.T + bias`` against targets (N,), over ``divisor``."""
    return LinearCrossEntropy.apply(h, weight, bias, targets, divisor)
