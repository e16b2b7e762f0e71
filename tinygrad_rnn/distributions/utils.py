"""Helpers of PyTorch's ``torch.distributions.utils``: parameter broadcasting, probs <-> logits, lazy
properties."""
from __future__ import annotations

import numbers
from collections.abc import Callable
from functools import update_wrapper
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..dtypes import get_default_dtype
from ..nn import functional as F
from ..tensor import Size, Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]

euler_constant = 0.57721566490153286060


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number)


def _as_tensor(v: Any, dtype: Any = None) -> Tensor:
    """A Tensor as is (the graph kept); anything else as a new tensor (the default float dtype for numbers)."""
    if isinstance(v, Tensor):
        return v
    if isinstance(v, np.ndarray):
        return Tensor(v if dtype is None else v.astype(dtype))
    return Tensor(np.asarray(v, dtype=np.dtype(get_default_dtype()) if dtype is None else dtype))


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The values as tensors of one broadcast shape (differentiable views). Numbers take the dtype of the first
    tensor among the values, or the default dtype if none is a tensor, as in torch."""
    if not all(isinstance(v, (Tensor, np.ndarray)) or _is_number(v) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), None)
    ts = [_as_tensor(v, dtype) for v in values]
    shape = tuple(np.broadcast_shapes(*[t.shape for t in ts]))
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in ts)


def _size(sample_shape: Any) -> Size:
    """``sample_shape`` as a Size (an int is accepted for one dimension, which torch.Size would refuse)."""
    if isinstance(sample_shape, (int, np.integer)):
        return Size((int(sample_shape),))
    return Size(int(n) for n in sample_shape)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from log-odds (``is_binary``) or from unnormalised log-probabilities (the last dimension)."""
    return F.sigmoid(logits) if is_binary else F.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped to ``[eps, 1 - eps]`` (the dtype's machine epsilon), so their logs stay finite."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds (``is_binary``) or log-probabilities of ``probs``, clamped away from 0 and 1 first."""
    ps = clamp_probs(probs)
    return ps.log() - (-ps).log1p() if is_binary else ps.log()


class lazy_property:
    """A property computed on first access (under enable_grad, so it is differentiable even if first read inside
    no_grad) and then stored as an instance attribute; argument validation skips such unset parameters."""

    def __init__(self, wrapped: Callable[[Any], Any]):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)  # type: ignore[arg-type]

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
