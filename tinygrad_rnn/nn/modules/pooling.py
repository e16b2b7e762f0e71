"""``torch.nn.modules.pooling``: the same classes as ``nn.MaxPool1d``, ``nn.AvgPool1d``, ...; the 2-D pools
``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d`` are defined here (``nn.MaxPool2d`` ... are them)."""
from ... import nn as _nn

MaxPool1d = _nn.MaxPool1d
AvgPool1d = _nn.AvgPool1d
AdaptiveMaxPool1d = _nn.AdaptiveMaxPool1d
AdaptiveAvgPool1d = _nn.AdaptiveAvgPool1d


# ---- 2-D pools -------------------------------------------------------------------------------------------
from typing import Any  # noqa: E402

from .. import functional as F  # noqa: E402
from ..module import Module  # noqa: E402


class MaxPool2d(Module):
    """``MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)``
    (``stride`` defaults to ``kernel_size``; ints or ``(h, w)`` pairs, kept as given, as PyTorch); see
    :func:`F.max_pool2d`."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Any) -> Any:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """``AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None)`` (``stride`` defaults to ``kernel_size``); see :func:`F.avg_pool2d`."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Any = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, input: Any) -> Any:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """``AdaptiveAvgPool2d(output_size)``: ``(..., H, W)`` -> ``(..., oH, oW)`` (an int for both; ``None`` in
    the pair keeps that size); see :func:`F.adaptive_avg_pool2d`."""

    def __init__(self, output_size: Any):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Any:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
