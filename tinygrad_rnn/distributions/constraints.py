"""The parameter and support constraints of PyTorch's ``torch.distributions.constraints`` that the
distributions here use. ``check(value)`` returns a numpy bool array (one entry per batch element: a
constraint with ``event_dim`` 1 reduces the last dimension) and never enters the autograd graph."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Constraint", "boolean", "dependent", "dependent_property", "greater_than", "greater_than_eq",
           "half_open_interval", "independent", "integer_interval", "interval", "is_dependent", "less_than",
           "nonnegative", "nonnegative_integer", "one_hot", "positive", "real", "real_vector", "simplex",
           "unit_interval"]


def _np(value: Any) -> np.ndarray:
    return np.asarray(getattr(value, "data", value))


class Constraint:
    """A region of valid values; ``event_dim`` is the number of rightmost dimensions one event spans."""
    is_discrete = False
    event_dim = 0

    def check(self, value: Any) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.__class__.__name__[1:] + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (Uniform's bounds): not checked at construction."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0):
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def __call__(self, *, is_discrete: bool = False, event_dim: int = 0) -> _Dependent:
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value: Any) -> np.ndarray:
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint: Any) -> bool:
    return isinstance(constraint, _Dependent)


class dependent_property(property):
    """A property that returns a constraint built from the instance (``Uniform.support``)."""

    def __init__(self, fn: Any = None, *, is_discrete: bool = False, event_dim: int = 0):
        super().__init__(fn)
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def __call__(self, fn: Any) -> dependent_property:  # the decorator-with-arguments form
        return dependent_property(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


class _Real(Constraint):
    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return v == v  # False only for NaN


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return (v == 0) | (v == 1)


class _OneHot(Constraint):
    is_discrete, event_dim = True, 1

    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return ((v == 0) | (v == 1)).all(-1) & (v.sum(-1) == 1)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any, upper_bound: Any):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return (v % 1 == 0) & (_np(self.lower_bound) <= v) & (v <= _np(self.upper_bound))

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any):
        self.lower_bound = lower_bound

    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return (v % 1 == 0) & (v >= _np(self.lower_bound))

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: Any):
        self.lower_bound = lower_bound

    def check(self, value: Any) -> np.ndarray:
        return _np(self.lower_bound) < _np(value)

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value: Any) -> np.ndarray:
        return _np(self.lower_bound) <= _np(value)

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    def __init__(self, upper_bound: Any):
        self.upper_bound = upper_bound

    def check(self, value: Any) -> np.ndarray:
        return _np(value) < _np(self.upper_bound)

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return (_np(self.lower_bound) <= v) & (v <= _np(self.upper_bound))

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return (_np(self.lower_bound) <= v) & (v < _np(self.upper_bound))

    def __repr__(self) -> str:
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Simplex(Constraint):
    """Non-negative entries summing to 1 (within 1e-6, as torch) along the last dimension."""
    event_dim = 1

    def check(self, value: Any) -> np.ndarray:
        v = _np(value)
        return (v >= 0).all(-1) & (np.abs(v.sum(-1) - 1) < 1e-6)


class _IndependentConstraint(Constraint):
    """``base`` with its ``reinterpreted_batch_ndims`` rightmost dimensions folded into the event."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int):
        self.base_constraint, self.reinterpreted_batch_ndims = base, int(reinterpreted_batch_ndims)

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value: Any) -> np.ndarray:
        ok = np.asarray(self.base_constraint.check(value))
        n = self.reinterpreted_batch_ndims
        return ok.reshape(ok.shape[:ok.ndim - n] + (-1,)).all(-1) if n else ok

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


dependent = _Dependent()
independent = _IndependentConstraint
real = _Real()
real_vector = _IndependentConstraint(real, 1)
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
integer_interval = _IntegerInterval
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
