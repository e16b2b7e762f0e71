"""Adadelta (Zeiler 2012): steps scaled by the ratio of running RMS of past updates to that of gradients."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _check_nonneg, ema_

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """PyTorch's Adadelta rule, per parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g                          (v, u start at 0)
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d * d
        p = p - lr * d

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: scales the update (>= 0; 1.0 is the paper's rule).
        rho: decay of both running averages (in [0, 1]).
        eps: added inside both square roots (>= 0).
        weight_decay: L2 penalty coefficient (>= 0).

    State per parameter: ``step`` (int), ``square_avg`` (v), ``acc_delta`` (u), PyTorch's names.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for name in ("rho", "eps", "weight_decay"):
            _check_nonneg(group, name)
        if group["rho"] > 1:
            raise ValueError(f"Invalid rho value: {group['rho']} (it must be in [0, 1])")

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "square_avg", "acc_delta"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(data)
            state["acc_delta"] = np.zeros_like(data)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        g = self._decayed_grad(data, grad, group["weight_decay"], param)
        v, u = state["square_avg"], state["acc_delta"]
        tmp = self._buffer(param, 1)
        np.multiply(g, g, out=tmp)
        ema_(v, tmp, rho, tmp)
        delta = np.add(u, eps, out=self._buffer(param, 2))  # sqrt(u + eps) / sqrt(v + eps) * g
        np.sqrt(delta, out=delta)
        np.add(v, eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(delta, tmp, out=delta)
        np.multiply(delta, g, out=delta)
        np.multiply(delta, delta, out=tmp)
        ema_(u, tmp, rho, tmp)
        self._sub_scaled_(data, delta, group["lr"], param)
