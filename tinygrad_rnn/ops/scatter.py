"""Ops that write values into a copy of a tensor at given indices: scatter, scatter_add and index_add
(PyTorch's semantics; the in-place forms in tensor.py record these out-of-place ops)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from .shape import along_axis_index


def _scatter_index(x_shape: tuple, dim: int, index, src_shape: tuple | None, what: str) -> tuple:
    """The full fancy index of ``x`` that ``x.scatter(dim, index, ...)`` writes (``index`` checked: integer,
    x's number of dimensions, no larger than x off ``dim`` nor than src anywhere, in range along ``dim``)."""
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{what}: index must be an int64 tensor, got dtype {index.dtype}")
    ndim = len(x_shape)
    if index.ndim != max(ndim, 1) and not (ndim == 0 and index.ndim == 0):
        raise ValueError(f"{what}: index has {index.ndim} dimensions but self has {ndim}")
    for d in range(index.ndim):
        if d != dim and index.shape[d] > x_shape[d]:
            raise ValueError(f"{what}: index shape {index.shape} is larger than self's shape {x_shape} in dimension {d}")
        if src_shape is not None and index.shape[d] > src_shape[d]:
            raise ValueError(f"{what}: index shape {index.shape} is larger than src's shape {src_shape} in dimension {d}")
    n = x_shape[dim] if ndim else 1
    if index.size and (index.min() < -n or index.max() >= n):
        raise IndexError(f"{what}: index out of range for dimension {dim} of size {n}")
    return along_axis_index(np.where(index < 0, index + n, index), dim)


def _src_part(src_shape: tuple, index_shape: tuple) -> tuple:
    """The leading block of src that scatter reads: ``src[:i0, :i1, ...]`` for index's shape."""
    return tuple(slice(0, n) for n in index_shape) if src_shape else ()


class Scatter(Function):
    """``out = x.copy(); out[i][index[i][j]] = src[i][j]`` for dim=1 (src a tensor or a number). x's gradient
    is the upstream with the written positions zeroed; src's is the upstream gathered at ``index``
    (where an index repeats, the value written last wins; PyTorch leaves that order undefined)."""

    @staticmethod
    def forward(ctx: Context, x, src, dim, index, reduce=None):
        x = np.asarray(x)
        src = np.asarray(src)
        full = _scatter_index(x.shape, dim, index, src.shape if src.ndim else None, "scatter")
        out = np.array(x, copy=True)
        part = src[_src_part(src.shape, np.shape(index))] if src.ndim else src
        if reduce is None:
            out[full] = part
        elif reduce == "add":
            np.add.at(out, full, part)
        elif reduce == "multiply":
            if ctx.needs_input_grad and any(ctx.needs_input_grad):
                raise RuntimeError("scatter(reduce='multiply') is not differentiable here")
            np.multiply.at(out, full, part)
        else:
            raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
        ctx.full, ctx.src_shape, ctx.index_shape, ctx.add = full, src.shape, np.shape(index), reduce == "add"
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        need_x, need_src = ctx.needs_input_grad[:2]
        grad_x = grad_src = None
        if need_x:
            grad_x = grad
            if not ctx.add:
                grad_x = np.array(grad, copy=True)
                grad_x[ctx.full] = 0
        if need_src:
            grad_src = np.zeros(ctx.src_shape, dtype=grad.dtype)
            if ctx.src_shape:
                grad_src[_src_part(ctx.src_shape, ctx.index_shape)] = grad[ctx.full]
            else:
                grad_src = grad[ctx.full].sum()
        return grad_x, grad_src


class IndexAdd(Function):
    """``out = x.copy(); out[..., index[i], ...] += alpha * source[..., i, ...]`` along ``dim`` (repeated
    indices accumulate); x's gradient passes through, source's is ``alpha`` times the rows it reached."""

    @staticmethod
    def forward(ctx: Context, x, source, dim, index, alpha=1):
        x = np.asarray(x)
        source = np.asarray(source)
        index = np.asarray(index)
        if index.ndim > 1 or index.dtype.kind not in "iu":
            raise IndexError(f"index_add: index must be a 1-D integer tensor, got shape {index.shape} dtype {index.dtype}")
        index = index.reshape(-1)
        n = x.shape[dim] if x.ndim else 1
        expected = x.shape[:dim] + (len(index),) + x.shape[dim + 1:]
        if source.shape != expected and not (x.ndim == 0 and source.size == len(index)):
            raise ValueError(f"index_add: source has shape {source.shape}, expected {expected} for self of shape "
                             f"{x.shape}, dim {dim} and {len(index)} indices")
        if index.size and (index.min() < -n or index.max() >= n):
            raise IndexError(f"index_add: index out of range for dimension {dim} of size {n}")
        sel = (slice(None),) * dim + (np.where(index < 0, index + n, index),)
        out = np.array(x, copy=True)
        if x.ndim == 0:
            out = out + alpha * source.sum()
        else:
            np.add.at(out, sel, source * alpha if alpha != 1 else source)
        ctx.sel, ctx.alpha, ctx.scalar = sel, alpha, x.ndim == 0
        ctx.source_shape = source.shape
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        need_x, need_src = ctx.needs_input_grad[:2]
        grad_src = None
        if need_src:
            picked = np.broadcast_to(grad, ctx.source_shape) if ctx.scalar else grad[ctx.sel]
            grad_src = picked * ctx.alpha if ctx.alpha != 1 else np.array(picked, copy=True)
        return (grad if need_x else None), grad_src
