"""Learning-rate schedules: they rewrite ``group["lr"]`` of an optimizer's parameter groups.

* :class:`StepLR` and :class:`ExponentialLR` follow PyTorch (call ``scheduler.step()`` once per epoch,
  after ``optimizer.step()``).
* :class:`ReduceLROnPlateau` is called with the evaluated loss, ``scheduler.step(loss)``. Its defaults
  reproduce the classic RNN-tutorial rule "halve the learning rate whenever the evaluated loss went
  up compared with the previous evaluation"; ``compare_to="best"`` with PyTorch's other defaults gives
  PyTorch's behaviour (see the class docstring).
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "CosineAnnealingLR",
           "ReduceLROnPlateau"]


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"a scheduler needs a tinygrad_rnn.optim.Optimizer, got {type(optimizer).__name__}")


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


class LRScheduler:
    """Base class of epoch-based schedules.

    Subclasses implement :meth:`get_lr` (the new lr of every group for epoch ``self.last_epoch``,
    computed from the current lrs so that schedules can be chained, as in PyTorch). Creating a scheduler
    records each group's ``initial_lr`` and performs step 0, which leaves the lrs unchanged.

    Args:
        optimizer: the optimizer whose ``param_groups[i]["lr"]`` are scheduled.
        last_epoch: index of the last epoch when resuming (-1: start fresh). Resuming this way needs
            ``"initial_lr"`` in every group; prefer ``load_state_dict`` for exact resumption.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        _check_optimizer(optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an integer >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group["initial_lr"] = group["lr"]
        else:
            missing = [i for i, g in enumerate(optimizer.param_groups) if "initial_lr" not in g]
            if missing:
                raise ValueError(f"resuming with last_epoch={last_epoch} needs 'initial_lr' in every parameter "
                                 f"group, missing in group(s) {missing}; use load_state_dict instead")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._last_lr: list[float] = [group["lr"] for group in optimizer.param_groups]
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rate of every group as set by the last :meth:`step`."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch and write the new learning rates into the optimizer."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything except the optimizer (which has its own state_dict), as plain data."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` output. Keys this scheduler does not have raise ValueError
        (e.g. a StepLR state loaded into an ExponentialLR)."""
        if not isinstance(state_dict, dict):
            raise ValueError(f"a scheduler state_dict must be a dict, got {type(state_dict).__name__}")
        own = set(self.state_dict())
        unknown, missing = set(state_dict) - own, own - set(state_dict)
        if unknown or missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: unexpected keys {sorted(unknown)}, "
                             f"missing keys {sorted(missing)} (was it saved from another scheduler?)")
        self.__dict__.update({k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in state_dict.items()})


class StepLR(LRScheduler):
    """Multiply every group's lr by ``gamma`` every ``step_size`` epochs.

    With nothing else changing the lr: ``lr(epoch) = initial_lr * gamma ** (epoch // step_size)``.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = _real(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class ExponentialLR(LRScheduler):
    """Multiply every group's lr by ``gamma`` every epoch: ``lr(epoch) = initial_lr * gamma ** epoch``."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _real(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class MultiStepLR(LRScheduler):
    """Multiply every group's lr by ``gamma`` at each epoch in ``milestones`` (a milestone listed twice
    multiplies twice): ``lr(epoch) = initial_lr * gamma ** (number of milestones <= epoch)``."""

    def __init__(self, optimizer: Optimizer, milestones: list[int], gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = _real(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.count(self.last_epoch)
        return [group["lr"] * self.gamma ** hits for group in self.optimizer.param_groups]


class LambdaLR(LRScheduler):
    """``lr(epoch) = initial_lr * lr_lambda(epoch)``; ``lr_lambda`` is one function or one per group.
    The functions are not part of ``state_dict()`` (as in PyTorch for plain functions)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1):
        n = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(lambdas) != n or not all(callable(f) for f in lambdas):
            raise ValueError(f"LambdaLR needs one function or {n} functions (one per parameter group)")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * float(f(self.last_epoch)) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.pop("lr_lambdas")
        return state


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the initial lr down to ``eta_min`` over ``T_max`` epochs (and back up, periodically),
    with PyTorch's recursive (chainable) formula; unchained it equals
    ``eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if isinstance(T_max, bool) or not isinstance(T_max, numbers.Integral) or T_max < 1:
            raise ValueError(f"T_max must be a positive integer, got {T_max!r}")
        self.T_max = int(T_max)
        self.eta_min = _real(eta_min, "eta_min")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups, t, T, lo = self.optimizer.param_groups, self.last_epoch, self.T_max, self.eta_min
        if t == 0:
            return [g["lr"] for g in groups]
        if (t - 1 - T) % (2 * T) == 0:
            return [g["lr"] + (base - lo) * (1 - math.cos(math.pi / T)) / 2 for g, base in zip(groups, self.base_lrs)]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (g["lr"] - lo) + lo
                for g in groups]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when the monitored metric stops improving; call ``step(metric)``.

    Each call classifies the metric as *bad* or not, against a reference chosen by ``compare_to``:

    * ``"last"``: bad when it got worse than the previous call's metric, i.e. for
      ``mode="min"``: ``metric > last * (1 + threshold)`` (``threshold_mode="rel"``) or
      ``metric > last + threshold`` (``"abs"``); for ``mode="max"`` mirrored. The first call is never bad.
    * ``"best"`` (default): PyTorch's rule, bad when not better than the best so far, i.e. for ``mode="min"``:
      ``not metric < best * (1 - threshold)`` (``"rel"``) or ``not metric < best - threshold``
      (``"abs"``); mirrored for ``"max"``. Note that with ``threshold=0`` an equal metric is bad here.

    A NaN metric always counts as bad. After more than ``patience`` bad calls in a row, every group's
    lr becomes ``max(lr * factor, min_lr)`` (skipped if that changes it by ``eps`` or less), the bad
    count restarts, and the next ``cooldown`` calls are not counted.

    The defaults are PyTorch's (``mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
    cooldown=0, min_lr=0, eps=1e-8``, compared with the best metric so far).

    **The RNN tutorial's rule** — ``if losses[-1] > losses[-2]: learning_rate *= 0.5`` — is exactly
    ``ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0, compare_to="last")`` (what
    ``word-rnn train`` uses): the lr is halved on every evaluation whose loss is strictly higher than the
    previous one. PyTorch's rule compares with the best loss and counts ties as bad, which differs (losses
    1, 3, 2 halve once under the tutorial rule, twice under PyTorch's with the same factor and patience).

    Args:
        optimizer: the optimizer to adjust.
        mode: "min" (lower is better, e.g. a loss) or "max" (e.g. accuracy).
        factor: multiplier in (0, 1).
        patience: bad calls tolerated before reducing (>= 0).
        threshold: relative or absolute margin (>= 0), see above.
        threshold_mode: "rel" or "abs".
        cooldown: calls to wait after a reduction before counting bad calls again (>= 0).
        min_lr: lower bound on the lr, a number or one per parameter group (>= 0).
        eps: minimal lr change worth applying (>= 0).
        compare_to: "best" (PyTorch's rule, the default) or "last" (the tutorial rule).
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | list[float] = 0.0, eps: float = 1e-8, compare_to: str = "best"):
        _check_optimizer(optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        if compare_to not in ("last", "best"):
            raise ValueError(f"compare_to must be 'last' (the tutorial rule) or 'best' (PyTorch's rule), "
                             f"got {compare_to!r}")
        factor = _real(factor, "factor")
        if not 0.0 < factor < 1.0:
            raise ValueError(f"factor must be in (0, 1), got {factor!r}: the lr would not go down")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        for name, value in (("threshold", threshold), ("eps", eps)):
            if _real(value, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {value!r}")
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise ValueError(f"min_lr has {len(min_lr)} values but the optimizer has {n_groups} parameter groups")
            min_lrs = [_real(v, "min_lr") for v in min_lr]
        else:
            min_lrs = [_real(min_lr, "min_lr")] * n_groups
        if any(v < 0 for v in min_lrs):
            raise ValueError(f"min_lr must be >= 0, got {min_lr!r}")

        self.optimizer = optimizer
        self.mode, self.threshold_mode, self.compare_to = mode, threshold_mode, compare_to
        self.factor, self.patience, self.cooldown = factor, int(patience), int(cooldown)
        self.threshold, self.eps, self.min_lrs = float(threshold), float(eps), min_lrs
        self.best = math.inf if mode == "min" else -math.inf  # PyTorch's start: any finite value improves
        self.last: float | None = None
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_bad(self, current: float) -> bool:
        if math.isnan(current):
            return True
        ref = self.last if self.compare_to == "last" else self.best
        if ref is None:  # the first call has nothing to compare with
            return False
        sign = 1.0 if self.mode == "min" else -1.0  # "max" is "min" on the negated metric
        if self.compare_to == "last":
            # worse than the previous value by more than the margin
            limit = ref * (1 + sign * self.threshold) if self.threshold_mode == "rel" else ref + sign * self.threshold
            return sign * current > sign * limit
        # not better than the best by more than the margin (PyTorch's is_better, negated)
        limit = ref * (1 - sign * self.threshold) if self.threshold_mode == "rel" else ref - sign * self.threshold
        return not sign * current < sign * limit

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record one evaluation of the monitored metric (e.g. the validation loss) and maybe reduce the lr."""
        try:
            current = float(metrics)
        except (TypeError, ValueError) as e:
            raise ValueError(f"ReduceLROnPlateau.step needs the metric as a number, got {metrics!r}") from e
        self.last_epoch += 1
        bad = self._is_bad(current)
        self.num_bad_epochs = self.num_bad_epochs + 1 if bad else 0
        if self.compare_to == "best":
            if not bad:  # PyTorch moves the best only on a (thresholded) improvement
                self.best = current
        elif current < self.best if self.mode == "min" else current > self.best:
            self.best = current  # kept for information only; "last" compares with self.last
        self.last = current

        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0
