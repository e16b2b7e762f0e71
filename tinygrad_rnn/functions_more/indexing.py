"""The indexing writes: unfold, masked_scatter, index_copy, index_put, put, and their in-place forms."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import ops
from ..ops import search as se
from ..tensor import Tensor, _check_dim
from ._common import _arr, _t

__all__ = ["masked_scatter", "index_copy", "index_put", "put"]


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` entries along ``dimension``, ``step`` apart: that dimension becomes the
    number of windows ``(n - size) // step + 1`` and a new last dimension holds each window (differentiable)."""
    d = _check_dim(dimension, self.ndim)
    n = self.shape[d] if self.ndim else 1
    if size < 0 or size > n:
        raise RuntimeError(f"unfold: size {size} is larger than dimension {dimension} of size {n}")
    if step <= 0:
        raise RuntimeError(f"unfold: step must be positive, got {step}")
    x = self if self.ndim else self.reshape(1)
    count = (n - size) // step + 1
    idx = (np.arange(count)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    picked = x.index_select(d, idx)  # dimension d now holds count * size entries
    shape = tuple(x.shape[:d]) + (count, size) + tuple(x.shape[d + 1:])
    out = picked.reshape(shape).movedim(d + 1, -1)
    return out if self.ndim else out.reshape(count, size)


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:
    """input with the entries where ``mask`` (broadcast) is true replaced by source's first entries, in
    row-major order; differentiable in both."""
    x, src = _t(input), _t(source)
    m = np.asarray(_arr(mask))
    if m.dtype != np.bool_:
        raise TypeError(f"masked_scatter: the mask must be a bool tensor, got dtype {m.dtype}")
    shape = np.broadcast_shapes(x.shape, m.shape)
    m = np.broadcast_to(m, shape)
    count = int(m.sum())
    if count > src.numel():
        raise RuntimeError(f"masked_scatter: the mask has {count} true entries but source only {src.numel()}")
    take = np.maximum(np.cumsum(m.reshape(-1)) - 1, 0).reshape(shape)  # the source entry for each position
    picked = src.reshape(-1).index_select(0, take.reshape(-1)).reshape(shape) if count else x
    base = x if tuple(x.shape) == shape else x.expand(shape)
    return ops.Where.apply(m, picked.to(x.dtype), base)


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:
    """input with its slices at ``index`` along ``dim`` replaced by source's (1-D index; differentiable)."""
    x = _t(input)
    return x.index_fill(dim, index, 0).index_add(dim, index, _t(source).to(x.dtype))


def index_put(input: Any, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    """``out = input.clone(); out[indices] = values`` (``+=`` with repeated positions summed when
    ``accumulate``); indices is a tuple of index tensors, one per leading dimension."""
    x = _t(input)
    index = tuple(np.asarray(_arr(i)) for i in indices)
    for i in index:
        if i.dtype.kind not in "biu":
            raise TypeError(f"index_put: indices must be integer or bool tensors, got {i.dtype}")
    v = values if isinstance(values, Tensor) else Tensor(np.asarray(values, dtype=x.dtype))
    if v.dtype != x.dtype:
        v = v.to(x.dtype)
    if accumulate:
        return se.IndexAccumulate.apply(x, v, index=index)
    return ops.IndexPut.apply(x, v, index=index)


def put(input: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """input with the entries at the flat (row-major) ``index`` replaced by source's (summed with
    ``accumulate``)."""
    x = _t(input)
    idx = np.asarray(_arr(index)).reshape(-1)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"put: index must be an integer tensor, got {idx.dtype}")
    flat = index_put(x.reshape(-1), (idx,), _t(source).reshape(-1), accumulate)
    return flat.reshape(x.shape)


# in-place forms (through Tensor._write_inplace: recorded when the graph needs it, as x[i] = v is)
def _index_put_(self: Tensor, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    return self._write_inplace("index_put_", lambda t: index_put(t, indices, values, accumulate), values)


def _index_copy_(self: Tensor, dim: int, index: Any, source: Any) -> Tensor:
    return self._write_inplace("index_copy_", lambda t: index_copy(t, dim, index, source), source)


def _masked_scatter_(self: Tensor, mask: Any, source: Any) -> Tensor:
    return self._write_inplace("masked_scatter_", lambda t: masked_scatter(t, mask, source), source)


def _put_(self: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    return self._write_inplace("put_", lambda t: put(t, index, source, accumulate), source)
