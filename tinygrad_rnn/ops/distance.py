"""``torch.cdist``: the p-norm distances between the rows of ``x1 (..., P, M)`` and of ``x2 (..., R, M)``, shape
``(..., P, R)`` (the batch dimensions broadcast).

The gradients are PyTorch's ``_cdist_backward``: with ``diff = x1_i - x2_j`` and ``d = d_ij``,
``p = 1``: ``sign(diff)``; ``p = 2``: ``diff / d``; ``p = inf``: ``sign(diff)`` at the coordinates attaining the
maximum (every tie); other ``p``: ``sign(diff) |diff|^(p-1) / d^(p-1)``; ``p = 0``: none. Where ``d = 0`` (equal
rows) the gradient is 0, PyTorch's choice of subgradient; for ``p < 1`` also where ``diff = 0``.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def _pair_differences(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """``(..., P, R, M)``: every row of ``x1`` minus every row of ``x2``."""
    return x1[..., :, None, :] - x2[..., None, :, :]


def _squared_distances_mm(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """``||a||^2 + ||b||^2 - 2 a.b`` clamped at 0: the matrix-product form PyTorch's ``use_mm`` modes take (no
    ``(P, R, M)`` array, but cancellation costs digits for near-equal rows)."""
    sq1 = np.einsum("...pm,...pm->...p", x1, x1)[..., :, None]
    sq2 = np.einsum("...rm,...rm->...r", x2, x2)[..., None, :]
    return np.maximum(sq1 + sq2 - 2 * (x1 @ np.swapaxes(x2, -1, -2)), 0)


class Cdist(Function):
    """``(x1 (..., P, M), x2 (..., R, M)) -> (..., P, R)`` with ``p >= 0`` (``np.inf`` too); ``use_mm`` (p = 2
    only) computes the distances from the matrix product instead of the differences."""

    @staticmethod
    def forward(ctx: Context, x1, x2, p: float = 2.0, use_mm: bool = False):
        if p == 2 and use_mm:
            dist = np.sqrt(_squared_distances_mm(x1, x2))
        else:
            a = np.abs(_pair_differences(x1, x2))
            if p == 0:
                dist = (a != 0).sum(-1).astype(a.dtype)
            elif p == 1:
                dist = a.sum(-1)
            elif p == 2:
                dist = np.sqrt((a * a).sum(-1))
            elif p == np.inf:
                dist = a.max(-1, initial=0)
            else:
                dist = (a ** p).sum(-1) ** (1 / p)
        ctx.save_for_backward(x1, x2, dist)
        ctx.p = p
        return dist

    @staticmethod
    def backward(ctx: Context, grad):
        x1, x2, dist = ctx.saved_arrays
        p = ctx.p
        if p == 0:
            return np.zeros_like(x1), np.zeros_like(x2)
        if p == 2:  # sum_j w_ij (x1_i - x2_j) with w = g / d: two matrix products, no (P, R, M) array
            with np.errstate(divide="ignore", invalid="ignore"):
                w = np.where(dist == 0, 0, grad / dist)
            g1 = x1 * w.sum(-1)[..., None] - w @ x2
            g2 = x2 * w.sum(-2)[..., None] - np.swapaxes(w, -1, -2) @ x1
            return g1, g2
        diff = _pair_differences(x1, x2)
        d, g = dist[..., None], grad[..., None]
        if p == 1:
            each = np.sign(diff) * g
        elif p == np.inf:
            each = np.sign(diff) * (np.abs(diff) == d) * g
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                each = np.sign(diff) * np.abs(diff) ** (p - 1) * g / d ** (p - 1)
            each = np.where((d == 0) | (diff == 0), 0, each)
        return each.sum(-2), -each.sum(-3)


__all__ = ["Cdist"]
