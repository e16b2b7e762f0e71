"""Adamax (Kingma & Ba 2015, section 7.1): Adam with the second moment replaced by an infinity norm."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .shared_rules import _check_betas, _check_flags, _signed_grad
from .optimizer import Optimizer, _check_nonneg, ema_

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """PyTorch's Adamax rule, per parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                              (maximize)
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)                       (elementwise; u starts at 0)
        p = p - lr / (1 - beta1 ** t) * m / u

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        betas: coefficients of the running average of the gradient and of the decayed infinity norm.
        eps: added to ``|g|`` (>= 0).
        weight_decay: L2 penalty coefficient (>= 0).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's kernel switches (no effect here).

    State per parameter: ``step`` (int), ``exp_avg`` (m), ``exp_inf`` (u).
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_nonneg(group, "eps")
        _check_nonneg(group, "weight_decay")
        _check_betas(group)
        _check_flags(group)

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "exp_avg", "exp_inf"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_inf"] = np.zeros_like(data)
        beta1, beta2 = group["betas"]
        state["step"] += 1
        g = _signed_grad(self, grad, group, param)
        g = self._decayed_grad(data, g, group["weight_decay"], param)
        m, u = state["exp_avg"], state["exp_inf"]
        tmp = self._buffer(param, 1)
        ema_(m, g, beta1, tmp)
        np.multiply(u, beta2, out=u)
        np.abs(g, out=tmp)
        np.add(tmp, group["eps"], out=tmp)
        np.maximum(u, tmp, out=u)
        np.divide(m, u, out=tmp)
        self._sub_scaled_(data, tmp, group["lr"] / (1 - beta1 ** state["step"]), param)
