"""torch-level matrix functions over torch.linalg's (functions_more/linalg.py): inverse, det, logdet, slogdet,
matrix_power, pinverse, cholesky_solve (also Tensor methods)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import linalg
from ._common import _t
from ..tensor import Tensor, return_types

__all__ = ["inverse", "det", "logdet", "slogdet", "matrix_power", "pinverse", "cholesky_solve"]


def inverse(input: Any) -> Tensor:
    """``torch.inverse``: ``torch.linalg.inv``."""
    return linalg.inv(input)


def det(input: Any) -> Tensor:
    """``torch.det``: ``torch.linalg.det``."""
    return linalg.det(input)


def slogdet(input: Any) -> Any:
    """``torch.slogdet``: the named tuple ``torch.return_types.slogdet(sign, logabsdet)`` of linalg.slogdet."""
    return return_types.slogdet(*linalg.slogdet(input))


def logdet(input: Any) -> Tensor:
    """log det(A), batched: NaN where det < 0, -inf where it is 0. Gradient: g A^-T."""
    sign, logabsdet = linalg.slogdet(input)
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabsdet + Tensor._wrap(np.log(sign.data))


def matrix_power(input: Any, n: int) -> Tensor:
    """``torch.matrix_power``: ``torch.linalg.matrix_power``."""
    return linalg.matrix_power(input, n)


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: linalg.pinv with singular values at or below rcond * the largest taken as zero."""
    return linalg.pinv(input, rtol=rcond)


def cholesky_solve(input: Any, input2: Any, upper: bool = False) -> Tensor:
    """X with A X = B for B = input (..., n, k) and A's Cholesky factor input2 (..., n, n): L lower (A = L L^T),
    or U upper with upper=True (A = U^T U). Differentiable in both (PyTorch's gradient: two solves)."""
    b, f = _t(input), _t(input2)
    if b.ndim < 2 or f.ndim < 2:
        raise RuntimeError(f"cholesky_solve: b should have at least 2 dimensions, but has {b.ndim} dimensions "
                           f"instead" if b.ndim < 2 else f"cholesky_solve: u should have at least 2 dimensions, but "
                           f"has {f.ndim} dimensions instead")
    lower = f.mT if upper else f
    return linalg.solve(lower.mT, linalg.solve(lower, b))
