"""Connectionist temporal classification (Graves et al. 2006): the loss of speech and handwriting RNNs.

The target ``l`` (length S) is extended with blanks, ``l' = (b, l_1, b, l_2, ..., l_S, b)`` (2S + 1 labels),
and the forward variables ``alpha_t(s)`` (log-probability of all alignments of ``l'_{1..s}`` to the first t
frames) and backward variables ``beta_t(s)`` are run in log space, vectorised over the batch and the
extended labels; Python loops over the frames only, as the recurrence needs. ``-log p(l | x)`` is the loss.

The gradient is that of the loss in the log-probabilities as given (free inputs, so it passes a finite-
difference check): ``-sum_{s: l'_s = c} exp(alpha_t(s) + beta_t(s) - log_probs[t, c] - log p)``. PyTorch's
CTC backward adds ``exp(log_probs)`` to it, a term that assumes normalised inputs and that the usual
``log_softmax`` in front removes again (its backward subtracts each frame's total, 1): the gradients
reaching the logits are the same.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function

__all__ = ["CTCLoss"]

_NEG_INF = -np.inf


def _lengths(values: Any, n: int, name: str) -> np.ndarray:
    lengths = np.asarray(values)
    if lengths.dtype.kind not in "iu" and not (lengths.dtype.kind == "f" and np.all(lengths == np.round(lengths))):
        raise ValueError(f"ctc_loss: {name} must be integers, got dtype {lengths.dtype}")
    lengths = lengths.astype(np.int64).reshape(-1)
    if len(lengths) != n:
        raise ValueError(f"ctc_loss: {name} must have one length per sequence ({n}), got {len(lengths)}")
    return lengths


def padded_targets(targets: Any, target_lengths: np.ndarray) -> np.ndarray:
    """Targets (N, S_max) from a padded (N, S) array or one concatenated 1-D array of sum(target_lengths)."""
    t = np.asarray(targets)
    if t.dtype.kind not in "iu":
        raise ValueError(f"ctc_loss: targets must be integer class indices, got dtype {t.dtype}")
    n, s_max = len(target_lengths), int(target_lengths.max(initial=0))
    if t.ndim == 2:
        if t.shape[0] != n or s_max > t.shape[1]:
            raise ValueError(f"ctc_loss: padded targets {t.shape} do not hold {n} sequences of target_lengths up "
                             f"to {s_max}")
        return t[:, :s_max].astype(np.int64)
    if t.ndim != 1 or len(t) != int(target_lengths.sum()):
        raise ValueError(f"ctc_loss: targets must be (N, S) padded or 1-D of sum(target_lengths) = "
                         f"{int(target_lengths.sum())} labels, got shape {t.shape}")
    out = np.zeros((n, s_max), dtype=np.int64)
    rows = np.repeat(np.arange(n), target_lengths)
    starts = np.cumsum(target_lengths) - target_lengths
    out[rows, np.arange(len(t)) - np.repeat(starts, target_lengths)] = t
    return out


def _extended(targets: np.ndarray, target_lengths: np.ndarray, blank: int) -> tuple[np.ndarray, ...]:
    """(labels (N, L) of l', valid (N, L) positions s < 2 S_n + 1, skip (N, L): s may come from s - 2)."""
    n, s_max = targets.shape
    width = 2 * s_max + 1
    labels = np.full((n, width), blank, dtype=np.int64)
    labels[:, 1::2] = targets
    valid = np.arange(width)[None, :] < (2 * target_lengths + 1)[:, None]
    skip = np.zeros((n, width), dtype=bool)
    skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    return labels, valid, skip & valid


def _shifted(a: np.ndarray, k: int) -> np.ndarray:
    """``a`` moved k places right along the last axis (k < 0: left), -inf where nothing moved in."""
    out = np.full_like(a, _NEG_INF)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CTCLoss(Function):
    """Per-sequence negative log-likelihoods ``(N,)`` of ``targets`` under ``log_probs`` ``(T, N, C)``.

    Keywords: ``targets`` (N, S_max) padded (see ``padded_targets``), ``input_lengths`` and
    ``target_lengths`` (N,) int64, ``blank``. An impossible alignment (too few frames) gives +inf; with
    ``zero_infinity`` it gives 0 and no gradient. Computed in float64, returned in the input's dtype.
    """

    @staticmethod
    def forward(ctx: Context, log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False):
        lp = np.asarray(log_probs, dtype=np.float64)
        T, N, C = lp.shape
        labels, valid, skip = _extended(targets, target_lengths, blank)
        # every frame's log-probability of every extended label; -inf past a sequence's own l'
        lp_ext = np.where(valid[None], np.take_along_axis(lp, np.broadcast_to(labels[None], (T,) + labels.shape),
                                                          axis=2), _NEG_INF)
        alpha = np.full((T, N, labels.shape[1]), _NEG_INF)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if T:
                alpha[0, :, :2] = lp_ext[0, :, :2]
            for t in range(1, T):
                a = alpha[t - 1]
                prev = np.logaddexp(a, _shifted(a, 1))
                np.logaddexp(prev, np.where(skip, _shifted(a, 2), _NEG_INF), out=prev)
                np.add(prev, lp_ext[t], out=alpha[t])
            rows = np.arange(N)
            last = np.maximum(input_lengths - 1, 0)
            end = 2 * target_lengths
            total = np.logaddexp(alpha[last, rows, end],
                                 np.where(target_lengths > 0, alpha[last, rows, np.maximum(end - 1, 0)], _NEG_INF))
        # no frames: only the empty target has an alignment (the empty one)
        total = np.where(input_lengths > 0, total, np.where(target_lengths == 0, 0.0, _NEG_INF))
        nll = -total
        dead = np.isinf(nll)
        if zero_infinity:
            nll = np.where(dead, 0.0, nll)
        ctx.save_for_backward(lp_ext, alpha, labels, skip, input_lengths, target_lengths, nll, dead)
        ctx.shape, ctx.zero_infinity, ctx.dtype = (T, N, C), bool(zero_infinity), np.asarray(log_probs).dtype
        return nll.astype(ctx.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        lp_ext, alpha, labels, skip, input_lengths, target_lengths, nll, dead = ctx.saved_arrays
        T, N, C = ctx.shape
        g = np.broadcast_to(np.asarray(grad, dtype=np.float64), (N,))
        beta = np.full_like(alpha, _NEG_INF)
        width = labels.shape[1]
        ends = np.zeros((N, width), dtype=bool)  # where a sequence's alignments may end: l'_{2S}, l'_{2S-1}
        end = 2 * target_lengths
        ends[np.arange(N), end] = True
        ends[np.arange(N), np.maximum(end - 1, 0)] |= target_lengths > 0
        skip_from = np.zeros_like(skip)  # s may pass to s + 2
        skip_from[:, :-2] = skip[:, 2:]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            nxt = np.full((N, width), _NEG_INF)
            for t in range(T - 1, -1, -1):
                cur = np.logaddexp(nxt, _shifted(nxt, -1))
                np.logaddexp(cur, np.where(skip_from, _shifted(nxt, -2), _NEG_INF), out=cur)
                start = (input_lengths - 1 == t)[:, None]
                cur = np.where(start, np.where(ends, 0.0, _NEG_INF), cur)
                np.add(cur, lp_ext[t], out=beta[t])
                nxt = beta[t]
            # d nll / d log_probs[t, n, l'_s], summed over the s sharing a class
            share = np.exp(alpha + beta - lp_ext + nll[None, :, None])
        share[np.isneginf(lp_ext)] = 0.0  # past l', or a label of probability 0: (-inf) - (-inf) there
        share[:, dead] = 0.0
        if not ctx.zero_infinity:  # an infinite loss has no gradient: NaN on its frames, as PyTorch
            share[(np.arange(T)[:, None] < input_lengths[None, :]) & dead[None, :]] = np.nan
        flat = ((np.arange(T)[:, None, None] * N + np.arange(N)[None, :, None]) * C + labels[None]).reshape(-1)
        summed = np.bincount(flat, weights=share.reshape(-1), minlength=T * N * C).reshape(T, N, C)
        out = -summed * g[None, :, None]
        return out.astype(ctx.dtype, copy=False)
