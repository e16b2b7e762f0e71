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


class UnsupportedDtype:
    """A PyTorch dtype numpy has no counterpart for (``torch.bfloat16``): the name exists, so a script's table of
    dtypes (``{"bfloat16": torch.bfloat16, ...}``) still builds and comparisons give False; making a tensor of it
    raises TypeError naming it and what to use."""

    def __init__(self, name: str, instead: str):
        self.name, self.instead = name, instead

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def unsupported(self) -> TypeError:
        return TypeError(f"torch.{self.name} is not available here (numpy has no {self.name} type); use "
                         f"{self.instead}")


bfloat16 = UnsupportedDtype("bfloat16", "torch.float32 (or torch.float16 for storage)")


def to_dtype(dtype: Any) -> np.dtype:
    """A numpy dtype from anything naming one: ``float32`` (ours or numpy's), ``"float32"``, ``"torch.float32"``,
    a legacy type name such as ``"torch.LongTensor"``, or Python's ``float`` (the default float dtype),
    ``int`` (int64) and ``bool``."""
    if dtype is float:
        return _default_dtype
    if isinstance(dtype, UnsupportedDtype) or dtype in ("bfloat16", "torch.bfloat16"):
        raise (dtype if isinstance(dtype, UnsupportedDtype) else bfloat16).unsupported()
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


# ---- PyTorch's type promotion ----------------------------------------------------------------------------
# numpy's differs where an integer meets a float: numpy widens (int64 with float32 is float64), PyTorch keeps
# the float (float32). Python numbers only lift the category (bool < integer < float < complex): x32 * 2.5
# stays float32, int64 * 2.5 is the default float. This is the rule the arithmetic ops follow
# (ops.arithmetic._torch_float), with one deliberate difference from PyTorch kept: a 0-d tensor counts as a
# tensor, so float32 with a float64 0-d tensor gives float64 (PyTorch: float32), as in the arithmetic.

def _category(dt: np.dtype) -> int:
    return {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}.get(dt.kind, 1)


def promote_types(a: Any, b: Any) -> np.dtype:
    """PyTorch's ``torch.promote_types``: numpy's rule, except that a bool or integer dtype meeting a floating
    (or complex) one gives that dtype."""
    a, b = to_dtype(a), to_dtype(b)
    ca, cb = _category(a), _category(b)
    if ca >= 2 and cb < 2:
        return a
    if cb >= 2 and ca < 2:
        return b
    return np.promote_types(a, b)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """PyTorch's ``combine_categories``: ``lower`` (the Python numbers' dtype) counts only when its category is
    above ``higher``'s (the tensors'), and then it is promoted with it."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    ch, cl = _category(higher), _category(lower)
    if ch == 3:
        return higher
    if cl == 3:  # a complex number keeps a float tensor's precision (float64 with 1j: complex128)
        return np.dtype(np.complex128 if higher == float64 else np.complex64) if ch == 2 else lower
    if ch == 2:
        return higher
    return promote_types(higher, lower) if ch == 0 or cl == 2 else higher


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an elementwise op over ``operands``: arrays or Tensors (anything with ``.dtype``) promote
    by ``promote_types``; Python numbers (and numpy scalars) are weak, a float being the default float dtype,
    an int int64, a bool bool. ``where(c, f32, i64)`` and ``where(c, f32, 0.5)`` are float32,
    ``where(c, 1, 0)`` int64, ``where(c, 1.0, 0)`` the default float."""
    tensors = numbers = None
    for x in operands:
        if isinstance(x, (bool, int, float, complex, np.generic)):
            kind = x.dtype.kind if isinstance(x, np.generic) else {bool: "b", int: "i", float: "f"}.get(type(x), "c")
            dt = {"b": bool_, "i": int64, "u": int64, "f": _default_dtype}.get(
                kind, np.dtype(np.complex64 if _default_dtype == float32 else np.complex128))
            numbers = dt if numbers is None else promote_types(numbers, dt)
        else:
            dt = np.dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype
            tensors = dt if tensors is None else promote_types(tensors, dt)
    out = _combine(tensors, numbers)
    if out is None:
        raise TypeError("result_type needs at least one operand")
    return out


_INT_RANGES = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
               for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)}


def int_scalar(value: Any, dtype: np.dtype, checked: bool = False) -> Any:
    """A Python int operand of an integer tensor of ``dtype``, as PyTorch converts it where numpy raises
    OverflowError: wrapped modulo 2**bits into the dtype's range, so ``uint8 - 2`` computes with 254
    (``x + 254`` wraps to ``x - 2``) and ``uint8 // -2`` divides by 254. The arithmetic, comparison and
    bitwise operators wrap any int64 (or uint64) value; ``checked`` (where, masked_fill: PyTorch's checked
    conversion) allows only the dtype's range and, for an unsigned one, down to minus its largest value, and
    raises PyTorch's RuntimeError beyond. Anything else (a float, a bool, an array) or a non-integer dtype:
    ``value`` unchanged."""
    if type(value) is not int:
        return value
    bounds = _INT_RANGES.get(dtype)
    if bounds is None or bounds[0] <= value <= bounds[1]:
        return value
    low, high = bounds
    if checked and not (low == 0 and -high <= value < 0):
        raise RuntimeError(f"value cannot be converted to type {dtype} without overflow")
    if not -2**63 <= value < 2**64:
        raise OverflowError(f"int too big to convert: {value}")
    return (value - low) % (high - low + 1) + low
