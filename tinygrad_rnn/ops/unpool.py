"""``F.max_unpool*``: each value written back at the flat spatial position its max pooling recorded (zeros
elsewhere); the gradient reads those positions again."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


class MaxUnpool(Function):
    """``x`` and ``indices`` ``(B, L_in)`` (flat spatial positions) to ``(B, prod(out_spatial))``."""

    @staticmethod
    def forward(ctx: Context, x, indices, out_size: int):
        x = np.asarray(x)
        ctx.indices = np.asarray(indices, dtype=np.intp)
        out = np.zeros((x.shape[0], out_size), dtype=x.dtype)
        np.put_along_axis(out, ctx.indices, x, axis=1)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        return np.take_along_axis(grad, ctx.indices, axis=1), None
