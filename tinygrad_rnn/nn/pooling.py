"""Pooling layers over ``(N, C, L)`` / ``(C, L)``: ``MaxPool1d``, ``AvgPool1d`` and the adaptive
``AdaptiveMaxPool1d`` / ``AdaptiveAvgPool1d`` (a fixed output length, e.g. 1 for max-over-time pooling); over
``(N, C, H, W)`` / ``(C, H, W)``: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveMaxPool2d``, ``AdaptiveAvgPool2d``; and
over ``(N, C, D, H, W)`` / ``(C, D, H, W)``: ``MaxPool3d``, ``AvgPool3d``, ``AdaptiveMaxPool3d``,
``AdaptiveAvgPool3d``."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["MaxPool1d", "AvgPool1d", "AdaptiveMaxPool1d", "AdaptiveAvgPool1d", "MaxPool2d", "AvgPool2d",
           "AdaptiveMaxPool2d", "AdaptiveAvgPool2d", "MaxPool3d", "AvgPool3d", "AdaptiveMaxPool3d", "AdaptiveAvgPool3d"]


class _MaxPoolNd(Module):
    """What ``MaxPool1d``, ``MaxPool2d`` and ``MaxPool3d`` share: the arguments, kept as given (as PyTorch), and the repr; a
    subclass names its ``F`` function as ``_pool``."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:
        return type(self)._pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                                ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """``MaxPool1d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)``
    (``stride`` defaults to ``kernel_size``); see :func:`F.max_pool1d`."""

    _pool = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """``MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)``
    (``stride`` defaults to ``kernel_size``; ints or ``(h, w)`` pairs); see :func:`F.max_pool2d`."""

    _pool = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """``MaxPool3d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)``
    (ints or ``(d, h, w)`` triples); see :func:`F.max_pool3d`."""

    _pool = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """``AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)``
    (``stride`` defaults to ``kernel_size``); see :func:`F.avg_pool1d`."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        single = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)  # noqa: E731  PyTorch keeps 1-tuples
        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    """What ``AvgPool2d`` and ``AvgPool3d`` share: the arguments, kept as given (as PyTorch), and the repr; a
    subclass names its ``F`` function as ``_pool``."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Any = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """``AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None)`` (``stride`` defaults to ``kernel_size``); see :func:`F.avg_pool2d`."""

    _pool = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """``AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None)`` (ints or ``(d, h, w)`` triples); see :func:`F.avg_pool3d`."""

    _pool = staticmethod(F.avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    """``output_size``, ``return_indices`` and the repr of ``AdaptiveMaxPool1d`` / ``2d`` / ``3d``;
    ``_pool`` is the ``F`` function."""

    def __init__(self, output_size: Any, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor) -> Any:
        return type(self)._pool(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """``AdaptiveMaxPool1d(output_size, return_indices=False)``: ``(..., L)`` -> ``(..., output_size)``."""

    _pool = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """``AdaptiveMaxPool2d(output_size, return_indices=False)``: ``(..., H, W)`` -> ``(..., oH, oW)`` (an int
    for both; ``None`` in the pair keeps that size); see :func:`F.adaptive_max_pool2d`."""

    _pool = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """``AdaptiveMaxPool3d(output_size, return_indices=False)``: ``(..., D, H, W)`` -> ``(..., oD, oH, oW)`` (an
    int for all three; ``None`` in the triple keeps that size); see :func:`F.adaptive_max_pool3d`."""

    _pool = staticmethod(F.adaptive_max_pool3d)


class _AdaptiveAvgPoolNd(Module):
    """``output_size`` and the repr of ``AdaptiveAvgPool1d`` / ``2d`` / ``3d``; ``_pool`` is the ``F`` function."""

    def __init__(self, output_size: Any):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._pool(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """``AdaptiveAvgPool1d(output_size)``: ``(..., L)`` -> ``(..., output_size)``."""

    _pool = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """``AdaptiveAvgPool2d(output_size)``: ``(..., H, W)`` -> ``(..., oH, oW)`` (an int for both; ``None`` in
    the pair keeps that size); see :func:`F.adaptive_avg_pool2d`."""

    _pool = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """``AdaptiveAvgPool3d(output_size)``: ``(..., D, H, W)`` -> ``(..., oD, oH, oW)`` (an int for all three;
    ``None`` in the triple keeps that size); see :func:`F.adaptive_avg_pool3d`."""

    _pool = staticmethod(F.adaptive_avg_pool3d)
