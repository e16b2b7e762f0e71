"""Reductions and search: cummax, kthvalue, mode, nanmean, quantile, searchsorted, histc, renorm ..."""
from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np

from .. import ops
from ..autograd import Context, Function
from ..ops.reduce import _remember_reduction
from ..ops import search as se
from ..tensor import Tensor, _check_dim, return_types
from ._common import _arr, _axes, _t
from .products import _vector_norm

__all__ = [
    "cummax", "cummin", "kthvalue", "mode", "nanmean", "quantile", "nanquantile", "aminmax", "searchsorted",
    "bucketize", "histc", "dist", "renorm", "unique_consecutive", "std_mean", "var_mean",
]


# the named tuples of the new (values, indices) results, beside torch.return_types' others
return_types.cummax = namedtuple("cummax", ["values", "indices"])
return_types.cummin = namedtuple("cummin", ["values", "indices"])
return_types.kthvalue = namedtuple("kthvalue", ["values", "indices"])
return_types.mode = namedtuple("mode", ["values", "indices"])
return_types.aminmax = namedtuple("aminmax", ["min", "max"])


def _cum_extreme(input: Any, dim: int, largest: bool, result: Any) -> Any:
    x = _t(input)
    if x.ndim == 0:
        return result(x.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    d = _check_dim(dim, x.ndim)
    _, idx = se.cumulative_extreme_indices(x.data, d, largest)
    return result(ops.Gather.apply(x, dim=d, index=idx), Tensor._wrap(idx))


def cummax(input: Any, dim: int) -> Any:
    """Named tuple (values, indices): the running max along ``dim`` and where it was last reached."""
    return _cum_extreme(input, dim, True, return_types.cummax)


def cummin(input: Any, dim: int) -> Any:
    """Named tuple (values, indices): the running min along ``dim`` and where it was last reached."""
    return _cum_extreme(input, dim, False, return_types.cummin)


def _reduce_index(x: Tensor, idx: np.ndarray, d: int, keepdim: bool, result: Any) -> Any:
    """(values gathered at ``idx`` (keepdim form), idx) with dimension d kept or dropped."""
    values = ops.Gather.apply(x, dim=d, index=idx)
    if not keepdim:
        return result(values.squeeze(d), Tensor._wrap(idx.squeeze(d)))
    return result(values, Tensor._wrap(idx))


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """Named tuple (values, indices) of the k-th smallest element (k from 1) along ``dim``."""
    x = _t(input)
    if x.ndim == 0:
        if k != 1:
            raise RuntimeError(f"kthvalue: k={k} is out of range for a 0-d tensor")
        return return_types.kthvalue(x.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    d = _check_dim(dim, x.ndim)
    if not 1 <= k <= x.shape[d]:
        raise RuntimeError(f"kthvalue: k={k} is out of range for dimension {dim} of size {x.shape[d]}")
    order = np.argsort(x.data, axis=d, kind="stable")
    idx = np.take(order, [k - 1], axis=d).astype(np.int64)
    return _reduce_index(x, idx, d, keepdim, return_types.kthvalue)


def mode(input: Any, dim: int = -1, keepdim: bool = False) -> Any:
    """Named tuple (values, indices): the most frequent value along ``dim`` (the smallest on ties) and the
    index of its last occurrence. Each NaN counts once (NaN != NaN); torch's CPU result on a row holding NaN
    depends on how its sort happens to order an invalid comparison, so it is not reproduced."""
    x = _t(input)
    if x.ndim == 0:
        return return_types.mode(x.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    d = _check_dim(dim, x.ndim)
    _, last = se.mode_indices(x.data, d)
    return _reduce_index(x, np.expand_dims(last, d), d, keepdim, return_types.mode)


class _NanMean(Function):
    """``nansum(x) / count`` over ``axis``, count the non-NaN entries; the gradient ``g / count`` at those
    entries and ``g / count * 0`` at the NaNs, as torch's: 0 at a NaN of a slice with numbers, NaN (0/0 or
    inf * 0) over an all-NaN slice, whose mean is NaN."""

    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        keep = ~np.isnan(x)
        count = np.sum(keep, axis=ctx.axes, keepdims=True).astype(x.dtype)
        ctx.save_for_backward(keep, count)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is an all-NaN slice's NaN
            mean = np.sum(np.where(keep, x, 0), axis=ctx.axes, keepdims=True) / count
        return mean if keepdims else np.squeeze(mean, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Context, grad):
        keep, count = ctx.saved_arrays
        if not ctx.keepdims and ctx.axes:
            grad = np.expand_dims(grad, ctx.axes)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / count * keep


def var_mean(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim`` (a tuple, as PyTorch), each as ``input.var(...)`` / ``input.mean(...)`` would
    give it (correction 1 unless ``unbiased=False`` or ``correction=``); differentiable. ``var_mean(x, False)``
    is PyTorch's old positional ``unbiased``."""
    x = _t(input)
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return x.var(dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)


def std_mean(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim``, as :func:`var_mean` with the square root of the variance."""
    var, mean = var_mean(input, dim, unbiased, keepdim, correction=correction)
    return var.sqrt(), mean


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the non-NaN entries over ``dim`` (all if None): NaN where all are NaN, and there the
    gradient is NaN too, as torch's."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected a floating-point tensor, got {x.dtype}")
    return _NanMean.apply(x, axis=_axes(dim), keepdims=bool(keepdim))


_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


def _quantile(input: Any, q: Any, dim: int | None, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    name = "nanquantile" if ignore_nan else "quantile"
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    qa = np.asarray(_arr(q), dtype=np.float64)
    if qa.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1-D tensor, got shape {qa.shape}")
    if np.any((qa < 0) | (qa > 1)) or np.any(np.isnan(qa)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    shape = tuple(x.shape)
    if dim is None:
        xs, d = x.reshape(-1), 0
    else:
        d = _check_dim(dim, x.ndim)
        xs = x if x.ndim else x.reshape(1)
    n = xs.shape[d]
    if n == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    # PyTorch's steps (quantile_compute), so NaN and inf slices agree with it in value and gradient
    s = xs.sort(d).values  # NaNs sort last
    isnan = np.isnan(xs.data)
    qs = qa.astype(x.dtype).reshape((-1,) + (1,) * s.ndim)  # the ranks are taken in the input's dtype
    if ignore_nan:  # ranks among the non-NaN entries; an all-NaN slice takes rank 0, a NaN
        valid = n - np.sum(isnan, axis=d, keepdims=True)
        rank = np.maximum(qs * (valid - 1).astype(x.dtype), 0)
    else:  # a slice holding NaN takes its last rank, a NaN, which gets the gradient
        rank = np.where(np.any(isnan, axis=d, keepdims=True), np.asarray(n - 1, dtype=x.dtype), qs * (n - 1))
    rounding = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(interpolation)  # round: half to even
    if rounding is not None:
        rank = rounding(rank)
    below = rank.astype(np.int64)
    outs = []
    for j in range(qs.shape[0]):  # one gather (pair) per requested quantile
        v = ops.Gather.apply(s, dim=d, index=below[j])
        if rounding is None:  # linear or midpoint: lerp(below, above, w) as PyTorch's, from the nearer end
            w = (rank[j] - below[j] if interpolation == "linear" else np.full(rank[j].shape, 0.5)).astype(x.dtype)
            above = ops.Gather.apply(s, dim=d, index=np.ceil(rank[j]).astype(np.int64))
            with np.errstate(invalid="ignore"):  # inf - inf in a slice holding infinities: NaN, as PyTorch's
                v = (v + (above - v) * w).where(w < 0.5, above - (above - v) * (1 - w))
        outs.append(v)
    out = Tensor.stack(outs, 0) if len(outs) > 1 else outs[0].unsqueeze(0)
    if not keepdim:
        out = out.squeeze(d + 1)
    elif dim is None:
        out = out.reshape((out.shape[0],) + (1,) * len(shape))
    if dim is not None and len(shape) == 0 and not keepdim:
        out = out.reshape(out.shape[0])
    return out[0] if qa.ndim == 0 else out


def quantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along ``dim`` (all entries if None); q a number or 1-D tensor (its dimension goes
    first). Linear interpolation between the two nearest ranks by default; NaN in a slice gives NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """``quantile`` of the non-NaN entries (NaN where a slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """Named tuple (min, max) over ``dim`` (all entries if None)."""
    x = _t(input)
    return return_types.aminmax(x.amin(dim, keepdim), x.amax(dim, keepdim))


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Any = None) -> Tensor:
    """For each value, the index where it would be inserted to keep each row of ``sorted_sequence`` sorted
    (its last dimension; leading dimensions match ``input``'s). ``right=True`` or ``side="right"`` puts it
    after equal entries. int64 (int32 with ``out_int32``)."""
    seq = np.asarray(_arr(sorted_sequence))
    if side is not None and side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if side == "left" and right:
        raise RuntimeError("searchsorted: side='left' and right=True contradict each other")
    if sorter is not None:
        seq = np.take_along_axis(seq, np.asarray(_arr(sorter)), axis=-1)
    scalar = not isinstance(input, (Tensor, np.ndarray, list, tuple))
    values = np.asarray(_arr(input))
    if scalar and seq.ndim != 1:
        raise RuntimeError("searchsorted: a scalar value needs a 1-D sorted_sequence")
    out = se.searchsorted_rows(seq, values, "right" if (right or side == "right") else "left")
    return Tensor._wrap(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among the 1-D sorted ``boundaries``: i with boundaries[i-1] < x <= boundaries[i]
    (``right=True``: boundaries[i-1] <= x < boundaries[i])."""
    b = np.asarray(_arr(boundaries))
    if b.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    out = np.searchsorted(b, np.asarray(_arr(input)), side="right" if right else "left")
    return Tensor._wrap(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts in ``bins`` equal-width bins over [min, max] (the data's range when both are 0); entries outside
    are ignored; the input's float dtype. Not differentiable."""
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating-point tensor, got {x.dtype}")
    lo, hi = float(min), float(max)
    data = x.data.reshape(-1)
    if lo == hi and data.size:
        lo, hi = float(np.min(data)), float(np.max(data))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not math.isfinite(lo) or not math.isfinite(hi):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    counts, _ = np.histogram(data[~np.isnan(data)], bins=int(bins), range=(lo, hi))
    return Tensor._wrap(counts.astype(x.dtype))


def dist(input: Any, other: Any, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast), as a 0-d tensor."""
    return _vector_norm(_t(input) - other, ord=p)


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` whose p-norm (over the other dimensions) exceeds ``maxnorm`` is scaled down
    to that norm."""
    x = _t(input)
    d = _check_dim(dim, x.ndim)
    others = tuple(i for i in range(x.ndim) if i != d)
    norm = _vector_norm(x, ord=p, dim=others, keepdim=True) if others else x.abs()
    factor = (maxnorm / (norm + 1e-7)).where(norm.data > maxnorm, np.ones((), dtype=x.dtype))
    return x * factor


def unique_consecutive(input: Any, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """The input with each run of equal consecutive entries (slices along ``dim``) kept once; optionally the
    run index of every entry and the run lengths (int64)."""
    x = _t(input)
    if dim is None:
        data, d = x.data.reshape(-1), 0
    else:
        d = _check_dim(dim, x.ndim)
        data = np.moveaxis(x.data, d, 0)
    n = data.shape[0]
    change = np.ones(n, dtype=bool)
    if n > 1:
        diff = data[1:] != data[:-1]
        change[1:] = diff.reshape(n - 1, -1).any(axis=1)
    starts = np.flatnonzero(change)
    out = Tensor._wrap(np.moveaxis(data[starts], 0, d) if dim is not None else data[starts].copy())
    results: list[Any] = [out]
    if return_inverse:
        inv = np.cumsum(change) - 1
        results.append(Tensor._wrap((inv.reshape(x.shape) if dim is None else inv).astype(np.int64)))
    if return_counts:
        results.append(Tensor._wrap(np.diff(np.append(starts, n)).astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)
