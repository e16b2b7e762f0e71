"""Distances and similarities: normalize, cosine_similarity, pairwise_distance, and torch.cdist."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
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


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                "float64": "Double", "float32": "Float", "float16": "Half"}


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """``torch.cdist``: the ``p``-norm distance between each row of ``x1 (..., P, M)`` and each row of ``x2 (..., R,
    M)``, shape ``(..., P, R)``; the batch dimensions broadcast. ``p`` may be 0 (count of differing coordinates),
    any positive number, or ``inf``.

    ``compute_mode`` as PyTorch's: for ``p = 2`` the distances come from the matrix product ``||a||^2 + ||b||^2 -
    2 a.b`` when ``P > 25`` or ``R > 25`` (the default), always (``use_mm_for_euclid_dist``) or never
    (``donot_use_mm_for_euclid_dist``: exact differences). The gradient is the exact formula's in every mode, 0
    between equal rows (PyTorch's direct path's subgradient)."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    x1, x2 = _tensor(x1), _tensor(x2)
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.dtype.kind != "f":
            kind = _TORCH_NAMES.get(str(x.dtype), str(x.dtype))
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {kind}")
    if x1.dtype != x2.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[str(x1.dtype)]} but found {_TORCH_NAMES[str(x2.dtype)]}")
    p = float(p)
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    try:
        np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        a, b = x1.shape[:-2], x2.shape[:-2]
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        dim = next(i for i in range(n) if a[i] != b[i] and 1 not in (a[i], b[i]))
        raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at "
                           f"non-singleton dimension {dim}") from None
    rows, cols = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist"
                         or (compute_mode == _CDIST_MODES[0] and (rows > 25 or cols > 25)))
    return ops.Cdist.apply(x1, x2, p=p, use_mm=use_mm)
