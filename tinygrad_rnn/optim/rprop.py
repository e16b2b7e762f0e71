"""Rprop (Riedmiller & Braun 1993): per-coordinate step sizes grown while the gradient keeps its sign and
shrunk when it flips; only the gradient's sign moves the parameter."""
from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np

from .shared_rules import _check_flags, _signed_grad
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """PyTorch's Rprop rule (the iRprop- variant), per parameter ``p`` with gradient ``g``::

        g = -g                                              (maximize)
        f = etaplus where g * prev > 0, etaminus where < 0, 1 where 0
        step_size = clip(step_size * f, step_size_min, step_size_max)      (step_size starts at lr)
        g = 0 where f == etaminus                           (a flipped sign: no move, and no flip next time)
        p = p - sign(g) * step_size;   prev = g             (prev starts at 0)

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: the initial step size (>= 0).
        etas: ``(etaminus, etaplus)``, with ``0 < etaminus < 1 < etaplus``.
        step_sizes: ``(step_size_min, step_size_max)``, the bounds of every step size.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's kernel switches (no effect here).

    State per parameter: ``step`` (int), ``prev`` (the last gradient kept), ``step_size``, shaped like it.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for name in ("etas", "step_sizes"):
            pair = group.get(name)
            if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                    or any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in pair)):
                raise ValueError(f"{name} must be a pair of numbers, got {pair!r}")
            group[name] = tuple(pair)
        etaminus, etaplus = group["etas"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Invalid eta values: {etaminus}, {etaplus} (need 0 < etaminus < 1 < etaplus)")
        _check_flags(group)

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "prev", "step_size"}

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        if not state:
            state["step"] = 0
            state["prev"] = np.zeros_like(data)
            state["step_size"] = np.full_like(data, group["lr"])
        state["step"] += 1
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        g = _signed_grad(self, grad, group, param)
        prev, step_size = state["prev"], state["step_size"]
        factor = self._buffer(param, 1)
        np.multiply(g, prev, out=factor)
        np.sign(factor, out=factor)
        flipped = factor < 0
        factor[factor > 0] = etaplus
        factor[flipped] = etaminus
        factor[factor == 0] = 1.0
        np.multiply(step_size, factor, out=step_size)
        np.clip(step_size, lo, hi, out=step_size)
        np.copyto(prev, g)
        prev[flipped] = 0  # a sign change: skip this coordinate now and take no flip into the next step
        np.sign(prev, out=factor)
        np.multiply(factor, step_size, out=factor)
        np.subtract(data, factor, out=data)
