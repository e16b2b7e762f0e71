"""``Conv1d``, ``Conv2d`` and ``Conv3d``: learned convolutions over ``(N, C, L)`` sequences (char-CNN encoders,
CNN-RNN text models), ``(N, C, H, W)`` images and ``(N, C, D, H, W)`` volumes, on one ``_ConvNd`` base; and
``ConvTranspose1d/2d/3d``, their transposes (decoders, upsampling), on the same base."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pad_indices(length: int, before: int, after: int, mode: str, fn: str = "Conv1d") -> np.ndarray:
    """Positions in ``[0, length)`` that the padded input reads along one dimension, for PyTorch's non-zero
    padding modes."""
    if mode in ("reflect", "circular") and max(before, after) > length - (mode == "reflect"):
        raise ValueError(f"{fn}: padding {max(before, after)} is too large for padding_mode={mode!r} "
                         f"on an input of length {length}")
    i = np.arange(-before, length + after)
    if mode == "reflect":  # mirror about the end positions, which are not repeated
        return (length - 1) - np.abs((length - 1) - np.abs(i))
    if mode == "replicate":
        return np.clip(i, 0, length - 1)
    return i % length  # circular


class _ConvNd(Module):
    """What ``Conv1d`` and ``Conv2d`` share: argument checks, PyTorch's parameter layout and init, the
    non-zero padding modes and the repr. A subclass sets ``_dims`` and ``_conv`` (its ``F`` function) and
    ``_input`` (the shape check of its input)."""

    _dims: int
    _transposed = False  # a ConvTranspose: weight (in, out/groups, *kernel), PyTorch's transposed layout

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple, stride: int | tuple = 1,
                 padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        name, d = type(self).__name__, self._dims
        groups = F._one(groups, "groups", name)
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels {in_channels} must be divisible by groups {groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels {out_channels} must be divisible by groups {groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), groups
        self.kernel_size = F._ntuple(kernel_size, "kernel_size", name, d)
        self.stride = F._ntuple(stride, "stride", name, d)
        self.dilation = F._ntuple(dilation, "dilation", name, d)
        if isinstance(padding, str):
            F._conv_padding(padding, self.stride, self.dilation, self.kernel_size, name)  # checks it
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = F._ntuple(padding, "padding", name, d, minimum=0)
        self.padding_mode = padding_mode
        dt = param_dtype(dtype)
        channels = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(np.empty((*channels, *self.kernel_size), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch's ``kaiming_uniform_(a=sqrt(5))``: uniform(±1/sqrt(fan_in)), fan_in = in/groups * the
        kernel's size; the bias the same bound. Other ``nn.init`` schemes as for ``Linear``. For a transposed
        weight ``(in, out/groups, *kernel)`` torch takes the fan from the same dimensions, so fan_in is
        out/groups * the kernel's size there."""
        fan_in = math.prod(self.weight.shape[1:])
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.init_weight_(self.weight, scheme, fan_in, bound, generator)
        if self.bias is not None:
            init.init_bias_(self.bias, scheme, bound, generator)

    def forward(self, input: Tensor) -> Tensor:
        conv = type(self)._conv
        if self.padding_mode == "zeros":
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        x = type(self)._input(input, type(self).__name__)
        pads = F._conv_padding(self.padding, self.stride, self.dilation, self.kernel_size, type(self).__name__)
        # the padded input read through index arrays, one dimension at a time: gradients add back at the sources
        for axis, (before, after) in enumerate(pads, start=x.ndim - self._dims):
            if before or after:
                at = _pad_indices(x.shape[axis], before, after, self.padding_mode, type(self).__name__)
                x = x[(slice(None),) * axis + (at,)]
        return conv(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        d = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            s += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * d:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """``Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', dtype=None)``.

    weight ``(out_channels, in_channels/groups, kernel_size)``, bias ``(out_channels,)`` (PyTorch's layout
    and init: both uniform(±1/sqrt(in_channels/groups * kernel_size))). Input ``(N, C_in, L)`` or
    ``(C_in, L)`` -> ``(N, C_out, L_out)``; see :func:`F.conv1d`. ``padding_mode`` "reflect", "replicate"
    or "circular" pads by that rule instead of zeros.
    """

    _dims = 1
    _conv = staticmethod(F.conv1d)
    _input = staticmethod(F._sequence_input)


class Conv2d(_ConvNd):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', dtype=None)``: a learned 2-D convolution over ``(N, C, H, W)`` images.

    weight ``(out_channels, in_channels/groups, kH, kW)``, bias ``(out_channels,)`` (PyTorch's layout and init:
    both uniform(±1/sqrt(in_channels/groups * kH * kW)), which is kaiming_uniform(a=sqrt(5))). Input
    ``(N, C_in, H, W)`` or ``(C_in, H, W)``; see :func:`F.conv2d`. ``padding_mode`` "reflect", "replicate" or
    "circular" pads by that rule instead of zeros.
    """

    _dims = 2
    _conv = staticmethod(F.conv2d)
    _input = staticmethod(F._image_input)


class Conv3d(_ConvNd):
    """``Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', dtype=None)``: a learned 3-D convolution over ``(N, C, D, H, W)`` volumes (video
    frames, voxels); weight ``(out_channels, in_channels/groups, kD, kH, kW)``; see :func:`F.conv3d`."""

    _dims = 3
    _conv = staticmethod(F.conv3d)
    _input = staticmethod(F._volume_input)


class _ConvTransposeNd(_ConvNd):
    """What ``ConvTranspose1d/2d/3d`` share: ``output_padding`` and ``forward(input, output_size=None)``, zero
    padding only (as PyTorch). A subclass sets ``_dims``, ``_conv`` (its ``F.conv_transpose*d``) and ``_input``."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple, stride: int | tuple = 1,
                 padding: int | tuple = 0, output_padding: int | tuple = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple = 1, padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if isinstance(padding, str):  # 'same'/'valid' are a convolution's; here output_size picks the size
            raise TypeError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        # checked against stride and dilation in forward, as PyTorch: an output_size there replaces it
        self.output_padding = F._ntuple(output_padding, "output_padding", name, self._dims, minimum=0)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        """``output_padding``, or the one that gives ``output_size`` (d sizes, or the whole shape), which must
        lie in ``[least, least + stride - 1]`` per dimension, as PyTorch."""
        if output_size is None:
            return self.output_padding
        d, name = self._dims, type(self).__name__
        x = type(self)._input(input, name)
        output_size = tuple(int(n) for n in output_size)
        if len(output_size) == x.ndim:  # the whole (N, C, *size) or (C, *size) shape
            output_size = output_size[x.ndim - d:]
        if len(output_size) != d:
            raise ValueError(f"{name}: for {x.ndim}D input, output_size must have {d} or {x.ndim} elements "
                             f"(got {len(output_size)})")
        size = x.shape[x.ndim - d:]
        least = [(n - 1) * s - 2 * p + dl * (k - 1) + 1
                 for n, s, p, dl, k in zip(size, self.stride, self.padding, self.dilation, self.kernel_size)]
        most = [lo + s - 1 for lo, s in zip(least, self.stride)]
        if any(not lo <= n <= hi for n, lo, hi in zip(output_size, least, most)):
            raise ValueError(f"{name}: requested an output size of {output_size}, but valid sizes range from "
                             f"{least} to {most} (for an input of {tuple(size)})")
        return tuple(n - lo for n, lo in zip(output_size, least))

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        output_padding = self._output_padding(input, output_size)
        return type(self)._conv(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """``ConvTranspose1d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
    bias=True, dilation=1, padding_mode='zeros', dtype=None)``: the transpose of ``Conv1d`` (a learned
    upsampling of ``(N, C, L)`` sequences).

    weight ``(in_channels, out_channels/groups, kernel_size)``, bias ``(out_channels,)`` (PyTorch's layout and
    init: both uniform(±1/sqrt(out_channels/groups * kernel_size))). ``forward(input, output_size=None)``:
    ``output_size`` picks the output_padding that gives it. See :func:`F.conv_transpose1d`.
    """

    _dims = 1
    _conv = staticmethod(F.conv_transpose1d)
    _input = staticmethod(F._sequence_input)


class ConvTranspose2d(_ConvTransposeNd):
    """``ConvTranspose2d(...)``, the arguments of ``ConvTranspose1d`` over ``(N, C, H, W)`` images: ints or
    ``(h, w)`` pairs, weight ``(in_channels, out_channels/groups, kH, kW)``; see :func:`F.conv_transpose2d`."""

    _dims = 2
    _conv = staticmethod(F.conv_transpose2d)
    _input = staticmethod(F._image_input)


class ConvTranspose3d(_ConvTransposeNd):
    """``ConvTranspose3d(...)``, the arguments of ``ConvTranspose1d`` over ``(N, C, D, H, W)`` volumes: ints or
    ``(d, h, w)`` triples, weight ``(in_channels, out_channels/groups, kD, kH, kW)``; see
    :func:`F.conv_transpose3d`."""

    _dims = 3
    _conv = staticmethod(F.conv_transpose3d)
    _input = staticmethod(F._volume_input)
