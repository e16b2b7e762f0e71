"""Private helpers shared by the functional modules: tensor/target coercion, loss reductions, argument checks."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...tensor import Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _target_array(target: Any) -> np.ndarray:
    return np.asarray(target.data if isinstance(target, Tensor) else target)


def _reduce(losses: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{name}: reduction must be one of ('mean', 'sum', 'none'), got {reduction!r}")


def _no_legacy(name: str, size_average: Any, reduce: Any) -> None:
    if size_average is not None or reduce is not None:
        raise TypeError(f"{name}: size_average and reduce are deprecated in PyTorch; use reduction=")


def _same_shape(input: Tensor, target: Any, name: str) -> None:
    shape = tuple(np.shape(_target_array(target)))
    if shape != input.shape:
        raise ValueError(f"{name}: target shape {shape} must equal input shape {input.shape}")


def _as_like(x: Any, like: Tensor) -> Tensor:
    """``x`` as a Tensor (a target array is converted to the input's float dtype)."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=like.dtype))


def _one(value: Any, name: str, fn: str, minimum: int = 1) -> int:
    """An int from ``value`` or a 1-tuple of it (PyTorch takes both for 1-D layers), at least ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{fn}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{fn}: {name} must be at least {minimum}, got {value}")
    return int(value)


def _spatial_input(input: Any, fn: str, d: int) -> Tensor:
    """``(N, C, *size)`` or unbatched ``(C, *size)`` with ``d`` spatial dimensions, as PyTorch's d-D layers take."""
    input = _tensor(input)
    if input.ndim not in (d + 1, d + 2):
        dims = ("L", "H, W", "D, H, W")[d - 1]
        raise ValueError(f"{fn}: expected a {d + 1}-D (unbatched) (C, {dims}) or {d + 2}-D (batched) (N, C, {dims}) "
                         f"input, got shape {input.shape}")
    return input


def _sequence_input(input: Any, fn: str) -> Tensor:
    """``(N, C, L)`` or unbatched ``(C, L)``, as PyTorch's 1-D layers take."""
    return _spatial_input(input, fn, 1)


def _image_input(input: Any, fn: str) -> Tensor:
    """``(N, C, H, W)`` or unbatched ``(C, H, W)``, as PyTorch's 2-D layers take."""
    return _spatial_input(input, fn, 2)


def _volume_input(input: Any, fn: str) -> Tensor:
    """``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)``, as PyTorch's 3-D layers take."""
    return _spatial_input(input, fn, 3)


def _ntuple(value: Any, name: str, fn: str, d: int, minimum: int = 1) -> tuple[int, ...]:
    """``d`` ints from an int or a 1- or d-tuple (a single value serves every dimension, as PyTorch), each at
    least ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) not in (1, d):
            kind = "an int or a 1-tuple" if d == 1 else f"a single int or a tuple of {d} ints"
            raise ValueError(f"{fn}: {name} must be {kind}, got {value!r}")
        values = tuple(value) * (d // len(value))
        return tuple(_one(v, name, fn, minimum) for v in values)
    return (_one(value, name, fn, minimum),) * d


def _pair(value: Any, name: str, fn: str, minimum: int = 1) -> tuple[int, int]:
    """``(h, w)`` from an int or a 1- or 2-tuple (see :func:`_ntuple`)."""
    return _ntuple(value, name, fn, 2, minimum)  # type: ignore[return-value]


