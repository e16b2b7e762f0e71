"""Pooling: max, average and adaptive pools over 1-D sequences and 2-D images."""
from __future__ import annotations

import math
from typing import Any

from ... import ops
from ...tensor import Tensor
from ._common import _image_input, _one, _pair, _sequence_input


def _pool_args(fn: str, length: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: bool) -> tuple[int, int, int, int, int]:
    """Checked ``(kernel, stride, padding, dilation, out_len)``; ``stride=None`` (or empty) means the kernel."""
    from ...ops.pooling import pool1d_out_length

    k = _one(kernel_size, "kernel_size", fn)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _one(stride, "stride", fn)
    p = _one(padding, "padding", fn, minimum=0)
    d = _one(dilation, "dilation", fn)
    if p > k // 2:
        raise ValueError(f"{fn}: padding should be at most half of kernel size, got padding={p} and kernel_size={k}")
    out_len = pool1d_out_length(length, k, s, p, d, bool(ceil_mode))
    if out_len < 1:
        raise ValueError(f"{fn}: input length {length} gives output length {out_len}, which is too small")
    return k, s, p, d, out_len


def max_pool1d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, dilation: int | tuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum of each window along the last dimension of ``(N, C, L)`` or ``(C, L)`` (padding counts as
    -inf); with ``return_indices`` also the int64 positions in ``L`` of the (first) maxima."""
    from ...ops.pooling import max_pool1d_indices

    x = _sequence_input(input, "max_pool1d")
    k, s, p, d, out_len = _pool_args("max_pool1d", x.shape[-1], kernel_size, stride, padding, dilation, ceil_mode)
    indices = max_pool1d_indices(x.data, k, s, p, d, out_len)
    out = ops.TakeLast.apply(x, index=indices)
    return (out, Tensor(indices)) if return_indices else out


def avg_pool1d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean of each window along the last dimension of ``(N, C, L)`` or ``(C, L)``, zero-padded; the zeros
    count in the divisor unless ``count_include_pad=False``."""
    x = _sequence_input(input, "avg_pool1d")
    k, s, p, _, _ = _pool_args("avg_pool1d", x.shape[-1], kernel_size, stride, padding, 1, ceil_mode)
    return ops.AvgPool1d.apply(x, kernel_size=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                               count_include_pad=bool(count_include_pad))


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Mean over ``output_size`` windows ``[floor(i L / out), ceil((i+1) L / out))`` of the last dimension."""
    x = _sequence_input(input, "adaptive_avg_pool1d")
    return ops.AdaptiveAvgPool1d.apply(x, output_size=_one(output_size, "output_size", "adaptive_avg_pool1d"))


def adaptive_max_pool1d(input: Tensor, output_size: int | tuple,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over the adaptive windows of :func:`adaptive_avg_pool1d`; ``return_indices`` as :func:`max_pool1d`."""
    from ...ops.pooling import adaptive_max_pool1d_indices

    x = _sequence_input(input, "adaptive_max_pool1d")
    indices = adaptive_max_pool1d_indices(x.data, _one(output_size, "output_size", "adaptive_max_pool1d"))
    out = ops.TakeLast.apply(x, index=indices)
    return (out, Tensor(indices)) if return_indices else out


def _pool2d_args(fn: str, size: tuple[int, int], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                 ceil_mode: bool) -> tuple[tuple[int, int], ...]:
    """Checked ``(kernel, stride, padding, dilation, out)``, each an ``(h, w)`` pair: :func:`_pool_args` per
    dimension. ``stride=None`` (or empty) means the kernel."""
    k = _pair(kernel_size, "kernel_size", fn)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _pair(stride, "stride", fn)
    p = _pair(padding, "padding", fn, minimum=0)
    d = _pair(dilation, "dilation", fn)
    per_dim = [_pool_args(fn, n, *args, ceil_mode) for n, args in zip(size, zip(k, s, p, d))]
    return tuple(zip(*per_dim))


def max_pool2d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, dilation: int | tuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum of each window over the last two dimensions of ``(N, C, H, W)`` or ``(C, H, W)`` (padding
    counts as -inf); with ``return_indices`` also the int64 flat positions ``h * W + w`` of the (first) maxima."""
    from ...ops.pooling2d import max_pool2d_indices

    x = _image_input(input, "max_pool2d")
    H, W = x.shape[-2:]
    k, s, p, d, out = _pool2d_args("max_pool2d", (H, W), kernel_size, stride, padding, dilation, ceil_mode)
    indices, empty = max_pool2d_indices(x.data, k, s, p, d, out)
    flat = ops.TakeLast.apply(x.reshape(*x.shape[:-2], H * W), index=indices.reshape(*indices.shape[:-2], math.prod(indices.shape[-2:])),
                              empty=None if empty is None else empty.reshape(*empty.shape[:-2], math.prod(empty.shape[-2:])))
    result = flat.reshape(*indices.shape)
    return (result, Tensor(indices)) if return_indices else result


def avg_pool2d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean of each window over the last two dimensions of ``(N, C, H, W)`` or ``(C, H, W)``, zero-padded;
    the zeros count in the divisor unless ``count_include_pad=False``; ``divisor_override`` replaces it."""
    from ...ops.pooling2d import AvgPool2d

    x = _image_input(input, "avg_pool2d")
    k, s, p, _, _ = _pool2d_args("avg_pool2d", x.shape[-2:], kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        divisor_override = _one(divisor_override, "divisor_override", "avg_pool2d")
    return AvgPool2d.apply(x, kernel=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                           count_include_pad=bool(count_include_pad), divisor_override=divisor_override)


def _adaptive_size2d(output_size: Any, size: tuple[int, int], fn: str) -> tuple[int, int]:
    """``(oH, oW)`` from an int (both) or a pair, ``None`` in the pair keeping that dimension's size."""
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2:
        raise ValueError(f"{fn}: output_size must be an int or a tuple of two, got {output_size!r}")
    return tuple(n if o is None else _one(o, "output_size", fn) for o, n in zip(sizes, size))  # type: ignore


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Mean over ``output_size`` ``(oH, oW)`` windows ``[floor(i H / oH), ceil((i+1) H / oH))`` x (the same for
    W); an int is used for both, and ``None`` in the pair keeps that dimension's size."""
    from ...ops.pooling import AdaptiveAvgPool1d, check_nonempty

    x = _image_input(input, "adaptive_avg_pool2d")
    check_nonempty(x.data, "adaptive_avg_pool2d", -2)
    oh, ow = _adaptive_size2d(output_size, x.shape[-2:], "adaptive_avg_pool2d")
    # a window is a rectangle: its mean is the mean over its rows of the means over its columns, the 1-D
    # adaptive mean along W, then along H (each a gather of the window's taps: no 0 * inf from other windows)
    over_w = AdaptiveAvgPool1d.apply(x, output_size=ow)
    return AdaptiveAvgPool1d.apply(over_w.transpose(-1, -2), output_size=oh).transpose(-1, -2)


def adaptive_max_pool2d(input: Tensor, output_size: int | tuple,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over the adaptive windows of :func:`adaptive_avg_pool2d`; ``return_indices`` as :func:`max_pool2d`
    (flat positions ``h * W + w``)."""
    from ...ops.pooling2d import adaptive_max_pool2d_indices

    x = _image_input(input, "adaptive_max_pool2d")
    H, W = x.shape[-2:]
    indices = adaptive_max_pool2d_indices(x.data, _adaptive_size2d(output_size, (H, W), "adaptive_max_pool2d"))
    flat = ops.TakeLast.apply(x.reshape(*x.shape[:-2], H * W), index=indices.reshape(*indices.shape[:-2], math.prod(indices.shape[-2:])))
    result = flat.reshape(*indices.shape)
    return (result, Tensor(indices)) if return_indices else result
