"""PyTorch's ``Bernoulli``: 0/1 draws (float, of the parameter's dtype) with probability ``probs``."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..nn import functional as F
from ..random import get_generator
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _is_number, _size, broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]


class Bernoulli(Distribution):
    """Given ``probs`` in [0, 1] or ``logits`` (log-odds), exactly one of the two; a number gives an empty
    ``batch_shape``, a tensor its shape."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = _is_number(probs)
            (self.probs,) = broadcast_all(probs)
        else:
            is_scalar = _is_number(logits)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(Size() if is_scalar else Size(self._param.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = _size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = new._param = self.probs.expand(batch_shape)
        if "logits" in self.__dict__:
            new.logits = new._param = self.logits.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return Size(self._param.shape)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        p = self.probs.data
        return Tensor(np.where(p == 0.5, np.nan, (p >= 0.5)).astype(p.dtype))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs.data, shape)
        return Tensor((get_generator().random(shape) < p).astype(p.dtype))

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # -BCE-with-logits: value * logits - softplus(logits), with softplus(x) = -logsigmoid(-x) (stable)
        return value * logits + F.logsigmoid(-logits)

    def entropy(self) -> Tensor:
        return -(self.probs * self.logits + F.logsigmoid(-self.logits))

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = Tensor(np.arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self._batch_shape)))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
