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
    """The insertion index of each value in its row of ``seq`` (the matching last-dimension row; a 1-D
    ``seq`` is shared by all), by PyTorch's binary search run for every value at once: ``log2`` rounds of
    whole-array steps, no loop over rows. It is the same search as aten's (cus_lower_bound /
    cus_upper_bound), so a NaN in ``seq``, which fails every comparison, sends the search right as there."""
    has_nan = seq.dtype.kind in "fc" and bool(np.isnan(seq).any())
    if seq.ndim == 1 and not has_nan:  # numpy's search then finds the same bound, faster
        return np.searchsorted(seq, values, side=side).astype(np.int64)
    if seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(f"searchsorted: the leading dimensions of sorted_sequence {seq.shape} and of values "
                           f"{values.shape} must match")
    n = seq.shape[-1]
    flat = seq.reshape(-1)
    rows = int(np.prod(seq.shape[:-1], dtype=np.int64))
    v = values.reshape(rows, values.shape[-1]) if seq.ndim > 1 else values.reshape(1, -1)
    base = np.arange(rows).reshape(-1, 1) * n  # each row's offset into flat
    start = np.zeros(v.shape, dtype=np.int64)
    end = np.full(v.shape, n, dtype=np.int64)
    for _ in range(n.bit_length()):  # every step at least halves each [start, end)
        active = start < end
        mid = start + ((end - start) >> 1)
        at_mid = flat[base + np.minimum(mid, n - 1)]  # clipped where the search is over (not used there)
        with np.errstate(invalid="ignore"):
            go_right = ~(at_mid > v) if side == "right" else ~(at_mid >= v)
        start = np.where(active & go_right, mid + 1, start)
        end = np.where(active & ~go_right, mid, end)
    return start.reshape(values.shape)


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
