"""NAdam (Dozat 2016): Adam with Nesterov momentum, the momentum coefficient warmed up by ``momentum_decay``."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _check_bool, _check_nonneg, ema_
from .shared_rules import _adam_prelude, _check_betas, _check_flags, _ScalarState

__all__ = ["NAdam"]


class NAdam(_ScalarState, Optimizer):
    """PyTorch's NAdam rule, per parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                              (maximize)
        p = p * (1 - lr * weight_decay)                     (decoupled_weight_decay: NAdamW)
        g = g + weight_decay * p                            (otherwise: L2 penalty)
        mu_t = beta1 * (1 - 0.96 ** (t * momentum_decay) / 2)
        mu_product = mu_1 * ... * mu_t
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2 ** t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / d
              - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / d

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        betas: coefficients of the running averages of the gradient and of its square.
        eps: added to the denominator (>= 0).
        weight_decay: weight decay coefficient (>= 0).
        momentum_decay: the momentum's warm-up rate psi (>= 0).
        decoupled_weight_decay: decay the weights directly (AdamW-style) instead of adding an L2 gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's kernel switches (see ``_check_flags``).

    State per parameter: ``step`` (int), ``mu_product`` (float), ``exp_avg`` (m), ``exp_avg_sq`` (v).
    """

    _scalar_state = frozenset({"mu_product"})

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for name in ("eps", "weight_decay", "momentum_decay"):
            _check_nonneg(group, name)
        _check_bool(group, "decoupled_weight_decay")
        _check_betas(group)
        _check_flags(group)

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "mu_product", "exp_avg", "exp_avg_sq"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        g, t = _adam_prelude(self, data, grad, state, group, param, mu_product=1.0)
        lr, psi = group["lr"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp, denom = self._buffer(param, 1), self._buffer(param, 2)
        ema_(m, g, beta1, tmp)
        np.multiply(g, g, out=tmp)
        ema_(v, tmp, beta2, tmp)
        np.divide(v, 1 - beta2 ** t, out=denom)
        np.sqrt(denom, out=denom)
        np.add(denom, group["eps"], out=denom)
        np.divide(g, denom, out=tmp)
        # _sub_scaled_ scales its input in scratch buffer 1, which is tmp here: tmp is consumed by it
        self._sub_scaled_(data, tmp, lr * (1 - mu) / (1 - mu_product), param)
        np.divide(m, denom, out=denom)
        self._sub_scaled_(data, denom, lr * mu_next / (1 - mu_product * mu_next), param)
