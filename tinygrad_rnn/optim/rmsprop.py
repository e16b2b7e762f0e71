"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _check_bool, _check_nonneg, ema_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """PyTorch's RMSprop rule, per parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g                      (s starts at 0)
        if centered:  a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a * a) + eps
        else:         d = sqrt(s) + eps
        if momentum > 0:  b = momentum * b + g / d;  p = p - lr * b     (b starts at 0)
        else:             p = p - lr * g / d

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        alpha: smoothing constant (>= 0).
        eps: added to the denominator (>= 0).
        weight_decay: L2 penalty coefficient (>= 0).
        momentum: momentum factor (>= 0).
        centered: normalise by an estimate of the gradient's variance instead of its second moment.

    State per parameter: ``step`` (int), ``square_avg`` (s), ``momentum_buffer`` (b) if momentum > 0,
    ``grad_avg`` (a) if centered.
    """

    _optional_state = frozenset({"momentum_buffer", "grad_avg"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for name in ("alpha", "eps", "weight_decay", "momentum"):
            _check_nonneg(group, name)
        _check_bool(group, "centered")

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        keys = {"step", "square_avg"}
        if group["momentum"] > 0:
            keys.add("momentum_buffer")
        if group["centered"]:
            keys.add("grad_avg")
        return keys

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(data)
        state["step"] += 1
        alpha, momentum = group["alpha"], group["momentum"]
        g = self._decayed_grad(data, grad, group["weight_decay"], param)
        s = state["square_avg"]
        tmp = self._buffer(param, 1)
        np.multiply(g, g, out=tmp)
        ema_(s, tmp, alpha, tmp)
        if group["centered"]:
            a = state.get("grad_avg")
            if a is None:
                a = state["grad_avg"] = np.zeros_like(data)
            ema_(a, g, alpha, tmp)
            np.multiply(a, a, out=tmp)
            np.subtract(s, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(s, out=tmp)
        np.add(tmp, group["eps"], out=tmp)
        np.divide(g, tmp, out=tmp)
        if momentum > 0:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = np.zeros_like(data)
            np.multiply(b, momentum, out=b)
            np.add(b, tmp, out=b)
            np.multiply(b, group["lr"], out=tmp)
        else:
            np.multiply(tmp, group["lr"], out=tmp)
        np.subtract(data, tmp, out=data)
