"""Padding layers: ``ReflectionPad``, ``ReplicationPad``, ``CircularPad``, ``ZeroPad`` and ``ConstantPad``, each in
1-D, 2-D and 3-D forms, thin wrappers of :func:`F.pad` with PyTorch's ordering (last dimension first)."""
from __future__ import annotations

from typing import Sequence

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = [f"{kind}Pad{d}d" for kind in ("Reflection", "Replication", "Circular", "Zero", "Constant") for d in (1, 2, 3)]


def _widths(padding: int | Sequence[int], dims: int) -> tuple[int, ...]:
    """An int pads every side of the last ``dims`` dimensions; a tuple is taken as given (PyTorch's order)."""
    return (int(padding),) * (2 * dims) if isinstance(padding, int) else tuple(int(p) for p in padding)


class _PadNd(Module):
    """One padding mode over the last ``_dims`` dimensions."""

    _mode = "constant"
    _dims = 1

    def __init__(self, padding: int | Sequence[int]):
        super().__init__()
        self.padding = _widths(padding, self._dims)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (self._dims + 1, self._dims + 2):
            raise ValueError(f"expected {self._dims + 1}D or {self._dims + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, self._mode)


class _ConstantPadNd(_PadNd):
    """``ConstantPadNd(padding, value)``: pads with ``value``; any input with at least ``len(padding) / 2`` dims."""

    def __init__(self, padding: int | Sequence[int], value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    """``ZeroPadNd(padding)``: constant padding with zeros."""

    def __init__(self, padding: int | Sequence[int]):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _layer(base: type, kind: str, dims: int) -> type:
    name = f"{kind}Pad{dims}d"
    shape = {1: "(C, W) or (N, C, W)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}[dims]
    doc = (f"``{name}(padding{', value' if base is _ConstantPadNd else ''})``: {kind.lower()} padding of the last "
           f"{dims} dimension(s); ``padding`` an int (every side) or a {2 * dims}-tuple (last dimension first)")
    if base in (_PadNd, _CircularPadNd):
        doc += f"; input {shape}"
    mode = {"Reflection": "reflect", "Replication": "replicate", "Circular": "circular"}.get(kind, "constant")
    return type(name, (base,), {"_mode": mode, "_dims": dims, "__doc__": doc + ".", "__module__": __name__})


ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = (_layer(_PadNd, "Reflection", d) for d in (1, 2, 3))
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = (_layer(_PadNd, "Replication", d) for d in (1, 2, 3))
CircularPad1d, CircularPad2d, CircularPad3d = (_layer(_CircularPadNd, "Circular", d) for d in (1, 2, 3))
ZeroPad1d, ZeroPad2d, ZeroPad3d = (_layer(_ZeroPadNd, "Zero", d) for d in (1, 2, 3))
ConstantPad1d, ConstantPad2d, ConstantPad3d = (_layer(_ConstantPadNd, "Constant", d) for d in (1, 2, 3))
