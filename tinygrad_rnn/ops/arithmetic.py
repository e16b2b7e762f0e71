"""Binary arithmetic and matrix product. Broadcasting is numpy's; the engine sums gradients back."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from ..dtypes import get_default_dtype, int_scalar

_F64 = np.dtype(np.float64)


def _torch_float(out, a, b):
    """``out`` under PyTorch's rule where numpy's differs (numpy widens to float64 where PyTorch does not):
    integer (or bool) tensors that meet a Python float, or are divided, give the default float dtype (float32);
    a float tensor meeting an integer tensor keeps its own float dtype. Between two floats numpy's rule is
    PyTorch's."""
    if out.dtype != _F64:
        return out
    fa, fb = _is_float(a), _is_float(b)
    if fa and fb:
        return out
    return out.astype(a.dtype if fa else b.dtype if fb else get_default_dtype(), copy=False)


def _ints_wrapped(a, b):
    """``(a, b)`` with a Python int operand of an integer array wrapped into its dtype (``dtypes.int_scalar``),
    as PyTorch computes ``uint8 + -2``; numpy would raise OverflowError."""
    if type(b) is int and isinstance(a, np.ndarray):
        return a, int_scalar(b, a.dtype)
    if type(a) is int and isinstance(b, np.ndarray):
        return int_scalar(a, b.dtype), b
    return a, b


def _is_float(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "fc"


class Add(Function):
    @staticmethod
    def forward(ctx: Context, a, b):
        a, b = _ints_wrapped(a, b)
        return _torch_float(np.add(a, b), a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, grad


class Sub(Function):
    @staticmethod
    def forward(ctx: Context, a, b):
        a, b = _ints_wrapped(a, b)
        return _torch_float(np.subtract(a, b), a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx: Context, a, b):
        # each factor is needed only for the other's gradient (what is not saved cannot go stale)
        need_a, need_b = ctx.needs_input_grad
        a, b = _ints_wrapped(a, b)
        ctx.saved_arrays = (a if need_b else None, b if need_a else None)  # save_for_backward, minus a call
        return _torch_float(np.multiply(a, b), a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return _torch_float(np.divide(a, b), a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b
        return (grad_a if need_a else None), (-grad_a * a / b if need_b else None)


class Pow(Function):
    """``a ** b``; the gradient with respect to the exponent needs ``a > 0`` (it uses log a). At 0 ** 0 both
    slopes are 0, as torch's: the base's wherever b == 0, the exponent's wherever a == 0 and b >= 0."""

    @staticmethod
    def forward(ctx: Context, a, b):
        out = _torch_float(np.power(a, b), a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        a, b, out = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                grad_a = grad * b * np.power(a, np.subtract(b, 1))
                zero_b = np.equal(b, 0)
                if np.any(zero_b):  # a ** 0 is 1 for every a: slope 0, not 0 * 0 ** -1 = nan at a = 0
                    grad_a = np.where(zero_b, np.zeros((), dtype=grad_a.dtype), grad_a)
            if need_b:
                # 0 ** b is 0 for every b > 0 nearby: its slope in b is 0, not 0 * log(0) = nan (torch: b >= 0)
                grad_b = grad * np.where(np.equal(a, 0) & np.greater_equal(b, 0), 0.0, out * np.log(a))
        return grad_a, grad_b


class Neg(Function):
    @staticmethod
    def forward(ctx: Context, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx: Context, grad):
        return -grad


def _swap_last(x: np.ndarray) -> np.ndarray:
    return x.swapaxes(-1, -2)


class MatMul(Function):
    """``a @ b`` with numpy's rules: 1-D operands are promoted, leading (batch) dimensions broadcast."""

    @staticmethod
    def forward(ctx: Context, a, b):
        a = np.asarray(a)
        b = np.asarray(b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul needs operands of at least one dimension, got shapes {a.shape} and {b.shape}")
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != inner_b:
            raise ValueError(
                f"shapes {a.shape} and {b.shape} do not fit for a @ b: the last dimension of a ({a.shape[-1]}) "
                f"must equal the {'only' if b.ndim == 1 else 'second-to-last'} dimension of b ({inner_b})"
            )
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.shapes = (a.shape, b.ndim)
        if a.ndim > 2 and b.ndim == 2:
            # (..., k) @ (k, n) is one 2-D product; numpy's batched path would loop over the leading axes
            return np.dot(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + b.shape[-1:])
        return a @ b

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_arrays  # a is None unless b needs a gradient, b None unless a does
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        a_shape, b_ndim = ctx.shapes
        a_ndim = len(a_shape)
        if a_ndim == 1 and b_ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a_ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
            if need_a:
                grad_a = (grad[..., None, :] @ _swap_last(b))[..., 0, :]
            if need_b:
                grad_b = a[:, None] * grad[..., None, :]
        elif b_ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
            if need_a:
                grad_a = grad[..., :, None] * b
            if need_b:
                grad_b = (_swap_last(a) @ grad[..., :, None])[..., 0]
        elif a_ndim == 2 and b_ndim == 2:
            # np.dot on transposed 2-D views goes straight to BLAS; matmul takes a slow path for one-row inputs
            if need_a:
                grad_a = np.dot(grad, b.T)
            if need_b:
                grad_b = np.dot(a.T, grad)
        elif b_ndim == 2:  # (..., m, k) @ (k, n): fold the leading axes into rows
            grad2d = grad.reshape(-1, grad.shape[-1])
            if need_a:
                grad_a = np.dot(grad2d, b.T).reshape(a_shape)
            if need_b:
                grad_b = np.dot(a.reshape(-1, a.shape[-1]).T, grad2d)
        else:
            if need_a:
                grad_a = grad @ _swap_last(b)
            if need_b:
                grad_b = _swap_last(a) @ grad
        return grad_a, grad_b
