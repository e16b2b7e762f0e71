"""The default floating dtype given to Python scalars and lists (float32, as for training)."""
from __future__ import annotations

from typing import Any

import numpy as np

_default_dtype: np.dtype = np.dtype(np.float32)


def set_default_dtype(dtype: np.dtype | type | str) -> None:
    """Set the dtype that Python numbers and lists become (float32 or float64)."""
    global _default_dtype
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"default dtype must be a floating dtype such as float32 or float64, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> np.dtype:
    """The dtype that Python numbers and lists become when made into Tensors."""
    return _default_dtype


# PyTorch's dtype names (``torch.float32``...) as numpy dtypes; ``float``/``double``/``long``/``int``/``bool``
# aliases are bound in the package's __init__ (here they would shadow the builtins).
float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

_BUILTIN = {float: float32, int: int64, bool: bool_}  # what torch.tensor(...) gives Python numbers
_LEGACY = {"torch.FloatTensor": float32, "torch.DoubleTensor": float64, "torch.LongTensor": int64,
           "torch.IntTensor": int32, "torch.BoolTensor": bool_, "torch.HalfTensor": float16,
           "torch.ByteTensor": uint8, "torch.ShortTensor": int16, "torch.CharTensor": int8}


def to_dtype(dtype: Any) -> np.dtype:
    """A numpy dtype from anything naming one: ``float32`` (ours or numpy's), ``"float32"``, ``"torch.float32"``,
    a legacy type name such as ``"torch.LongTensor"``, or Python's ``float`` (the default float dtype),
    ``int`` (int64) and ``bool``."""
    if dtype is float:
        return _default_dtype
    if dtype is int or dtype is bool:  # identity: np.dtype("int64") == int is True
        return _BUILTIN[dtype]
    if isinstance(dtype, str):
        if dtype in _LEGACY:
            return _LEGACY[dtype]
        name = dtype[len("torch."):] if dtype.startswith("torch.") else dtype
        name = {"float": "float32", "double": "float64", "long": "int64", "int": "int32", "half": "float16"}.get(name, name)
        return np.dtype(name)
    legacy = getattr(dtype, "dtype", None)  # torch.LongTensor and the other legacy constructors
    if callable(dtype) and isinstance(legacy, np.dtype):
        return legacy
    return np.dtype(dtype)


def legacy_type_name(dtype: np.dtype) -> str:
    """PyTorch's ``Tensor.type()`` string for ``dtype``, e.g. ``"torch.FloatTensor"``."""
    for name, dt in _LEGACY.items():
        if dt == dtype:
            return name
    return f"torch.{np.dtype(dtype).name}"
