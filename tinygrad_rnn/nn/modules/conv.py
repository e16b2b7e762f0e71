"""``torch.nn.modules.conv``: the same class as ``nn.Conv1d``; ``Conv2d`` is defined here (``nn.Conv2d`` is it)."""
from ... import nn as _nn

Conv1d = _nn.Conv1d


# ---- Conv2d ----------------------------------------------------------------------------------------------
import math  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from .. import functional as F  # noqa: E402
from .. import init  # noqa: E402
from .._dtype import param_dtype  # noqa: E402
from ..conv import _PADDING_MODES, _pad_indices  # noqa: E402
from ..module import Module, Parameter  # noqa: E402


class Conv2d(Module):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', dtype=None)``: a learned 2-D convolution over ``(N, C, H, W)`` images.

    weight ``(out_channels, in_channels/groups, kH, kW)``, bias ``(out_channels,)`` (PyTorch's layout and init:
    both uniform(±1/sqrt(in_channels/groups * kH * kW)), which is kaiming_uniform(a=sqrt(5))). Input
    ``(N, C_in, H, W)`` or ``(C_in, H, W)``; see :func:`F.conv2d`. ``padding_mode`` "reflect", "replicate" or
    "circular" pads by that rule instead of zeros.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple, stride: int | tuple = 1,
                 padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        groups = F._one(groups, "groups", "Conv2d")
        if in_channels % groups:
            raise ValueError(f"Conv2d: in_channels {in_channels} must be divisible by groups {groups}")
        if out_channels % groups:
            raise ValueError(f"Conv2d: out_channels {out_channels} must be divisible by groups {groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), groups
        self.kernel_size = F._pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = F._pair(stride, "stride", "Conv2d")
        self.dilation = F._pair(dilation, "dilation", "Conv2d")
        if isinstance(padding, str):
            F._conv2d_padding(padding, self.stride, self.dilation, self.kernel_size, "Conv2d")  # checks it
            self.padding: tuple[int, int] | str = padding
        else:
            self.padding = F._pair(padding, "padding", "Conv2d", minimum=0)
        self.padding_mode = padding_mode
        dt = param_dtype(dtype)
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, *self.kernel_size), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch's ``kaiming_uniform_(a=sqrt(5))``: uniform(±1/sqrt(fan_in)), fan_in = in/groups * kH * kW;
        the bias the same bound. Other ``nn.init`` schemes as for ``Linear``."""
        fan_in = int(np.prod(self.weight.shape[1:]))
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.init_weight_(self.weight, scheme, fan_in, bound, generator)
        if self.bias is not None:
            init.init_bias_(self.bias, scheme, bound, generator)

    def forward(self, input: Any) -> Any:
        if self.padding_mode == "zeros":
            return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        x = F._image_input(input, "Conv2d")
        top, bottom, left, right = F._conv2d_padding(self.padding, self.stride, self.dilation, self.kernel_size,
                                                     "Conv2d")
        H, W = x.shape[-2:]
        for length, pad in ((H, max(top, bottom)), (W, max(left, right))):
            if pad > length - (self.padding_mode == "reflect"):
                raise ValueError(f"Conv2d: padding {pad} is too large for padding_mode={self.padding_mode!r} on an "
                                 f"input of size {H} x {W}")
        # the padded image read through index arrays, rows then columns: gradients add back at the sources
        if top or bottom:
            x = x[..., _pad_indices(H, top, bottom, self.padding_mode), :]
        if left or right:
            x = x[..., _pad_indices(W, left, right, self.padding_mode)]
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
