"""Cross-entropy fused with log-softmax (the backward is ``softmax - one_hot``, scaled; never ``log(softmax)``),
from logits (``CrossEntropy``) or fused with the output projection (``LinearCrossEntropy``).

Both run the one softmax cross-entropy kernel of ``kernels/cross_entropy.py`` and share the reductions.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Context, Function
from ..kernels.cross_entropy import (column_offsets, cross_entropy_backward_, cross_entropy_forward_, exp_columns_,
                                     use_class_major, valid_targets)
from ..kernels.scatter import column_sums
from ..low_rank import product_grad
from .activations import softplus_

REDUCTIONS = ("mean", "sum", "none")
_UNSIGNED = {np.dtype(f"i{n}"): np.dtype(f"u{n}") for n in (1, 2, 4, 8)}


def class_targets(targets, num_classes: int, batch_shape: tuple[int, ...],
                  ignore_index: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Validated targets, flat: ``(safe (N,), valid (N,) bool or None)`` (see ``kernels.cross_entropy.valid_targets``)."""
    targets, plain = check_class_targets(targets, num_classes, batch_shape, ignore_index)
    if plain and not 0 <= ignore_index < num_classes:
        return targets.reshape(-1), None  # every target is a class, none can be ignore_index
    return valid_targets(targets.reshape(-1), ignore_index)


def check_class_targets(targets, num_classes: int, batch_shape: tuple[int, ...],
                        ignore_index: int) -> tuple[np.ndarray, bool]:
    """Validate integer class targets against the logits' batch shape and class count.

    Returns the targets as an array and whether all of them are classes (0..num_classes-1).
    """
    targets = np.asarray(targets)
    if targets.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy targets must be integer class indices, got dtype {targets.dtype}; "
            "convert them, e.g. np.asarray(targets, dtype=np.int64) or Tensor(targets, dtype=np.int64)"
        )
    if targets.shape != batch_shape:
        raise ValueError(
            f"cross_entropy: targets of shape {targets.shape} do not match logits of batch shape {batch_shape} "
            f"(logits are (N, C) = {batch_shape + (num_classes,)}, targets must be (N,))"
        )
    if not targets.size:
        return targets, True
    unsigned = _UNSIGNED.get(targets.dtype)
    if unsigned is not None:
        # the common case in one reduction: read as unsigned, a negative target is larger than any class
        if targets.view(unsigned).max() < num_classes:
            return targets, True
    elif targets.min() >= 0 and targets.max() < num_classes:
        return targets, True
    out_of_range = (targets != ignore_index) & ((targets < 0) | (targets >= num_classes))
    if out_of_range.any():
        bad = targets[out_of_range].ravel()[0]
        raise ValueError(
            f"cross_entropy: target {bad} is out of range for {num_classes} classes "
            f"(valid targets are 0..{num_classes - 1}, or ignore_index={ignore_index})"
        )
    return targets, False


def check_reduction(reduction: str, name: str = "cross_entropy") -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def reduce_losses(losses: np.ndarray, reduction: str, count: int, dtype: np.dtype) -> np.ndarray:
    """Per-row losses (N,) -> the reduced loss in ``dtype`` (sums accumulate in float64)."""
    if reduction == "none":
        return losses.astype(dtype, copy=False)
    total = float(losses.sum(dtype=np.float64))
    if reduction == "mean":
        total = total / count if count else float("nan")  # no target left: NaN, as in PyTorch
    return np.asarray(total, dtype=dtype)


def row_weights(grad: np.ndarray, reduction: str, valid: np.ndarray | None, count: int) -> np.ndarray | float:
    """The weight of each row's loss in the upstream gradient: (N,), with the mean's 1/count and the mask
    (``valid``, None when every row counts) folded in, or one float when every row has the same weight."""
    if reduction == "none":
        weight = np.reshape(grad, -1)
        return weight if valid is None else weight * valid
    scale = float(grad) / count if reduction == "mean" and count else float(grad)
    return scale if valid is None else np.where(valid, scale, 0.0)


class CrossEntropy(Function):
    """Cross-entropy of logits ``(N, C)`` (or ``(C,)``) against integer targets ``(N,)`` (or ``()``).

    ``reduction``: "mean" averages over the targets that are not ``ignore_index`` (NaN if there are
    none, as in PyTorch), "sum" adds them, "none" returns the per-sample losses (0 where ignored).
    """

    @staticmethod
    def forward(ctx: Context, logits, targets, reduction="mean", ignore_index=-100):
        logits = np.asarray(logits)
        check_reduction(reduction)
        if logits.ndim not in (1, 2) or logits.shape[-1] == 0:
            raise ValueError(
                f"cross_entropy expects logits of shape (N, C) or (C,), got {logits.shape}; "
                "for a sequence, reshape (T, B, C) logits to (T*B, C) and targets to (T*B,)"
            )
        unbatched = logits.ndim == 1
        probs = np.array(logits[None] if unbatched else logits, copy=True)  # the kernel works in place
        safe, valid = class_targets(targets, probs.shape[1], logits.shape[:-1], ignore_index)
        losses = cross_entropy_forward_(probs, safe, valid)
        count = len(safe) if valid is None else int(valid.sum())
        ctx.save_for_backward(probs, safe, valid)
        ctx.reduction, ctx.count, ctx.unbatched = reduction, count, unbatched
        out = reduce_losses(losses, reduction, count, logits.dtype)
        return out[0] if unbatched and reduction == "none" else out

    @staticmethod
    def backward(ctx: Context, grad):
        probs, safe, valid = ctx.saved_arrays
        weight = row_weights(grad, ctx.reduction, valid, ctx.count)
        out = cross_entropy_backward_(probs, safe, weight, out=np.empty_like(probs))
        return (out[0] if ctx.unbatched else out), None


class LinearCrossEntropy(Function):
    """``F.linear_cross_entropy``: cross-entropy of ``input @ weight.T + bias`` in one op.

    input ``(..., H)`` (read as ``(N, H)``), weight ``(C, H)``, bias ``(C,)`` or None, integer targets of
    the input's leading shape (N values); ``reduction`` and ``ignore_index`` as in ``CrossEntropy``
    ("none" gives the per-row losses in the leading shape). The logits are never a tensor, and the op holds
    one N x C block: row-major, forward turns the (N, C) scores into the softmax in place and backward writes
    ``softmax - one_hot`` (scaled and masked) over it for its two products; with many classes and few rows
    (``kernels.cross_entropy.use_class_major``) the block is (C, N) = ``weight @ input.T``, kept as
    unnormalised exponentials, and backward folds each row's ``weight / total`` into the (N, H) side.
    """

    @staticmethod
    def forward(ctx: Context, input, weight, bias, targets, ignore_index=-100, reduction="mean"):
        check_reduction(reduction, "linear_cross_entropy")
        if weight.ndim != 2 or input.ndim < 1 or input.shape[-1] != weight.shape[1]:
            raise ValueError(f"linear_cross_entropy: input (..., H) and weight (C, H) do not fit: input "
                             f"{input.shape}, weight {weight.shape}")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"linear_cross_entropy: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        lead = input.shape[:-1]
        x = input.reshape(math.prod(lead), input.shape[-1])  # (not -1: an input of H = 0 features has size 0)
        safe, valid = class_targets(targets, weight.shape[0], lead, ignore_index)
        count = len(safe) if valid is None else int(valid.sum())
        ctx.reduction, ctx.count, ctx.lead = reduction, count, lead
        ctx.class_major = use_class_major(len(x), weight.shape[0], np.result_type(x, weight))
        if ctx.class_major:  # (C, N) scores: see kernels/cross_entropy.py
            def scores_of(rows):
                block = weight.dot(rows.T)
                if bias is not None:
                    block += bias[:, None]
                return block
            scores = scores_of(x)
            losses, total = exp_columns_(scores, safe, valid, lambda columns: scores_of(x[columns]))
            ctx.save_for_backward(x, weight, scores, safe, valid, total)
        else:
            scores = x.dot(weight.T)  # (the method: no array-function dispatch)
            if bias is not None:
                scores += bias
            losses = cross_entropy_forward_(scores, safe, valid)
            ctx.save_for_backward(x, weight, scores, safe, valid)
        out = reduce_losses(losses, reduction, count, scores.dtype)
        return out.reshape(lead) if reduction == "none" else out

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.class_major:
            return LinearCrossEntropy._class_major_backward(ctx, grad)
        x, weight, probs, safe, valid = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        row_weight = row_weights(grad, ctx.reduction, valid, ctx.count)
        # in place when the graph is freed after this backward; a retained graph keeps its softmax
        d = cross_entropy_backward_(probs, safe, row_weight, out=None if ctx.frees_saved else np.empty_like(probs))
        grad_x = d.dot(weight).reshape(ctx.lead + (weight.shape[1],)) if need_x else None
        grad_w = product_grad(d.T, x, right_is_own=False) if need_w else None  # (factored: see low_rank.py)
        grad_b = column_sums(d) if need_b else None
        return grad_x, grad_w, grad_b, None

    @staticmethod
    def _class_major_backward(ctx: Context, grad):
        """The scores' gradient ``w_n * (e[:, n] / total_n - one_hot(t_n))`` is ``(e - total * one_hot) * r``
        with ``r = w / total`` (N,): ``r`` scales the (N, H) side of each product, never the (C, N) block."""
        x, weight, e, safe, valid, total = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        N = len(safe)
        r = row_weights(grad, ctx.reduction, valid, ctx.count) / total  # (N,), in the scores' dtype
        r = r.astype(e.dtype, copy=False)
        if not ctx.frees_saved:  # a retained graph keeps its exponentials
            e = e.copy()
        e.reshape(-1)[column_offsets(safe, N)] -= total
        grad_x = None
        if need_x:
            grad_x = e.T.dot(weight)
            grad_x *= r[:, None]
            grad_x = grad_x.reshape(ctx.lead + (weight.shape[1],))
        grad_w = product_grad(e, x * r[:, None], right_is_own=True) if need_w else None
        grad_b = e.dot(r) if need_b else None
        return grad_x, grad_w, grad_b, None


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities ``(N, C)`` (or ``(C,)``) at integer targets ``(N,)``
    (or ``()``): ``loss_i = -weight[t_i] * logp[i, t_i]``, 0 where ``t_i == ignore_index``.

    ``reduction``: "mean" divides the sum by the total weight of the targets kept (NaN if none, as in
    PyTorch), "sum" adds, "none" gives the per-sample losses. ``weight`` ``(C,)`` (class weights, not
    differentiated) or None.
    """

    @staticmethod
    def forward(ctx: Context, logp, targets, weight=None, reduction="mean", ignore_index=-100):
        logp = np.asarray(logp)
        check_reduction(reduction, "nll_loss")
        if logp.ndim not in (1, 2) or logp.shape[-1] == 0:
            raise ValueError(f"nll_loss expects log-probabilities of shape (N, C) or (C,), got {logp.shape}")
        unbatched = logp.ndim == 1
        lp = logp[None] if unbatched else logp
        safe, valid = class_targets(targets, lp.shape[1], logp.shape[:-1], ignore_index)
        w = np.ones(len(safe)) if valid is None else valid.astype(np.float64)
        if weight is not None:
            weight = np.asarray(weight)
            if weight.shape != (lp.shape[1],):
                raise ValueError(f"nll_loss: weight must have shape ({lp.shape[1]},), got {weight.shape}")
            w = w * weight[safe]
        rows = np.arange(lp.shape[0])
        losses = -w * lp[rows, safe]
        total_weight = float(np.sum(w))
        ctx.save_for_backward(safe, w)
        ctx.reduction, ctx.total, ctx.shape, ctx.unbatched = reduction, total_weight, lp.shape, unbatched
        if reduction == "none":
            out = losses.astype(logp.dtype)
            return out[0] if unbatched else out
        total = float(np.sum(losses))
        if reduction == "mean":
            total = total / total_weight if total_weight else float("nan")
        return np.asarray(total, dtype=logp.dtype)

    @staticmethod
    def backward(ctx: Context, grad):
        safe, w = ctx.saved_arrays
        if ctx.reduction == "none":
            scale = np.reshape(grad, -1) * w
        elif ctx.reduction == "mean":
            scale = w * (float(grad) / ctx.total if ctx.total else 0.0)
        else:
            scale = w * float(grad)
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        out[np.arange(ctx.shape[0]), safe] = -scale
        return (out[0] if ctx.unbatched else out), None


class BCEWithLogits(Function):
    """Per-element ``-[pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]`` computed from the logits ``x``
    with softplus (stable at any magnitude). ``pos_weight`` (broadcast over the last dimension, not
    differentiated) or None. Gradients: ``x``: ``sigmoid(x) (pw y + 1 - y) - pw y``; ``y``:
    ``pw softplus(-x) - softplus(x)``."""

    @staticmethod
    def forward(ctx: Context, x, y, pos_weight=None):
        x = np.asarray(x)
        y = np.asarray(y, dtype=x.dtype) if np.asarray(y).dtype.kind not in "f" else np.asarray(y)
        pw = 1.0 if pos_weight is None else np.asarray(pos_weight)
        ctx.save_for_backward(x, y)
        ctx.pw = pw
        return (pw * y * softplus_(-x) + (1 - y) * softplus_(x)).astype(np.result_type(x, y), copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        x, y = ctx.saved_arrays
        pw = ctx.pw
        need_x, need_y = ctx.needs_input_grad[:2]
        s = 1 / (1 + np.exp(-x)) if need_x else None
        gx = grad * (s * (pw * y + 1 - y) - pw * y) if need_x else None
        gy = grad * (pw * softplus_(-x) - softplus_(x)) if need_y else None
        return gx, gy


def _clamped_log(x: np.ndarray) -> np.ndarray:
    """log(x) floored at -100, as PyTorch's binary_cross_entropy does (so p = 0 or 1 gives a finite loss)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), -100.0)


_BCE_EPS = float(np.float32(1e-12))  # PyTorch's clamp of x (1 - x), as the float32 number it is there


class BCE(Function):
    """Per-element binary cross-entropy of probabilities ``x`` in [0, 1] against targets ``y`` (one shape):
    ``-(y log x + (1 - y) log(1 - x))`` with each log floored at -100 (PyTorch's rule). Gradients: ``x``:
    ``(x - y) / max(x (1 - x), 1e-12)`` (PyTorch's clamp); ``y``: ``log(1 - x) - log(x)`` (floored logs)."""

    @staticmethod
    def forward(ctx: Context, x, y):
        x = np.asarray(x)
        if x.size and (np.isnan(x).any() or x.min() < 0 or x.max() > 1):
            raise ValueError("binary_cross_entropy: every element of input must be a probability in [0, 1]")
        y = np.asarray(y, dtype=x.dtype) if np.asarray(y).dtype.kind != "f" else np.asarray(y)
        log_x, log_1mx = _clamped_log(x), _clamped_log(1 - x)
        ctx.save_for_backward(x, y, log_x, log_1mx)
        return (-(y * log_x + (1 - y) * log_1mx)).astype(np.result_type(x, y), copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        x, y, log_x, log_1mx = ctx.saved_arrays
        need_x, need_y = ctx.needs_input_grad[:2]
        gx = grad * (x - y) / np.maximum(x * (1 - x), _BCE_EPS) if need_x else None
        gy = grad * (log_1mx - log_x) if need_y else None
        return gx, gy


class SmoothL1(Function):
    """Per-element ``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = x - y``
    (``beta = 0``: ``|d|``), times ``scale``: ``scale = beta`` gives PyTorch's Huber loss with ``delta = beta``.
    Gradient in ``x`` (minus it in ``y``): ``scale * clip(d / beta, -1, 1)``."""

    @staticmethod
    def forward(ctx: Context, x, y, beta=1.0, scale=1.0):
        d = np.asarray(x - y)
        ad = np.abs(d)
        ctx.save_for_backward(d)
        ctx.beta, ctx.scale = beta, scale
        if beta == 0:
            out = ad
        else:
            out = np.where(ad < beta, (0.5 / beta) * d * d, ad - 0.5 * beta)
        return out * scale if scale != 1.0 else out

    @staticmethod
    def backward(ctx: Context, grad):
        (d,) = ctx.saved_arrays
        slope = np.sign(d) if ctx.beta == 0 else np.clip(d / ctx.beta, -1.0, 1.0)
        g = grad * slope * ctx.scale if ctx.scale != 1.0 else grad * slope
        need_x, need_y = ctx.needs_input_grad[:2]
        return (g if need_x else None), (-g if need_y else None)


class KLDiv(Function):
    """Per-element KL divergence of log-probabilities ``x`` from targets ``y``: ``y (log y - x)`` (0 where
    ``y = 0``, PyTorch's xlogy), or with ``log_target`` (``y`` given as log-probabilities)
    ``exp(y) (y - x)``. Gradients: ``x``: ``-y`` (``-exp(y)``); ``y``: ``log y + 1 - x`` (``exp(y) (y - x + 1)``)."""

    @staticmethod
    def forward(ctx: Context, x, y, log_target=False):
        x = np.asarray(x)
        y = np.asarray(y, dtype=x.dtype) if np.asarray(y).dtype.kind != "f" else np.asarray(y)
        ctx.log_target = log_target
        if log_target:
            p = np.exp(y)
            ctx.save_for_backward(x, y, p)
            return p * (y - x)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_y = np.log(y)
            out = np.where(y == 0, 0.0, y * log_y) - y * x
        ctx.save_for_backward(x, y, log_y)
        return out.astype(np.result_type(x, y), copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        need_x, need_y = ctx.needs_input_grad[:2]
        if ctx.log_target:
            x, y, p = ctx.saved_arrays
            gx = -grad * p if need_x else None
            gy = grad * p * (y - x + 1) if need_y else None
        else:
            x, y, log_y = ctx.saved_arrays
            gx = -grad * y if need_x else None
            gy = grad * (log_y + 1 - x) if need_y else None
        return gx, gy
