"""Creation and random draws: normal, bernoulli, poisson, logspace, tril_indices, block_diag, vander, diag_embed ..."""
from __future__ import annotations

import builtins
import itertools
from typing import Any

import numpy as np

from ..autograd import bump_version
from ..dtypes import get_default_dtype, to_dtype
from ..random import get_generator
from ..tensor import Tensor, _check_dim, _sizes
from ._common import _arr, _t

__all__ = [
    "normal", "bernoulli", "poisson", "randint_like", "logspace", "tril_indices", "triu_indices", "block_diag",
    "cartesian_prod", "combinations", "vander", "diag_embed", "diagflat",
]


def _float_dtype(dtype: Any) -> np.dtype:
    return np.dtype(get_default_dtype()) if dtype is None else np.dtype(to_dtype(dtype))


def _leaf(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    return Tensor(array, requires_grad=requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples: ``normal(mean, std)`` with tensor mean and/or std (broadcast; the result is
    ``mean + std * eps``, differentiable in both), or ``normal(mean, std, size)`` with numbers."""
    rng = get_generator(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if size is not None:
            raise RuntimeError("normal: size is only for number mean and std; the tensors give the shape")
        m, s = _t(mean), _t(std)
        if np.any(s.data < 0):
            raise RuntimeError("normal: std must be >= 0")
        shape = np.broadcast_shapes(m.shape, s.shape)
        dt = m.dtype if m.dtype.kind == "f" else s.dtype if s.dtype.kind == "f" else _float_dtype(None)
        eps = rng.standard_normal(shape).astype(dt)
        return m + s * eps
    if size is None:
        raise TypeError("normal(mean, std, size): with number mean and std, give a size")
    if std < 0:
        raise RuntimeError(f"normal: std must be >= 0, got {std}")
    values = rng.normal(float(mean), float(std), _sizes((size,)))
    return _leaf(values.astype(_float_dtype(dtype)), requires_grad)


def bernoulli(input: Any, p: float | None = None, *, generator: Any = None) -> Tensor:
    """0/1 draws with probability ``input`` (or the number ``p`` everywhere), in input's dtype."""
    x = _t(input)
    prob = x.data if p is None else np.full(x.shape, float(p))
    if np.any((prob < 0) | (prob > 1)):
        raise RuntimeError("bernoulli: the probabilities must be in [0, 1]")
    draws = get_generator(generator).random(x.shape) < prob
    return Tensor._wrap(draws.astype(x.dtype if x.dtype.kind == "f" else _float_dtype(None)))


def poisson(input: Any, generator: Any = None) -> Tensor:
    """Poisson draws with rates ``input``, in input's dtype."""
    x = _t(input)
    if np.any(x.data < 0):
        raise RuntimeError("poisson: the rates must be non-negative")
    return Tensor._wrap(get_generator(generator).poisson(x.data).astype(x.dtype))


def randint_like(input: Any, low: int = 0, high: int | None = None, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) shaped like input, in input's dtype (``randint_like(x, high)`` or
    ``randint_like(x, low, high)``)."""
    x = _t(input)
    if high is None:
        low, high = 0, low
    dt = x.dtype if dtype is None else np.dtype(to_dtype(dtype))
    values = get_generator(None).integers(int(low), int(high), size=x.shape)
    return _leaf(values.astype(dt), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values base**linspace(start, end)."""
    return _leaf(np.logspace(start, end, int(steps), base=base).astype(_float_dtype(dtype)), requires_grad)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The (2, N) int64 coordinates of the lower triangle of a row x col matrix, row by row."""
    r, c = np.tril_indices(int(row), int(offset), int(col))
    return Tensor._wrap(np.stack([r, c]).astype(np.int64 if dtype is None else to_dtype(dtype)))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The (2, N) int64 coordinates of the upper triangle of a row x col matrix, row by row."""
    r, c = np.triu_indices(int(row), int(offset), int(col))
    return Tensor._wrap(np.stack([r, c]).astype(np.int64 if dtype is None else to_dtype(dtype)))


def block_diag(*tensors: Any) -> Tensor:
    """The block-diagonal matrix of the given (up to 2-D) tensors, zeros elsewhere; differentiable."""
    ts = []
    for t in tensors:
        t = _t(t)
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: expected tensors of at most 2 dimensions, got shape {tuple(t.shape)}")
        ts.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not ts:
        return Tensor._wrap(np.zeros((0, 0), dtype=get_default_dtype()))
    dt = np.result_type(*[t.dtype for t in ts])
    total = builtins.sum(t.shape[1] for t in ts)
    rows, left = [], 0
    for t in ts:
        r, c = t.shape
        parts = [Tensor._wrap(np.zeros((r, left), dtype=dt)), t.to(dt),
                 Tensor._wrap(np.zeros((r, total - left - c), dtype=dt))]
        rows.append(Tensor.concatenate(parts, 1))
        left += c
    return Tensor.concatenate(rows, 0)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (N, len(tensors)); one tensor is
    returned as it is."""
    ts = [_t(t) for t in tensors]
    if len(ts) == 1:
        return ts[0]
    shape = tuple(t.shape[0] for t in ts)
    grids = [t.reshape((1,) * i + (-1,) + (1,) * (len(ts) - i - 1)).expand(shape).reshape(-1)
             for i, t in enumerate(ts)]
    return Tensor.stack(grids, 1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of a 1-D tensor's elements (itertools' order), as rows (N, r)."""
    x = _t(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: expected a 1-D tensor, got shape {tuple(x.shape)}")
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(make(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if r == 0 or idx.size == 0:
        return Tensor._wrap(np.zeros((0,) if r == 0 else (0, r), dtype=x.dtype))
    return x.index_select(0, idx.reshape(-1)).reshape(idx.shape)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1) ... x^0 (x^0 first if ``increasing``);
    differentiable (built by cumprod, so zeros in x are fine). Integers give int64."""
    t = _t(x)
    if t.ndim != 1:
        raise RuntimeError(f"vander: x must be 1-D, got shape {tuple(t.shape)}")
    n = t.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {N}")
    if t.dtype.kind in "biu":
        t = t.to(np.int64)
    ones = Tensor._wrap(np.ones((t.shape[0], 1), dtype=t.dtype))
    if n == 0:
        return Tensor._wrap(np.zeros((t.shape[0], 0), dtype=t.dtype))
    cols = ones if n == 1 else Tensor.concatenate(
        [ones, t.reshape(-1, 1).expand((t.shape[0], n - 1)).cumprod(1)], 1)
    return cols if increasing else cols.flip(1)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dimensions dim1, dim2 of the result) with input's last dimension on the ``offset``
    diagonal, zeros elsewhere; differentiable."""
    x = _t(input)
    n = x.shape[-1] if x.ndim else 1
    if x.ndim == 0:
        x = x.reshape(1)
    lead = tuple(x.shape[:-1])
    # v padded with n zeros per row and read n x n: row i holds v[i] at column i
    z = Tensor._wrap(np.zeros(lead + (n, n), dtype=x.dtype))
    square = Tensor.concatenate([x.unsqueeze(-1), z], -1).reshape(lead + (n * (n + 1),))
    square = square[..., : n * n].reshape(lead + (n, n))
    if offset:
        k = abs(offset)
        pad = (k, 0, 0, k) if offset > 0 else (0, k, k, 0)  # (left, right, top, bottom) of the last two dims
        square = _pad2(square, pad)
    nd = len(lead) + 2
    d1, d2 = _check_dim(dim1, nd), _check_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 cannot be the same dimension ({dim1})")
    return square.movedim((nd - 2, nd - 1), (d1, d2))


def _pad2(square: Tensor, pad: tuple[int, int, int, int]) -> Tensor:
    """Zero-pad the last two dimensions by (left, right, top, bottom) with concatenation (differentiable)."""
    left, right, top, bottom = pad
    lead, r = tuple(square.shape[:-2]), square.shape[-2]
    dt = square.dtype
    wide = Tensor.concatenate([Tensor._wrap(np.zeros(lead + (r, left), dt)), square,
                               Tensor._wrap(np.zeros(lead + (r, right), dt))], -1)
    w = wide.shape[-1]
    rows = [Tensor._wrap(np.zeros(lead + (top, w), dt)), wide, Tensor._wrap(np.zeros(lead + (bottom, w), dt))]
    return Tensor.concatenate(rows, -2)


def diagflat(input: Any, offset: int = 0) -> Tensor:
    """The 2-D matrix with the flattened input on the ``offset`` diagonal."""
    return diag_embed(_t(input).reshape(-1), offset)


def _bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill self with 0/1 draws of probability ``p`` (a number or a tensor broadcast to self)."""
    self._check_inplace("bernoulli_")
    prob = np.broadcast_to(np.asarray(_arr(p), dtype=np.float64), self.shape)
    self.data[...] = get_generator(generator).random(self.shape) < prob
    bump_version(self)
    return self
