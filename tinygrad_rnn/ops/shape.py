"""Ops that move values around without changing them: reshape, transpose, indexing, concatenate, stack."""
from __future__ import annotations

import numpy as np

from .. import autograd
from ..autograd import Context, Function, IndexedGrad
from ..kernels.scatter import scatter_add_rows


class Reshape(Function):
    @staticmethod
    def forward(ctx: Context, x, shape):
        x = np.asarray(x)
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) to {tuple(shape)}") from None

    @staticmethod
    def backward(ctx: Context, grad):
        return grad.reshape(ctx.in_shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx: Context, x, axes=None):
        x = np.asarray(x)
        out = np.transpose(x, axes)
        # normalized so that argsort inverts the permutation: (-1, 0) must count as (1, 0)
        ctx.axes = tuple(range(x.ndim))[::-1] if axes is None else tuple(int(a) % x.ndim for a in axes)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        return np.transpose(grad, np.argsort(ctx.axes))


def _plain_index(index):
    """Tensors inside an index become their arrays; lists become arrays. Arrays are copied: the index
    is kept for backward, and a caller refilling its index buffer must not move the gradient."""
    tensor_type = autograd.Tensor  # bound by tensor.py; ops sit below it and cannot import it

    def plain(i):
        if isinstance(i, tensor_type):
            return i.data.copy()
        if isinstance(i, np.ndarray):
            return i.copy()
        if isinstance(i, list):
            return np.asarray(i)
        return i

    return tuple(plain(i) for i in index) if isinstance(index, tuple) else plain(index)


def _has_integer_array(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


class GetItem(Function):
    """``x[index]``: basic slicing and integer/boolean-array indexing. Repeated integer indices
    accumulate their gradients (scatter-add), as each use is a separate read."""

    @staticmethod
    def forward(ctx: Context, x, index):
        x = np.asarray(x)
        index = _plain_index(index)
        ctx.index = index
        ctx.in_shape = x.shape
        return x[index]

    @staticmethod
    def backward(ctx: Context, grad):
        index = ctx.index
        if isinstance(index, np.ndarray) and index.ndim == 1 and index.dtype.kind in "iu":
            # x[ids] picks whole rows along axis 0: the fast row scatter-add (ids made non-negative,
            # as -1 and n-1 must land in one row)
            n = ctx.in_shape[0]
            ids = np.where(index < 0, index + n, index) if index.dtype.kind == "i" else index
            rows = grad.reshape(len(ids), int(np.prod(ctx.in_shape[1:], dtype=np.int64)))
            return scatter_add_rows(ids, rows, n).reshape(ctx.in_shape)
        if _has_integer_array(index):
            out = np.zeros(ctx.in_shape, dtype=grad.dtype)
            np.add.at(out, index, grad)
            return out
        return IndexedGrad(index, grad)  # no element repeats: the engine adds it into one buffer


class Concatenate(Function):
    @staticmethod
    def forward(ctx: Context, *arrays, axis=0):
        if not arrays:
            raise ValueError("concatenate needs at least one tensor")
        ctx.axis = axis
        ctx.split_at = np.cumsum([np.shape(a)[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad):
        return tuple(np.split(grad, ctx.split_at, axis=ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx: Context, *arrays, axis=0):
        if not arrays:
            raise ValueError("stack needs at least one tensor")
        shapes = [np.shape(a) for a in arrays]
        if any(s != shapes[0] for s in shapes):
            # numpy's own message does not say which shapes differ
            raise ValueError(f"stack needs tensors of one shape, got shapes {shapes}")
        out = np.stack(arrays, axis=axis)
        ctx.axis = axis % out.ndim
        ctx.count = len(arrays)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        moved = np.moveaxis(grad, ctx.axis, 0)
        return tuple(moved[i] for i in range(ctx.count))
