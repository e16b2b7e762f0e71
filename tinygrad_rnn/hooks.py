"""``RemovableHandle`` (PyTorch's ``torch.utils.hooks.RemovableHandle``): what ``Tensor.register_hook``,
``Module.register_forward_hook`` and ``register_forward_pre_hook`` return."""
from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from typing import Any

__all__ = ["RemovableHandle", "add_hook"]


class RemovableHandle:
    """``handle.remove()`` (or leaving a ``with handle:`` block) unregisters the hook; removing twice is harmless."""

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Any]):
        self.id = next(RemovableHandle._ids)
        self._hooks = weakref.ref(hooks)

    def remove(self) -> None:
        hooks = self._hooks()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def add_hook(hooks: OrderedDict[int, Any], entry: Any, prepend: bool = False) -> RemovableHandle:
    """Register ``entry`` in the ordered ``hooks`` (last, or first with ``prepend``); its handle removes it."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = entry
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle
