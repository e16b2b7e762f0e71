"""Which classes ``load`` may rebuild: PyTorch's ``weights_only`` allowlist (``torch.serialization.safe_globals``).

A whole-module checkpoint names the classes of its modules. ``load`` constructs only classes of tinygrad_rnn
itself and the classes a caller has declared trusted, by object, with ``add_safe_globals([Net])`` (for the rest
of the process) or ``with safe_globals([Net]): ...`` (for the block). As in PyTorch a class is identified by
``f"{cls.__module__}.{cls.__qualname__}"``; an entry ``(cls, "some.module.Name")`` allows ``cls`` under another
name (a class that moved since the file was written).

``load(path, weights_only=False)`` (PyTorch's "I trust this file") also constructs the ``nn.Module`` classes
the program has already imported (``__main__.Net`` of the running script, ``model.RNNModel`` after
``import model``): ``imported_classes`` finds them in ``sys.modules``, importing nothing, and still nothing is
unpickled.
"""
from __future__ import annotations

import importlib
import pickle
import sys
import types
from typing import Any, Iterable

__all__ = ["UnsafeClassError", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "class_name", "resolve_class", "imported_classes"]

_LIBRARY = "tinygrad_rnn"
_allowed: list[Any] = []  # what the caller added, in order, as given (a class or a (class, name) pair)


class UnsafeClassError(pickle.UnpicklingError):
    """``load`` met a class it may not construct. A ``pickle.UnpicklingError``, as PyTorch's ``weights_only`` load
    raises, so ``except pickle.UnpicklingError`` catches it in both libraries (nothing is unpickled here)."""


def class_name(cls: type) -> str:
    """The name a checkpoint records for ``cls``: ``module.qualname``, as PyTorch's allowlist spells it."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _entry_name(entry: Any) -> tuple[str, Any]:
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError(f"a safe_globals entry is a class or a (class, 'module.Name') pair, got {entry!r}")
        return entry[1], entry[0]
    if not isinstance(entry, type):
        raise TypeError(f"safe_globals takes classes, got {type(entry).__name__} {entry!r}")
    return class_name(entry), entry


def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allow ``load`` to construct these classes (each a class or a ``(class, "module.Name")`` pair) from now on."""
    entries = list(safe_globals)
    for entry in entries:
        _entry_name(entry)  # validate all before adding any
    for entry in entries:
        if entry not in _allowed:
            _allowed.append(entry)


def get_safe_globals() -> list[Any]:
    """The classes (and pairs) added by ``add_safe_globals`` / an active ``safe_globals`` block."""
    return list(_allowed)


def clear_safe_globals() -> None:
    """Forget every class added by ``add_safe_globals``; tinygrad_rnn's own classes stay allowed."""
    _allowed.clear()


class safe_globals:
    """``with safe_globals([Net, Encoder]): model = load(path)``: the classes are allowed inside the block only.

    On exit the allowlist is what it was on entry (PyTorch removes the block's classes instead, which also drops
    one that ``add_safe_globals`` had allowed before the block)."""

    def __init__(self, safe_globals: Iterable[Any]):
        self.safe_globals = list(safe_globals)
        for entry in self.safe_globals:
            _entry_name(entry)
        self._saved: list[list[Any]] = []

    def __enter__(self) -> None:
        self._saved.append(list(_allowed))
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc: Any) -> None:
        _allowed[:] = self._saved.pop()


def _library_class(name: str) -> type | None:
    """The tinygrad_rnn class called ``name`` (``tinygrad_rnn.nn.rnn.LSTM``), or None if there is none."""
    module_name, _, qualname = name.rpartition(".")
    parts = module_name.split(".")
    # the class may be nested (qualname with dots): try the longest importable module prefix first
    for cut in range(len(parts), 0, -1):
        mod_name = ".".join(parts[:cut])
        if mod_name != _LIBRARY and not mod_name.startswith(_LIBRARY + "."):
            return None
        try:
            obj: Any = importlib.import_module(mod_name)
        except ImportError:
            continue
        for attr in parts[cut:] + [qualname]:
            if attr.startswith("__") or attr == "<locals>":
                return None
            obj = getattr(obj, attr, None)
        return obj if isinstance(obj, type) else None
    return None


def resolve_class(name: str, base: type) -> type | None:
    """The class ``name`` if ``load`` may construct it (a subclass of ``base`` in tinygrad_rnn, or allowed by the
    caller), else None. Nothing outside tinygrad_rnn is imported: a caller's class is found among the allowed."""
    for entry in reversed(_allowed):
        entry_name, cls = _entry_name(entry)
        if entry_name == name:
            return cls
    if name.startswith(_LIBRARY + "."):
        cls = _library_class(name)
        if cls is not None and issubclass(cls, base):
            return cls
    return None


def imported_classes(names: Iterable[str], base: type) -> list[tuple[type, str]]:
    """``(cls, name)`` for each ``module.qualname`` in ``names`` that is a subclass of ``base`` defined under that
    very name in a module this process has already imported: what ``load`` may construct when its caller passes
    ``weights_only=False``. Nothing is imported and no code runs: the name is followed through module and class
    namespaces only (``vars``, no ``getattr``: no property, ``__getattr__`` or lazy import), never through a
    private name, and a class met under another name (an alias) is not taken."""
    found = []
    for name in names:
        module_name, _, qualname = name.rpartition(".")
        parts = module_name.split(".")
        for cut in range(len(parts), 0, -1):  # a nested class: the longest imported module prefix
            obj: Any = sys.modules.get(".".join(parts[:cut]))
            if obj is None:
                continue
            for attr in [*parts[cut:], qualname]:
                if obj is None or attr.startswith("_") or not isinstance(obj, (type, types.ModuleType)):
                    obj = None
                    break
                obj = vars(obj).get(attr)
            if isinstance(obj, type) and issubclass(obj, base) and class_name(obj) == name:
                found.append((obj, name))
            break
    return found
