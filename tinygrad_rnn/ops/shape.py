"""Ops that move values around without changing them: reshape, transpose, indexing, concatenate, stack,
expand, repeat, gather, pad, clone and cast."""
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


class Expand(Function):
    """``x`` broadcast to ``shape`` (a read-only view, as numpy's ``broadcast_to``); the engine sums the
    gradient back over the broadcast dimensions."""

    @staticmethod
    def forward(ctx: Context, x, shape):
        x = np.asarray(x)
        try:
            return np.broadcast_to(x, tuple(shape))
        except ValueError:
            raise ValueError(f"expand: a tensor of shape {x.shape} cannot be expanded to {tuple(shape)} "
                             "(only dimensions of size 1 can grow)") from None

    @staticmethod
    def backward(ctx: Context, grad):
        return grad


class Repeat(Function):
    """``x`` tiled ``repeats[i]`` times along dimension i (PyTorch's ``repeat``, numpy's ``tile``; leading
    repeats add dimensions); the gradient sums the copies."""

    @staticmethod
    def forward(ctx: Context, x, repeats):
        x = np.asarray(x)
        repeats = tuple(int(r) for r in repeats)
        if len(repeats) < x.ndim:
            raise ValueError(f"repeat: {len(repeats)} repeat counts for a tensor of {x.ndim} dimensions; "
                             "give at least one per dimension")
        ctx.shape = (1,) * (len(repeats) - x.ndim) + x.shape
        ctx.repeats = repeats
        ctx.in_shape = x.shape
        return np.tile(x.reshape(ctx.shape), repeats)

    @staticmethod
    def backward(ctx: Context, grad):
        split = []
        for r, n in zip(ctx.repeats, ctx.shape):
            split += [r, n]
        summed = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.in_shape)


def along_axis_index(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The full fancy index that ``np.take_along_axis(x, index, axis)`` reads, for scatter-adds."""
    grids = np.ogrid[tuple(slice(n) for n in index.shape)]
    return tuple(index if d == axis else grids[d] for d in range(index.ndim))


class Gather(Function):
    """``out[i][j][k] = x[i][index[i][j][k]][k]`` for ``dim=1`` (PyTorch's gather): ``index`` has x's
    number of dimensions, and the output its shape. Repeated indices accumulate in backward."""

    @staticmethod
    def forward(ctx: Context, x, dim, index):
        x = np.asarray(x)
        index = np.array(index, copy=True)
        if index.dtype.kind not in "iu":
            raise TypeError(f"gather: index must be an integer tensor, got dtype {index.dtype}")
        if index.ndim != x.ndim:
            raise ValueError(f"gather: index has {index.ndim} dimensions but the input has {x.ndim}")
        axis = dim % max(x.ndim, 1)
        for d in range(x.ndim):
            if d != axis and index.shape[d] > x.shape[d]:
                raise ValueError(f"gather: index shape {index.shape} is larger than input shape {x.shape} "
                                 f"in dimension {d}")
        if index.size and (index.min() < -x.shape[axis] or index.max() >= x.shape[axis]):
            raise IndexError(f"gather: index out of range for dimension {dim} of size {x.shape[axis]}")
        full = along_axis_index(index % x.shape[axis] if x.shape[axis] else index, axis)
        ctx.full, ctx.in_shape = full, x.shape
        return x[full]

    @staticmethod
    def backward(ctx: Context, grad):
        out = np.zeros(ctx.in_shape, dtype=grad.dtype)
        np.add.at(out, ctx.full, grad)
        return out


class Pad(Function):
    """Constant padding: ``widths`` one ``(before, after)`` pair per dimension (numpy's order, first
    dimension first); the gradient is the unpadded slice."""

    @staticmethod
    def forward(ctx: Context, x, widths, value=0.0):
        x = np.asarray(x)
        widths = [(int(a), int(b)) for a, b in widths]
        if any(a < 0 or b < 0 for a, b in widths):
            raise ValueError(f"pad: negative padding {widths} is not supported")
        ctx.slices = tuple(slice(a, a + n) for (a, _), n in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad[ctx.slices]


class Clone(Function):
    """A copy of ``x`` that stays in the graph (the gradient passes unchanged)."""

    @staticmethod
    def forward(ctx: Context, x):
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad


class Cast(Function):
    """``x`` converted to the floating ``dtype``; the engine casts the gradient back to x's dtype."""

    @staticmethod
    def forward(ctx: Context, x, dtype):
        return np.asarray(x).astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad


class IndexPut(Function):
    """``out = x.copy(); out[index] = value`` (what ``x[index] = value`` records when the graph needs it):
    the gradient of x is the upstream with the overwritten entries zeroed; value's is the upstream at
    ``index`` (summed back over broadcasting by the engine)."""

    @staticmethod
    def forward(ctx: Context, x, value, index):
        index = _plain_index(index)
        out = np.array(x, copy=True)
        out[index] = value
        ctx.index = index
        ctx.value_shape = np.shape(value)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        need_x, need_v = ctx.needs_input_grad[:2]
        grad_x = None
        if need_x:
            grad_x = np.array(grad, copy=True)
            grad_x[ctx.index] = 0
        grad_v = None
        if need_v:
            picked = grad[ctx.index]
            lead = picked.ndim - len(ctx.value_shape)
            grad_v = picked.sum(axis=tuple(range(lead))) if lead > 0 else picked
        return grad_x, grad_v


class Contiguous(Function):
    """A C-ordered copy of a non-contiguous ``x`` (what ``contiguous()`` returns for a transposed tensor);
    the gradient passes unchanged."""

    @staticmethod
    def forward(ctx: Context, x):
        return np.array(x, order="C", copy=True)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad
