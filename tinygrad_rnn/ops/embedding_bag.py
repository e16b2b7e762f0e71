"""EmbeddingBag: the sum, mean or max of bags of embedding rows in one gather and one segmented reduction
(``np.add.reduceat`` over the bags that are not empty), never a per-bag loop; the backward scatter-adds
into the rows used only."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from ..kernels.scatter import scatter_add_rows, scatter_add_unique
from ..sparse import RowSparseGrad
from .embedding import check_indices


class EmbeddingBag(Function):
    """``weight (V, D)`` and ``per_sample_weights (M,)`` or None -> ``(B, D)``: bag b reduces the rows
    ``weight[ids[starts[b]:ends[b]]]`` (bags contiguous and in order, so ``ends[b] == starts[b+1]``).

    Ids equal to ``padding_idx`` are left out (of the mean's count too); an empty bag is zeros. "max" takes
    each column's maximum and sends its gradient to the first row that attains it.
    """

    @staticmethod
    def forward(ctx: Context, weight, per_sample_weights, ids, starts, ends, mode="mean", padding_idx=None,
                sparse=False):
        weight = np.asarray(weight)
        if weight.ndim != 2:
            raise ValueError(f"embedding_bag: weight must be 2-D (num_embeddings, dim), got shape {weight.shape}")
        ids = check_indices(ids, weight.shape[0]).reshape(-1)
        B, D = len(starts), weight.shape[1]
        covered = int(ends[-1]) if B else 0
        bag = np.repeat(np.arange(B), ends - starts)          # the bag of each covered element, ascending
        keep = ids[:covered] != padding_idx if padding_idx is not None else np.ones(covered, dtype=bool)
        pos = np.flatnonzero(keep)                              # covered, non-padding elements
        kept_ids, kept_bag = ids[pos], bag[pos]
        counts = np.bincount(kept_bag, minlength=B)
        nonempty = counts > 0
        seg = (np.cumsum(counts) - counts)[nonempty]          # where each non-empty bag starts among the kept
        rows = np.take(weight, kept_ids, axis=0)
        if per_sample_weights is not None:
            rows = rows * np.asarray(per_sample_weights, dtype=weight.dtype)[pos, None]
        out = np.zeros((B, D), dtype=weight.dtype)
        first = None
        if len(pos):
            if mode == "max":
                out[nonempty] = np.maximum.reduceat(rows, seg, axis=0)
                # the first row of each bag that attains the maximum of each column gets the gradient
                hit = rows == out[kept_bag]
                first = np.minimum.reduceat(np.where(hit, np.arange(len(pos))[:, None], len(pos)), seg, axis=0)
            else:
                out[nonempty] = np.add.reduceat(rows, seg, axis=0)
                if mode == "mean":
                    out[nonempty] /= counts[nonempty, None].astype(weight.dtype)
        ctx.save_for_backward(weight if per_sample_weights is not None else None,
                              None if per_sample_weights is None else np.asarray(per_sample_weights))
        ctx.layout = (kept_ids, kept_bag, pos, counts, nonempty, first, len(ids))
        ctx.mode, ctx.sparse, ctx.shape = mode, sparse, weight.shape
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        weight, psw = ctx.saved_arrays
        kept_ids, kept_bag, pos, counts, nonempty, first, M = ctx.layout
        V, D = ctx.shape
        if ctx.mode == "max":
            rows_grad = np.zeros((len(pos), D), dtype=grad.dtype)
            if first is not None:
                rows_grad[first, np.arange(D)] = grad[nonempty]
        else:
            rows_grad = grad[kept_bag]
            if ctx.mode == "mean":
                rows_grad = rows_grad / counts[kept_bag, None].astype(grad.dtype)
            elif psw is not None:
                rows_grad = rows_grad * psw[pos, None].astype(grad.dtype)
        if ctx.sparse:
            used, sums = scatter_add_unique(kept_ids, rows_grad, V)
            grad_weight = RowSparseGrad(used, sums, ctx.shape, coalesced=True)
        else:
            grad_weight = scatter_add_rows(kept_ids, np.ascontiguousarray(rows_grad), V)
        grad_psw = None
        if psw is not None:
            grad_psw = np.zeros(M, dtype=psw.dtype)
            grad_psw[pos] = np.einsum("md,md->m", grad[kept_bag], np.take(weight, kept_ids, axis=0))
        return grad_weight, grad_psw
