"""``RowSparseGrad``: the gradient of a table of which only some rows were used (``nn.Embedding(sparse=True)``).

PyTorch gives such a weight a sparse COO ``.grad``; here it is this small numpy-only object, holding the
row ``indices`` (k,) and their ``values`` (k, D) of a (V, D) gradient that is zero everywhere else.
``optim.SGD`` and ``optim.Adagrad`` update only those rows, ``nn.utils.clip_grad_norm_`` and
``clip_grad_value_`` work on the values, and ``to_dense()`` (or ``np.asarray(grad)``) gives the full array.

A coalesced gradient has distinct indices in ascending order; gradients added together (a table used
twice in one graph, or two ``backward()`` calls) are concatenated and coalesced when first read.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .kernels.scatter import scatter_add_unique

__all__ = ["RowSparseGrad", "zeroed_grad"]


class RowSparseGrad:
    """``RowSparseGrad(indices (k,), values (k, D), shape (V, D), coalesced=False)``; or
    ``RowSparseGrad.from_row_ranges(first_ids, lengths, values, shape)`` for rows that come as ranges."""

    __slots__ = ("_indices", "values", "shape", "_coalesced", "_runs")
    is_sparse = True

    def __init__(self, indices: np.ndarray, values: np.ndarray, shape: tuple[int, int], coalesced: bool = False):
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        values = np.asarray(values)
        if values.shape != (len(indices),) + tuple(shape[1:]):
            raise ValueError(f"RowSparseGrad: values of shape {values.shape} do not fit {len(indices)} rows of a "
                             f"{tuple(shape)} table")
        self._indices, self.values, self.shape = indices, values, tuple(shape)
        self._coalesced = coalesced
        self._runs: list[tuple[int, int, int]] | None = None

    @classmethod
    def from_row_ranges(cls, first_ids: Sequence[int], lengths: Sequence[int], values: np.ndarray,
                        shape: tuple[int, int]) -> "RowSparseGrad":
        """The gradient of rows ``first_ids[i] .. first_ids[i] + lengths[i] - 1`` (ascending, disjoint ranges;
        ``values`` (sum(lengths), D) holds them range after range): what a class softmax's backward makes,
        its classes being id ranges. Coalesced; ``row_runs`` needs no pass over the ids, and ``indices`` is
        only built when read (an SGD step of the runs never reads it)."""
        runs: list[tuple[int, int, int]] = []
        lo, end = 0, -1
        for first, n in zip(first_ids, lengths):
            first, n = int(first), int(n)
            if n <= 0 or first < end or first < 0 or first + n > shape[0]:
                raise ValueError(f"RowSparseGrad.from_row_ranges: rows {first}..{first + n - 1} are not a "
                                 f"non-empty range above the previous ones inside a {tuple(shape)} table")
            if first == end:  # touches the previous range: one run
                runs[-1] = (runs[-1][0], runs[-1][1], lo + n)
            else:
                runs.append((first, lo, lo + n))
            lo, end = lo + n, first + n
        values = np.asarray(values)
        if values.shape != (lo,) + tuple(shape[1:]):
            raise ValueError(f"RowSparseGrad: values of shape {values.shape} do not fit {lo} rows of a "
                             f"{tuple(shape)} table")
        grad = cls.__new__(cls)
        grad._indices, grad.values, grad.shape, grad._coalesced, grad._runs = None, values, tuple(shape), True, runs
        return grad

    @property
    def indices(self) -> np.ndarray:
        """The row ids (k,) of ``values``."""
        if self._indices is None:
            runs = self._runs
            lows = np.array([lo for _, lo, _ in runs], dtype=np.int64)
            sizes = np.array([hi - lo for _, lo, hi in runs], dtype=np.int64)
            shifts = np.array([first for first, _, _ in runs], dtype=np.int64) - lows
            self._indices = np.arange(len(self.values), dtype=np.int64) + shifts.repeat(sizes)
        return self._indices

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def coalesce(self) -> "RowSparseGrad":
        """The same gradient with distinct, ascending indices (repeated rows summed); itself if already so."""
        if self._coalesced:
            return self
        used, sums = scatter_add_unique(self.indices, self.values, self.shape[0])
        return RowSparseGrad(used, sums, self.shape, coalesced=True)

    def row_runs(self, max_runs: int) -> list[tuple[int, int, int]] | None:
        """The rows as runs of consecutive ids: ``(first id, lo, hi)`` per run, the run's values being
        ``values[lo:hi]``; None when there are more than ``max_runs`` runs (or the gradient is uncoalesced).
        A run is updated through a slice of the table instead of a gather and a scatter of its rows: the class
        softmax's rows are whole classes, ascending id ranges of a vocabulary ranked by frequency."""
        if self._runs:  # known from the ranges the gradient was made of
            return self._runs if len(self._runs) <= max_runs else None
        idx = self.indices
        if not self._coalesced or not len(idx):
            return None
        starts = np.not_equal(idx[1:] - idx[:-1], 1).nonzero()[0]
        if len(starts) >= max_runs:
            return None
        starts += 1
        lows = [0, *starts.tolist()]
        return list(zip(idx[lows].tolist(), lows, [*lows[1:], len(idx)]))

    def to_dense(self) -> np.ndarray:
        dense = np.zeros(self.shape, dtype=self.dtype)
        self.add_to_(dense)
        return dense

    def add_to_(self, dense: np.ndarray) -> np.ndarray:
        """``dense += self`` in place (repeated indices count every time); returns ``dense``."""
        g = self.coalesce()
        dense[g.indices] += g.values
        return dense

    def __add__(self, other: Any) -> Any:
        if isinstance(other, RowSparseGrad):
            if other.shape != self.shape:
                raise ValueError(f"cannot add sparse gradients of shapes {self.shape} and {other.shape}")
            return RowSparseGrad(np.concatenate([self.indices, other.indices]),
                                 np.concatenate([self.values, other.values]), self.shape)
        return self.add_to_(np.array(other, dtype=np.result_type(self.dtype, np.asarray(other).dtype), copy=True))

    __radd__ = __add__

    def __mul__(self, scalar: Any) -> "RowSparseGrad":
        return RowSparseGrad(self.indices, self.values * np.asarray(scalar, dtype=self.dtype), self.shape,
                             self._coalesced)

    __rmul__ = __mul__

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        dense = self.to_dense()
        return dense if dtype is None else dense.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return (f"RowSparseGrad(rows={len(self.indices)} of {self.shape[0]}, shape={self.shape}, "
                f"dtype={self.dtype}{'' if self._coalesced else ', uncoalesced'})")


def zeroed_grad(grad: Any, data: np.ndarray, set_to_none: bool) -> Any:
    """What ``zero_grad`` leaves in place of ``grad``: None, or ``grad`` zeroed in place (an empty sparse
    gradient for a sparse one; a new zero array if ``grad`` is read-only)."""
    if grad is None or set_to_none:
        return None
    if type(grad) is RowSparseGrad:
        return RowSparseGrad(grad.indices[:0], grad.values[:0], grad.shape, coalesced=True)
    if type(grad) is not np.ndarray:  # a factored gradient (low_rank.LowRankGrad) has no array to zero
        return np.zeros_like(data)
    if grad.flags.writeable:
        grad.fill(0)
        return grad
    return np.zeros_like(data)
