"""``F.max_unpool1d`` / ``max_unpool2d`` / ``max_unpool3d``: the partial inverses of max pooling, from the indices
that ``max_pool*(..., return_indices=True)`` gives."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...ops.unpool import MaxUnpool
from ...tensor import Tensor
from ._common import _tensor


def _tuple(value: Any, n: int) -> tuple[int, ...]:
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * n


def _default_size(input: Tensor, kernel, stride, padding) -> list[int]:
    return [(input.shape[input.ndim - len(kernel) + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
            for d in range(len(kernel))]


def _max_unpool(input: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any, output_size: Any,
                dims: int) -> Tensor:
    x = _tensor(input)
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Input to max_unpooling{dims}d should be a {dims + 1}d or {dims + 2}d Tensor, but got a "
                           f"tensor with {x.ndim} dimensions.")
    if idx.shape != x.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(x.shape)}) but "
                           f"got indices tensor with shape: {list(idx.shape)}")
    kernel = _tuple(kernel_size, dims)
    step = kernel if stride is None else _tuple(stride, dims)
    pad = _tuple(padding, dims)
    default = _default_size(x, kernel, step, pad)
    if output_size is None:
        size = default
    else:
        size = [int(s) for s in output_size][-dims:] if len(output_size) in (dims, dims + 2) else None
        if size is None:
            raise ValueError(f"output_size should be a sequence containing {dims} or {dims + 2} elements, but it has "
                             f"a length of '{len(output_size)}'")
        for d, (want, base) in enumerate(zip(size, default)):
            low, high = base - step[d], base + step[d]
            if not low < want < high:
                raise ValueError(f'invalid output_size "{tuple(size)}" (dim {d} must be between {low} and {high})')
    lead = x.shape[:x.ndim - dims]
    volume = int(np.prod(size))
    flat = idx.reshape(-1, int(np.prod(x.shape[x.ndim - dims:])))
    if flat.size and (flat.min() < 0 or flat.max() >= volume):
        bad = flat[(flat < 0) | (flat >= volume)][0]
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(s) for s in size)})")
    out = MaxUnpool.apply(x.reshape(flat.shape), flat, out_size=volume)
    return out.reshape(*lead, *size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """``(N, C, L_in)`` or ``(C, L_in)`` back to ``(N, C, L_out)``: values at ``indices``, zeros elsewhere;
    ``L_out = (L_in - 1) * stride - 2 * padding + kernel_size`` unless ``output_size`` says otherwise."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)`` back to ``(N, C, H_out, W_out)``; see :func:`max_unpool1d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """``(N, C, D, H, W)`` or ``(C, D, H, W)`` back to the unpooled size; see :func:`max_unpool1d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)
