"""The dtype a new module's parameters get: the ``dtype=`` argument, else the library default."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype


def param_dtype(dtype: Any) -> np.dtype:
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"parameters need a floating dtype such as float32 or float64, got {dt}")
    return dt
