"""Pooling: max, average and adaptive pools over 1-D sequences, 2-D images and 3-D volumes (the 2-D and 3-D
pools are one implementation over d dimensions)."""
from __future__ import annotations

import math
from typing import Any

from ... import ops
from ...tensor import Tensor
from ._common import _ntuple, _one, _sequence_input, _spatial_input


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
    from ...ops.pooling_nd import max_pool_indices

    x = _sequence_input(input, "max_pool1d")
    k, s, p, d, out_len = _pool_args("max_pool1d", x.shape[-1], kernel_size, stride, padding, dilation, ceil_mode)
    indices, empty = max_pool_indices(x.data, (k,), (s,), (p,), (d,), (out_len,))  # the d-dimensional scan
    out = ops.TakeLast.apply(x, index=indices, empty=empty)
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
    from ...ops.pooling import check_nonempty
    from ...ops.pooling_nd import adaptive_max_pool_indices

    x = _sequence_input(input, "adaptive_max_pool1d")
    check_nonempty(x.data, "adaptive_max_pool1d", -2)  # torch's 1-D check: the channels too, even unbatched
    indices = adaptive_max_pool_indices(x.data, (_one(output_size, "output_size", "adaptive_max_pool1d"),))
    out = ops.TakeLast.apply(x, index=indices)
    return (out, Tensor(indices)) if return_indices else out


def _poolnd_args(fn: str, size: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                 ceil_mode: bool) -> tuple[tuple[int, ...], ...]:
    """Checked ``(kernel, stride, padding, dilation, out)``, each a d-tuple for the ``d = len(size)`` dimensions:
    :func:`_pool_args` per dimension. ``stride=None`` (or empty) means the kernel."""
    d = len(size)
    k = _ntuple(kernel_size, "kernel_size", fn, d)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _ntuple(stride, "stride", fn, d)
    p = _ntuple(padding, "padding", fn, d, minimum=0)
    dl = _ntuple(dilation, "dilation", fn, d)
    per_dim = [_pool_args(fn, n, *args, ceil_mode) for n, args in zip(size, zip(k, s, p, dl))]
    return tuple(zip(*per_dim))


def _check_positive(x: Tensor, fn: str, d: int) -> None:
    """PyTorch's 2-D and 3-D pools refuse an empty channel or spatial dimension (an empty batch is fine)."""
    lead = x.ndim - d - 1  # the batch dimension, if any
    for i in range(lead, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input's non-batch dimensions to have positive length, but input "
                               f"has a shape of {list(x.shape)} and non-batch dimension {i - lead} has length zero!")


def _take_flat(x: Tensor, indices: Any, empty: Any, d: int) -> Tensor:
    """``x``'s values at the flat row-major ``indices`` over its last ``d`` dimensions (a window that ``empty``
    marks reads -inf): :class:`TakeLast` on the ``(..., prod(size))`` views, so its gradient is the scatter back."""
    def flat(a: Any) -> Any:
        return a.reshape(*a.shape[: a.ndim - d], math.prod(a.shape[a.ndim - d:]))

    out = ops.TakeLast.apply(flat(x), index=flat(indices), empty=None if empty is None else flat(empty))
    return out.reshape(*indices.shape)


def _max_poolnd(fn: str, d: int, input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                ceil_mode: bool, return_indices: bool) -> Tensor | tuple[Tensor, Tensor]:
    from ...ops.pooling_nd import max_pool_indices

    x = _spatial_input(input, fn, d)
    _check_positive(x, fn, d)
    k, s, p, dl, out = _poolnd_args(fn, x.shape[x.ndim - d:], kernel_size, stride, padding, dilation, ceil_mode)
    indices, empty = max_pool_indices(x.data, k, s, p, dl, out)
    result = _take_flat(x, indices, empty, d)
    return (result, Tensor(indices)) if return_indices else result


def max_pool2d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, dilation: int | tuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum of each window over the last two dimensions of ``(N, C, H, W)`` or ``(C, H, W)`` (padding
    counts as -inf); with ``return_indices`` also the int64 flat positions ``h * W + w`` of the (first) maxima."""
    return _max_poolnd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, dilation: int | tuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """:func:`max_pool2d` over the last three dimensions of ``(N, C, D, H, W)`` or ``(C, D, H, W)``; indices
    are flat ``(d * H + h) * W + w``."""
    return _max_poolnd("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_poolnd(fn: str, d: int, input: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                count_include_pad: bool, divisor_override: Any) -> Tensor:
    from ...ops.pooling_nd import AvgPoolNd

    x = _spatial_input(input, fn, d)
    _check_positive(x, fn, d)
    k, s, p, _, _ = _poolnd_args(fn, x.shape[x.ndim - d:], kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        divisor_override = _one(divisor_override, "divisor_override", fn)
    return AvgPoolNd.apply(x, kernel=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                           count_include_pad=bool(count_include_pad), divisor_override=divisor_override)


def avg_pool2d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean of each window over the last two dimensions of ``(N, C, H, W)`` or ``(C, H, W)``, zero-padded;
    the zeros count in the divisor unless ``count_include_pad=False``; ``divisor_override`` replaces it."""
    return _avg_poolnd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)


def avg_pool3d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """:func:`avg_pool2d` over the last three dimensions of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _avg_poolnd("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)


def _adaptive_size(output_size: Any, size: tuple[int, ...], fn: str) -> tuple[int, ...]:
    """One output size per dimension of ``size`` from an int (all of them) or a d-tuple, ``None`` in the tuple
    keeping that dimension's size."""
    d = len(size)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * d
    if len(sizes) != d:
        raise ValueError(f"{fn}: output_size must be an int or a tuple of {('two', 'three')[d - 2]}, "
                         f"got {output_size!r}")
    return tuple(n if o is None else _one(o, "output_size", fn) for o, n in zip(sizes, size))


def _non_batch(x: Tensor, d: int) -> int:
    """The first dimension (from the end) that PyTorch's adaptive pools check for emptiness: the channel's of
    a batched input, else the first spatial one."""
    return -d if x.ndim == d + 1 else -(d + 1)


def _adaptive_avg_poolnd(fn: str, d: int, input: Any, output_size: Any, first: int | None = None) -> Tensor:
    from ...ops.pooling import AdaptiveAvgPool1d, check_nonempty

    x = _spatial_input(input, fn, d)
    check_nonempty(x.data, fn, _non_batch(x, d) if first is None else first)
    sizes = _adaptive_size(output_size, x.shape[x.ndim - d:], fn)
    # a window is a box: its mean is the 1-D adaptive mean along each dimension in turn, the last first (each a
    # gather of the window's taps: no 0 * inf from other windows)
    out = AdaptiveAvgPool1d.apply(x, output_size=sizes[-1])
    for axis in range(-2, -d - 1, -1):
        out = AdaptiveAvgPool1d.apply(out.transpose(-1, axis), output_size=sizes[axis]).transpose(-1, axis)
    return out


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Mean over ``output_size`` ``(oH, oW)`` windows ``[floor(i H / oH), ceil((i+1) H / oH))`` x (the same for
    W); an int is used for both, and ``None`` in the pair keeps that dimension's size."""
    # torch's 2-D adaptive average checks only H and W, even of a batch
    return _adaptive_avg_poolnd("adaptive_avg_pool2d", 2, input, output_size, first=-2)


def adaptive_avg_pool3d(input: Tensor, output_size: int | tuple) -> Tensor:
    """:func:`adaptive_avg_pool2d` over the last three dimensions: ``output_size`` an int or ``(oD, oH, oW)``."""
    return _adaptive_avg_poolnd("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max_poolnd(fn: str, d: int, input: Any, output_size: Any,
                         return_indices: bool) -> Tensor | tuple[Tensor, Tensor]:
    from ...ops.pooling import check_nonempty
    from ...ops.pooling_nd import adaptive_max_pool_indices

    x = _spatial_input(input, fn, d)
    check_nonempty(x.data, fn, _non_batch(x, d))
    indices = adaptive_max_pool_indices(x.data, _adaptive_size(output_size, x.shape[x.ndim - d:], fn))
    result = _take_flat(x, indices, None, d)
    return (result, Tensor(indices)) if return_indices else result


def adaptive_max_pool2d(input: Tensor, output_size: int | tuple,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over the adaptive windows of :func:`adaptive_avg_pool2d`; ``return_indices`` as :func:`max_pool2d`
    (flat positions ``h * W + w``)."""
    return _adaptive_max_poolnd("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: int | tuple,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over the adaptive windows of :func:`adaptive_avg_pool3d`; ``return_indices`` as :func:`max_pool3d`
    (flat positions ``(d * H + h) * W + w``)."""
    return _adaptive_max_poolnd("adaptive_max_pool3d", 3, input, output_size, return_indices)
