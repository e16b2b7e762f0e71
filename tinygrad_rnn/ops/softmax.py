"""Softmax and log-softmax, shifted by the max so that logits of ±1e4 neither overflow nor underflow."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def _shift_by_max(x: np.ndarray, axis: int) -> np.ndarray:
    """x minus its max along axis: the largest exponent becomes exp(0) = 1. A row that is all -inf (a fully
    masked attention row) gives -inf - -inf = NaN, PyTorch's result, without numpy's RuntimeWarning."""
    with np.errstate(invalid="ignore"):
        return x - np.max(x, axis=axis, keepdims=True)


def log_softmax_array(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = _shift_by_max(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Softmax(Function):
    @staticmethod
    def forward(ctx: Context, x, axis=-1):
        e = np.exp(_shift_by_max(x, axis))
        out = e / np.sum(e, axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return out * (grad - np.sum(grad * out, axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx: Context, x, axis=-1):
        out = log_softmax_array(np.asarray(x), axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (out,) = ctx.saved_arrays
        return grad - np.exp(out) * np.sum(grad, axis=ctx.axis, keepdims=True)
