"""Losses: cross-entropy and NLL (also fused with a linear layer), regression, BCE, KL, Poisson, Gaussian, CTC."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ...tensor import Tensor
from ._common import _as_like, _no_legacy, _reduce, _same_shape, _target_array, _tensor


def _classes_last(input: Tensor, target: np.ndarray) -> tuple[Tensor, np.ndarray, tuple[int, ...] | None]:
    """PyTorch's ``(N, C, d1, ...)`` input with ``(N, d1, ...)`` targets as ``(N*d1*..., C)`` rows; the
    batch shape is returned to reshape ``reduction="none"`` losses."""
    if input.ndim > 2 and target.ndim == input.ndim - 1:
        moved = input.permute(0, *range(2, input.ndim), 1)
        return moved.reshape(-1, input.shape[1]), target.reshape(-1), target.shape
    return input, target, None


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``(N, C)`` (or ``(C,)``, or ``(N, C, d1, ...)``) against integer class targets
    ``(N,)`` (``()``, ``(N, d1, ...)``), fused with log-softmax. PyTorch's signature.

    ``reduction="mean"`` averages over targets that are not ``ignore_index`` (weighted by ``weight[target]``
    when class weights ``(C,)`` are given), "sum" adds, "none" gives the per-sample losses.
    ``label_smoothing=eps`` mixes the target with the uniform distribution: each loss becomes
    ``(1 - eps) * nll + eps * mean_c(-log_softmax)``, as in PyTorch.
    """
    if isinstance(weight, str):  # the earlier signature cross_entropy(logits, targets, reduction, ignore_index)
        weight, reduction = None, weight
        if isinstance(size_average, (int, np.integer)):
            ignore_index, size_average = int(size_average), None
    if size_average is not None or reduce is not None:
        raise TypeError("cross_entropy: size_average and reduce are deprecated in PyTorch; use reduction=")
    input = _tensor(input)
    target_arr = _target_array(target)
    if target_arr.dtype.kind == "f" and target_arr.shape == input.shape:  # class probabilities
        return _soft_cross_entropy(input, target, weight, reduction, float(label_smoothing))
    x, t, batch = _classes_last(input, target_arr)
    if weight is None and not label_smoothing:
        out = ops.CrossEntropy.apply(x, t, reduction=reduction, ignore_index=ignore_index)
    else:
        logp = ops.LogSoftmax.apply(x, axis=-1)
        out = nll_loss(logp, t, weight=weight, ignore_index=ignore_index, reduction=reduction)
        if label_smoothing:
            out = _smoothed(logp, t, out, weight, ignore_index, reduction, float(label_smoothing))
    return out.reshape(batch) if batch is not None and reduction == "none" else out


def _soft_cross_entropy(input: Tensor, target: Any, weight: Any, reduction: str, eps: float) -> Tensor:
    """Cross-entropy against class probabilities shaped like the logits (PyTorch's soft targets):
    ``-sum_c w_c y_c log_softmax(x)_c`` per sample, ``y`` mixed with ``eps / C`` by label smoothing; "mean"
    divides by the number of samples (not by weights). The target is differentiated when it requires grad."""
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {eps}")
    class_dim = 0 if input.ndim == 1 else 1
    C = input.shape[class_dim]
    y = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype))
    if eps:
        y = y * (1 - eps) + eps / C
    terms = ops.LogSoftmax.apply(input, axis=class_dim) * y
    if weight is not None:
        w = _tensor(weight)
        if w.shape != (C,):
            raise ValueError(f"cross_entropy: weight must have shape ({C},), got {w.shape}")
        terms = terms * w.reshape((C,) + (1,) * (input.ndim - class_dim - 1))
    return _reduce(-terms.sum(dim=class_dim), reduction, "cross_entropy")


def _smoothed(logp: Tensor, t: np.ndarray, nll: Tensor, weight: Any, ignore_index: int, reduction: str,
              eps: float) -> Tensor:
    """PyTorch's label smoothing: ``(1 - eps) * nll + eps / C * sum_c(-w_c logp_c)`` per sample, the mean
    divided by the same total weight as the nll's."""
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {eps}")
    C = logp.shape[-1]
    valid = (t != ignore_index).astype(logp.dtype)
    w = None if weight is None else _target_array(weight).astype(logp.dtype)
    per_class = -logp if w is None else -logp * w
    smooth = per_class.sum(dim=-1) * (valid / C)
    if reduction == "none":
        return nll * (1 - eps) + smooth * eps
    total = smooth.sum()
    if reduction == "mean":
        safe = np.where(valid > 0, t, 0)
        denom = float(valid.sum() if w is None else (w[safe] * valid).sum())
        total = total / denom
    return nll * (1 - eps) + total * eps


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``(N, C)`` (``(C,)``, ``(N, C, d1, ...)``) at integer
    targets: ``-weight[t] * input[i, t]``; "mean" divides by the total weight of the targets kept."""
    if size_average is not None or reduce is not None:
        raise TypeError("nll_loss: size_average and reduce are deprecated in PyTorch; use reduction=")
    input = _tensor(input)
    x, t, batch = _classes_last(input, _target_array(target))
    w = None if weight is None else _target_array(weight)
    out = ops.NLLLoss.apply(x, t, weight=w, reduction=reduction, ignore_index=ignore_index)
    return out.reshape(batch) if batch is not None and reduction == "none" else out


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """``(input - target)^2`` (broadcast), reduced by ``reduction``."""
    diff = _tensor(input) - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """``|input - target|`` (broadcast), reduced by ``reduction``."""
    return _reduce((_tensor(input) - target).abs(), reduction, "l1_loss")


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy of logits against targets in [0, 1] of the same shape, computed stably from the
    logits (never ``log(sigmoid)``). ``weight`` rescales each element; ``pos_weight`` the positive term
    (per class, broadcast over the last dimension)."""
    if size_average is not None or reduce is not None:
        raise TypeError("binary_cross_entropy_with_logits: size_average and reduce are deprecated; use reduction=")
    input = _tensor(input)
    if np.shape(_target_array(target)) != input.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {np.shape(_target_array(target))} "
                         f"must equal input shape {input.shape}")
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    pw = None if pos_weight is None else _target_array(pos_weight)
    losses = ops.BCEWithLogits.apply(input, target, pos_weight=pw)
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")


def linear_cross_entropy(input: Tensor, weight: Tensor, bias: Tensor | None = None, target: Any = None,
                         ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """``cross_entropy(linear(input, weight, bias), target)`` as ONE op: the fast output layer of a language model.

    input ``(..., H)``, weight ``(C, H)``, bias ``(C,)`` or None, target: integer classes of shape
    ``input.shape[:-1]``. ``reduction`` "mean" (over targets that are not ``ignore_index``), "sum", or
    "none" (losses shaped like ``target``). Same value and gradients as the composition, but the (N, C)
    logits are never kept as a tensor: backward writes ``softmax - one_hot`` once, scaled and masked.
    """
    if target is None:
        raise TypeError("linear_cross_entropy() needs target= (integer class indices of shape input.shape[:-1])")
    return ops.LinearCrossEntropy.apply(_tensor(input), weight, bias, target.data if isinstance(target, Tensor)
                                        else target, ignore_index=ignore_index, reduction=reduction)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` (any shape, values in [0, 1]) against ``target`` of the
    same shape: ``-w (y log x + (1 - y) log(1 - x))``, each log floored at -100 as in PyTorch. ``weight``
    (broadcast against the input) rescales each element."""
    _no_legacy("binary_cross_entropy", size_average, reduce)
    input = _tensor(input)
    _same_shape(input, target, "binary_cross_entropy")
    losses = ops.BCE.apply(input, target if isinstance(target, Tensor) else np.asarray(target, dtype=input.dtype))
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, "binary_cross_entropy")


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = input - target`` (broadcast);
    ``beta = 0`` is the L1 loss."""
    _no_legacy("smooth_l1_loss", size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    losses = ops.SmoothL1.apply(_tensor(input), target, beta=float(beta), scale=1.0)
    return _reduce(losses, reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, for ``d = input - target``
    (``delta * smooth_l1_loss(beta=delta)``)."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    losses = ops.SmoothL1.apply(_tensor(input), target, beta=float(delta), scale=float(delta))
    return _reduce(losses, reduction, "huber_loss")


def kl_div(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with ``input`` as log-probabilities: ``target (log target - input)`` per element
    (``log_target=True``: ``exp(target) (target - input)``). ``reduction``: "mean" over every element (PyTorch's
    default, not the true KL), "batchmean" (the sum over the batch size ``input.shape[0]``: the KL divergence),
    "sum" or "none"."""
    _no_legacy("kl_div", size_average, reduce)
    input = _tensor(input)
    losses = ops.KLDiv.apply(input, target if isinstance(target, Tensor) else np.asarray(target, dtype=input.dtype),
                             log_target=bool(log_target))
    if reduction == "batchmean":
        return losses.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(losses, reduction, "kl_div")


def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(x) - y x`` (``log_input``, x the log-rate) or
    ``x - y log(x + eps)`` (x the rate); ``full`` adds Stirling's ``y log y - y + log(2 pi y) / 2`` where y > 1."""
    _no_legacy("poisson_nll_loss", size_average, reduce)
    input = _tensor(input)
    y = _as_like(target, input)
    losses = input.exp() - y * input if log_input else input - y * (input + eps).log()
    if full:
        safe = _tensor(y).clamp_min(1)  # log of 1 where y <= 1: finite (the term is masked there anyway)
        stirling = y * safe.log() - y + 0.5 * (2 * np.pi * safe).log()
        losses = losses + ops.Where.apply(y.data > 1, stirling, np.zeros((), dtype=input.dtype))
    return _reduce(losses, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input: Tensor, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``(log(max(var, eps)) + (x - y)^2 / max(var, eps)) / 2`` (plus
    ``log(2 pi) / 2`` if ``full``). ``var``: the input's shape, or one dimension short of it (or with a last
    dimension of 1) for one variance shared by the last dimension, or a float. The clamp to ``eps`` passes the
    gradient through unchanged, as PyTorch's no-grad clamp does."""
    input = _tensor(input)
    if isinstance(var, (int, float)):
        var = Tensor(np.full(input.shape, float(var), dtype=input.dtype))
    var = _as_like(var, input)
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.reshape(*var.shape, 1)
        elif not (input.shape[:-1] == var.shape[:-1] and var.ndim and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {var.shape} fits neither input shape {input.shape} "
                             "nor that shape with the last dimension 1 or dropped")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"gaussian_nll_loss: reduction must be one of ('mean', 'sum', 'none'), got {reduction!r}")
    if np.any(var.data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entries")
    var = var + (np.maximum(var.data, eps) - var.data)  # the clamp as a constant shift: gradient 1
    diff = input - target
    losses = 0.5 * (var.log() + diff * diff / var)
    if full:
        losses = losses + 0.5 * float(np.log(2 * np.pi))
    return _reduce(losses, reduction, "gaussian_nll_loss")


def ctc_loss(log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss (see :mod:`tinygrad_rnn.ops.ctc`).

    ``log_probs`` (T, N, C) log-softmax outputs (or unbatched (T, C)); ``targets`` (N, S) padded or one 1-D
    concatenation of ``sum(target_lengths)`` labels (never ``blank``); ``input_lengths``, ``target_lengths`` (N,)
    (ints, lists, arrays or int Tensors). ``reduction`` "mean" divides each sequence's loss by its target length
    (at least 1) and averages over the batch, as PyTorch; "sum"; "none" gives (N,). ``zero_infinity``: impossible
    alignments give 0 and no gradient instead of inf.
    """
    from ...ops.ctc import CTCLoss, _lengths, padded_targets

    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"ctc_loss: reduction must be one of ('mean', 'sum', 'none'), got {reduction!r}")
    log_probs = _tensor(log_probs)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.reshape(log_probs.shape[0], 1, log_probs.shape[1])
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}")
    T, N, C = log_probs.shape
    data = (lambda v: v.data if isinstance(v, Tensor) else v)
    targets = np.asarray(data(targets))
    if unbatched and targets.ndim == 1:
        targets = targets[None]
    il = _lengths(data(input_lengths), N, "input_lengths")
    tl = _lengths(data(target_lengths), N, "target_lengths")
    if (il < 0).any() or (il > T).any():
        raise ValueError(f"ctc_loss: input_lengths must be in 0..{T} (the frames of log_probs), got {il.tolist()}")
    if (tl < 0).any():
        raise ValueError(f"ctc_loss: target_lengths must be >= 0, got {tl.tolist()}")
    if not 0 <= blank < C:
        raise ValueError(f"ctc_loss: blank {blank} is not one of the {C} classes")
    padded = padded_targets(targets, tl)
    used = np.arange(padded.shape[1])[None, :] < tl[:, None]
    if ((padded < 0) | (padded >= C))[used].any():
        raise ValueError(f"ctc_loss: target labels must be classes 0..{C - 1}")
    if (padded == blank)[used].any():
        raise ValueError(f"ctc_loss: targets contain the blank label {blank}; blank must not be a target")
    losses = CTCLoss.apply(log_probs, targets=padded, input_lengths=il, target_lengths=tl, blank=int(blank),
                           zero_infinity=bool(zero_infinity))
    if reduction == "mean":
        return (losses / np.maximum(tl, 1).astype(losses.dtype)).mean()
    if reduction == "sum":
        return losses.sum()
    return losses[0] if unbatched else losses
