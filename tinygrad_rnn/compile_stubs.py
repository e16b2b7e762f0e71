"""``torch.compile``, ``torch.jit`` and ``torch.set_printoptions`` for programs that call them: there is no
compiler here, so compile/script/trace return what they are given (the model runs as written, eagerly), and
the print options are numpy's (Tensor's repr is numpy's array2string)."""
from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

__all__ = ["compile", "jit", "set_printoptions"]

_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
             "full": {"precision": 4, "threshold": sys.maxsize, "edgeitems": 3, "linewidth": 80}}


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:
    """PyTorch's ``torch.compile``: no compilation here -- returns ``model`` unchanged (or, called without
    one, a decorator that does)."""
    if model is None:
        return lambda fn: fn
    return model


def _script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None, example_inputs: Any = None) -> Any:
    """``torch.jit.script``: returns ``obj`` unchanged (no TorchScript here)."""
    return obj


def _trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``torch.jit.trace``: returns ``func`` unchanged (no tracing here)."""
    return func


def _passthrough(fn: Any = None, **kwargs: Any) -> Any:
    """``torch.jit.ignore``/``unused``/``export``: decorators that leave the function as it is."""
    return fn if fn is not None else (lambda f: f)


jit = SimpleNamespace(script=_script, trace=_trace, ignore=_passthrough, unused=_passthrough,
                      export=_passthrough, is_scripting=lambda: False, is_tracing=lambda: False)
"""``torch.jit``'s entry points as no-ops: script and trace return their argument."""


def set_printoptions(precision: int | None = None, threshold: int | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """PyTorch's print options, applied to numpy's (which Tensor's repr uses -- and so does every numpy
    array's). ``profile`` is "default", "short" or "full"; ``sci_mode=False`` suppresses scientific notation
    (numpy's ``suppress``), True or None leave numpy's choice."""
    opts: dict[str, Any] = {}
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        opts.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            opts[name] = value
    if sci_mode is not None:
        opts["suppress"] = not sci_mode
    np.set_printoptions(**opts)
