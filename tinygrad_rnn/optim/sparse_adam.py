"""SparseAdam: the "lazy" Adam of sparse embeddings, which moves the averages and the parameter on the rows
a row-sparse gradient touches only (``nn.Embedding(sparse=True)``)."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ..sparse import RowSparseGrad
from .shared_rules import _check_betas
from .optimizer import Optimizer, _check_bool, _number

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """PyTorch's SparseAdam rule: for a row-sparse gradient with rows ``r`` and values ``g``, at step ``t``::

        g = -g                                              (maximize)
        m[r] = beta1 * m[r] + (1 - beta1) * g;   v[r] = beta2 * v[r] + (1 - beta2) * g * g
        p[r] = p[r] - lr * sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m[r] / (sqrt(v[r]) + eps)

    Other rows keep their averages and values (unlike Adam, whose averages decay everywhere). ``t`` counts
    the steps this parameter had a gradient. Only row-sparse gradients are accepted: a dense one raises
    RuntimeError, as in PyTorch (use :class:`Adam` for those).

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (> 0).
        betas: coefficients of the running averages of the gradient and of its square.
        eps: added to the denominator (> 0).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``step`` (int), ``exp_avg`` (m), ``exp_avg_sq`` (v), dense, shaped like it.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not _number(group, "lr") > 0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if not _number(group, "eps") > 0:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")
        _check_betas(group)
        _check_bool(group, "maximize")

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "exp_avg", "exp_avg_sq"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")

    def _sparse_update(self, data: np.ndarray, grad: RowSparseGrad, state: dict[str, Any], group: dict[str, Any],
                       param: Any) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_avg_sq"] = np.zeros_like(data)
        state["step"] += 1
        t = state["step"]
        beta1, beta2 = group["betas"]
        rows = grad.indices
        g = -grad.values if group["maximize"] else grad.values
        m, v = state["exp_avg"][rows], state["exp_avg_sq"][rows]
        m += (g - m) * (1 - beta1)  # PyTorch's order: the old value plus its update
        v += (g * g - v) * (1 - beta2)
        state["exp_avg"][rows], state["exp_avg_sq"][rows] = m, v
        step_size = group["lr"] * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        data[rows] -= step_size * (m / (np.sqrt(v) + group["eps"]))
