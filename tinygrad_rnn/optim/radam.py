"""RAdam (Liu et al. 2019): Adam whose adaptive step is switched on, and rectified, once the variance of
the adaptive learning rate is tractable."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .shared_rules import _adam_prelude, _check_betas, _check_flags
from .optimizer import Optimizer, _check_bool, _check_nonneg, ema_

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """PyTorch's RAdam rule, per parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                              (maximize)
        p = p * (1 - lr * weight_decay)                     (decoupled_weight_decay: RAdamW)
        g = g + weight_decay * p                            (otherwise: L2 penalty)
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1;     rho_t = rho_inf - 2 t beta2 ** t / (1 - beta2 ** t)
        m_hat = m / (1 - beta1 ** t)
        if rho_t > 5:
            r = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
            p = p - lr * m_hat * r * sqrt(1 - beta2 ** t) / (sqrt(v) + eps)
        else:
            p = p - lr * m_hat                              (the first steps: SGD with momentum)

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        betas: coefficients of the running averages of the gradient and of its square.
        eps: added to the denominator (>= 0).
        weight_decay: weight decay coefficient (>= 0).
        decoupled_weight_decay: decay the weights directly (AdamW-style) instead of adding an L2 gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's kernel switches (no effect here).

    State per parameter: ``step`` (int), ``exp_avg`` (m), ``exp_avg_sq`` (v).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_nonneg(group, "eps")
        _check_nonneg(group, "weight_decay")
        _check_bool(group, "decoupled_weight_decay")
        _check_betas(group)
        _check_flags(group)

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "exp_avg", "exp_avg_sq"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        g, t = _adam_prelude(self, data, grad, state, group, param)
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._buffer(param, 1)
        ema_(m, g, beta1, tmp)
        np.multiply(g, g, out=tmp)
        ema_(v, tmp, beta2, tmp)
        correction1, correction2 = 1 - beta1 ** t, 1 - beta2 ** t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / correction2
        if rho_t <= 5:  # the variance of the adaptive rate is not tractable yet: momentum only
            self._sub_scaled_(data, m, lr / correction1, param)
            return
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        denom = self._buffer(param, 2)
        np.sqrt(v, out=denom)
        np.add(denom, group["eps"], out=denom)
        np.divide(m, denom, out=denom)
        self._sub_scaled_(data, denom, lr * rect * math.sqrt(correction2) / correction1, param)
