"""Activation functions: tanh, sigmoid, the ReLU family, softmax and its variants, GELU, SiLU, shrinks ..."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ... import ops
from ...ops import activations_more as _act_more
from ...random import get_generator
from ...tensor import Tensor
from ._common import _tensor


def tanh(x: Tensor) -> Tensor:
    return ops.Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return ops.Sigmoid.apply(x)


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    return ops.Relu.apply(x)


def softmax(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None, *,
            axis: int | None = None) -> Tensor:
    """Softmax along ``dim`` (or numpy's ``axis``; the last dimension if neither), shifted by the max so it
    never overflows."""
    x = _tensor(x) if dtype is None else _tensor(x).to(dtype)
    return ops.Softmax.apply(x, axis=_softmax_dim(dim, axis))


def log_softmax(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None, *,
                axis: int | None = None) -> Tensor:
    """log(softmax(x)) computed as x - logsumexp(x), stable at any magnitude."""
    x = _tensor(x) if dtype is None else _tensor(x).to(dtype)
    return ops.LogSoftmax.apply(x, axis=_softmax_dim(dim, axis))


def _softmax_dim(dim: int | None, axis: int | None) -> int:
    return -1 if dim is None and axis is None else (dim if axis is None else axis)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (the exact erf), or the tanh approximation with ``approximate="tanh"``."""
    return ops.Gelu.apply(_tensor(input), approximate=approximate)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    return ops.LeakyRelu.apply(_tensor(input), negative_slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha (exp(x) - 1)``."""
    return ops.Elu.apply(_tensor(input), alpha=float(alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants (alpha 1.6733, scale 1.0507)."""
    return ops.Elu.apply(_tensor(input), alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha (exp(x / alpha) - 1)``."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return ops.Elu.apply(_tensor(input), alpha=float(alpha), input_scale=1.0 / alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    return ops.Silu.apply(_tensor(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return ops.Mish.apply(_tensor(input))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``; ``x`` itself where ``beta x > threshold``."""
    return ops.Softplus.apply(_tensor(input), beta=float(beta), threshold=float(threshold))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]`` (no gradient at or beyond the bounds)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    return ops.Hardtanh.apply(_tensor(input), min_val=float(min_val), max_val=float(max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return ops.Hardtanh.apply(_tensor(input), min_val=0.0, max_val=6.0)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable at any magnitude."""
    return ops.LogSigmoid.apply(_tensor(input))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return ops.Softsign.apply(_tensor(input))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    return ops.Threshold.apply(_tensor(input), threshold=float(threshold), value=float(value))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: the halves ``a, b`` of ``input`` along ``dim`` give ``a * sigmoid(b)`` (half the size)."""
    input = _tensor(input)
    if input.ndim == 0 or input.shape[dim] % 2:
        raise ValueError(f"glu: the halved dimension {dim} must have an even size, got shape {input.shape}")
    a, b = input.chunk(2, dim)
    return a * ops.Sigmoid.apply(b)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``: ``weight`` ``(1,)`` (shared) or ``(C,)``, one per channel
    on dimension 1 (dimension 0 of a 1-D input)."""
    input = _tensor(input)
    C = int(np.size(weight.data if isinstance(weight, Tensor) else weight))
    if C > 1:
        channel = 1 if input.ndim >= 2 else 0
        if input.ndim == 0 or input.shape[channel] != C:
            raise ValueError(f"prelu: {C} weights need {C} channels on dimension {channel}, got shape {input.shape}")
        weight = weight.reshape((C,) + (1,) * (input.ndim - channel - 1))
    return ops.PRelu.apply(input, weight)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``softmax(-x, dim)`` (the last dimension if None, as :func:`softmax` here)."""
    x = _tensor(input) if dtype is None else _tensor(input).to(dtype)
    return ops.Softmax.apply(-x, axis=_softmax_dim(dim, None))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return _act_more.Hardswish.apply(_tensor(input))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _act_more.Hardsigmoid.apply(_tensor(input))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    return _act_more.Shrink.apply(_tensor(input), lambd=float(lambd), soft=False)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0 (``lambd >= 0``)."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return _act_more.Shrink.apply(_tensor(input), lambd=float(lambd), soft=True)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    input = _tensor(input)
    return input - ops.Tanh.apply(input)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False, generator: np.random.Generator | None = None) -> Tensor:
    """Randomized leaky ReLU: in training each element ``x <= 0`` gets its own slope drawn uniformly from
    ``[lower, upper]`` (from ``generator``, else the library generator); otherwise the fixed slope
    ``(lower + upper) / 2``."""
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: need 0 <= lower <= upper, got lower={lower}, upper={upper}")
    input = _tensor(input)
    if not training:
        return ops.LeakyRelu.apply(input, negative_slope=(lower + upper) / 2)
    slopes = get_generator(generator).uniform(lower, upper, size=input.shape)
    # a constant factor per element: its gradient is the same factor (the slope where x <= 0, else 1)
    return input * np.where(input.data <= 0, slopes, 1.0).astype(input.dtype)


def softmax2d(input: Tensor) -> Tensor:
    """Softmax over the channels (dimension -3) of a ``(N, C, H, W)`` or ``(C, H, W)`` input."""
    input = _tensor(input)
    if input.ndim not in (3, 4):
        raise ValueError(f"softmax2d: expected a 3-D or 4-D input, got shape {input.shape}")
    return ops.Softmax.apply(input, axis=-3)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (Concrete) distribution: ``softmax((logits + g) / tau)`` along ``dim``
    with ``g = -log(Exponential(1))`` Gumbel noise from the library generator. ``hard``: the one-hot of the
    sample's argmax forward, the soft sample's gradient backward (straight-through). ``eps`` is unused, as in
    PyTorch, where it is deprecated."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    logits = _tensor(logits)
    gumbels = -np.log(get_generator().standard_exponential(logits.shape)).astype(logits.dtype)
    y_soft = ops.Softmax.apply((logits + gumbels) / tau, axis=dim)
    if not hard:
        return y_soft
    index = np.expand_dims(np.argmax(y_soft.data, axis=dim), dim)
    y_hard = np.zeros_like(y_soft.data)
    np.put_along_axis(y_hard, index, 1.0, axis=dim)
    # y_hard - y_soft.detach() + y_soft: one-hot forward, the soft sample's gradient backward
    return (y_soft - y_soft.detach()) + y_hard
