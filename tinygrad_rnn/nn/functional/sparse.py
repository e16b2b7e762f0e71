"""Sparse (index) functions: one_hot, embedding and embedding_bag."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ...ops.embedding_bag import EmbeddingBag as _EmbeddingBagOp
from ...tensor import Tensor
from ._common import _target_array, _tensor


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot vectors: shape ``tensor.shape + (num_classes,)`` (num_classes -1: max + 1)."""
    ids = _target_array(tensor)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensors, got dtype {ids.dtype}")
    if num_classes < 0:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got {ids.min()}..{ids.max()}")
    return Tensor(np.eye(num_classes, dtype=np.int64)[ids])


def _is_index_array(x: Any) -> bool:
    arr = x.data if isinstance(x, Tensor) else x
    if isinstance(arr, (list, tuple, int, np.integer)):
        arr = np.asarray(arr)
    return isinstance(arr, np.ndarray) and arr.dtype.kind in "iu"


def embedding(weight: Any, indices: Any, padding_idx: int | None = None, max_norm: Any = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight (V, D)`` at integer ``indices`` of any shape -> ``(*indices.shape, D)``.

    Both argument orders work: this library's ``embedding(weight, indices)`` and PyTorch's
    ``embedding(input, weight)`` (whichever argument holds integers is the index). The backward
    scatter-adds into the rows used (repeated ids accumulate); no one-hot is built. ``padding_idx``: that
    row gets no gradient. ``sparse=True`` gives ``weight`` a ``RowSparseGrad`` holding only those rows.
    """
    if _is_index_array(weight) and not _is_index_array(indices):
        weight, indices = indices, weight
    if max_norm is not None or scale_grad_by_freq:
        raise ValueError("embedding: max_norm and scale_grad_by_freq are not provided here")
    ids = indices.data if isinstance(indices, Tensor) else indices
    if padding_idx is not None and padding_idx < 0:
        padding_idx += np.shape(weight.data if isinstance(weight, Tensor) else weight)[0]
    return ops.Embedding.apply(weight, ids, sparse=sparse, padding_idx=padding_idx)


def embedding_bag(input: Any, weight: Tensor, offsets: Any = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows, without building the ``(bags, N, D)`` lookups.

    ``input`` ``(B, N)`` (B bags of N ids; ``offsets`` must be None) or 1-D ids with ``offsets`` ``(B,)``
    (bag i starts at ``offsets[i]``; with ``include_last_offset`` offsets has B+1 entries, the last the end).
    ``weight`` ``(V, D)`` -> ``(B, D)``. ``padding_idx`` ids are left out of their bag (and of the mean's
    count); an empty bag gives zeros. ``per_sample_weights`` (shaped like ``input``, mode "sum" only)
    scales each row. ``sparse=True``: the weight's gradient is a ``RowSparseGrad``.
    """
    if _is_index_array(weight) and not _is_index_array(input):  # PyTorch's old order embedding_bag(weight, input)
        weight, input = input, weight
    if max_norm is not None or scale_grad_by_freq:
        raise ValueError("embedding_bag: max_norm and scale_grad_by_freq are not provided here")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    ids = np.asarray(input.data if isinstance(input, Tensor) else input)
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: offsets must be None when input is 2-D (B, N): each row is a bag")
        starts = np.arange(0, ids.size, max(ids.shape[1], 1), dtype=np.int64)[:ids.shape[0]]
        ends = starts + ids.shape[1]
    elif ids.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: a 1-D input needs 1-D offsets (the start of each bag)")
        off = np.asarray(offsets.data if isinstance(offsets, Tensor) else offsets)
        if off.ndim != 1 or off.dtype.kind not in "iu":
            raise ValueError(f"embedding_bag: offsets must be a 1-D integer array, got shape {off.shape} {off.dtype}")
        if off.size and off[0] != 0:
            raise ValueError(f"embedding_bag: offsets[0] must be 0 (the first bag starts the input), got {off[0]}")
        if off.size and (np.any(np.diff(off) < 0) or off[-1] > ids.size):
            raise ValueError(f"embedding_bag: offsets must be non-decreasing and at most len(input)={ids.size}")
        bounds = np.append(off, ids.size).astype(np.int64)
        if include_last_offset:
            bounds = bounds[:-1]
        starts, ends = bounds[:-1], bounds[1:]
    else:
        raise ValueError(f"embedding_bag: input must be 1-D (with offsets) or 2-D (B, N), got shape {ids.shape}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(f"embedding_bag: per_sample_weights is only supported for mode='sum', got mode={mode!r}")
        if tuple(np.shape(_target_array(per_sample_weights))) != ids.shape:
            raise ValueError(f"embedding_bag: per_sample_weights shape {np.shape(_target_array(per_sample_weights))}"
                             f" must equal the input's {ids.shape}")
        per_sample_weights = _tensor(per_sample_weights).reshape(-1)
    num = np.shape(weight.data if isinstance(weight, Tensor) else weight)[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding_bag: padding_idx {padding_idx} must be within num_embeddings ({num})")
        padding_idx = int(padding_idx) % num
    return _EmbeddingBagOp.apply(weight, per_sample_weights, ids=ids.reshape(-1), starts=starts, ends=ends,
                                 mode=mode, padding_idx=padding_idx, sparse=bool(sparse))
