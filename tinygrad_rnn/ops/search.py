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
    if xm.dtype.kind == "f":
        for r in map(tuple, np.argwhere(np.isnan(xm).any(axis=-1))):  # rows with NaN: PyTorch's own steps
            values[r], last[r] = _torch_mode_row(xm[r].tolist())
    return values, last.astype(np.int64)


# ---- torch.mode on a row holding NaN ---------------------------------------------------------------
# PyTorch's CPU mode sorts (value, index) pairs with std::sort and ``a < b`` on the values, then takes the
# first longest run of ``!=``-separated values. ``<`` is no ordering once NaN is in (nothing is below or
# above it), so what that sort leaves depends on libstdc++'s introsort step by step: a NaN splits runs
# of equal values and blocks moves past it. To give PyTorch's value and index, the steps are replayed
# here (stl_algo.h / stl_heap.h, threshold 16), for NaN rows only: the other rows are sorted properly.
def _torch_mode_row(row: list) -> tuple[float, int]:
    a = [(v, i) for i, v in enumerate(row)]
    n = len(a)
    _introsort(a, 0, n, 2 * (n.bit_length() - 1))
    if n > _THRESHOLD:
        _insertion_sort(a, 0, _THRESHOLD)
        for i in range(_THRESHOLD, n):
            _linear_insert(a, i)
    else:
        _insertion_sort(a, 0, n)
    best, freq, run = a[-1], 0, 0
    for i in range(n):
        run += 1
        if i == n - 1 or a[i][0] != a[i + 1][0]:  # NaN != NaN: each NaN is a run of its own
            if run > freq:
                best, freq = a[i], run
            run = 0
    return best


_THRESHOLD = 16


def _introsort(a: list, first: int, last: int, depth: int) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_sort(a, first, last)
            return
        depth -= 1
        _median_to_first(a, first, first + 1, first + (last - first) // 2, last - 1)
        cut = _partition(a, first + 1, last, a[first][0])
        _introsort(a, cut, last, depth)
        last = cut


def _median_to_first(a: list, result: int, i: int, j: int, k: int) -> None:
    x, y, z = a[i][0], a[j][0], a[k][0]
    if x < y:
        m = j if y < z else (k if x < z else i)
    else:
        m = i if x < z else (k if y < z else j)
    a[result], a[m] = a[m], a[result]


def _partition(a: list, first: int, last: int, pivot: float) -> int:
    while True:
        while a[first][0] < pivot:
            first += 1
        last -= 1
        while pivot < a[last][0]:
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _insertion_sort(a: list, first: int, last: int) -> None:
    for i in range(first + 1, last):
        if a[i][0] < a[first][0]:
            a[first:i + 1] = [a[i]] + a[first:i]
        else:
            _linear_insert(a, i)


def _linear_insert(a: list, i: int) -> None:
    val = a[i]
    while i > 0 and val[0] < a[i - 1][0]:  # C++ has no i > 0 (a guard element stops it); here it is a bound
        a[i] = a[i - 1]
        i -= 1
    a[i] = val


def _heap_sort(a: list, first: int, last: int) -> None:
    """std::partial_sort(first, last, last): make_heap, then sort_heap."""
    n = last - first
    for parent in range((n - 2) // 2, -1, -1):
        _adjust_heap(a, first, parent, n, a[first + parent])
    while last - first > 1:
        last -= 1
        value, a[last] = a[last], a[first]
        _adjust_heap(a, first, 0, last - first, value)


def _adjust_heap(a: list, first: int, hole: int, n: int, value: tuple) -> None:
    top = child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if a[first + child][0] < a[first + child - 1][0]:
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and a[first + parent][0] < value[0]:
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


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
