"""NAdam (Dozat 2016): Adam with Nesterov momentum, the momentum coefficient warmed up by ``momentum_decay``.

Also holds the small pieces the optimizers added alongside it share (PyTorch's ``maximize``/``foreach``/
``capturable``/``differentiable`` group keys, the betas check, 0-d state entries such as ``mu_product``).
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _check_bool, _check_nonneg, ema_

__all__ = ["NAdam"]


# ---------------------------------------------------------------------------------- shared helpers
def _check_betas(group: dict[str, Any]) -> None:
    """``betas`` is a pair of numbers in [0, 1) (stored as a tuple, as PyTorch's groups hold it)."""
    betas = group.get("betas")
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        if isinstance(b, bool) or not isinstance(b, numbers.Real) or not 0.0 <= b < 1.0:
            raise ValueError(f"invalid beta parameter at index {i}: {b!r} (must be in [0, 1))")
    group["betas"] = tuple(float(b) for b in betas)


def _check_flags(group: dict[str, Any], names: Iterable[str] = ("maximize", "capturable", "differentiable")) -> None:
    """PyTorch's implementation switches, kept as group keys so state_dicts match torch's layout key for key.

    ``maximize`` is honoured; ``foreach`` (None or a bool) and ``capturable`` only choose kernels in PyTorch and
    change nothing here; ``differentiable=True`` (autograd through the step) is not supported.
    """
    for name in names:
        _check_bool(group, name)
    foreach = group.get("foreach", None)
    if foreach is not None and not isinstance(foreach, (bool, np.bool_)):
        raise ValueError(f"foreach must be None, True or False, got {foreach!r}")
    if group.get("differentiable", False):
        raise ValueError("differentiable=True is not supported: the step is not recorded by autograd")


def _signed_grad(opt: Optimizer, grad: np.ndarray, group: dict[str, Any], param: Any) -> np.ndarray:
    """The gradient to descend along: ``-grad`` when ``group["maximize"]`` (in scratch buffer 4, which
    ``_decayed_grad``'s buffer 0 never aliases), else ``grad`` itself (never written)."""
    if not group.get("maximize", False):
        return grad
    return np.negative(grad, out=opt._buffer(param, 4))


class _ScalarState:
    """Mix-in for optimizers whose per-parameter state holds 0-d numbers (NAdam's ``mu_product``, ASGD's
    ``eta`` and ``mu``): PyTorch saves them as 0-d tensors; the base ``load_state_dict`` checks every non-step
    entry against the parameter's shape, so they are widened for its checks and restored exactly after."""

    _scalar_state: frozenset[str] = frozenset()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        by_key: dict[Any, Any] = {}
        try:
            for saved, group in zip(state_dict["param_groups"], self.param_groups):
                for idx, p in zip(saved["params"], group["params"]):
                    by_key[idx] = p
                    by_key[str(idx)] = p
            entries = dict(state_dict["state"])
        except (KeyError, TypeError, AttributeError):
            super().load_state_dict(state_dict)  # malformed: the base class says what is wrong
            return
        exact: dict[Any, dict[str, float]] = {}
        widened = {}
        for key, entry in entries.items():
            p = by_key.get(key)
            if p is None or not isinstance(entry, dict):
                widened[key] = entry
                continue
            entry = dict(entry)
            for name in self._scalar_state & set(entry):
                value = np.asarray(entry[name])
                if value.size != 1 or not (np.issubdtype(value.dtype, np.floating)
                                           or np.issubdtype(value.dtype, np.integer)):
                    raise ValueError(f"loaded state of parameter {key}: {name!r} must be one number, "
                                     f"got {entry[name]!r}")
                exact.setdefault(p, {})[name] = float(value.reshape(-1)[0])
                entry[name] = np.full(p.data.shape, exact[p][name])
            widened[key] = entry
        super().load_state_dict({"state": widened, "param_groups": state_dict["param_groups"]})
        for p, values in exact.items():
            self.state[p].update(values)


# ---------------------------------------------------------------------------------- NAdam
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
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_avg_sq"] = np.zeros_like(data)
        lr, wd, psi = group["lr"], group["weight_decay"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        state["step"] += 1
        t = state["step"]
        g = _signed_grad(self, grad, group, param)
        if wd != 0 and group["decoupled_weight_decay"]:
            np.multiply(data, 1 - lr * wd, out=data)
        elif wd != 0:
            g = self._decayed_grad(data, g, wd, param)
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
