"""What the optimizers beyond SGD/Adagrad/Adam share: PyTorch's checks of betas and of the flag keys,
``maximize`` as a sign on the gradient, and state entries that PyTorch saves as 0-d numbers."""
from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _check_bool

__all__: list[str] = []


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


def _adam_prelude(opt: Optimizer, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                  param: Any, **scalars: Any) -> tuple[np.ndarray, int]:
    """The first lines of an Adam-family step (NAdam, RAdam): on the first step the state gets ``step``, any
    ``scalars`` (PyTorch's order: after ``step``) and zero ``exp_avg``/``exp_avg_sq``; then ``step`` counts
    this one, the gradient is signed for ``maximize``, and weight decay applies, decoupled (the weights
    shrink by ``lr * weight_decay``) or added to the gradient. Returns (gradient, step)."""
    if not state:
        state["step"] = 0
        state.update(scalars)
        state["exp_avg"] = np.zeros_like(data)
        state["exp_avg_sq"] = np.zeros_like(data)
    lr, wd = group["lr"], group["weight_decay"]
    state["step"] += 1
    g = _signed_grad(opt, grad, group, param)
    if wd != 0 and group["decoupled_weight_decay"]:
        np.multiply(data, 1 - lr * wd, out=data)
    elif wd != 0:
        g = opt._decayed_grad(data, g, wd, param)
    return g, state["step"]


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
