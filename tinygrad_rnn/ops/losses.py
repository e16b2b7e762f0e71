"""Cross-entropy fused with log-softmax: the backward is (softmax - one_hot) scaled, never log(softmax)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function

REDUCTIONS = ("mean", "sum", "none")


def check_class_targets(targets, num_classes: int, batch_shape: tuple[int, ...], ignore_index: int) -> np.ndarray:
    """Validate integer class targets against the logits' batch shape and class count."""
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
    out_of_range = (targets != ignore_index) & ((targets < 0) | (targets >= num_classes))
    if out_of_range.any():
        bad = targets[out_of_range].ravel()[0]
        raise ValueError(
            f"cross_entropy: target {bad} is out of range for {num_classes} classes "
            f"(valid targets are 0..{num_classes - 1}, or ignore_index={ignore_index})"
        )
    return targets


class CrossEntropy(Function):
    """Cross-entropy of logits ``(N, C)`` (or ``(C,)``) against integer targets ``(N,)`` (or ``()``).

    ``reduction``: "mean" averages over the targets that are not ``ignore_index`` (NaN if there are
    none, as in PyTorch), "sum" adds them, "none" returns the per-sample losses (0 where ignored).
    """

    @staticmethod
    def forward(ctx: Context, logits, targets, reduction="mean", ignore_index=-100):
        logits = np.asarray(logits)
        if reduction not in REDUCTIONS:
            raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        if logits.ndim not in (1, 2) or logits.shape[-1] == 0:
            raise ValueError(
                f"cross_entropy expects logits of shape (N, C) or (C,), got {logits.shape}; "
                "for a sequence, reshape (T, B, C) logits to (T*B, C) and targets to (T*B,)"
            )
        unbatched = logits.ndim == 1
        logits2d = logits[None] if unbatched else logits
        num_classes = logits2d.shape[1]
        targets = check_class_targets(targets, num_classes, logits.shape[:-1], ignore_index)
        targets1d = targets.reshape(-1)

        valid = targets1d != ignore_index
        safe_targets = np.where(valid, targets1d, 0)
        rows = np.arange(len(targets1d))
        shifted = logits2d - np.max(logits2d, axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = np.sum(exp, axis=1)
        losses = (np.log(total) - shifted[rows, safe_targets]) * valid
        exp /= total[:, None]  # now the softmax probabilities, kept for backward

        count = int(valid.sum())
        ctx.save_for_backward(exp, safe_targets, valid)
        ctx.reduction = reduction
        ctx.count = count
        ctx.unbatched = unbatched
        if reduction == "none":
            return losses[0] if unbatched else losses
        total_loss = losses.sum()
        if reduction == "mean":
            total_loss = total_loss / count if count else np.array(np.nan, dtype=logits.dtype)
        return np.asarray(total_loss, dtype=logits.dtype)

    @staticmethod
    def backward(ctx: Context, grad):
        probs, safe_targets, valid = ctx.saved_arrays
        if ctx.reduction == "none":
            weight = np.reshape(grad, -1) * valid
        else:
            scale = grad / ctx.count if ctx.reduction == "mean" and ctx.count else grad
            weight = np.where(valid, scale, 0).astype(probs.dtype)
        out = probs * weight[:, None]
        out[np.arange(len(weight)), safe_targets] -= weight
        return (out[0] if ctx.unbatched else out), None
