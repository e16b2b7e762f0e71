"""Resizing: ``interpolate`` (and the deprecated ``upsample``, ``upsample_nearest``, ``upsample_bilinear``), and the
sub-pixel rearrangements ``pixel_shuffle`` / ``pixel_unshuffle``."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ... import ops
from ...ops.interpolate import cubic_taps, linear_taps, nearest_taps
from ...tensor import Tensor
from ._common import _tensor
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"
_LINEAR_MODE = {3: "linear", 4: "bilinear", 5: "trilinear"}  # the linear mode each input rank takes


def _is_integer(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _sizes_and_scales(input: Tensor, size: Any, scale_factor: Any,
                      recompute_scale_factor: bool | None) -> tuple[list[int], list[float] | None]:
    """PyTorch's checks and defaults: exactly one of ``size`` / ``scale_factor``, one entry per spatial dimension
    (or one for all); the output sizes, and the scale factors the kernels use (None: ``in / out``)."""
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {list(input.shape[2:])} and output size of {size}. Please provide input tensor "
                    "in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(s) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, "
                                f"int], but got size with types {[type(s) for s in size]}")
            sizes = [int(s) for s in size]
        else:
            if not _is_integer(size):
                raise TypeError(f"interpolate: size must be an int or a tuple of ints, got {type(size).__name__}")
            sizes = [int(size)] * dim
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return sizes, None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(input.shape[2:])} and scale_factor of shape {scale_factor}. Please provide "
                "input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dim
    sizes = [int(n * s) for n, s in zip(input.shape[2:], scales)]  # truncated, as PyTorch's int64 cast
    return sizes, (None if recompute_scale_factor else scales)


def _check_sizes(input: Tensor, sizes: list[int]) -> None:
    """PyTorch's upsample checks: every size positive, then every non-batch dimension non-empty."""
    names = ("D", "H", "W")[3 - len(sizes):]
    if min(input.shape[2:]) <= 0 or min(sizes) <= 0:
        ins = ", ".join(f"{n}: {s}" for n, s in zip(names, input.shape[2:]))
        outs = ", ".join(f"{n}: {s}" for n, s in zip(names, sizes))
        joint = " and" if len(sizes) == 1 else ""  # PyTorch's 1-D message has the "and"
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({ins}){joint} "
                           f"output ({outs})")
    if input.shape[1] == 0:
        raise RuntimeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
                           f"{list(input.shape)}")


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` to ``size`` (an int
    or one per dimension) or by ``scale_factor`` (output ``floor(in * scale)``; the kernels then sample with
    ``1 / scale`` unless ``recompute_scale_factor=True``, which samples with ``in / out``).

    Modes: ``nearest`` (PyTorch's legacy ``floor(o * in / out)``), ``nearest-exact`` (pixel centres, as Pillow
    and scipy), ``linear`` (3-D), ``bilinear`` (4-D), ``trilinear`` (5-D), ``bicubic`` (4-D; A = -0.75, borders
    clamped), ``area`` (adaptive average pooling). ``align_corners`` is for the linear and cubic modes only:
    True maps the corner pixels' centres onto each other. ``antialias=True`` is not provided here.
    """
    input = _tensor(input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear "
                             "| bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    lanczos = mode == "lanczos" and input.ndim == 4  # PyTorch's lanczos is antialiased only, not provided here
    if not lanczos and (not 3 <= input.ndim <= 5 or mode not in _MODES.split(" | ")):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: {_MODES} (got {mode})")
    sizes, scales = _sizes_and_scales(input, size, scale_factor, recompute_scale_factor)
    if lanczos and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if antialias:
        if not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                             "4-D tensor as input")
        raise NotImplementedError("interpolate: antialias=True is not provided here; supported are antialias=False "
                                  f"with the modes {_MODES}")
    if lanczos:
        raise ValueError("Lanczos mode requires antialias=True")
    if mode in ("linear", "bilinear", "trilinear") and mode != _LINEAR_MODE[input.ndim]:
        need = {"linear": 3, "bilinear": 4, "trilinear": 5}[mode]
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need}D input")
    if mode == "bicubic" and input.ndim != 4:  # PyTorch's catch-all message
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: {_MODES} (got {mode})")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[input.ndim - 3](input, tuple(sizes))
    _check_sizes(input, sizes)
    scales = scales or [None] * len(sizes)
    if mode in ("nearest", "nearest-exact"):
        if input.dtype.kind not in "fu":
            raise NotImplementedError(f"interpolate: mode {mode!r} takes floating or uint8 inputs, got {input.dtype}")
        taps = tuple(nearest_taps(n, o, s, mode == "nearest-exact") for n, o, s in zip(input.shape[2:], sizes, scales))
        return ops.Interpolate.apply(input, taps=taps, nearest=True)
    if input.dtype.kind != "f":
        raise NotImplementedError(f"interpolate: mode {mode!r} takes floating inputs, got {input.dtype}")
    build = cubic_taps if mode == "bicubic" else linear_taps
    dt = np.float64 if input.dtype == np.float64 else np.float32  # PyTorch's index math: the input's precision
    taps = tuple(build(n, o, s, bool(align_corners), dt) for n, o, s in zip(input.shape[2:], sizes, scales))
    return ops.Interpolate.apply(input, taps=taps)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated (as in PyTorch): :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated (as in PyTorch): ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated (as in PyTorch): ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_factor(fn: str, name: str, input: Tensor, factor: Any) -> int:
    if not _is_integer(factor):
        raise TypeError(f"{fn}(): argument '{name}' must be int, not {type(factor).__name__}")
    if input.ndim < 3:
        raise RuntimeError(f"{fn} expects input to have at least 3 dimensions, but got input with {input.ndim} "
                           "dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{fn} expects a positive {name}, but got {factor}")
    return int(factor)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C r^2, H, W) -> (*, C, H r, W r)``: each group of ``r^2`` channels becomes an ``r x r`` block."""
    input = _tensor(input)
    r = _check_factor("pixel_shuffle", "upscale_factor", input, upscale_factor)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (*, C, H, r, W, r)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H r, W r) -> (*, C r^2, H, W)``: the inverse of :func:`pixel_shuffle`."""
    input = _tensor(input)
    r = _check_factor("pixel_unshuffle", "downscale_factor", input, downscale_factor)
    *lead, c, h, w = input.shape
    for name, n, axis in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({axis})={n} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (*, C, r, r, H, W)
    return x.reshape(*lead, c * r * r, h // r, w // r)

