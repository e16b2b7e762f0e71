"""PyTorch's ``kl_divergence(p, q)`` and ``register_kl``: closed forms looked up by the pair of types (the
most specific registered pair along both classes' MROs)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .distribution import Distribution
from .independent import Independent, _sum_rightmost
from .normal import Normal
from .uniform import Uniform

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable:
    """Decorator registering ``fn(p, q)`` as KL(p || q) for ``type_p`` and ``type_q`` (and their subclasses)."""
    if not (isinstance(type_p, type) and issubclass(type_p, Distribution)):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not (isinstance(type_q, type) and issubclass(type_q, Distribution)):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fn: Callable) -> Callable:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn
    return decorator


def _dispatch_kl(type_p: type, type_q: type) -> Callable | None:
    """The registered function whose pair is nearest along the MROs (the sum of the two MRO distances)."""
    best, best_rank = None, None
    for (tp, tq), fn in _KL_REGISTRY.items():
        if issubclass(type_p, tp) and issubclass(type_q, tq):
            rank = type_p.__mro__.index(tp) + type_q.__mro__.index(tq)
            if best_rank is None or rank < best_rank:
                best, best_rank = fn, rank
    return best


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) per batch element (shape ``batch_shape``), differentiable in both distributions' parameters.
    Raises NotImplementedError for a pair without a closed form here."""
    fn = _dispatch_kl(type(p), type(q))
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {p.__class__.__name__} and q type "
                                  f"{q.__class__.__name__}")
    return fn(p, q)


def _fill(t: Tensor, mask: np.ndarray, value: float) -> Tensor:
    """``t`` with ``value`` where ``mask`` (broadcast to t's shape); no gradient flows there (torch's
    ``t[mask] = value``)."""
    mask = np.broadcast_to(mask, t.shape)
    return t.masked_fill(mask, value) if mask.any() else t


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = _fill(t, q.probs.data == 0, float("inf"))  # mass where q has none: infinite divergence
    t = _fill(t, p.probs.data == 0, 0.0)  # 0 log 0 = 0
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = _fill(_fill(t1, q.probs.data == 0, float("inf")), p.probs.data == 0, 0.0)
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = _fill(_fill(t2, q.probs.data == 1, float("inf")), p.probs.data == 1, 0.0)
    return t1 + t2


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return _fill(result, (q.low.data > p.low.data) | (q.high.data < p.high.data), float("inf"))


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independents with different reinterpreted_batch_ndims")
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
