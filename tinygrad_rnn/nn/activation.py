"""Activation modules, for use in ``Sequential`` (all parameter-free but ``PReLU``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["Tanh", "ReLU", "Sigmoid", "GELU", "Softmax", "LogSoftmax", "LeakyReLU", "ELU", "CELU", "SELU", "SiLU",
           "Mish", "ReLU6", "Softplus", "Hardtanh", "LogSigmoid", "Softsign", "Threshold", "GLU", "Softmin", "PReLU"]


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class _Inplace(Module):
    """An activation with PyTorch's ``inplace`` flag (accepted; the result is always a new tensor). Subclasses
    with arguments name them in ``_arguments`` (their repr: the arguments, then ``inplace=True`` if set)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = bool(inplace)

    def _arguments(self) -> str:
        return ""

    def extra_repr(self) -> str:
        return ", ".join(part for part in (self._arguments(), "inplace=True" if self.inplace else "") if part)


class ReLU(_Inplace):
    """``ReLU(inplace=False)``; ``inplace`` is accepted for PyTorch's signature (the result is always new)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class GELU(Module):
    """``GELU(approximate="none" | "tanh")``: see :func:`functional.gelu`."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """``Softmax(dim=None)``: softmax along ``dim`` (the last dimension if None)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``LogSoftmax(dim=None)``: ``x - logsumexp(x, dim)`` (stable), along ``dim`` (the last if None)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LeakyReLU(_Inplace):
    """``LeakyReLU(negative_slope=0.01, inplace=False)``."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__(inplace)
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def _arguments(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(_Inplace):
    """``ELU(alpha=1.0, inplace=False)``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def _arguments(self) -> str:
        return f"alpha={self.alpha}"


class CELU(ELU):
    """``CELU(alpha=1.0, inplace=False)``: ``alpha (exp(x / alpha) - 1)`` below 0."""

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class SELU(_Inplace):
    """``SELU(inplace=False)``: the self-normalising ELU."""

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)


class SiLU(_Inplace):
    """``SiLU(inplace=False)``: ``x * sigmoid(x)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class Mish(_Inplace):
    """``Mish(inplace=False)``: ``x * tanh(softplus(x))``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.mish(x)


class ReLU6(_Inplace):
    """``ReLU6(inplace=False)``: ``min(max(x, 0), 6)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu6(x)


class Softplus(Module):
    """``Softplus(beta=1.0, threshold=20.0)``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(_Inplace):
    """``Hardtanh(min_val=-1.0, max_val=1.0, inplace=False)``."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val {min_val} must not exceed max_val {max_val}")
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def _arguments(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class LogSigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)


class Softsign(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)


class Threshold(_Inplace):
    """``Threshold(threshold, value, inplace=False)``: ``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__(inplace)
        self.threshold, self.value = float(threshold), float(value)

    def forward(self, x: Tensor) -> Tensor:
        return F.threshold(x, self.threshold, self.value)

    def _arguments(self) -> str:
        return f"threshold={self.threshold}, value={self.value}"


class GLU(Module):
    """``GLU(dim=-1)``: ``a * sigmoid(b)`` for the halves of the input along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = int(dim)

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Softmax):
    """``Softmin(dim=None)``: ``softmax(-x, dim)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, dim=self.dim)


class PReLU(Module):
    """``PReLU(num_parameters=1, init=0.25, dtype=None)``: a learnable negative slope, ``weight``
    ``(num_parameters,)``, one per channel (dimension 1 of the input) or one shared."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None):
        super().__init__()
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be >= 1, got {num_parameters}")
        self.num_parameters, self.init = int(num_parameters), float(init)
        self.weight = Parameter(np.full(self.num_parameters, self.init, dtype=param_dtype(dtype)))

    def reset_parameters(self) -> None:
        self.weight.data[...] = self.init

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
