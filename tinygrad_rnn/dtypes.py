"""The default floating dtype given to Python scalars and lists (float32, as for training)."""
from __future__ import annotations

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
