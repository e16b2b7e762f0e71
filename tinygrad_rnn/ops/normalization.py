"""Standardisation ``(x - mean) / sqrt(var + eps)`` over some dimensions: layer normalization (the last
dimensions) and batch normalization with the batch's own statistics (every dimension but the channels').
The affine parts, and evaluation with running statistics, are elementwise tensor arithmetic."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


class _Standardize(Function):
    """The shared rule. With ``xhat`` the output, the gradient is
    ``(g - mean(g) - xhat mean(g xhat)) / sqrt(var + eps)``, means over the standardised dimensions."""

    @staticmethod
    def _standardize(ctx: Context, x: np.ndarray, axes: tuple[int, ...], eps: float):
        """``(out, mean, biased var)`` over ``axes`` (kept as size-1 dimensions); saves what backward needs."""
        mean = np.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        var = np.mean(centered * centered, axis=axes, keepdims=True)
        inv_std = 1 / np.sqrt(var + eps)
        out = (centered * inv_std).astype(x.dtype, copy=False)
        ctx.save_for_backward(out, inv_std)
        ctx.axes = axes
        return out, mean, var

    @staticmethod
    def backward(ctx: Context, grad):
        xhat, inv_std = ctx.saved_arrays
        axes = ctx.axes
        g_mean = np.mean(grad, axis=axes, keepdims=True)
        gx_mean = np.mean(grad * xhat, axis=axes, keepdims=True)
        return (grad - g_mean - xhat * gx_mean) * inv_std


class LayerNorm(_Standardize):
    """``(x - mean) / sqrt(var + eps)`` over the last ``ndims`` dimensions (biased variance, as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x, ndims, eps=1e-5):
        x = np.asarray(x)
        if not 1 <= ndims <= x.ndim:
            raise ValueError(f"layer_norm: cannot normalize the last {ndims} dimensions of shape {x.shape}")
        return _Standardize._standardize(ctx, x, tuple(range(x.ndim - ndims, x.ndim)), eps)[0]


class BatchNorm(_Standardize):
    """``(x - mean) / sqrt(var + eps)`` per channel (dimension 1), the statistics taken over every other
    dimension (biased variance, as PyTorch normalises with). x ``(N, C)`` or ``(N, C, L)``.

    A list passed as ``stats`` receives ``[mean, biased var]`` per channel, for the caller's running-statistics
    update (no second pass over x).
    """

    @staticmethod
    def forward(ctx: Context, x, eps=1e-5, stats=None):
        out, mean, var = _Standardize._standardize(ctx, x, (0,) + tuple(range(2, x.ndim)), eps)
        if stats is not None:
            stats[:] = [mean.reshape(-1), var.reshape(-1)]
        return out
