"""``torch.use_deterministic_algorithms`` and its two queries.

Every op here is numpy on the CPU, which gives the same result on every run with the same seed, so there is
nothing to switch: the flags are recorded so that programs which set them and read them back (or save them in
a run's configuration) see what they set, as in PyTorch."""
from __future__ import annotations

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled"]

_mode = False
_warn_only = False


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record ``mode`` and ``warn_only`` (both bools, as PyTorch demands); the ops are deterministic either way."""
    global _mode, _warn_only
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{type(warn_only).__name__}")
    _mode, _warn_only = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """The ``mode`` last given to ``use_deterministic_algorithms`` (False at start)."""
    return _mode


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` last given to ``use_deterministic_algorithms`` (False at start)."""
    return _warn_only
