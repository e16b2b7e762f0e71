"""PyTorch's tensor creation functions: ``tensor``, ``zeros``, ``arange``, ``randn``, ... and the legacy
``LongTensor``/``FloatTensor`` constructors.

Dtype inference is PyTorch's: Python floats (and float arrays made from lists) get the default dtype
(float32, see ``set_default_dtype``), Python ints int64, bools bool; numpy arrays keep their dtype. Random
tensors draw from :mod:`tinygrad_rnn.random`'s generator (``manual_seed``), or from ``generator=`` (a numpy
``Generator``): the numbers differ from PyTorch's for the same seed.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .device import check_device
from .dtypes import get_default_dtype, to_dtype
from .random import get_generator
from .tensor import Tensor, _sizes

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like",
    "empty_like", "rand", "randn", "rand_like", "randn_like", "randint", "randperm", "arange", "linspace", "eye",
    "LongTensor", "FloatTensor", "DoubleTensor", "IntTensor", "BoolTensor", "is_tensor", "numel",
]


def _leaf(array: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    if device is not None:
        check_device(device)
    return Tensor(array, requires_grad=requires_grad)


def _unwrap(data: Any) -> Any:
    """Tensors inside (nested) lists become their arrays, so numpy can read the whole structure."""
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, (list, tuple)):
        return [_unwrap(d) for d in data]
    return data


def _infer(data: Any) -> np.ndarray:
    """``data`` as an array with PyTorch's dtype rule (floats from Python become the default dtype)."""
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    if isinstance(data, Tensor):
        return data.data
    arr = np.asarray(_unwrap(data))
    if arr.dtype.kind == "f" and not _holds_arrays(data):
        return arr.astype(get_default_dtype())
    return arr


def _holds_arrays(data: Any) -> bool:
    if isinstance(data, (np.ndarray, Tensor)):
        return True
    if isinstance(data, (list, tuple)) and data:
        return _holds_arrays(data[0])
    return False


def _float_dtype(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else to_dtype(dtype)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (number, nested list, numpy array or Tensor)."""
    if dtype is not None:  # straight to the requested dtype (no rounding through the default float first)
        arr = np.array(_unwrap(data), dtype=to_dtype(dtype), copy=True)
    else:
        arr = np.array(_infer(data), copy=True)
    return _leaf(arr, device, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with a numpy array or Tensor when no conversion is needed."""
    if isinstance(data, Tensor) and (dtype is None or to_dtype(dtype) == data.dtype):
        return data
    if dtype is not None and not isinstance(data, (np.ndarray, Tensor)):
        return _leaf(np.asarray(_unwrap(data), dtype=to_dtype(dtype)), device, False)
    arr = _infer(data)
    return _leaf(arr if dtype is None else arr.astype(to_dtype(dtype), copy=False), device, False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` (ints or one sequence) filled with 0."""
    return _leaf(np.zeros(_sizes(size), dtype=_float_dtype(dtype)), device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.ones(_sizes(size), dtype=_float_dtype(dtype)), device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Unspecified values in PyTorch; zeros here (deterministic)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (bool, int64 or the default float)."""
    if dtype is None:
        dtype = np.bool_ if isinstance(fill_value, bool) else (
            np.int64 if isinstance(fill_value, numbers.Integral) else get_default_dtype())
    return _leaf(np.full(_sizes((size,)), fill_value, dtype=to_dtype(dtype)), device, requires_grad)


def _like(x: Tensor, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    arr = x.data if isinstance(x, Tensor) else np.asarray(x)
    return arr.shape, (arr.dtype if dtype is None else to_dtype(dtype))


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype)
    return _leaf(np.zeros(shape, dtype=dt), device, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype)
    return _leaf(np.ones(shape, dtype=dt), device, requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype)
    return _leaf(np.full(shape, fill_value, dtype=dt), device, requires_grad)


def rand(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples of ``size``."""
    values = get_generator(generator).random(_sizes(size))
    return _leaf(values.astype(_float_dtype(dtype)), device, requires_grad)


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples of ``size``."""
    values = get_generator(generator).standard_normal(_sizes(size))
    return _leaf(values.astype(_float_dtype(dtype)), device, requires_grad)


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype)
    return rand(shape, dtype=dt, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype)
    return randn(shape, dtype=dt, device=device, requires_grad=requires_grad)


def randint(*args: Any, size: Any = None, generator: Any = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high) (int64 by default)."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    if len(bounds) == 1:
        low, high = 0, bounds[0]
    elif len(bounds) == 2:
        low, high = bounds
    else:
        raise TypeError("randint(low=0, high, size): give high (and optionally low) and a size tuple")
    if high <= low:
        raise RuntimeError(f"randint: low ({low}) must be less than high ({high})")
    values = get_generator(generator).integers(low, high, size=_sizes((size,)))
    return _leaf(values.astype(np.int64 if dtype is None else to_dtype(dtype)), device, requires_grad)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    values = get_generator(generator).permutation(int(n))
    return _leaf(values.astype(np.int64 if dtype is None else to_dtype(dtype)), device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step)``: int64 when all are integers, else the default float dtype."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _leaf(np.arange(start, end, step, dtype=np.float64 if np.dtype(dtype).kind == "f" else None)
                 .astype(to_dtype(dtype)), device, requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _leaf(np.linspace(start, end, int(steps)).astype(_float_dtype(dtype)), device, requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity (m defaults to n)."""
    return _leaf(np.eye(n, m, dtype=_float_dtype(dtype)), device, requires_grad)


def _legacy(dtype: np.dtype):
    def make(*args: Any) -> Tensor:
        if not args:
            return Tensor(np.zeros((0,), dtype=dtype))
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return Tensor(np.zeros(args, dtype=dtype))  # LongTensor(2, 3): a (2, 3) tensor (zeros here)
        if len(args) == 1:
            return Tensor(np.array(_unwrap(args[0]), dtype=dtype))
        raise TypeError(f"{make.__name__}(*sizes) or {make.__name__}(data)")

    make.dtype = dtype  # so x.type(torch.LongTensor) and to_dtype(torch.LongTensor) name this dtype
    return make


LongTensor = _legacy(np.dtype(np.int64))
LongTensor.__name__ = "LongTensor"
FloatTensor = _legacy(np.dtype(np.float32))
FloatTensor.__name__ = "FloatTensor"
DoubleTensor = _legacy(np.dtype(np.float64))
DoubleTensor.__name__ = "DoubleTensor"
IntTensor = _legacy(np.dtype(np.int32))
IntTensor.__name__ = "IntTensor"
BoolTensor = _legacy(np.dtype(np.bool_))
BoolTensor.__name__ = "BoolTensor"
for _f in (LongTensor, FloatTensor, DoubleTensor, IntTensor, BoolTensor):
    _f.__doc__ = "Legacy constructor: ``X(data)`` copies data in this dtype; ``X(*sizes)`` is a zero tensor of that shape."


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


