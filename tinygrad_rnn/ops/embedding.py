"""Embedding lookup: a gather forward and a scatter-add backward that touches only the rows used."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from ..kernels.scatter import scatter_add_rows


def check_indices(indices, num_embeddings: int) -> np.ndarray:
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(
            f"embedding indices must be integers, got dtype {indices.dtype}; convert them, e.g. np.asarray(ids, dtype=np.int64) or Tensor(ids, dtype=np.int64)"
        )
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise ValueError(
            f"embedding index {bad} is out of range for a table of {num_embeddings} rows (valid: 0..{num_embeddings - 1})"
        )
    return indices


class Embedding(Function):
    """``weight[indices]``: weight ``(V, D)``, integer indices of any shape -> ``(*indices.shape, D)``."""

    @staticmethod
    def forward(ctx: Context, weight, indices):
        weight = np.asarray(weight)
        if weight.ndim != 2:
            raise ValueError(f"embedding weight must be 2-D (num_embeddings, dim), got shape {weight.shape}")
        indices = check_indices(indices, weight.shape[0])
        ctx.save_for_backward(indices.copy())  # the caller may refill its id buffer before backward
        ctx.weight_shape = weight.shape
        return np.take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx: Context, grad):
        (indices,) = ctx.saved_arrays
        # a scatter-add, not `grad_weight[idx] = g`: a token id repeated in the batch must count every time
        grad_weight = scatter_add_rows(indices.reshape(-1), grad.reshape(-1, ctx.weight_shape[1]), ctx.weight_shape[0])
        return grad_weight, None
