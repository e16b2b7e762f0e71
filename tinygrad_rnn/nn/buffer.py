"""``nn.Buffer``: PyTorch 2.5's marker for module state that is not a parameter. Assigned as a module
attribute (``self.running = nn.Buffer(t)``) it is registered as a buffer, as ``register_buffer`` would."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor

__all__ = ["Buffer"]


class Buffer(Tensor):
    """``Buffer(data=None, *, persistent=True)``: a Tensor (sharing ``data``'s array, requires_grad as
    ``data``'s) that a Module registers as a buffer when assigned; ``persistent=False`` keeps it out of
    ``state_dict()``."""

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True):
        if data is None:
            data = []  # PyTorch's empty(0), in the default dtype
        super().__init__(data, requires_grad=bool(isinstance(data, Tensor) and data.requires_grad))
        self.persistent = bool(persistent)
