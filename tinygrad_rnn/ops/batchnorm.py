"""Batch normalization with the batch's own statistics (training mode; the affine part and evaluation with
running statistics are elementwise tensor arithmetic, see ``F.batch_norm``)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


class BatchNorm(Function):
    """``(x - mean) / sqrt(var + eps)`` per channel (dimension 1), the statistics taken over every other
    dimension (biased variance, as PyTorch normalises with).

    x ``(N, C)`` or ``(N, C, L)``. With ``xhat`` the output, the gradient is
    ``(g - mean(g) - xhat mean(g xhat)) / sqrt(var + eps)``, means over the same dimensions.
    A list passed as ``stats`` receives ``[mean, biased var]`` per channel, for the caller's running-statistics
    update (no second pass over x).
    """

    @staticmethod
    def forward(ctx: Context, x, eps=1e-5, stats=None):
        axes = (0,) + tuple(range(2, x.ndim))
        mean = np.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        var = np.mean(centered * centered, axis=axes, keepdims=True)
        inv_std = 1 / np.sqrt(var + eps)
        out = (centered * inv_std).astype(x.dtype, copy=False)
        if stats is not None:  # a list the caller passed to receive the statistics without computing them twice
            stats[:] = [mean.reshape(-1), var.reshape(-1)]
        ctx.save_for_backward(out, inv_std)
        ctx.axes = axes
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        xhat, inv_std = ctx.saved_arrays
        axes = ctx.axes
        g_mean = np.mean(grad, axis=axes, keepdims=True)
        gx_mean = np.mean(grad * xhat, axis=axes, keepdims=True)
        return (grad - g_mean - xhat * gx_mean) * inv_std
