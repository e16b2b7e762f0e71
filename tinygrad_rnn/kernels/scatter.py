"""Scatter-add of rows by integer id: the backward of every gather (embedding lookup, ``x[ids]``).

``np.add.at`` does this but is slow. Two faster ways, each winning in its own range:

* a one-hot matmul ``one_hot(ids).T @ rows``: one BLAS call, but it touches N x num_rows entries, so
  it only pays while that product is small (a few ids into a small table);
* a stable sort of the ids and ``np.add.reduceat`` over runs of equal ids: only the rows used are
  written.

Neither sums in exactly ``np.add.at``'s order (the last bits may differ); code that must match a dense
gradient bit for bit uses :func:`scatter_add_unique`, which takes the same path as the dense one.

Measured (float32, D=64..100, one core): 25 ids into 84 rows: one-hot 7 µs, sort 20 µs, add.at 23 µs;
22 ids into 8000 rows: one-hot 184 µs, sort 39 µs, add.at 39 µs; 800 ids into 84 rows: one-hot 145 µs,
sort 122 µs, add.at 690 µs; 80 ids into 250 rows: one-hot 35 µs, sort 45 µs; 40 ids into 500 rows:
one-hot 35 µs, sort 29 µs. So one-hot while the table has at most ~256 rows and N * num_rows <= 20000.
"""
from __future__ import annotations

import numpy as np

__all__ = ["scatter_add_rows", "scatter_add_columns", "scatter_add_unique", "column_sums", "ones_vector"]

_ONE_HOT_MAX_ROWS = 256
_ONE_HOT_MAX_ENTRIES = 20_000


def _use_one_hot(n: int, num_rows: int) -> bool:
    return num_rows <= _ONE_HOT_MAX_ROWS and n * num_rows <= _ONE_HOT_MAX_ENTRIES


def _one_hot(ids: np.ndarray, num_rows: int, dtype) -> np.ndarray:
    one_hot = np.zeros((len(ids), num_rows), dtype=dtype)
    one_hot[np.arange(len(ids)), ids] = 1.0
    return one_hot


_FEW_REPEATS = 8


def _sorted_sums(ids: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct ids ascending (k,), their summed rows (k, D)): the rows of each id added in their order.

    ``np.add.reduceat`` over axis 0 costs ~15 µs for a sentence's 22 rows however few ids repeat; a
    sentence repeats only a few words, so then each distinct id's first row is gathered and each repeat is
    added to it in turn (the same additions in the same order, so the same bits)."""
    n = len(ids)
    order = ids.argsort(kind="stable")
    sorted_ids = ids.take(order)
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=first[1:])
    starts = first.nonzero()[0]
    n_repeats = n - len(starts)
    if n_repeats > _FEW_REPEATS:
        return sorted_ids.take(starts), np.add.reduceat(rows.take(order, axis=0), starts, axis=0)
    sums = rows.take(order.take(starts), axis=0)
    if n_repeats:
        segment = first.cumsum() - 1
        for at in (~first).nonzero()[0].tolist():
            sums[segment[at]] += rows[order[at]]
    return sorted_ids.take(starts), sums


def scatter_add_rows(ids: np.ndarray, rows: np.ndarray, num_rows: int, out: np.ndarray | None = None) -> np.ndarray:
    """``out[ids[n]] += rows[n]`` for every n, from zeros, repeated ids accumulating.

    ids (N,) integers in 0..num_rows-1 (no negatives), rows (N, D) → (num_rows, D); written into
    ``out`` (C-contiguous, that shape, rows' dtype) if given.
    """
    N, D = rows.shape
    if N and _use_one_hot(N, num_rows):
        return np.dot(_one_hot(ids, num_rows, rows.dtype).T, rows, out=out)
    if out is None:
        out = np.zeros((num_rows, D), dtype=rows.dtype)
    else:
        out[...] = 0
    if N:
        used, sums = _sorted_sums(ids, rows)
        out[used] = sums
    return out


def scatter_add_columns(ids: np.ndarray, rows: np.ndarray, num_cols: int, out: np.ndarray | None = None) -> np.ndarray:
    """The transpose of :func:`scatter_add_rows`: (D, num_cols), written into ``out`` if given."""
    N, D = rows.shape
    if N and _use_one_hot(N, num_cols):
        return np.dot(rows.T, _one_hot(ids, num_cols, rows.dtype), out=out)
    cols = scatter_add_rows(ids, rows, num_cols).T
    if out is None:
        return cols
    np.copyto(out, cols)
    return out


def scatter_add_unique(ids: np.ndarray, rows: np.ndarray, num_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Only the rows of ``scatter_add_rows(ids, rows, num_rows)`` that ids touch: ``(used (k,), sums (k, D))``.

    ``used`` holds the distinct ids ascending and ``sums`` is bit-identical to
    ``scatter_add_rows(ids, rows, num_rows)[used]`` (same path, same summation order), so a sparse
    update built on it matches the dense one exactly, without a (num_rows, D) array when the table is big.
    """
    N = rows.shape[0]
    if N and _use_one_hot(N, num_rows):
        used = np.unique(ids)
        return used, scatter_add_rows(ids, rows, num_rows)[used]
    if not N:
        return np.zeros(0, dtype=np.asarray(ids).dtype), rows[:0].copy()
    return _sorted_sums(ids, rows)


def ones_vector(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only ``ones(n)`` of ``dtype``, kept between calls: sums written as BLAS products with it
    (``column_sums``, a softmax's row sums) are ~4x cheaper than numpy's reductions at small sizes, and
    allocating the ones every time would cost about as much again."""
    key = (n, dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        ones = _ONES[key] = np.ones(n, dtype=dtype)
        ones.setflags(write=False)
    return ones


_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def column_sums(rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``rows.sum(axis=0)`` of an (N, D) float array as the product ``ones(N) @ rows`` (D,), into ``out`` if given:
    every id the same (the gradient of a bias added to every row). Like numpy's reduction over axis 0 it
    adds the rows in turn (no pairwise summation either way), for 1.3 µs less at N=25, D=100."""
    ones = ones_vector(rows.shape[0], rows.dtype)
    return ones.dot(rows) if out is None else ones.dot(rows, out)
