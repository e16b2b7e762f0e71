"""Module-level forms of the Tensor methods, as PyTorch has them: ``torch.exp(x)`` is ``x.exp()``,
``torch.max(x, 1)`` is ``x.max(1)``, ``torch.cat([a, b], dim=1)`` joins along dim 1. The input may also be a
numpy array or a number (made a Tensor first). Each function's docstring is its method's."""
from __future__ import annotations

import builtins  # any/max/round... below are torch's: this module's own code uses the builtins by name
from typing import Any, Callable, Sequence

import numpy as np

from .nn.functional import concatenate, maximum, minimum, stack, where  # one function object for both names
from . import ops
from .dtypes import get_default_dtype, promote_types
from .tensor import Tensor

# elementwise functions, reductions, shape and indexing methods that have a torch.<name>(input, ...) form
_METHODS = (
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "abs", "neg", "negative", "sin", "cos", "tanh", "sigmoid",
    "relu", "square", "clamp", "clip", "remainder", "floor_divide", "add", "sub", "mul", "div", "pow", "matmul", "mm", "bmm",
    "eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "logical_not",
    "sum", "mean", "var", "std", "prod", "norm", "logsumexp", "max", "min", "amax", "amin", "argmax", "argmin",
    "topk", "sort", "argsort", "any", "all",
    "reshape", "squeeze", "unsqueeze", "flatten", "t", "transpose", "permute", "narrow", "split", "chunk",
    "unbind", "flip", "clone", "detach", "masked_fill", "gather", "index_select", "multinomial", "softmax",
    "log_softmax", "cumsum", "isnan", "isinf", "isfinite", "tril", "triu",
    # indexing and scatter
    "scatter", "scatter_add", "index_add", "index_fill", "masked_select", "nonzero", "argwhere", "take",
    "take_along_dim", "select",
    # rearranging
    "roll", "tile", "movedim", "moveaxis", "swapaxes", "swapdims", "diff", "diag", "diagonal", "broadcast_to",
    "tensor_split", "median",
    # elementwise, products and reductions
    "sign", "floor", "ceil", "round", "trunc", "fix", "frac", "reciprocal", "lerp", "addcmul", "addcdiv", "fmod",
    "nan_to_num", "clamp_min", "clamp_max", "exp_", "log_", "sqrt_", "tanh_", "sigmoid_", "relu_", "abs_", "neg_",
    "dot", "inner", "outer", "ger", "cumprod", "nansum", "count_nonzero", "unique", "bincount", "isclose",
)

__all__ = list(_METHODS) + ["repeat_interleave", "einsum", "meshgrid", "hstack", "vstack",
                            "column_stack", "row_stack", "cat", "concat", "concatenate", "stack", "where", "maximum", "minimum", "subtract",
                            "multiply", "divide", "true_divide", "atleast_1d", "atleast_2d", "broadcast_shapes",
                            "broadcast_tensors", "finfo", "iinfo", "promote_types", "set_num_threads",
                            "get_num_threads", "set_num_interop_threads", "get_num_interop_threads"]


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _module_level(name: str) -> Callable[..., Any]:
    method = getattr(Tensor, name)

    def fn(input: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = getattr(_as_tensor(input), name)(*args, **kwargs)
        return result if out is None else write_out(name, result, out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, ...)`` is ``input.{name}(...)``.\n\n{method.__doc__ or ''}"
    return fn


def write_out(name: str, result: Any, out: Any) -> Any:
    """``torch.<name>(..., out=out)``: ``result`` written into ``out`` (a Tensor, or a tuple of them for a
    tuple result), resized if its shape differs, as PyTorch does; ``out`` is returned. Not differentiable, as
    in PyTorch (an error while grad mode records a graph through it)."""
    from .autograd import is_grad_enabled, no_grad

    results, outs = (tuple(result), tuple(out)) if isinstance(result, tuple) else ((result,), (out,))
    if len(outs) != len(results) or not builtins.all(isinstance(o, Tensor) for o in outs):
        wanted = f"a tuple of {len(results)} Tensors" if len(results) > 1 else "Tensor"
        raise TypeError(f"{name}(): argument 'out' must be {wanted}, not {type(out).__name__}")
    if is_grad_enabled() and builtins.any(t.requires_grad for t in (*outs, *results)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    with no_grad():
        for o, r in zip(outs, results):
            r = r if isinstance(r, Tensor) else Tensor(np.asarray(r))
            if not np.can_cast(r.dtype, o.dtype, "same_kind"):
                raise RuntimeError(f"result type {r.dtype} can't be cast to the desired output type {o.dtype}")
            if o.shape != r.shape:
                o.data = np.empty(r.shape, dtype=o.dtype)  # torch resizes out to the result's shape
            o.copy_(r)
    return out


for _name in _METHODS:
    globals()[_name] = _module_level(_name)

subtract = globals()["sub"]
multiply = globals()["mul"]
divide = true_divide = globals()["div"]


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension ``dim``; all other dimensions must match."""
    if len(tensors) == 0:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    return concatenate(tensors, axis=dim if axis is None else axis)


concat = cat


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """``input.repeat_interleave(repeats, dim)``; with no ``repeats``, ``input`` holds the counts and the
    result is ``arange(len(input))`` with entry i repeated ``input[i]`` times (int64)."""
    if repeats is None:
        counts = np.asarray(input.data if isinstance(input, Tensor) else input)
        if counts.ndim > 1 or counts.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave: repeats must be a 1-D integer tensor, got {counts.dtype} "
                            f"of shape {counts.shape}")
        counts = counts.reshape(-1)
        return Tensor._wrap(np.repeat(np.arange(len(counts), dtype=np.int64), counts))
    return _as_tensor(input).repeat_interleave(repeats, dim, output_size=output_size)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: ``einsum("bij,bjk->bik", a, b)`` is a batched matmul; without ``->`` the output
    takes ``...`` then the letters used once, in alphabetical order. ``...`` broadcasts, a letter repeated in
    one operand takes its diagonal. Differentiable in every operand. Operands may come as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return ops.Einsum.apply(*[_as_tensor(o) for o in operands], equation=equation)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids of 1-D tensors: with ``indexing="ij"`` (the default, as PyTorch's) output i varies
    along dimension i; ``"xy"`` swaps the first two (numpy's/matplotlib's). Differentiable."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = [_as_tensor(t) for t in tensors]
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if builtins.any(t.ndim > 1 for t in ts):
        raise RuntimeError(f"meshgrid: expected 0-D or 1-D tensors, got shapes {[t.shape for t in ts]}")
    ts = [t.reshape(-1) for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.shape[0] for t in ts)
    grids = [t.reshape((1,) * i + (-1,) + (1,) * (len(ts) - i - 1)).expand(shape) for i, t in enumerate(ts)]
    if indexing == "xy" and len(ts) >= 2:  # the grids of the swapped inputs, swapped back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def hstack(tensors: Sequence[Any]) -> Tensor:
    """Join along dimension 1 (dimension 0 for 1-D tensors); 0-d tensors count as 1-D."""
    ts = [_at_least(t, 1) for t in tensors]
    return cat(ts, dim=0 if ts and ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    """Join along dimension 0 after making 0-d and 1-D tensors rows ``(1, n)``."""
    return cat([_at_least(t, 2) for t in tensors], dim=0)


row_stack = vstack


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """Join along dimension 1 after making 0-d and 1-D tensors columns ``(n, 1)``."""
    ts = [_as_tensor(t) for t in tensors]
    return cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in ts], dim=1)


def _at_least(t: Any, ndim: int) -> Tensor:
    t = _as_tensor(t)
    if t.ndim >= ndim:
        return t
    return t.reshape((1,) * (ndim - builtins.max(t.ndim, 1)) + (t.shape if t.ndim else (1,)))


def _each_at_least(tensors: tuple, ndim: int) -> Any:
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = tuple(_at_least(t, ndim) for t in ts)
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dimension (0-d becomes (1,)); one tensor in, one out."""
    return _each_at_least(tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dimensions ((n,) becomes (1, n)); one tensor in, one out."""
    return _each_at_least(tensors, 2)


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape that tensors of ``shapes`` broadcast to (a RuntimeError if they do not)."""
    try:
        return tuple(np.broadcast_shapes(*[(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: the shapes {[tuple(np.atleast_1d(s)) for s in shapes]} do not "
                           "broadcast to one shape") from None


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (views; differentiable)."""
    ts = [_as_tensor(t) for t in tensors]
    shape = broadcast_shapes(*[t.shape for t in ts])
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in ts)


class finfo:
    """``torch.finfo(dtype=None)``: machine limits of a floating dtype (the default dtype if None) as Python
    numbers, as PyTorch gives them: ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution`` and ``dtype`` (its name, e.g. ``"float32"``)."""

    def __init__(self, type: Any = None):
        from .dtypes import get_default_dtype, to_dtype

        dt = np.dtype(get_default_dtype()) if type is None else np.dtype(to_dtype(type))
        if dt.kind != "f":
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            f"'{dt}'")
        info = np.finfo(dt)
        self.bits, self.dtype = int(info.bits), dt.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # exactly 1e-06 for float32, as torch gives it

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """``torch.iinfo(dtype)``: the limits of an integer dtype as Python ints: ``bits``, ``min``, ``max`` and
    ``dtype`` (its name)."""

    def __init__(self, type: Any):
        from .dtypes import to_dtype

        dt = np.dtype(to_dtype(type))
        if dt.kind == "b":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if dt.kind not in "iu":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            f"'{dt}'")
        info = np.iinfo(dt)
        self.bits, self.min, self.max, self.dtype = int(info.bits), int(info.min), int(info.max), dt.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


# ---- threads ------------------------------------------------------------------------------------------
# numpy's BLAS (OpenBLAS) fixes its thread count when it is loaded, from OPENBLAS_NUM_THREADS (or
# OMP_NUM_THREADS): nothing here can change it at run time, so set_num_threads only records the value that
# get_num_threads reports. Set the variable before starting Python to change the BLAS threads.
def _env_threads() -> int:
    import os

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


_threads = {"intra": _env_threads(), "interop": _env_threads()}


def _check_threads(what: str, n: Any) -> int:
    if not isinstance(n, (int, np.integer)):
        raise RuntimeError(f"{what} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{what} expects a positive integer")
    return int(n)


def set_num_threads(n: int) -> None:
    """Record ``n`` as the intra-op thread count (PyTorch's name). numpy's BLAS keeps the count it started
    with (``OPENBLAS_NUM_THREADS``); the rest of this library is single-threaded numpy."""
    _threads["intra"] = _check_threads("set_num_threads", n)


def get_num_threads() -> int:
    """The count ``set_num_threads`` recorded; at start ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS``, else
    the CPU count."""
    return _threads["intra"]


def set_num_interop_threads(n: int) -> None:
    """Record ``n`` (PyTorch's inter-op pool; there is none here)."""
    _threads["interop"] = _check_threads("set_num_interop_threads", n)


def get_num_interop_threads() -> int:
    return _threads["interop"]


# ---- torch.autograd.Variable --------------------------------------------------------------------------
class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:  # as in PyTorch, every tensor is a Variable
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's legacy ``torch.autograd.Variable(data, requires_grad=False)``: Variables and Tensors merged
    long ago, so it returns a new tensor sharing ``data``'s values, cut from the graph (``data.detach()``),
    that requires grad when asked; ``volatile`` is ignored. ``Variable()`` is an empty tensor."""

    def __new__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> Any:
        if data is None:
            return Tensor._wrap(np.zeros(0, dtype=get_default_dtype()))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        return out.requires_grad_(True) if requires_grad else out
