"""Numpy kernels of the search and order ops (cummax/cummin indices, searchsorted over rows, the mode) and
the one indexing op they lack, ``IndexAccumulate`` (``index_put(..., accumulate=True)``). The values these
ops return are gathered from their input with ``Gather``, so their gradients need no op of their own."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def cumulative_extreme_indices(x: np.ndarray, axis: int, largest: bool) -> tuple[np.ndarray, np.ndarray]:
    """The running max (or min) along ``axis`` and, for each position, the index of the last element equal
    to it (PyTorch's ``>=`` rule); a NaN propagates and takes the index of the latest NaN."""
    acc = np.maximum if largest else np.minimum
    running = acc.accumulate(x, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    positions = np.arange(x.shape[axis]).reshape(shape)
    with np.errstate(invalid="ignore"):
        hit = (x == running) | np.isnan(x) if x.dtype.kind in "fc" else x == running
    # running is monotone, so the last hit at or before i has running[i]'s value
    idx = np.maximum.accumulate(np.where(hit, positions, 0), axis=axis)
    return running, idx.astype(np.int64)


def searchsorted_rows(seq: np.ndarray, values: np.ndarray, side: str) -> np.ndarray:
    """``np.searchsorted`` of each last-dimension row of ``values`` in the matching row of ``seq`` (one call
    per row; a 1-D ``seq`` is shared by all)."""
    if seq.ndim == 1:
        return np.searchsorted(seq, values, side=side).astype(np.int64)
    if seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(f"searchsorted: the leading dimensions of sorted_sequence {seq.shape} and of values "
                           f"{values.shape} must match")
    s2, v2 = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
    out = np.empty(v2.shape, dtype=np.int64)
    for r in range(s2.shape[0]):
        out[r] = np.searchsorted(s2[r], v2[r], side=side)
    return out.reshape(values.shape)


def mode_indices(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """The most frequent value along ``axis`` (the smallest on ties) and the index of its last occurrence."""
    xm = np.moveaxis(x, axis, -1)
    n = xm.shape[-1]
    order = np.argsort(xm, axis=-1, kind="stable")
    s = np.take_along_axis(xm, order, axis=-1)
    # run lengths in the sorted rows: where each run starts, and how long the run through each position is
    new = np.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = np.arange(n)
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
    count = pos - start + 1  # the count so far of the run at each position; a run's total is at its end
    end = np.ones(s.shape, dtype=bool)
    end[..., :-1] = new[..., 1:]
    count = np.where(end, count, 0)
    best = np.argmax(count, axis=-1)[..., None]  # the first (smallest) value with the highest count
    values = np.take_along_axis(s, best, axis=-1)[..., 0]
    last = np.take_along_axis(order, best, axis=-1)[..., 0]  # stable sort: a run's end is its last index
    return values, last.astype(np.int64)


class IndexAccumulate(Function):
    """``out = x.copy(); out[index] += value`` with repeated positions summed (``np.add.at``); x's gradient
    passes through, value's is the upstream at ``index``."""

    @staticmethod
    def forward(ctx: Context, x, value, index):
        out = np.array(x, copy=True)
        np.add.at(out, index, value)
        ctx.index, ctx.value_shape = index, np.shape(value)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        need_x, need_v = ctx.needs_input_grad[:2]
        grad_v = None
        if need_v:
            picked = grad[ctx.index]
            lead = picked.ndim - len(ctx.value_shape)
            grad_v = picked.sum(axis=tuple(range(lead))) if lead > 0 else picked
        return (grad if need_x else None), grad_v
