"""Margin and embedding losses: ranking, hinge, cosine, soft-margin, multi-class and multi-label margin, triplet."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ...tensor import Tensor
from ._common import _as_like, _no_legacy, _reduce, _same_shape, _target_array, _tensor
from .distances import pairwise_distance

# losses: compositions of differentiable ops, so every input that requires grad gets its gradient


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, size_average: Any = None,
                        reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)`` with ``y`` in {1, -1} (broadcast)."""
    _no_legacy("margin_ranking_loss", size_average, reduce)
    x1, x2 = _tensor(input1), _tensor(input2)
    y = _as_like(target, x1)
    if not (x1.ndim == x2.ndim == y.ndim):
        raise ValueError(f"margin_ranking_loss: input1 {x1.shape}, input2 {x2.shape} and target {y.shape} "
                         "must have the same number of dimensions")
    return _reduce((-y * (x1 - x2) + margin).clamp_min(0), reduction, "margin_ranking_loss")


def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1`` (PyTorch: an entry is the sum of the
    terms whose condition holds, ``y != 1`` and ``y != -1`` respectively)."""
    _no_legacy("hinge_embedding_loss", size_average, reduce)
    input = _tensor(input)
    y = _target_array(target)
    zero = np.zeros((), dtype=input.dtype)
    out = ops.Where.apply(y != 1, (margin - input).clamp_min(0), zero) + ops.Where.apply(y != -1, input, zero)
    return _reduce(out, reduction, "hinge_embedding_loss")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``; inputs
    ``(N, D)`` with target ``(N,)``, or ``(D,)`` with a scalar target. Cosine with PyTorch's 1e-12 guard on
    each squared norm."""
    _no_legacy("cosine_embedding_loss", size_average, reduce)
    x1, x2 = _tensor(input1), _tensor(input2)
    y = _target_array(target)
    if x1.shape != x2.shape or x1.ndim not in (1, 2) or y.shape != x1.shape[:-1]:
        raise ValueError(f"cosine_embedding_loss: inputs (N, D) or (D,) of one shape and target (N,) or () "
                         f"expected, got {x1.shape}, {x2.shape} and {y.shape}")
    eps = 1e-12
    cos = (x1 * x2).sum(dim=-1) / (((x1 * x1).sum(dim=-1) + eps) * ((x2 * x2).sum(dim=-1) + eps)).sqrt()
    zero = np.zeros((), dtype=x1.dtype)
    out = ops.Where.apply(y == 1, 1 - cos, zero) + ops.Where.apply(y == -1, (cos - margin).clamp_min(0), zero)
    return _reduce(out, reduction, "cosine_embedding_loss")


def soft_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))``, computed as ``-logsigmoid(y x)`` so it never overflows."""
    _no_legacy("soft_margin_loss", size_average, reduce)
    input = _tensor(input)
    _same_shape(input, target, "soft_margin_loss")
    return _reduce(-ops.LogSigmoid.apply(input * _as_like(target, input)), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                                reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Per sample the mean over the C classes (last dimension) of the binary cross-entropy of logits
    ``-(y logsigmoid(x) + (1 - y) logsigmoid(-x))``; ``weight`` ``(C,)`` rescales each class."""
    _no_legacy("multilabel_soft_margin_loss", size_average, reduce)
    input = _tensor(input)
    _same_shape(input, target, "multilabel_soft_margin_loss")
    if input.ndim == 0:
        raise ValueError("multilabel_soft_margin_loss: expected an input of shape (N, C) or (C,), got a scalar")
    y = _as_like(target, input)
    losses = -(y * ops.LogSigmoid.apply(input) + (1 - y) * ops.LogSigmoid.apply(-input))
    if weight is not None:
        losses = losses * weight
    return _reduce(losses.sum(dim=-1) / input.shape[-1], reduction, "multilabel_soft_margin_loss")


def _class_rows(input: Tensor, target: Any, name: str) -> tuple[Tensor, np.ndarray]:
    """``(C,)``/``()`` or ``(N, C)``/``(N,)`` input and integer targets, checked, as ``(N, C)`` and ``(N,)``."""
    t = _target_array(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {t.dtype}")
    if input.ndim not in (1, 2) or t.shape != input.shape[:-1]:
        raise ValueError(f"{name}: expected input (N, C) with target (N,), or (C,) with a scalar target; "
                         f"got {input.shape} and {t.shape}")
    C = input.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= C):
        raise ValueError(f"{name}: target {t.min() if t.min() < 0 else t.max()} is out of range for {C} classes")
    return input.reshape(-1, C), t.reshape(-1)


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                      size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: per sample ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C`` (p 1 or 2)."""
    _no_legacy("multi_margin_loss", size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    input = _tensor(input)
    x, t = _class_rows(input, target, "multi_margin_loss")
    N, C = x.shape
    rows = np.arange(N)
    x_y = x[rows, t].reshape(N, 1)
    z = (margin - x_y + x).relu()  # relu: no gradient at exactly 0, PyTorch's z > 0
    if p == 2:
        z = z * z
    others = np.ones((N, C), dtype=x.dtype)
    others[rows, t] = 0  # the target class itself is not a margin violation
    if weight is not None:
        w = _tensor(weight)
        if w.shape != (C,):
            raise ValueError(f"multi_margin_loss: weight must have shape ({C},), got {w.shape}")
        z = z * w[t].reshape(N, 1)
    losses = (z * others).sum(dim=1) / C
    return _reduce(losses if input.ndim == 2 else losses.reshape(()), reduction, "multi_margin_loss")


def multilabel_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                           reduction: str = "mean") -> Tensor:
    """Per sample ``sum_{j in targets} sum_{i not in targets} max(0, 1 - (x_j - x_i)) / C``; ``target``
    ``(N, C)`` (or ``(C,)``) of class indices, the targets being those before the first -1."""
    _no_legacy("multilabel_margin_loss", size_average, reduce)
    input = _tensor(input)
    t = _target_array(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"multilabel_margin_loss: target must hold integer class indices, got dtype {t.dtype}")
    if input.ndim not in (1, 2) or t.shape != input.shape:
        raise ValueError(f"multilabel_margin_loss: input and target of one shape (N, C) or (C,) expected, "
                         f"got {input.shape} and {t.shape}")
    C = input.shape[-1]
    x, t = input.reshape(-1, C), t.reshape(-1, C)
    N = x.shape[0]
    listed = np.cumprod(t != -1, axis=1).astype(bool)  # the slots before the first -1
    if np.any(listed & ((t < 0) | (t >= C))):
        raise ValueError(f"multilabel_margin_loss: target indices must be in [0, {C}) or -1")
    safe = np.where(listed, t, 0)
    is_target = np.zeros((N, C), dtype=bool)
    is_target[np.nonzero(listed)[0], safe[listed]] = True
    x_j = x.gather(1, safe)                                                  # (N, C): x at each listed target
    z = (1 - x_j.reshape(N, C, 1) + x.reshape(N, 1, C)).relu()              # (N, slots, classes)
    pairs = (listed[:, :, None] & ~is_target[:, None, :]).astype(x.dtype)
    losses = (z * pairs).sum(dim=(1, 2)) / C
    return _reduce(losses if input.ndim == 2 else losses.reshape(()), reduction, "multilabel_margin_loss")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the pairwise p-norm distance (``eps`` added to the
    difference); ``swap``: ``d(a, n)`` is replaced by ``min(d(a, n), d(p, n))``. Inputs ``(N, D)`` or ``(D,)``."""
    _no_legacy("triplet_margin_loss", size_average, reduce)
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    a, pos, neg = _tensor(anchor), _tensor(positive), _tensor(negative)
    if not (a.ndim == pos.ndim == neg.ndim) or a.ndim not in (1, 2):
        raise ValueError(f"triplet_margin_loss: anchor, positive and negative must all be (N, D) or (D,), "
                         f"got {a.shape}, {pos.shape} and {neg.shape}")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = ops.Minimum.apply(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction, "triplet_margin_loss")
