"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _check_bool, _check_nonneg

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad with PyTorch's rule by default, and min-char-rnn's rule with ``eps_inside_sqrt=True``.

    Per parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        G = G + g * g                                  (G starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(G) + eps)              (default: PyTorch's rule)
        p = p - clr * g / sqrt(G + eps)                (eps_inside_sqrt=True)

    To reproduce Karpathy's min-char-rnn exactly (``mem += dparam * dparam;
    param += -learning_rate * dparam / np.sqrt(mem + 1e-8)``), use
    ``Adagrad(params, lr=learning_rate, eps=1e-8, eps_inside_sqrt=True)``; with the defaults
    ``lr_decay=0, weight_decay=0, initial_accumulator_value=0`` the arithmetic is performed in the same
    order, so float64 results are bit-identical to the tutorial loop.

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        lr_decay: learning-rate decay per step (>= 0).
        weight_decay: L2 penalty coefficient (>= 0).
        initial_accumulator_value: starting value of G (>= 0).
        eps: added to the denominator for numerical stability (>= 0).
        eps_inside_sqrt: put eps under the square root (min-char-rnn) instead of after it (PyTorch).

    State per parameter: ``step`` (int) and ``sum`` (G, shaped like the parameter).

    A row-sparse gradient (``nn.Embedding(sparse=True)``) updates ``G`` and the parameter on its rows only,
    as PyTorch's sparse Adagrad does; untouched rows would not move in the dense step either (their
    gradient is 0), so the result is the dense one. Weight decay moves every row: it is refused with a
    sparse gradient, as in PyTorch.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, eps_inside_sqrt: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      eps_inside_sqrt=eps_inside_sqrt))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _check_nonneg(group, name)
        _check_bool(group, "eps_inside_sqrt")

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "sum"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        clr = self._begin_step(data, state, group)
        g = self._decayed_grad(data, grad, group["weight_decay"], param)
        _adagrad_rule(data, g, state["sum"], clr, group, self._buffer(param, 1),
                      self._buffer(param, 2))

    def _sparse_update(self, data: np.ndarray, grad: Any, state: dict[str, Any], group: dict[str, Any],
                       param: Any) -> None:
        if group["weight_decay"] != 0:
            raise RuntimeError("Adagrad: weight_decay is not supported with sparse gradients "
                               "(nn.Embedding(sparse=True)); set weight_decay=0 or use sparse=False")
        clr = self._begin_step(data, state, group)
        rows = grad.indices
        row_data, row_sum = data[rows], state["sum"][rows]
        _adagrad_rule(row_data, grad.values, row_sum, clr, group, np.empty_like(row_data),
                      np.empty_like(row_data))
        data[rows], state["sum"][rows] = row_data, row_sum

    @staticmethod
    def _begin_step(data: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> float:
        """Count the step (creating the state on the first) and return this step's learning rate."""
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(data, group["initial_accumulator_value"])
        state["step"] += 1
        return group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])


def _adagrad_rule(data: np.ndarray, g: np.ndarray, total: np.ndarray, clr: float, group: dict[str, Any],
                  tmp: np.ndarray, step: np.ndarray) -> None:
    """``G += g*g`` and the parameter step, in place on ``data`` and ``total`` (all the same shape)."""
    eps = group["eps"]
    np.multiply(g, g, out=tmp)
    np.add(total, tmp, out=total)
    if group["eps_inside_sqrt"]:
        # min-char-rnn's order of operations: p += (-lr * g) / sqrt(G + eps).
        np.add(total, eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.multiply(g, -clr, out=step)
        np.divide(step, tmp, out=step)
        np.add(data, step, out=data)
    else:
        # PyTorch's order: p += -clr * (g / (sqrt(G) + eps)).
        np.sqrt(total, out=tmp)
        np.add(tmp, eps, out=tmp)
        np.divide(g, tmp, out=tmp)
        np.multiply(tmp, clr, out=tmp)
        np.subtract(data, tmp, out=data)
