"""PyTorch's ``Categorical`` (int samples) and ``OneHotCategorical`` (one-hot samples)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..nn import functional as F
from ..random import get_generator
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _as_tensor, _size, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical", "OneHotCategorical", "OneHotCategoricalStraightThrough"]


def _draw_categories(probs: np.ndarray, n: int) -> np.ndarray:
    """``n`` category indices per row of ``probs`` (rows, K), by inverse CDF on uniform draws: int64 (n, rows).
    A zero-probability category is never drawn (its CDF interval is empty)."""
    cdf = np.cumsum(probs, axis=-1)
    u = get_generator().random((n, probs.shape[0], 1)) * cdf[:, -1:]
    idx = (cdf <= u).sum(-1)
    # u * total may round up to total: fall back on the last category with a positive probability
    last = probs.shape[-1] - 1 - np.argmax(probs[:, ::-1] > 0, axis=-1)
    return np.minimum(idx, last).astype(np.int64)


class Categorical(Distribution):
    """Distribution over ``{0, ..., K-1}`` given ``probs`` (non-negative, normalised here along the last
    dimension) or ``logits`` (unnormalised log-probabilities, normalised with logsumexp); exactly one of the two.
    ``batch_shape`` is the parameter's shape without its last dimension; samples are int64."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = _as_tensor(probs)
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            logits = _as_tensor(logits)
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(Size(self._param.shape[:-1]), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = _size(batch_shape)
        param_shape = batch_shape + (self._num_events,)
        if "probs" in self.__dict__:
            new.probs = new._param = self.probs.expand(param_shape)
        if "logits" in self.__dict__:
            new.logits = new._param = self.logits.expand(param_shape)
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        return Size(self._param.shape)

    @property
    def mean(self) -> Tensor:
        return Tensor(np.full(self._extended_shape(), np.nan, dtype=self.probs.dtype))

    @property
    def variance(self) -> Tensor:
        return Tensor(np.full(self._extended_shape(), np.nan, dtype=self.probs.dtype))

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        sample_shape = _size(sample_shape)
        probs = np.asarray(self.probs.data, dtype=np.float64).reshape(-1, self._num_events)
        draws = _draw_categories(probs, sample_shape.numel())
        return Tensor(draws.reshape(self._extended_shape(sample_shape)))

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        idx = np.asarray(getattr(value, "data", value)).astype(np.int64)[..., None]
        # value against batch_shape broadcast as torch's broadcast_tensors(value, logits) then value[..., :1]
        shape = np.broadcast_shapes(idx.shape[:-1], tuple(self.logits.shape[:-1]))
        log_pmf = self.logits.expand(shape + (self._num_events,))
        return log_pmf.gather(-1, np.broadcast_to(idx, shape + (1,))).squeeze(-1)

    def entropy(self) -> Tensor:
        # -inf logits (zero probabilities) clamped to the dtype's min: 0 * min is 0, not nan
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = Tensor(np.arange(self._num_events, dtype=np.int64).reshape((-1,) + (1,) * len(self._batch_shape)))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class OneHotCategorical(Distribution):
    """A :class:`Categorical` whose samples are one-hot vectors (float, of the parameters' dtype):
    ``event_shape`` is ``(K,)``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        new = self._get_checked_instance(OneHotCategorical, _instance)
        batch_shape = _size(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        probs = self._categorical.probs
        return F.one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self) -> Tensor:
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        indices = self._categorical.sample(sample_shape)
        return F.one_hot(indices, self._categorical._num_events).to(self._categorical.probs.dtype)

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(_as_tensor(value).argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self.event_shape[0]
        values = Tensor(np.eye(n, dtype=self._param.dtype).reshape((n,) + (1,) * len(self.batch_shape) + (n,)))
        return values.expand((n,) + tuple(self.batch_shape) + (n,)) if expand else values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """:class:`OneHotCategorical` with the straight-through ``rsample``: the one-hot sample forward, the
    gradient of ``probs`` backward (Bengio et al., 2013)."""

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
