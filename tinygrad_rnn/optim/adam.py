"""Adam (and its AMSGrad variant): bias-corrected moving averages of the gradient and its square."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _check_bool, _check_nonneg, ema_
from .shared_rules import _check_betas

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """PyTorch's Adam rule, per parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = g + weight_decay * p                         (L2 penalty, as in torch.optim.Adam, not AdamW)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_hat, v)  if amsgrad                (v_hat starts at 0)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v_hat or v) / sqrt(1 - beta2**t) + eps)

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        betas: (beta1, beta2), each in [0, 1).
        eps: added to the denominator (>= 0).
        weight_decay: L2 penalty coefficient (>= 0).
        amsgrad: use the running maximum of v (AMSGrad).

    State per parameter: ``step`` (int), ``exp_avg`` (m), ``exp_avg_sq`` (v), and ``max_exp_avg_sq``
    (v_hat) with amsgrad.
    """

    _optional_state = frozenset({"max_exp_avg_sq"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_nonneg(group, "eps")
        _check_nonneg(group, "weight_decay")
        _check_bool(group, "amsgrad")
        _check_betas(group)

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        keys = {"step", "exp_avg", "exp_avg_sq"}
        return keys | {"max_exp_avg_sq"} if group["amsgrad"] else keys

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_avg_sq"] = np.zeros_like(data)
        beta1, beta2 = group["betas"]
        state["step"] += 1
        t = state["step"]
        g = self._decayed_grad(data, grad, group["weight_decay"], param)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._buffer(param, 1)
        ema_(m, g, beta1, tmp)
        np.multiply(g, g, out=tmp)
        ema_(v, tmp, beta2, tmp)
        if group["amsgrad"]:
            v_hat = state.get("max_exp_avg_sq")
            if v_hat is None:
                v_hat = state["max_exp_avg_sq"] = np.zeros_like(data)
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        step_size = group["lr"] / (1 - beta1 ** t)
        np.sqrt(v, out=tmp)
        np.divide(tmp, math.sqrt(1 - beta2 ** t), out=tmp)
        np.add(tmp, group["eps"], out=tmp)
        np.divide(m, tmp, out=tmp)
        np.multiply(tmp, step_size, out=tmp)
        np.subtract(data, tmp, out=data)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter; PyTorch's ``AdamW``): before the Adam step,
    ``p = p * (1 - lr * weight_decay)``, and the gradient itself is not decayed. Default
    ``weight_decay=1e-2``; the other arguments and the state are Adam's."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        decay = group["lr"] * group["weight_decay"]
        if decay:
            np.multiply(data, 1 - decay, out=data)
        super()._update(data, grad, state, {**group, "weight_decay": 0.0}, param)
