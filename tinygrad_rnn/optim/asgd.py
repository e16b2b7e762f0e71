"""ASGD (Polyak & Juditsky 1992; Bottou's step-size schedule): SGD that also keeps a running average of
the iterates, ``ax``, which is what averaged-SGD training evaluates with (AWD-LSTM's NT-ASGD swaps it in)."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .shared_rules import _check_flags, _ScalarState, _signed_grad
from .optimizer import Optimizer, _check_nonneg, _number

__all__ = ["ASGD"]


class ASGD(_ScalarState, Optimizer):
    """PyTorch's ASGD rule, per parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                              (maximize)
        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g                 (eta starts at lr, mu at 1, ax at 0)
        ax = p  if mu == 1  else  ax + mu * (p - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)

    so ``ax`` copies the iterate until step ``t0`` and then averages the iterates since.

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        lambd: decay term (>= 0).
        alpha: power of the eta update.
        t0: the step at which averaging starts.
        weight_decay: L2 penalty coefficient (>= 0).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's kernel switches (no effect here).

    State per parameter: ``step`` (int), ``eta`` and ``mu`` (floats), ``ax`` (the average, shaped like it).
    """

    _scalar_state = frozenset({"eta", "mu"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0.0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_nonneg(group, "lambd")
        _check_nonneg(group, "weight_decay")
        _number(group, "alpha")
        _number(group, "t0")
        _check_flags(group)

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "eta", "mu", "ax"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        if not state:
            state["step"] = 0
            state["eta"] = float(group["lr"])
            state["mu"] = 1.0
            state["ax"] = np.zeros_like(data)
        lr, lambd = group["lr"], group["lambd"]
        state["step"] += 1
        t, eta, mu = state["step"], state["eta"], state["mu"]
        g = _signed_grad(self, grad, group, param)
        g = self._decayed_grad(data, g, group["weight_decay"], param)
        np.multiply(data, 1 - lambd * eta, out=data)
        self._sub_scaled_(data, g, eta, param)
        ax = state["ax"]
        if mu != 1:
            tmp = self._buffer(param, 2)
            np.subtract(data, ax, out=tmp)
            np.multiply(tmp, mu, out=tmp)
            np.add(ax, tmp, out=ax)
        else:
            np.copyto(ax, data)
        state["eta"] = lr / (1 + lambd * lr * t) ** group["alpha"]
        state["mu"] = 1 / max(1, t - group["t0"])
