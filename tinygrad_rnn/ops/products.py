"""Products that are not a matmul: the 3-vector cross product (the rest -- mv, addmm, kron, tensordot ... --
are compositions of matmul, mul and reshape in ``functions_more``)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from .arithmetic import _torch_float


class Cross(Function):
    """``a x b`` along ``axis`` (of size 3; a and b broadcast); d/da = b x g, d/db = g x a."""

    @staticmethod
    def forward(ctx: Context, a, b, axis=-1):
        a, b = np.asarray(a), np.asarray(b)
        ctx.save_for_backward(a, b)
        ctx.axis = axis
        return _torch_float(np.asarray(np.cross(a, b, axis=axis)), a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        ax = ctx.axis
        return (np.cross(b, grad, axis=ax) if need_a else None), (np.cross(grad, a, axis=ax) if need_b else None)
