"""``LowRankGrad``: a weight gradient kept as the product of its two factors until someone needs its numbers.

A linear layer's weight gradient is ``left @ right``: (C, N) by (N, H) for N rows of input. With a vocabulary
of C = 8000 words and a sentence of N = 22 rows the product is a 3.2 MB (C, H) array that the backward writes
and the optimizer step reads straight back, both from memory rather than cache. ``F.linear_cross_entropy``
returns its weight gradient in this form instead, and the engine keeps it as the weight's gradient. Then:

- reading ``.grad`` multiplies it out once, into the plain numpy array it always was, and stores that array;
- ``optim.SGD`` (no momentum, no weight decay) multiplies it out a block of rows at a time and applies each
  block while it is in cache, so the (C, H) array never exists. In the word model's per-sentence step
  (V 8000, H 100, float32, one thread) that makes the whole step 5-7% faster. The numbers are the dense
  step's up to the BLAS's rounding: a block of rows of a product can differ from the same rows of the whole
  product in the last bit (OpenBLAS here: never for a 22-row float32 sentence, sometimes in float64 or from
  ~32 rows on), as any change of a product's blocking can;
- any other use multiplies it out first: added to another gradient, a hook, clipping, other optimizers.

Both factors belong to the gradient alone (never an array a caller could change later), so the numbers are
those of the backward that made it, whenever they are read.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["LowRankGrad", "product_grad", "stored_grad"]


class LowRankGrad:
    """``LowRankGrad(left (C, N), right (N, H))``: the (C, H) gradient ``left @ right``, not yet multiplied."""

    __slots__ = ("left", "right")

    def __init__(self, left: np.ndarray, right: np.ndarray):
        if left.ndim != 2 or right.ndim != 2 or left.shape[1] != right.shape[0] or left.dtype != right.dtype:
            raise ValueError(f"LowRankGrad: factors (C, N) and (N, H) of one dtype needed, got {left.shape} "
                             f"{left.dtype} and {right.shape} {right.dtype}")
        self.left, self.right = left, right

    @property
    def shape(self) -> tuple[int, int]:
        return (self.left.shape[0], self.right.shape[1])

    @property
    def dtype(self) -> np.dtype:
        return self.left.dtype

    @property
    def ndim(self) -> int:
        return 2

    def to_dense(self) -> np.ndarray:
        """The gradient as a new (C, H) array."""
        return self.left.dot(self.right)

    def rows(self, lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
        """Rows ``lo:hi`` of the gradient, into ``out`` ((hi - lo, H), C-contiguous) if given."""
        if out is None:
            return self.left[lo:hi].dot(self.right)
        return np.dot(self.left[lo:hi], self.right, out=out)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        dense = self.to_dense()
        return dense if dtype is None else dense.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"LowRankGrad(shape={self.shape}, rank={self.left.shape[1]}, dtype={self.dtype})"


def product_grad(left: np.ndarray, right: np.ndarray, right_is_own: bool) -> Any:
    """The gradient ``left (C, N) @ right (N, H)``: a ``LowRankGrad`` when its factors are smaller than the
    product (N * (C + H) < C * H) and of one dtype, else the product itself. ``left`` must be the caller's
    own array; ``right`` is copied unless ``right_is_own`` (the factors must not change after the backward)."""
    (C, N), H = left.shape, right.shape[1]
    if left.dtype != right.dtype or N * (C + H) >= C * H:
        return left.dot(right)
    return LowRankGrad(left, right if right_is_own else right.copy())


def stored_grad(p: Any) -> Any:
    """``p``'s gradient as stored: a ``LowRankGrad`` stays factored (reading ``p.grad`` would multiply it out).
    Objects whose class defines its own ``grad`` (a FlatParameter, a user's parameter-like object) give ``p.grad``."""
    return p._grad if getattr(type(p), "grad", None) is _TENSOR_GRAD else p.grad


_TENSOR_GRAD: Any = None  # Tensor.grad, the property; set by tensor.py once the class exists
