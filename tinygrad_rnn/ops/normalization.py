"""Layer normalization (without the affine part, which is an elementwise multiply-add of tensors)."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


class LayerNorm(Function):
    """``(x - mean) / sqrt(var + eps)`` over the last ``ndims`` dimensions (biased variance, as PyTorch).

    With ``xhat`` the output and ``N`` the normalized size, the gradient is
    ``(g - mean(g) - xhat mean(g xhat)) / sqrt(var + eps)``, means over the normalized dimensions.
    """

    @staticmethod
    def forward(ctx: Context, x, ndims, eps=1e-5):
        x = np.asarray(x)
        if not 1 <= ndims <= x.ndim:
            raise ValueError(f"layer_norm: cannot normalize the last {ndims} dimensions of shape {x.shape}")
        axes = tuple(range(x.ndim - ndims, x.ndim))
        mean = np.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        inv_std = 1 / np.sqrt(np.mean(centered * centered, axis=axes, keepdims=True) + eps)
        out = (centered * inv_std).astype(x.dtype, copy=False)
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
