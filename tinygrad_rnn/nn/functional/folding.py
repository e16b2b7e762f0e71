"""``F.unfold`` (im2col) and ``F.fold`` (col2im) on 2-D images, batched or not."""
from __future__ import annotations

from typing import Any

from ...ops.fold import Fold, Unfold
from ...tensor import Tensor
from ._common import _tensor


_NAMES = ("kernel", "dilation", "padding", "stride")


def _pair2(value: Any, name: str) -> tuple[int, int]:
    pair = tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * 2
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair


def _geometry(kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple[tuple[int, int], ...]:
    kernel, dil, pad, step = (_pair2(v, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                        (padding, "padding"), (stride, "stride")))
    for name, pair, low in (("kernel_size", kernel, 1), ("dilation", dil, 1), ("padding", pad, 0), ("stride", step, 1)):
        if min(pair) < low:
            raise RuntimeError(f"{name} should be {'non-negative' if low == 0 else 'greater than zero'}, but got "
                               f"{name}: {pair}")
    return kernel, dil, pad, step


def _blocks(size: tuple[int, ...], kernel, dil, pad, step) -> tuple[int, int]:
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in zip(size, kernel, dil, pad, step))


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sliding blocks of ``(N, C, H, W)`` (or ``(C, H, W)``) as columns ``(N, C * kh * kw, L)``, ``L`` the number
    of block positions; channel slowest, then kernel row and column, as PyTorch."""
    x = _tensor(input)
    if x.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {x.ndim}D)")
    geometry = _geometry(kernel_size, dilation, padding, stride)
    batched = x if x.ndim == 4 else x.unsqueeze(0)
    if min(_blocks(batched.shape[2:], *geometry)) < 1:
        raise RuntimeError(f"unfold: the kernel {geometry[0]} (dilation {geometry[1]}, padding {geometry[2]}) does "
                           f"not fit the input's spatial size {tuple(batched.shape[2:])}")
    out = Unfold.apply(batched, **dict(zip(_NAMES, geometry)))
    return out if x.ndim == 4 else out.squeeze(0)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Columns ``(N, C * kh * kw, L)`` (or ``(C * kh * kw, L)``) summed back into ``(N, C, *output_size)``:
    overlapping blocks add up. The adjoint of :func:`unfold`."""
    x = _tensor(input)
    if x.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {x.ndim}D)")
    size = _pair2(output_size, "output_size")
    geometry = _geometry(kernel_size, dilation, padding, stride)
    batched = x if x.ndim == 3 else x.unsqueeze(0)
    kernel = geometry[0]
    if batched.shape[1] % (kernel[0] * kernel[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={batched.shape[1]} and kernel_size={kernel}")
    blocks = _blocks(size, *geometry)
    if blocks[0] * blocks[1] != batched.shape[2] or min(blocks) < 1:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={geometry[1]}, padding="
                           f"{geometry[2]}, stride={geometry[3]}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={batched.shape[2]}.")
    out = Fold.apply(batched, size=size, **dict(zip(_NAMES, geometry)))
    return out if x.ndim == 3 else out.squeeze(0)
