"""Learning-rate schedules: they rewrite ``group["lr"]`` of an optimizer's parameter groups.

* :class:`StepLR` and :class:`ExponentialLR` follow PyTorch (call ``scheduler.step()`` once per epoch,
  after ``optimizer.step()``).
* :class:`LinearLR`, :class:`ConstantLR`, :class:`PolynomialLR` (warm-up and decay), :class:`SequentialLR`
  (one schedule after another), :class:`CosineAnnealingWarmRestarts`, and the per-batch :class:`OneCycleLR` and
  :class:`CyclicLR` (which also cycle SGD's momentum or Adam's beta1) follow PyTorch's formulas.
* :class:`ReduceLROnPlateau` is called with the evaluated loss, ``scheduler.step(loss)``. Its defaults
  reproduce the classic RNN-tutorial rule "halve the learning rate whenever the evaluated loss went
  up compared with the previous evaluation"; ``compare_to="best"`` with PyTorch's other defaults gives
  PyTorch's behaviour (see the class docstring).
"""
from __future__ import annotations

import bisect
import math
import numbers
from typing import Any, Callable, Sequence

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "CosineAnnealingLR",
           "ReduceLROnPlateau", "LinearLR", "ConstantLR", "PolynomialLR", "SequentialLR", "CosineAnnealingWarmRestarts",
           "OneCycleLR", "CyclicLR"]


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
                # PyTorch's setdefault: a second scheduler on the same optimizer (SequentialLR's parts, or one
                # made after OneCycleLR set it) keeps the first initial_lr
                group.setdefault("initial_lr", group["lr"])
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

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and write the new learning rates into the optimizer. ``step(epoch)`` (PyTorch's
        deprecated form) jumps to that epoch, by the closed form where the schedule has one."""
        if epoch is None:
            self.last_epoch += 1
            lrs = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_closed_form_lr", None)
            lrs = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
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

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply every group's lr by ``gamma`` every epoch: ``lr(epoch) = initial_lr * gamma ** epoch``."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _real(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


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

    def _closed_form_lr(self) -> list[float]:
        passed = bisect.bisect_right(self.milestones, self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


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

    def _closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


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


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _per_group(value: Any, name: str, optimizer: Optimizer) -> list[float]:
    """One number for every parameter group: a list/tuple of exactly that many, or one number for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name} (one per parameter group), got {len(value)}")
        return [_real(v, name) for v in value]
    return [_real(value, name)] * n


class LinearLR(LRScheduler):
    """Multiply the lr by a factor going linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    epochs, then keep it (a warm-up): ``lr(t) = initial_lr * (start + (end - start) * min(t, total_iters) /
    total_iters)``, computed with PyTorch's chainable ratio."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        start, end = _real(start_factor, "start_factor"), _real(end_factor, "end_factor")
        if not 0 < start <= 1 or not 0 <= end <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1] and end_factor in [0, 1], got {start}, {end}")
        self.start_factor, self.end_factor = start, end
        self.total_iters = _positive_int(total_iters, "total_iters")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups, t = self.optimizer.param_groups, self.last_epoch
        if t == 0:
            return [g["lr"] * self.start_factor for g in groups]
        if t > self.total_iters:
            return [g["lr"] for g in groups]
        delta = self.end_factor - self.start_factor
        ratio = 1.0 + delta / (self.total_iters * self.start_factor + (t - 1) * delta)
        return [g["lr"] * ratio for g in groups]

    def _closed_form_lr(self) -> list[float]:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + (self.end_factor - self.start_factor) * frac) for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """Multiply the lr by ``factor`` for the first ``total_iters`` epochs, then restore it."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1):
        factor = _real(factor, "factor")
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        self.factor = factor
        self.total_iters = _positive_int(total_iters, "total_iters")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups, t = self.optimizer.param_groups, self.last_epoch
        if t == 0:
            return [g["lr"] * self.factor for g in groups]
        if t != self.total_iters:
            return [g["lr"] for g in groups]
        return [g["lr"] * (1.0 / self.factor) for g in groups]

    def _closed_form_lr(self) -> list[float]:
        scale = self.factor if self.last_epoch < self.total_iters else 1.0
        return [base * scale for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay to 0 over ``total_iters`` epochs: ``lr(t) = initial_lr * (1 - min(t, total_iters) / total_iters)
    ** power`` (PyTorch's chainable ratio)."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        self.total_iters = _positive_int(total_iters, "total_iters")
        self.power = _real(power, "power")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups, t, n = self.optimizer.param_groups, self.last_epoch, self.total_iters
        if t == 0 or t > n:
            return [g["lr"] for g in groups]
        factor = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [g["lr"] * factor for g in groups]

    def _closed_form_lr(self) -> list[float]:
        frac = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * frac ** self.power for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until epoch ``milestones[0]``, then ``schedulers[1]`` (restarted at its epoch 0),
    and so on; e.g. a LinearLR warm-up followed by a cosine decay. Every scheduler must drive ``optimizer``."""

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1):
        _check_optimizer(optimizer)
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("SequentialLR needs at least one scheduler")
        for i, sch in enumerate(schedulers):
            if not isinstance(sch, LRScheduler) or isinstance(sch, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR: scheduler {i} must be an epoch-based LRScheduler (not "
                                 f"ReduceLROnPlateau), got {type(sch).__name__}")
            if sch.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {i} drives another optimizer than the one given")
        milestones = [int(m) for m in milestones]
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR needs one milestone fewer than schedulers: got {len(schedulers)} "
                             f"schedulers and {len(milestones)} milestones")
        self._schedulers, self._milestones = schedulers, milestones
        self.optimizer = optimizer
        self.last_epoch = int(last_epoch) + 1
        for group in optimizer.param_groups:  # back to the start: the parts' construction stepped them once
            group["lr"] = group["initial_lr"]
        self._undo(self)
        first = self._schedulers[bisect.bisect_right(milestones, 0)]
        first.step()
        self._last_lr = first.get_last_lr()

    def _undo(self, sched: LRScheduler) -> None:
        """Take back the step each part (and each part's parts) made when it was built."""
        if isinstance(sched, SequentialLR):
            for part in sched._schedulers:
                self._undo(part)
        elif sched is not self:
            sched.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        self.last_epoch += 1
        idx = bisect.bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            sched.step(0)  # the next schedule starts from its own epoch 0
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Own counters plus each part's state_dict (under ``_schedulers``)."""
        return {"last_epoch": self.last_epoch, "_milestones": list(self._milestones), "_last_lr": list(self._last_lr),
                "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not isinstance(state_dict, dict) or set(state_dict) != set(self.state_dict()):
            raise ValueError("SequentialLR.load_state_dict: expected the keys of SequentialLR.state_dict(), got "
                             f"{sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__}")
        parts = state_dict["_schedulers"]
        if len(parts) != len(self._schedulers):
            raise ValueError(f"SequentialLR.load_state_dict: {len(parts)} saved schedulers for {len(self._schedulers)}")
        self.last_epoch, self._milestones = state_dict["last_epoch"], list(state_dict["_milestones"])
        self._last_lr = list(state_dict["_last_lr"])
        for sched, part in zip(self._schedulers, parts):
            sched.load_state_dict(part)


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: cosine annealing from the initial lr to ``eta_min`` over ``T_0`` epochs, then restart, each period
    ``T_mult`` times the last: ``lr = eta_min + (initial_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2``.
    ``step(epoch)`` takes a fractional epoch too (e.g. ``epoch + i / iters`` per batch), as in PyTorch."""

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1):
        self.T_0 = _positive_int(T_0, "T_0")
        self.T_mult = _positive_int(T_mult, "T_mult")
        self.eta_min = _real(eta_min, "eta_min")
        self.T_i = self.T_0
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        c = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur - self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # which period holds this epoch: T_0 (1 + m + ... + m^(n-1)) <= epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


def _momentum_setup(sched: Any, optimizer: Optimizer, base_momentum: Any, max_momentum: Any,
                    fresh: bool) -> None:
    """Cycle SGD's ``momentum`` or Adam's ``betas[0]`` (PyTorch's rule: whichever the optimizer's defaults have),
    starting at ``max_momentum``; the bounds are kept in each group as ``base_momentum``/``max_momentum``."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{type(sched).__name__}: cycle_momentum=True needs an optimizer with momentum or betas "
                         f"(e.g. SGD or Adam), got {type(optimizer).__name__}")
    sched.use_beta1 = "betas" in optimizer.defaults
    sched.base_momentums = _per_group(base_momentum, "base_momentum", optimizer)
    sched.max_momentums = _per_group(max_momentum, "max_momentum", optimizer)
    if fresh:
        for group, hi, lo in zip(optimizer.param_groups, sched.max_momentums, sched.base_momentums):
            _set_momentum(sched, group, hi)
            group["max_momentum"], group["base_momentum"] = hi, lo


def _set_momentum(sched: Any, group: dict[str, Any], value: float) -> None:
    if sched.use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped once per batch: the lr rises from ``max_lr / div_factor`` to ``max_lr`` over the
    first ``pct_start`` of ``total_steps`` and anneals (``anneal_strategy`` "cos" or "linear") down to
    ``initial_lr / final_div_factor``; the momentum (SGD) or beta1 (Adam) moves the opposite way between
    ``max_momentum`` and ``base_momentum``. ``three_phase=True``: up, back down to the initial lr, then to the
    minimum. ``total_steps`` or ``epochs * steps_per_epoch``. Stepping past ``total_steps`` raises ValueError."""

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1):
        _check_optimizer(optimizer)
        if total_steps is not None:
            self.total_steps = _positive_int(total_steps, "total_steps")
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = _positive_int(epochs, "epochs") * _positive_int(steps_per_epoch, "steps_per_epoch")
        else:
            raise ValueError("OneCycleLR needs total_steps, or epochs and steps_per_epoch")
        pct_start = _real(pct_start, "pct_start")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.anneal_strategy, self.three_phase = anneal_strategy, bool(three_phase)
        n = self.total_steps
        up_end = float(pct_start * n) - 1
        if self.three_phase:
            self._schedule_phases = [
                {"end_step": up_end, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * n) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": n - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": up_end, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": n - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        max_lrs = _per_group(max_lr, "max_lr", optimizer)
        fresh = last_epoch == -1
        if fresh:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, fresh)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, but total_steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        m = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start = end
            lrs.append(lr)
            if self.cycle_momentum:
                _set_momentum(self, group, m)
        return lrs


class CyclicLR(LRScheduler):
    """Cyclical learning rates, stepped once per batch: the lr goes from ``base_lr`` up to ``max_lr`` in
    ``step_size_up`` steps and back in ``step_size_down`` (default: the same), the amplitude scaled per cycle
    (``mode`` "triangular": 1, "triangular2": halved each cycle) or per step ("exp_range": ``gamma ** step``), or
    by ``scale_fn(x)`` with ``scale_mode``. The momentum (SGD) or beta1 (Adam) cycles inversely between
    ``max_momentum`` and ``base_momentum``. A ``scale_fn`` is not part of ``state_dict()``."""

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float], max_lr: float | list[float],
                 step_size_up: int = 2000, step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float | list[float] = 0.8,
                 max_momentum: float | list[float] = 0.9, last_epoch: int = -1):
        _check_optimizer(optimizer)
        base_lrs = _per_group(base_lr, "base_lr", optimizer)
        fresh = last_epoch == -1
        if fresh:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        self.max_lrs = _per_group(max_lr, "max_lr", optimizer)
        up = float(_positive_int(step_size_up, "step_size_up"))
        down = float(_positive_int(step_size_down, "step_size_down")) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range', got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.mode, self.gamma = mode, _real(gamma, "gamma")
        self.scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, fresh)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        if self.scale_fn_custom is not None:
            return self.scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [lo + (hi - lo) * factor * scale for lo, hi in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, lo, hi in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(self, group, hi - (hi - lo) * factor * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["scale_fn_custom"] = None  # a function is not data (as LambdaLR's); set it again after loading
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        fn = self.scale_fn_custom
        super().load_state_dict(state_dict)
        self.scale_fn_custom = fn


class MultiplicativeLR(LRScheduler):
    """Multiply every group's lr by ``lr_lambda(epoch)`` at each epoch after the first (one function, or one
    per group): ``lr(epoch) = lr(epoch - 1) * lr_lambda(epoch)``. The functions are not part of
    ``state_dict()`` (as LambdaLR's)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1):
        _check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(lambdas) != n:
            raise ValueError(f"Expected {n} lr_lambdas, but got {len(lambdas)}")
        if not all(callable(f) for f in lambdas):
            raise TypeError("MultiplicativeLR: lr_lambda must be a function of the epoch, or one per group")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch > 0:
            return [g["lr"] * float(f(self.last_epoch)) for g, f in zip(groups, self.lr_lambdas)]
        return [g["lr"] for g in groups]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.pop("lr_lambdas")
        return state


class ChainedScheduler(LRScheduler):
    """Step several schedulers of one optimizer together: each ``step()`` steps every one of them in turn, so
    their (chainable) factors multiply, e.g. a ConstantLR warm-up on top of an ExponentialLR decay.
    ``optimizer`` defaults to the first scheduler's; all must drive it (ReduceLROnPlateau cannot be chained)."""

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
        optimizer = optimizer if optimizer is not None else getattr(schedulers[0], "optimizer", None)
        _check_optimizer(optimizer)
        for i, sch in enumerate(schedulers):
            if not isinstance(sch, LRScheduler):
                raise TypeError(f"ChainedScheduler: scheduler {i} is a {type(sch).__name__}, not an LRScheduler")
            if isinstance(sch, ReduceLROnPlateau):
                raise ValueError(f"ChainedScheduler does not support ReduceLROnPlateau (its step needs the metric), "
                                 f"got one at index {i}")
            if sch.optimizer is not optimizer:
                raise ValueError(f"ChainedScheduler expects all schedulers to belong to the same optimizer, but "
                                 f"scheduler {i} drives another one")
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        for sch in self._schedulers:
            sch.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Own entries plus each scheduler's state_dict (under ``_schedulers``), PyTorch's layout."""
        return {"_last_lr": list(self._last_lr), "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not isinstance(state_dict, dict) or set(state_dict) != {"_last_lr", "_schedulers"}:
            raise ValueError("ChainedScheduler.load_state_dict: expected the keys '_last_lr' and '_schedulers', got "
                             f"{sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__}")
        parts = state_dict["_schedulers"]
        if len(parts) != len(self._schedulers):
            raise ValueError(f"ChainedScheduler.load_state_dict: {len(parts)} saved schedulers for "
                             f"{len(self._schedulers)}")
        for sch, part in zip(self._schedulers, parts):
            sch.load_state_dict(part)
        self._last_lr = list(state_dict["_last_lr"])


#: PyTorch's older name of the base class, which custom schedules in older code subclass.
_LRScheduler = LRScheduler

__all__ += ["MultiplicativeLR", "ChainedScheduler"]
