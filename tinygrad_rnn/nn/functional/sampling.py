"""``F.affine_grid`` and ``F.grid_sample`` (2-D: bilinear or nearest; padding zeros, border or reflection), as
compositions of differentiable Tensor ops: gradients reach the input and, for bilinear, the grid and theta."""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ...tensor import Tensor
from ._common import _tensor

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _align(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coords(n: int, align_corners: bool) -> np.ndarray:
    """The normalized [-1, 1] coordinates of ``n`` pixel centres (or of the corner pixels, with align_corners)."""
    if n <= 1:
        return np.zeros(max(n, 0))
    coords = np.linspace(-1.0, 1.0, n)
    return coords if align_corners else coords * (n - 1) / n


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid ``(N, H, W, 2)`` (x, y last) of the affine maps ``theta`` ``(N, 2, 3)`` for an output
    of ``size`` ``(N, C, H, W)``; 5-D sizes (3-D maps ``(N, 3, 4)``) give ``(N, D, H, W, 3)``."""
    align = _align(align_corners)
    theta = _tensor(theta)
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    spatial = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (spatial, spatial + 1):
        what = "2D affine matrices of shape Nx2x3" if spatial == 2 else "3D affine matrices of shape Nx3x4"
        raise ValueError(f"Expected a batch of {what} for size {size}. Got {theta.shape}.")
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    axes = [_base_coords(n, align) for n in size[2:]]  # D, H, W order
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack([*mesh[::-1], np.ones_like(mesh[0])], axis=-1).reshape(-1, spatial + 1)  # x, y(, z), 1
    grid = Tensor(base.astype(theta.data.dtype)).matmul(theta.transpose(1, 2))  # (N, points, spatial)
    return grid.reshape(size[0], *size[2:], spatial)


def _unnormalize(coord: Tensor, n: int, align: bool) -> Tensor:
    return (coord + 1) * ((n - 1) / 2) if align else ((coord + 1) * n - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """PyTorch's reflect_coordinates: fold ``coord`` into ``[low, high]`` by mirroring at the edges."""
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    dist = (coord - low).abs()
    extra = dist.fmod(span)
    even = (np.floor(dist.data / span) % 2) == 0
    sign = np.where(even, 1.0, -1.0).astype(coord.data.dtype)
    offset = np.where(even, low, span + low).astype(coord.data.dtype)
    return extra * Tensor(sign) + Tensor(offset)


def _source(coord: Tensor, n: int, padding_mode: str, align: bool) -> Tensor:
    coord = _unnormalize(coord, n, align)
    if padding_mode == "border":
        coord = coord.clip(0, n - 1)
    elif padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (n - 1)) if align else _reflect(coord, -1, 2 * n - 1)
        coord = coord.clip(0, n - 1)
    return coord


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` ``(N, C, H, W)`` at ``grid`` ``(N, H_out, W_out, 2)`` (normalized x, y in [-1, 1]):
    ``(N, C, H_out, W_out)``. ``mode`` 'bilinear' or 'nearest' (round half to even); outside points read zeros,
    the border pixel, or the mirrored image (``padding_mode``)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align = _align(align_corners)
    x, g = _tensor(input), _tensor(grid)
    if mode == "bicubic" or x.ndim != 4:
        raise NotImplementedError(f"grid_sample: only 4-D input with mode 'bilinear' or 'nearest' is provided here, "
                                  f"got a {x.ndim}-D input with mode {mode!r}")
    if g.ndim != 4 or g.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes "
                           f"{list(g.shape)}")
    if g.shape[0] != x.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(x.shape)} and grid with sizes {list(g.shape)}")
    N, C, H, W = x.shape
    Ho, Wo = g.shape[1:3]
    ix = _source(g[..., 0], W, padding_mode, align)
    iy = _source(g[..., 1], H, padding_mode, align)
    rows = x.permute(0, 2, 3, 1).reshape(N * H * W, C)  # one row of channels per pixel
    batch = (np.arange(N) * (H * W)).reshape(N, 1, 1)

    def read(px: np.ndarray, py: np.ndarray) -> Tensor:
        """The channels at integer pixels (px, py), zeros where they fall outside the image: (N, Ho, Wo, C)."""
        inside = (px >= 0) & (px < W) & (py >= 0) & (py < H)
        flat = batch + np.clip(py, 0, H - 1) * W + np.clip(px, 0, W - 1)
        values = rows[flat.reshape(-1)].reshape(N, Ho, Wo, C)
        return values * Tensor(inside[..., None].astype(x.data.dtype))

    if mode == "nearest":
        out = read(np.rint(ix.data).astype(np.int64), np.rint(iy.data).astype(np.int64))
        if g.requires_grad:  # PyTorch gives the grid a zero gradient (not None) in nearest mode
            out = out + (g.sum() * 0)
    else:
        x0, y0 = np.floor(ix.data).astype(np.int64), np.floor(iy.data).astype(np.int64)
        wx1 = (ix - Tensor(x0.astype(ix.data.dtype))).unsqueeze(-1)
        wy1 = (iy - Tensor(y0.astype(iy.data.dtype))).unsqueeze(-1)
        wx0, wy0 = 1 - wx1, 1 - wy1
        out = (read(x0, y0) * (wx0 * wy0) + read(x0 + 1, y0) * (wx1 * wy0)
               + read(x0, y0 + 1) * (wx0 * wy1) + read(x0 + 1, y0 + 1) * (wx1 * wy1))
    return out.permute(0, 3, 1, 2)
