"""Embedding lookup: a gather forward and a scatter-add backward that touches only the rows used
(with ``sparse=True`` the gradient is a ``RowSparseGrad`` of those rows alone, never a (V, D) array)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from ..kernels.scatter import scatter_add_rows, scatter_add_unique
from ..sparse import RowSparseGrad


def check_indices(indices, num_embeddings: int) -> np.ndarray:
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(
            f"embedding indices must be integers, got dtype {indices.dtype}; convert them, e.g. np.asarray(ids, dtype=np.int64) or Tensor(ids, dtype=np.int64)"
        )
    # (ufunc reductions: ndarray.min/max add ~1 µs of Python each, on every embedding lookup)
    if indices.size and (np.minimum.reduce(indices, axis=None) < 0
                         or np.maximum.reduce(indices, axis=None) >= num_embeddings):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise ValueError(
            f"embedding index {bad} is out of range for a table of {num_embeddings} rows (valid: 0..{num_embeddings - 1})"
        )
    return indices


class Embedding(Function):
    """``weight[indices]``: weight ``(V, D)``, integer indices of any shape -> ``(*indices.shape, D)``.

    ``padding_idx``: that row gets no gradient. ``sparse=True``: the weight's gradient is a ``RowSparseGrad`` (distinct rows ascending, each the sum
    over its repeats); its rows are bit for bit the rows of the dense gradient.
    """

    @staticmethod
    def forward(ctx: Context, weight, indices, sparse=False, padding_idx=None):
        weight = np.asarray(weight)
        if weight.ndim != 2:
            raise ValueError(f"embedding weight must be 2-D (num_embeddings, dim), got shape {weight.shape}")
        indices = check_indices(indices, weight.shape[0])
        ctx.save_for_backward(indices.copy())  # the caller may refill its id buffer before backward
        ctx.weight_shape, ctx.sparse, ctx.padding_idx = weight.shape, bool(sparse), padding_idx
        return weight.take(indices, axis=0)

    @staticmethod
    def backward(ctx: Context, grad):
        (indices,) = ctx.saved_arrays
        ids, rows, num_rows = indices.reshape(-1), grad.reshape(-1, ctx.weight_shape[1]), ctx.weight_shape[0]
        if ctx.padding_idx is not None:  # the padding row gets no gradient (PyTorch's padding_idx)
            keep = ids != ctx.padding_idx
            ids, rows = ids[keep], rows[keep]
        if ctx.sparse:
            used, sums = scatter_add_unique(ids, rows, num_rows)
            return RowSparseGrad(used, sums, ctx.weight_shape, coalesced=True), None
        # a scatter-add, not `grad_weight[idx] = g`: a token id repeated in the batch must count every time
        return scatter_add_rows(ids, rows, num_rows), None
