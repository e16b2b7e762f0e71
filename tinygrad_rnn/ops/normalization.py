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
    def _standardize(ctx: Context, x: np.ndarray, axes: tuple[int, ...], eps: float, acc: type | None = None):
        """``(out, mean, biased var)`` over ``axes`` (kept as size-1 dimensions); saves what backward needs.
        ``acc``: the dtype the statistics and the standardisation are computed in (x's when None)."""
        xa = x if acc is None else x.astype(np.result_type(x.dtype, acc), copy=False)
        if any(x.shape[a] == 0 for a in axes):  # nothing to average (an empty batch): an empty output, as
            # PyTorch's, without np.mean's empty-slice warnings; the statistics are 0, never used
            mean = var = np.zeros(tuple(1 if a in axes else n for a, n in enumerate(x.shape)), xa.dtype)
            centered = xa - mean
        else:
            mean = np.mean(xa, axis=axes, keepdims=True)
            centered = xa - mean
            var = np.mean(centered * centered, axis=axes, keepdims=True)
        inv_std = 1 / np.sqrt(var + eps)
        out = (centered * inv_std).astype(x.dtype, copy=False)
        ctx.save_for_backward(out, inv_std.astype(x.dtype, copy=False))
        ctx.axes = axes
        return out, mean, var

    @staticmethod
    def backward(ctx: Context, grad):
        xhat, inv_std = ctx.saved_arrays
        axes = ctx.axes
        if grad.size == 0:  # an empty input's gradient (np.mean over an empty slice would warn)
            return np.zeros_like(grad)
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

    The statistics are taken in float64, as PyTorch's CPU kernel accumulates them: a float32 batch far from
    0 (a mean of 1e4, a spread of 1e-2) would otherwise lose most of its variance to rounding.
    """

    @staticmethod
    def forward(ctx: Context, x, eps=1e-5, stats=None):
        out, mean, var = _Standardize._standardize(ctx, x, (0,) + tuple(range(2, x.ndim)), eps, acc=np.float64)
        if stats is not None:
            stats[:] = [mean.reshape(-1), var.reshape(-1)]
        return out
