"""Distances and similarities: normalize, cosine_similarity, pairwise_distance."""
from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from ._common import _tensor


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    """``input / max(||input||_p, eps)``, the norm taken along ``dim`` (kept for broadcasting)."""
    if out is not None:
        raise TypeError("normalize: out= is not provided here; use the returned tensor")
    input = _tensor(input)
    return input / input.norm(p, dim=dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim`` of the broadcast shape (that
    dimension is removed)."""
    x1, x2 = _tensor(x1), _tensor(x2)
    n1 = x1.norm(2, dim=dim, keepdim=True).clamp(min=eps)
    n2 = x2.norm(2, dim=dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension (``eps`` keeps the gradient finite at x1 == x2)."""
    diff = _tensor(x1) - x2 + eps
    return diff.norm(p, dim=-1, keepdim=keepdim)
