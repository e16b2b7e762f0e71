"""Resampling over the last d dimensions of ``(N, C, *size)``: PyTorch's ``upsample_*`` kernels (``F.interpolate``'s
modes nearest, nearest-exact, linear / bilinear / trilinear, bicubic) as one separable op.

Every mode is separable: along each dimension, output position ``o`` reads ``K`` taps ``x[index[o, k]]`` with
weights ``weight[o, k]`` (K = 1 nearest, 2 linear, 4 cubic), and the d-dimensional result is the 1-D resampling
applied to each dimension in turn. The tap tables follow PyTorch's index arithmetic (its float32 scale for the
nearest modes, its source-index formulas, clamps and ``floorf``), so the same pixels are read. The backward is
the transpose: per dimension, in reverse order, each tap's weighted gradient summed back into its source
positions (a segmented sum, as every tap's index is non-decreasing in ``o``).
"""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function

Taps = tuple[np.ndarray, np.ndarray]  # (index, weight), each (out, K)

_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic convolution parameter


def _source_scale(n_in: int, n_out: int, align_corners: bool, scale: float | None, dt: type) -> np.floating:
    """PyTorch's ``area_pixel_compute_scale``: ``(in - 1) / (out - 1)`` with align_corners, else ``1 / scale``
    when a scale factor was given, else ``in / out``; in the op's math dtype ``dt``."""
    if align_corners:
        return dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(n_in) / dt(n_out)


def nearest_taps(n_in: int, n_out: int, scale: float | None, exact: bool) -> Taps:
    """``nearest``: ``floor(o * s)``; ``nearest-exact``: ``floor((o + 0.5) * s)``; both clipped to ``in - 1``.
    ``s`` is a float32 (PyTorch's ``compute_scales_value<float>``) and so is the product it floors."""
    s = _source_scale(n_in, n_out, False, scale, np.float32)
    o = np.arange(n_out)
    if exact:  # (o + 0.5) is a double times the float scale, then rounded to float by floorf's argument
        src = np.floor(((o + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(o.astype(np.float32) * s)
    index = np.minimum(src.astype(np.int64), n_in - 1)
    return index[:, None], np.ones((n_out, 1))


def _floor_and_lambda(real: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's ``guard_index_and_lambda``: ``i = min(floorf(real), in - 1)`` (floorf: through float32) and the
    fraction ``real - i`` clamped to [0, 1]."""
    index = np.minimum(np.floor(real.astype(np.float32)).astype(np.int64), n_in - 1)
    return index, np.clip(real - index.astype(real.dtype), 0, 1)


def linear_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool, dt: type) -> Taps:
    """Two neighbours ``i0 = floor(src)`` and ``i0 + 1`` (``i0`` at the last position) weighted ``1 - l`` and ``l``;
    ``src = s o`` (align_corners) or ``max(s (o + 0.5) - 0.5, 0)``. Equal sizes copy, as PyTorch."""
    o = np.arange(n_out)
    if n_in == n_out:
        return np.stack([o, o], 1), np.stack([np.ones(n_out), np.zeros(n_out)], 1).astype(dt)
    s = _source_scale(n_in, n_out, align_corners, scale, dt)
    o = o.astype(dt)
    real = s * o if align_corners else np.maximum(s * (o + dt(0.5)) - dt(0.5), dt(0))
    i0, lam = _floor_and_lambda(real, n_in)
    i1 = i0 + (i0 < n_in - 1)
    return np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1)


def _cubic_near(x: np.ndarray) -> np.ndarray:
    """The cubic convolution kernel on ``|x| <= 1``."""
    return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1


def _cubic_far(x: np.ndarray) -> np.ndarray:
    """The cubic convolution kernel on ``1 < |x| < 2``."""
    return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A


def cubic_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool, dt: type) -> Taps:
    """Four neighbours ``i - 1 .. i + 2`` of ``i = floor(src)`` (each clamped into the input), weighted by the
    cubic kernel at distances ``t + 1, t, 1 - t, 2 - t``; ``src`` as linear's but not clipped at 0."""
    s = _source_scale(n_in, n_out, align_corners, scale, dt)
    o = np.arange(n_out).astype(dt)
    real = s * o if align_corners else s * (o + dt(0.5)) - dt(0.5)
    i, t = _floor_and_lambda(real, n_in)
    weight = np.stack([_cubic_far(t + 1), _cubic_near(t), _cubic_near(1 - t), _cubic_far(2 - t)], 1)
    index = np.clip(i[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return index, weight


def _resample(x: np.ndarray, axis: int, taps: Taps, nearest: bool) -> np.ndarray:
    """``x`` resampled along ``axis`` (negative) by ``taps``; nearest taps gather without arithmetic (any dtype)."""
    index, weight = taps
    if nearest:
        return np.take(x, index[:, 0], axis=axis)
    shape = (-1,) + (1,) * (-axis - 1)  # the weights broadcast along `axis`
    out = np.take(x, index[:, 0], axis=axis) * weight[:, 0].astype(x.dtype).reshape(shape)
    for k in range(1, index.shape[1]):
        out += np.take(x, index[:, k], axis=axis) * weight[:, k].astype(x.dtype).reshape(shape)
    return out


def _segment_sum(g: np.ndarray, index: np.ndarray, n_in: int) -> np.ndarray:
    """``out[i] = sum of g[o] over the o with index[o] == i`` along axis 0, for a non-decreasing ``index``."""
    out = np.zeros((n_in,) + g.shape[1:], dtype=g.dtype)
    targets, starts = np.unique(index, return_index=True)
    out[targets] = np.add.reduceat(g, starts, axis=0)
    return out


def _resample_backward(g: np.ndarray, axis: int, taps: Taps, n_in: int) -> np.ndarray:
    """The transpose of :func:`_resample`: ``g`` along ``axis`` summed back onto the ``n_in`` source positions."""
    index, weight = taps
    g = np.moveaxis(g, axis, 0)
    shape = (-1,) + (1,) * (g.ndim - 1)
    dx = sum(_segment_sum(g * weight[:, k].astype(g.dtype).reshape(shape), index[:, k], n_in)
             for k in range(index.shape[1]))
    return np.moveaxis(dx, 0, axis)


class Interpolate(Function):
    """``(..., *size) -> (..., *out)``: the last ``len(taps)`` dimensions resampled in turn, each by its ``(index,
    weight)`` tap table (see the ``*_taps`` builders). ``nearest`` taps are plain gathers."""

    @staticmethod
    def forward(ctx: Context, x, taps: tuple[Taps, ...], nearest: bool = False):
        d = len(taps)
        ctx.conf = (taps, x.shape[x.ndim - d:])
        for axis, t in zip(range(-d, 0), taps):
            x = _resample(x, axis, t, nearest)
        return np.ascontiguousarray(x)

    @staticmethod
    def backward(ctx: Context, grad):
        taps, size = ctx.conf
        d = len(taps)
        for axis, t, n in reversed(list(zip(range(-d, 0), taps, size))):
            grad = _resample_backward(grad, axis, t, n)
        return grad


__all__ = ["Interpolate", "cubic_taps", "linear_taps", "nearest_taps"]
