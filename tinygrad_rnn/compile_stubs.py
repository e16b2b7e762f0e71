"""``torch.compile``, ``torch.jit`` and ``torch.set_printoptions`` for programs that call them: there is no
compiler here, so compile/script/trace return what they are given (the model runs as written, eagerly), and
``set_printoptions`` (PyTorch's print options) is the one of tensor_str.py, which prints tensors."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

from .tensor_str import set_printoptions

__all__ = ["compile", "jit", "set_printoptions"]


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
