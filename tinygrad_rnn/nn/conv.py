"""``Conv1d``: a learned 1-D convolution over ``(N, C, L)`` sequences (char-CNN encoders, CNN-RNN text models)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["Conv1d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _as_1tuple(value: Any, name: str) -> tuple[int]:
    return (F._one(value, name, "Conv1d", minimum=0 if name == "padding" else 1),)


def _pad_indices(length: int, left: int, right: int, mode: str) -> np.ndarray:
    """Positions in ``[0, length)`` that the padded sequence reads, for PyTorch's non-zero padding modes."""
    if mode in ("reflect", "circular") and max(left, right) > length - (mode == "reflect"):
        raise ValueError(f"Conv1d: padding {max(left, right)} is too large for padding_mode={mode!r} "
                         f"on an input of length {length}")
    i = np.arange(-left, length + right)
    if mode == "reflect":  # mirror about the end positions, which are not repeated
        return (length - 1) - np.abs((length - 1) - np.abs(i))
    if mode == "replicate":
        return np.clip(i, 0, length - 1)
    return i % length  # circular


class Conv1d(Module):
    """``Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', dtype=None)``.

    weight ``(out_channels, in_channels/groups, kernel_size)``, bias ``(out_channels,)`` (PyTorch's layout
    and init: both uniform(±1/sqrt(in_channels/groups * kernel_size))). Input ``(N, C_in, L)`` or
    ``(C_in, L)`` -> ``(N, C_out, L_out)``; see :func:`F.conv1d`. ``padding_mode`` "reflect", "replicate"
    or "circular" pads by that rule instead of zeros.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple, stride: int | tuple = 1,
                 padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        groups = F._one(groups, "groups", "Conv1d")
        if in_channels % groups:
            raise ValueError(f"Conv1d: in_channels {in_channels} must be divisible by groups {groups}")
        if out_channels % groups:
            raise ValueError(f"Conv1d: out_channels {out_channels} must be divisible by groups {groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"Conv1d: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), groups
        self.kernel_size = _as_1tuple(kernel_size, "kernel_size")
        self.stride = _as_1tuple(stride, "stride")
        self.dilation = _as_1tuple(dilation, "dilation")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv1d: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
            if padding == "same" and self.stride != (1,):
                raise ValueError("Conv1d: padding='same' is not supported for strided convolutions")
            self.padding: tuple[int] | str = padding
        else:
            self.padding = _as_1tuple(padding, "padding")
        self.padding_mode = padding_mode
        dt = param_dtype(dtype)
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, self.kernel_size[0]), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch's ``kaiming_uniform_(a=sqrt(5))``: uniform(±1/sqrt(fan_in)), fan_in = in/groups * kernel;
        the bias the same bound. Other ``nn.init`` schemes as for ``Linear``."""
        fan_in = self.weight.shape[1] * self.weight.shape[2]
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.init_weight_(self.weight, scheme, fan_in, bound, generator)
        if self.bias is not None:
            init.init_bias_(self.bias, scheme, bound, generator)

    def _padding_pair(self) -> tuple[int, int]:
        if self.padding == "valid":
            return 0, 0
        if self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            return total // 2, total - total // 2
        return self.padding[0], self.padding[0]

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode == "zeros":
            return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        x = F._sequence_input(input, "Conv1d")
        left, right = self._padding_pair()
        if left or right:
            x = x[..., _pad_indices(x.shape[-1], left, right, self.padding_mode)]
        return F.conv1d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,):
            s += f", padding={self.padding}"
        if self.dilation != (1,):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
