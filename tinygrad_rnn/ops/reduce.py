"""Reductions over an axis (or all axes): sum, mean, max, min, var, prod, norm, logsumexp; and the cumulative
sum and log-sum-exp along one axis."""
from __future__ import annotations

import warnings

import numpy as np

from ..autograd import Context, Function


def _normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < max(ndim, 1):
            raise ValueError(f"axis {ax} is out of range for a tensor with {ndim} dimensions")
        out.append(int(ax) % max(ndim, 1))
    return tuple(out)


def _expand_to(grad: np.ndarray, axes: tuple[int, ...], keepdims: bool, shape: tuple[int, ...]) -> np.ndarray:
    if grad.ndim == 0 and shape:
        # a full reduction (a loss): a read-only zero-stride view of the scalar, as broadcast_to gives, at a
        # fifth of expand_dims + broadcast_to's Python (~1 µs against ~6 µs, on every training step)
        view = np.ndarray(shape, grad.dtype, grad, 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    if not keepdims and axes:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


def _remember_reduction(ctx: Context, x, axis, keepdims) -> np.ndarray:
    """x as an array; the normalized axes, keepdims and input shape kept on ctx for the backward."""
    x = np.asarray(x)
    ctx.axes = _normalize_axes(axis, x.ndim)
    ctx.keepdims = keepdims
    ctx.in_shape = x.shape
    return x


class Sum(Function):
    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        return np.add.reduce(x, axis=ctx.axes, keepdims=keepdims)  # np.sum's own Python wrapper costs ~1.5 µs

    @staticmethod
    def backward(ctx: Context, grad):
        return _expand_to(grad, ctx.axes, ctx.keepdims, ctx.in_shape)


class Mean(Function):
    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes])) if x.ndim else 1
        if ctx.count == 0:  # the mean of nothing is NaN, as torch's, without numpy's "Mean of empty slice" warning
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.mean(x, axis=ctx.axes, keepdims=keepdims)
        return np.mean(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad):
        return _expand_to(grad / ctx.count, ctx.axes, ctx.keepdims, ctx.in_shape)


def _extreme_forward(ctx: Context, x, axis, keepdims, pick) -> np.ndarray:
    x = np.asarray(x)
    if x.size == 0:
        raise ValueError(f"{pick.__name__} of an empty tensor (shape {x.shape}) is undefined")
    axes = _normalize_axes(axis, x.ndim)
    out = pick(x, axis=axes, keepdims=True)
    winners = (x == out).astype(x.dtype)  # in the input's dtype: a float32 max keeps float32 gradients
    ctx.save_for_backward(winners / winners.sum(axis=axes, keepdims=True))
    ctx.axes = axes
    ctx.keepdims = keepdims
    return out if keepdims else np.squeeze(out, axis=axes)


def _extreme_backward(ctx: Context, grad) -> np.ndarray:
    (share,) = ctx.saved_arrays
    if not ctx.keepdims and ctx.axes:
        grad = np.expand_dims(grad, ctx.axes)
    return grad * share


class Max(Function):
    """Max over ``axis``; the gradient goes to the arg-max, split equally between ties (PyTorch's ``amax``)."""

    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        return _extreme_forward(ctx, x, axis, keepdims, np.max)

    @staticmethod
    def backward(ctx: Context, grad):
        return _extreme_backward(ctx, grad)


class Min(Function):
    """Min over ``axis``; the gradient goes to the arg-min, split equally between ties (PyTorch's ``amin``)."""

    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        return _extreme_forward(ctx, x, axis, keepdims, np.min)

    @staticmethod
    def backward(ctx: Context, grad):
        return _extreme_backward(ctx, grad)


class Var(Function):
    """Variance over ``axis`` with ``correction`` (1: the unbiased estimate, PyTorch's default; 0: the mean
    squared deviation): ``sum((x - mean)^2) / (N - correction)``; gradient ``2 (x - mean) / (N - correction)``."""

    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False, correction=1):
        x = _remember_reduction(ctx, x, axis, keepdims)
        n = int(np.prod([x.shape[a] for a in ctx.axes])) if x.ndim else 1
        centered = x - np.mean(x, axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(centered)
        ctx.denominator = max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sum(centered * centered, axis=ctx.axes, keepdims=keepdims) / ctx.denominator
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Context, grad):
        (centered,) = ctx.saved_arrays
        with np.errstate(divide="ignore", invalid="ignore"):
            return _expand_to(grad, ctx.axes, ctx.keepdims, ctx.in_shape) * (2 * centered / ctx.denominator)


class Prod(Function):
    """Product over ``axis``. The gradient of each factor is the product of all the others (computed
    from prefix and suffix products, so it is exact where factors are zero)."""

    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        ctx.save_for_backward(x)
        return np.prod(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_arrays
        axes = ctx.axes
        kept = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x, kept + list(axes))
        flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (before * after).reshape(moved.shape)
        others = np.transpose(others, np.argsort(kept + list(axes)))
        return _expand_to(grad, axes, ctx.keepdims, ctx.in_shape) * others


class Norm(Function):
    """The p-norm over ``axis``: ``sum(|x|^p)^(1/p)`` for p >= 1 (p=2 by default). The gradient
    ``x |x|^(p-2) / norm^(p-1)`` is taken as 0 where the norm is 0, as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, x, p=2.0, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        p = float(p)
        if not p >= 1.0 or np.isinf(p):
            raise ValueError(f"norm: p must be a finite number >= 1, got {p}")
        ctx.p = p
        if p == 2.0:
            out = np.sqrt(np.sum(x * x, axis=ctx.axes, keepdims=True))
        else:
            out = np.sum(np.abs(x) ** p, axis=ctx.axes, keepdims=True) ** (1.0 / p)
        ctx.save_for_backward(x, out)
        return out if keepdims else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Context, grad):
        x, out = ctx.saved_arrays
        p = ctx.p
        g = np.expand_dims(grad, ctx.axes) if not ctx.keepdims and ctx.axes else grad
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2.0:
                local = x / out
            elif p == 1.0:
                local = np.sign(x) * np.ones_like(out)
            else:
                local = np.sign(x) * np.abs(x) ** (p - 1) / out ** (p - 1)
        return g * np.where(out == 0, 0.0, local).astype(x.dtype, copy=False)


class LogSumExp(Function):
    """``log(sum(exp(x)))`` over ``axis``, shifted by the max (no overflow); the gradient is the softmax."""

    @staticmethod
    def forward(ctx: Context, x, axis=None, keepdims=False):
        x = _remember_reduction(ctx, x, axis, keepdims)
        m = np.max(x, axis=ctx.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = m + np.log(np.sum(np.exp(x - m), axis=ctx.axes, keepdims=True))
        ctx.save_for_backward(np.exp(x - out))
        return out if keepdims else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Context, grad):
        (softmax,) = ctx.saved_arrays
        g = np.expand_dims(grad, ctx.axes) if not ctx.keepdims and ctx.axes else grad
        return g * softmax


class CumSum(Function):
    """``cumsum`` along ``axis``: ``y[..., i, ...] = sum_{j <= i} x[..., j, ...]``; its gradient is the
    reversed cumulative sum of the upstream gradient along the same axis."""

    @staticmethod
    def forward(ctx: Context, x, axis=0):
        x = np.asarray(x)
        (ctx.axis,) = _normalize_axes(axis, x.ndim) if x.ndim else (0,)
        return np.cumsum(x, axis=ctx.axis) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx: Context, grad):
        if grad.ndim == 0:
            return grad
        reverse = np.flip(grad, axis=ctx.axis)
        return np.flip(np.cumsum(reverse, axis=ctx.axis), axis=ctx.axis)


class LogCumSumExp(Function):
    """``y[..., i, ...] = log(sum_{j <= i} exp(x[..., j, ...]))`` along ``axis``, by ``np.logaddexp.accumulate``
    (pairwise log-add-exp: no overflow for large x, no underflow to -inf for very negative x).

    The gradient ``dx_i = sum_{j >= i} g_j exp(x_i - y_j)`` is summed in log space, ``log(g_j) - y_j``
    accumulated from the end, with the positive and negative parts of g apart (a log needs a positive
    argument); ``x_i - y_j <= 0`` there, so nothing overflows. An entry with ``x_i = -inf`` gets gradient 0
    (PyTorch gives NaN there): it contributes nothing to any ``y_j``."""

    @staticmethod
    def forward(ctx: Context, x, axis=0):
        x = np.asarray(x)
        if x.ndim == 0:
            ctx.axis = None
            return x.copy()
        (ctx.axis,) = _normalize_axes(axis, x.ndim)
        out = np.logaddexp.accumulate(x, axis=ctx.axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.axis is None:
            return grad
        x, out = ctx.saved_arrays
        ax = ctx.axis
        # a y_j of -inf has only -inf terms below it: leave it out rather than form -inf - (-inf)
        minus_y = np.where(out == -np.inf, -np.inf, -out)
        parts = []
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for part in (np.maximum(grad, 0), np.maximum(-grad, 0)):
                terms = np.log(part) + minus_y  # -inf where this part of g is 0
                tail = np.flip(np.logaddexp.accumulate(np.flip(terms, ax), axis=ax), ax)  # log sum_{j >= i}
                parts.append(np.exp(x + tail))
        dx = parts[0] - parts[1]
        return np.where(x == -np.inf, np.zeros((), dtype=dx.dtype), dx).astype(grad.dtype, copy=False)
