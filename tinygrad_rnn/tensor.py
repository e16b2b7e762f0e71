"""``Tensor``: a numpy array that can record the operations applied to it and differentiate them."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from collections import OrderedDict, namedtuple
from types import SimpleNamespace

from . import autograd, ops
from .autograd import run_backward
from .device import check_device, cpu
from .device import is_device as _is_device
from .hooks import add_hook
from .dtypes import get_default_dtype, int_scalar, legacy_type_name, promote_types, result_type, to_dtype
from .ops.shape import _plain_index
from .random import get_generator
from . import low_rank
from .low_rank import LowRankGrad
from .sparse import RowSparseGrad
from .tensor_str import tensor_repr


def _backward_into(root: Tensor, grad: np.ndarray, inputs: Any, retain_graph: bool) -> None:
    """``root.backward(grad, inputs=inputs)``: only the given tensors' ``.grad`` is accumulated."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for t in inputs:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    capture: dict[int, Any] = {id(t): None for t in inputs}
    run_backward(root, grad, retain_graph, capture=capture)
    for t in inputs:
        g = capture[id(t)]
        if g is None:  # the root does not depend on it: its .grad stays as it was
            continue
        g = np.asarray(g, dtype=t.data.dtype)
        t._grad = g if t._grad is None else t.grad + g


def _assigned_grad(tensor: Tensor, value: Any) -> Any:
    """What ``tensor.grad = value`` stores, with PyTorch's checks: a Tensor is stored as its array (``.grad``
    is a numpy array here); a gradient of another shape or dtype is refused, as torch refuses it."""
    if value is None:
        return None
    from_tensor = isinstance(value, Tensor)
    if from_tensor:
        value = value.data
    elif type(value) is RowSparseGrad or type(value) is LowRankGrad:
        if tuple(value.shape) != tensor.data.shape:
            raise RuntimeError("assigned grad has data of a different size")
        return value
    elif isinstance(value, np.generic):  # a 0-d array's result in numpy (clipping a scalar parameter's grad)
        value = np.asarray(value)
    elif not isinstance(value, np.ndarray):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
    if value.shape != tensor.data.shape:
        raise RuntimeError("assigned grad has data of a different size")
    if value.dtype != tensor.data.dtype:
        # a numpy array of the same kind is cast: numpy arithmetic on a float32 .grad easily gives float64
        if from_tensor or not np.can_cast(value.dtype, tensor.data.dtype, "same_kind"):
            raise RuntimeError(f"assigned grad has data of a different type ({value.dtype}, the tensor's is "
                               f"{tensor.data.dtype})")
        value = value.astype(tensor.data.dtype)
    return value


class Tensor:
    """An n-dimensional array with reverse-mode autograd.

    ``Tensor(data, requires_grad=False, dtype=None)``: numpy float arrays keep their dtype (and are
    shared, not copied, like ``torch.from_numpy``); Python numbers and lists become the default dtype
    (float32, see ``set_default_dtype``); integer arrays stay integer and cannot require grad.
    """

    __slots__ = ("data", "_grad", "_requires_grad", "_ctx", "_hooks", "_vc", "__weakref__")
    __array_priority__ = 1000  # make `ndarray op Tensor` call our reflected operators
    __hash__ = object.__hash__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None):
        self._vc = None
        if isinstance(data, Tensor):
            source, data = data, data.data
            if dtype is None or to_dtype(dtype) == data.dtype:
                autograd.share_version(source, self)  # the same array: in-place changes count for both
        elif isinstance(data, np.generic):
            data = np.asarray(data)  # a numpy scalar keeps its dtype, like an array
        if dtype is not None:
            dtype = to_dtype(dtype)
        if isinstance(data, np.ndarray):
            array = data if dtype is None else data.astype(dtype, copy=False)
        else:
            array = np.asarray(data, dtype=get_default_dtype() if dtype is None else dtype)
        self.data: np.ndarray = array
        self._grad: Any = None  # see the grad property
        self._ctx = None
        self._hooks: OrderedDict | None = None  # handle id -> hook, in registration order
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """A Tensor over ``array`` without any checks: the fast path ops use."""
        t = object.__new__(Tensor)
        t.data = array
        t._grad = None
        t._ctx = None
        t._requires_grad = False
        t._hooks = None
        t._vc = None
        return t

    # ---- basic properties -------------------------------------------------------------------
    @property
    def grad(self) -> Any:
        """The accumulated gradient: a numpy array shaped like ``data`` (a ``RowSparseGrad`` for a sparse
        embedding), or None. A weight gradient that ``F.linear_cross_entropy`` left factored
        (``low_rank.LowRankGrad``) is multiplied out here, on first read, and stored as that array."""
        g = self._grad
        if type(g) is LowRankGrad:
            g = self._grad = g.to_dense()
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        object.__setattr__(self, "_grad", _assigned_grad(self, value))  # (past a Parameter's __setattr__)

    @property
    def shape(self) -> Size:
        """The dimension sizes as a ``torch.Size`` (a tuple: it compares, unpacks and indexes as one)."""
        return _Size(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None) -> Size | int:
        """The shape (a ``torch.Size``), or the length of dimension ``dim`` (PyTorch's ``size()``; numpy's count
        is ``numel()``)."""
        return _Size(self.data.shape) if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def _version(self) -> int:
        """How many times this tensor's values were changed in place through the Tensor API (PyTorch's
        ``_version``; views share it). Writes into ``.data``, the numpy array, are not counted."""
        return 0 if self._vc is None else self._vc.version

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied; detached from the graph)."""
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.item()

    def __format__(self, format_spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats as its Python number (as torch); others as ``str`` (an empty
        spec only, as any object)."""
        if self.data.ndim == 0:
            return self.data.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # np.array(t) must copy (numpy asks with copy=True): a snapshot of the weights must not move with them
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer tensor used as an index (``letters[topi]``), as in PyTorch."""
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError(f"only one-element integer tensors can be converted to an index, got {self.dtype} "
                            f"of shape {self.shape}")
        return int(self.data.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def __repr__(self) -> str:
        """As PyTorch prints it: ``tensor([1.5000, 2.0000], requires_grad=True)`` (see tensor_str.py)."""
        return tensor_repr(self)

    # ---- autograd ---------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward (settable on leaves, as in PyTorch)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this (leaf) tensor records operations for backward; returns self."""
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require grad, this one is {self.data.dtype}; "
                "convert it first, e.g. Tensor(x.astype(np.float32), requires_grad=True)"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) works on leaf tensors only; use .detach() here")
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf tensor sharing this data, cut from the graph (no gradient flows through it); an
        in-place change of either counts for both, as in PyTorch."""
        out = Tensor._wrap(self.data)
        autograd.share_version(self, out)
        return out

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (PyTorch's signature).

        ``gradient`` is the upstream gradient (same shape as self); it may be omitted for a one-element tensor.
        The graph is freed afterwards unless ``retain_graph=True``. ``inputs`` (a Tensor or a sequence of them):
        only their ``.grad`` is accumulated (they may be non-leaf tensors), as in PyTorch. ``create_graph=True``
        (differentiating the gradient again) is not provided: backward runs on numpy arrays.
        """
        if create_graph:
            raise NotImplementedError("backward(create_graph=True) is not provided here: backward runs on numpy "
                                      "arrays, so gradients cannot be differentiated again")
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the computation had "
                "requires_grad=True (or it ran under no_grad())"
            )
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a scalar output, this one has shape {self.shape}; "
                    "reduce it first (e.g. .sum()) or pass backward(gradient) of that shape"
                )
            grad_array = np.ones(self.data.shape, dtype=self.data.dtype)
        else:
            grad_array = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.data.dtype,
                                  copy=True)
            if grad_array.shape != self.data.shape:
                raise ValueError(
                    f"backward(gradient): gradient has shape {grad_array.shape} but the tensor has shape {self.shape}"
                )
        if inputs is not None:
            _backward_into(self, grad_array, inputs, bool(retain_graph))
            return
        run_backward(self, grad_array, bool(retain_graph))

    # ---- arithmetic -------------------------------------------------------------------------
    # the arithmetic operators and the elementwise functions of recurrent steps call their op in one frame
    # (autograd.binary_op / unary_op); the rest go through Function.apply
    __add__ = autograd.binary_op(ops.Add)
    __radd__ = autograd.binary_op(ops.Add, reflected=True)
    __sub__ = autograd.binary_op(ops.Sub)
    __rsub__ = autograd.binary_op(ops.Sub, reflected=True)
    __mul__ = autograd.binary_op(ops.Mul)
    __rmul__ = autograd.binary_op(ops.Mul, reflected=True)
    __truediv__ = autograd.binary_op(ops.Div)
    __rtruediv__ = autograd.binary_op(ops.Div, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        return _Pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _Pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _MatMul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _MatMul(other, self)

    def __neg__(self) -> Tensor:
        return _Neg(self)

    def __floordiv__(self, other: Any) -> Tensor:
        """``floor(self / other)``, PyTorch's floor_divide: ``div(other, rounding_mode="floor")``."""
        return _rounded_div(self, other, "floor")

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _rounded_div(other, self, "floor")

    def __mod__(self, other: Any) -> Tensor:
        """``self - floor(self / other) * other`` (sign of the divisor, as Python and PyTorch's remainder);
        differentiable where it is smooth: d/dself = 1, d/dother = -floor(self / other)."""
        if self._requires_grad or (isinstance(other, Tensor) and other._requires_grad):
            return self - (self // other) * other
        return Tensor._wrap(np.asarray(np.remainder(self.data, int_scalar(_array(other), self.dtype))))

    def __rmod__(self, other: Any) -> Tensor:
        return Tensor._wrap(np.asarray(np.remainder(int_scalar(_array(other), self.dtype), self.data)))

    remainder = __mod__
    floor_divide = __floordiv__

    # comparisons give boolean tensors that never require grad, as in PyTorch
    def _compare(self, other: Any, op: Any) -> Tensor:
        # a Python int wraps into an integer dtype as in PyTorch: uint8 < -2 compares with 254
        return Tensor._wrap(op(self.data, other.data if isinstance(other, Tensor) else int_scalar(other, self.dtype)))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    # ---- elementwise functions --------------------------------------------------------------
    exp = autograd.unary_op(ops.Exp)

    log = autograd.unary_op(ops.Log)

    tanh = autograd.unary_op(ops.Tanh)

    sigmoid = autograd.unary_op(ops.Sigmoid)

    relu = autograd.unary_op(ops.Relu)

    def sqrt(self) -> Tensor:
        return _Sqrt(self)

    def abs(self) -> Tensor:
        return _Abs(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Clamp values to [min, max]; the gradient passes where the value was inside (bounds included)."""
        return ops.Clip.apply(self, min, max)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return ops.Maximum.apply(self, other)

    def log1p(self) -> Tensor:
        return ops.Log1p.apply(self)

    def expm1(self) -> Tensor:
        return ops.Expm1.apply(self)

    def rsqrt(self) -> Tensor:
        return ops.Rsqrt.apply(self)

    def sin(self) -> Tensor:
        return ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return ops.Cos.apply(self)

    def neg(self) -> Tensor:
        return _Neg(self)

    negative = neg

    def square(self) -> Tensor:
        return _Mul(self, self)

    def minimum(self, other: Any) -> Tensor:
        return ops.Minimum.apply(self, other)

    # rounding: piecewise constant, recorded with a zero gradient (as PyTorch does)
    def sign(self) -> Tensor:
        if self.dtype == np.bool_:  # PyTorch: the bools themselves
            return Tensor._wrap(self.data.copy())
        return ops.Rounded.apply(self, fn=np.sign)

    sgn = sign  # PyTorch's complex-aware sign: the same for real tensors

    def floor(self) -> Tensor:
        return ops.Rounded.apply(self, fn=np.floor)

    def ceil(self) -> Tensor:
        return ops.Rounded.apply(self, fn=np.ceil)

    def trunc(self) -> Tensor:
        return ops.Rounded.apply(self, fn=np.trunc)

    fix = trunc

    def round(self, decimals: int = 0) -> Tensor:
        """Round half to even (as PyTorch), to ``decimals`` decimal places."""
        return ops.Rounded.apply(self, fn=lambda a: np.round(a, decimals))

    def frac(self) -> Tensor:
        """``self - trunc(self)`` (the sign of self); gradient 1. Floating tensors only, as in PyTorch."""
        if self.dtype.kind not in "fc":
            raise RuntimeError(f"frac: not implemented for {self.dtype} tensors (it is 0 for integers)")
        return self - self.trunc()

    def reciprocal(self) -> Tensor:
        """``1 / self`` (an integer tensor becomes the default float dtype first)."""
        x = self if self.dtype.kind in "fc" else self._cast(get_default_dtype())
        return 1 / x

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """``self + weight * (end - self)``."""
        return self + weight * (end - self)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        """``self + value * tensor1 * tensor2``."""
        prod = _Mul(tensor1, tensor2)
        return _Add(self, prod if value == 1 else prod * value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        """``self + value * tensor1 / tensor2``."""
        quot = _Div(tensor1, tensor2)
        return _Add(self, quot if value == 1 else quot * value)

    def fmod(self, other: Any) -> Tensor:
        """C's remainder: the result has the sign of self (``%``/``remainder`` follow the divisor)."""
        return ops.Fmod.apply(self, other)

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
        """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest/smallest value)."""
        return ops.NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)

    def clamp_min(self, min: float) -> Tensor:
        return self.clamp(min=min)

    def clamp_max(self, max: float) -> Tensor:
        return self.clamp(max=max)

    def dot(self, other: Any) -> Tensor:
        """The inner product of two 1-D tensors of one length (a 0-d tensor)."""
        o = np.shape(_array(other))
        if self.ndim != 1 or len(o) != 1 or o[0] != self.shape[0]:
            raise RuntimeError(f"dot: expected two 1-D tensors of one length, got shapes {self.shape} and {o}")
        return _MatMul(self, other)

    def inner(self, other: Any) -> Tensor:
        """The sum over the last dimensions: ``out[i..., j...] = sum_k self[i..., k] * other[j..., k]``, shape
        ``self.shape[:-1] + other.shape[:-1]``; a 0-d operand multiplies."""
        o = other if isinstance(other, Tensor) else Tensor(np.asarray(other))
        if self.ndim == 0 or o.ndim == 0:
            return _Mul(self, o)
        if self.shape[-1] != o.shape[-1]:
            raise RuntimeError(f"inner: the last dimensions differ, shapes {self.shape} and {o.shape}")
        k = self.shape[-1]
        flat = _MatMul(self.reshape(-1, k), o.reshape(-1, k).transpose(0, 1))
        return flat.reshape(self.shape[:-1] + o.shape[:-1])

    def outer(self, vec2: Any) -> Tensor:
        """``out[i, j] = self[i] * vec2[j]`` for 1-D tensors: shape ``(n, m)``."""
        v = vec2 if isinstance(vec2, Tensor) else Tensor(np.asarray(vec2))
        if self.ndim != 1 or v.ndim != 1:
            raise RuntimeError(f"outer: expected two 1-D tensors, got shapes {self.shape} and {v.shape}")
        return _Mul(self.reshape(-1, 1), v.reshape(1, -1))

    ger = outer

    def cumprod(self, dim: int, dtype: Any = None) -> Tensor:
        """Cumulative product along ``dim`` (same shape); differentiable, zeros included. Integers multiply as int64."""
        x = self if dtype is None else self.to(dtype)
        if dtype is None and x.dtype.kind in "biu":
            x = x.to(np.int64)
        return ops.CumProd.apply(x, axis=_check_dim(dim, self.ndim))

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """``sum`` with NaNs counted as zero (they get no gradient)."""
        x = self.masked_fill(self.isnan(), 0) if self.dtype.kind in "fc" else self
        return x.sum(dim, keepdim, dtype=dtype)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        """The number of non-zero entries (over ``dim``, all if None), int64."""
        d = tuple(dim) if isinstance(dim, list) else dim
        return Tensor._wrap(np.asarray(np.count_nonzero(self.data, axis=d), dtype=np.int64))

    # method forms of the operators (PyTorch's add/sub with alpha; other may be a Tensor, array or number)
    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        """``self + alpha * other``."""
        return _Add(self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        """``self - alpha * other``."""
        return _Sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        return _Mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode="trunc"`` rounds the quotient toward zero, ``"floor"`` down, both in
        the promoted dtype (integers stay integers; a zero integer divisor is an error) with a zero gradient."""
        if rounding_mode is None:
            return _Div(self, other)
        return _rounded_div(self, other, rounding_mode)

    true_divide = div

    def pow(self, exponent: Any) -> Tensor:
        return _Pow(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        return _MatMul(self, other)

    def mm(self, mat2: Any) -> Tensor:
        """(n, m) @ (m, p) -> (n, p); both must be 2-D (use matmul for broadcasting)."""
        if self.ndim != 2 or np.ndim(_array(mat2)) != 2:
            raise RuntimeError(f"mm: both arguments must be 2-D, got shapes {self.shape} and {np.shape(_array(mat2))}")
        return _MatMul(self, mat2)

    def bmm(self, mat2: Any) -> Tensor:
        """(b, n, m) @ (b, m, p) -> (b, n, p); both must be 3-D with the same batch size."""
        other = np.shape(_array(mat2))
        if self.ndim != 3 or len(other) != 3 or other[0] != self.shape[0]:
            raise RuntimeError(f"bmm: expected 3-D tensors with one batch size, got shapes {self.shape} and {other}")
        return _MatMul(self, mat2)

    # comparisons as methods (bool tensors, never requiring grad)
    def eq(self, other: Any) -> Tensor:
        return self._compare(other, np.equal)

    def ne(self, other: Any) -> Tensor:
        return self._compare(other, np.not_equal)

    def lt(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def le(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def gt(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def ge(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __and__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_and if self.dtype == np.bool_ else np.bitwise_and)

    def __or__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_or if self.dtype == np.bool_ else np.bitwise_or)

    def __invert__(self) -> Tensor:
        return Tensor._wrap(np.logical_not(self.data) if self.dtype == np.bool_ else np.invert(self.data))

    def logical_not(self) -> Tensor:
        return Tensor._wrap(np.logical_not(self.data))

    def equal(self, other: Any) -> bool:
        """True when shapes and all values are equal (PyTorch's ``torch.equal``)."""
        o = _array(other)
        return self.shape == np.shape(o) and bool(np.array_equal(self.data, o))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        return bool(np.allclose(self.data, _array(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor._wrap(np.asarray(np.any(self.data, axis=dim, keepdims=keepdim)))

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor._wrap(np.asarray(np.all(self.data, axis=dim, keepdims=keepdim)))

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """``value`` where the boolean ``mask`` (broadcast to self's shape) is true, else self; the
        gradient flows to the kept elements only."""
        m = np.asarray(_array(mask))
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill: the mask must be a bool tensor, got dtype {m.dtype}")
        if isinstance(value, Tensor) and value.requires_grad:  # a 0-d Tensor value gets its gradient, as in PyTorch
            if value.ndim:
                raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
            fill = value._cast(self.dtype)
        else:
            fill = np.asarray(int_scalar(_array(value), self.dtype, checked=True), dtype=self.dtype)
        return ops.Where.apply(np.broadcast_to(m, self.shape), fill, self)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``self`` where ``condition``, else ``other`` (PyTorch's ``x.where(cond, y)``), in their promoted dtype."""
        return ops.Where.apply(np.asarray(_array(condition), dtype=bool), *_promoted(self, other))

    # ---- reductions -------------------------------------------------------------------------
    # PyTorch's names: dim (int, tuple or None for all) and keepdim; numpy's axis/keepdims are accepted too.
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
        """Sum over ``dim`` (all dimensions if None); ``(..)`` with those dimensions removed (kept as 1 with keepdim)."""
        x = self if dtype is None else self.to(dtype)
        return _Sum(x, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        """Mean over ``dim`` (all dimensions if None)."""
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind not in "fc":
            raise RuntimeError(f"mean(): expected a floating-point tensor, got {x.dtype}; use .float() first")
        return ops.Mean.apply(x, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Variance over ``dim``: ``sum((x - mean)^2) / (N - correction)``, correction 1 (unbiased) by default."""
        if isinstance(dim, bool):  # var(False): PyTorch's old positional unbiased
            dim, unbiased = None, dim
        corr = correction if correction is not None else (0 if unbiased is False else 1)
        return ops.Var.apply(self, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims), correction=corr)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Standard deviation: ``sqrt(var(...))`` with the same arguments."""
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()

    def prod(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return ops.Prod.apply(self, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))

    def norm(self, p: float | str = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The p-norm over ``dim`` (all elements if None); ``"fro"`` is p=2 (PyTorch's default)."""
        return ops.Norm.apply(self, p=2.0 if p == "fro" else p, axis=dim, keepdims=keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """``log(sum(exp(x), dim))`` without overflow."""
        return ops.LogSumExp.apply(self, axis=dim, keepdims=keepdim)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Max values over ``dim``; tied maxima share the gradient equally."""
        return ops.Max.apply(self, axis=dim, keepdims=keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Min values over ``dim``; tied minima share the gradient equally."""
        return ops.Min.apply(self, axis=dim, keepdims=keepdim)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
        """PyTorch's three forms: ``max()`` the largest value (ties share the gradient); ``max(dim, keepdim=False)``
        the named tuple ``(values, indices)`` along ``dim`` (the gradient goes to the index returned, the first
        maximum); ``max(other)`` the elementwise maximum. numpy's ``max(axis=..., keepdims=...)`` gives the
        values only (axis may be a tuple)."""
        if isinstance(dim, Tensor):
            return ops.Maximum.apply(self, dim)
        if axis is not None or dim is None:
            return ops.Max.apply(self, axis=axis, keepdims=_keep(keepdim, keepdims))
        return self._extreme_along(dim, keepdim, np.argmax, return_types.max)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
        """As ``max``: ``min()``, ``min(dim, keepdim=False) -> (values, indices)``, ``min(other)``."""
        if isinstance(dim, Tensor):
            return ops.Minimum.apply(self, dim)
        if axis is not None or dim is None:
            return ops.Min.apply(self, axis=axis, keepdims=_keep(keepdim, keepdims))
        return self._extreme_along(dim, keepdim, np.argmin, return_types.min)

    def _extreme_along(self, dim: int, keepdim: bool, pick: Any, result: Any) -> Any:
        d = _check_dim(dim, self.ndim)
        if self.ndim == 0:
            return result(self.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
        if self.shape[d] == 0:
            raise IndexError(f"max/min(): dimension {dim} of shape {self.shape} is empty")
        idx = np.expand_dims(pick(self.data, axis=d), d).astype(np.int64)
        values = ops.Gather.apply(self, dim=d, index=idx)
        if not keepdim:
            values, idx = values.squeeze(d), idx.squeeze(d)
        return result(values, Tensor._wrap(idx))

    def cumsum(self, dim: int, dtype: Any = None) -> Tensor:
        """Cumulative sum along ``dim`` (same shape); differentiable. An integer tensor sums as int64, as in PyTorch."""
        x = self if dtype is None else self.to(dtype)
        if dtype is None and x.dtype.kind in "biu":
            x = x.to(np.int64)
        return ops.CumSum.apply(x, axis=dim)

    def logcumsumexp(self, dim: int) -> Tensor:
        """``log(cumsum(exp(self), dim))`` computed without overflow (same shape); differentiable.
        Floating tensors only, as in PyTorch."""
        if self.dtype.kind not in "f":
            raise RuntimeError(f"logcumsumexp: not implemented for {self.dtype} tensors; convert to float first")
        return ops.reduce.LogCumSumExp.apply(self, axis=_check_dim(dim, self.ndim))

    def isnan(self) -> Tensor:
        """A bool tensor: True where the value is NaN."""
        return Tensor._wrap(np.isnan(self.data))

    def isinf(self) -> Tensor:
        """A bool tensor: True where the value is +inf or -inf."""
        return Tensor._wrap(np.isinf(self.data))

    def isfinite(self) -> Tensor:
        """A bool tensor: True where the value is neither NaN nor infinite."""
        return Tensor._wrap(np.isfinite(self.data))

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two dims (elements above ``diagonal`` set to 0); differentiable."""
        return self._triangle(np.tril, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two dims (elements below ``diagonal`` set to 0); differentiable."""
        return self._triangle(np.triu, diagonal)

    def _triangle(self, part: Any, diagonal: int) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"tril/triu need a tensor of at least 2 dimensions, got shape {self.shape}")
        keep = part(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return self.masked_fill(~keep, 0)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the (first) maximum along ``dim``, or in the flattened tensor if None (int64)."""
        return _arg(self.data, dim, keepdim, np.argmax)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _arg(self.data, dim, keepdim, np.argmin)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """The named tuple ``(values, indices)`` sorted along ``dim`` (a stable sort); gradients follow the values."""
        d = _check_dim(dim, self.ndim)
        if self.ndim == 0:
            return return_types.sort(self.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
        key = -self.data if descending and self.dtype.kind != "b" else self.data
        idx = np.argsort(key, axis=d, kind="stable").astype(np.int64)
        if descending and self.dtype.kind == "b":
            idx = np.flip(idx, axis=d).copy()
        return return_types.sort(ops.Gather.apply(self, dim=d, index=idx), Tensor._wrap(idx))

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        return self.sort(dim, descending)[1]

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        """The named tuple ``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in order."""
        d = _check_dim(dim, self.ndim)
        n = self.shape[d] if self.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError(f"topk: k={k} is out of range for dimension {dim} of size {n}")
        values, idx = self.sort(dim, descending=largest)
        sl = (slice(None),) * d + (slice(0, k),)
        idx_k = idx.data[sl] if self.ndim else idx.data
        return return_types.topk(ops.Gather.apply(self, dim=d, index=idx_k) if self.ndim else values, Tensor._wrap(idx_k))

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return ops.Softmax.apply(self, axis=dim if axis is None else axis)

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return ops.LogSoftmax.apply(self, axis=dim if axis is None else axis)

    # ---- indexing ops -----------------------------------------------------------------------
    def gather(self, dim: int, index: Any) -> Tensor:
        """``out[i][j] = self[i][index[i][j]]`` for dim=1 (any dim likewise); index has self's number of dimensions."""
        return ops.Gather.apply(self, dim=_check_dim(dim, self.ndim), index=_array(index))

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The entries at the 1-D integer ``index`` along ``dim`` (repeated indices accumulate in backward)."""
        idx = np.asarray(_array(index))
        if idx.ndim > 1 or idx.dtype.kind not in "iu":
            raise IndexError(f"index_select: index must be a 1-D integer tensor, got shape {idx.shape} dtype {idx.dtype}")
        d = _check_dim(dim, self.ndim)
        return _GetItem(self, index=(slice(None),) * d + (idx.reshape(-1),))

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:
        """``num_samples`` indices drawn with probabilities proportional to the (non-negative) weights of each
        row (int64, shape ``(num_samples,)`` or ``(rows, num_samples)``), from tinygrad_rnn.random's generator."""
        from .random import get_generator  # numpy-only module; imported here to keep tensor's imports the engine's

        w = np.asarray(self.data, dtype=np.float64)
        if w.ndim not in (1, 2):
            raise RuntimeError(f"multinomial: probabilities must be 1-D or 2-D, got shape {self.shape}")
        rows = w.reshape(-1, w.shape[-1])
        if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(axis=1) <= 0).any():
            raise RuntimeError("multinomial: probabilities must be finite, non-negative and not all zero")
        if not replacement and num_samples > rows.shape[1]:
            raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without replacement from "
                               f"{rows.shape[1]} categories")
        rng = get_generator(generator)
        out = np.stack([rng.choice(rows.shape[1], size=num_samples, replace=replacement, p=r / r.sum()) for r in rows])
        return Tensor._wrap(out.astype(np.int64).reshape(w.shape[:-1] + (num_samples,)))

    # ---- scatter and selection (PyTorch's names; the in-place forms record like x[i] = v) -----------
    def scatter(self, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: str | None = None) -> Tensor:
        """A copy with ``out[i][index[i][j]] = src[i][j]`` for dim=1 (any dim likewise); ``src`` a tensor
        (at least index's shape) or a number (``value``). index has self's number of dimensions. Self's
        gradient is zero at the written positions, src's is the upstream gathered at index."""
        if src is None:
            src = value
        if src is None:
            raise TypeError("scatter: give src (a tensor) or value (a number)")
        return ops.Scatter.apply(self, src, dim=_check_dim(dim, self.ndim), index=_index_array(index, "scatter"),
                                 reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """A copy with ``out[i][index[i][j]] += src[i][j]`` for dim=1 (repeated indices accumulate); both
        gradients pass (src's gathered at index)."""
        return ops.Scatter.apply(self, src, dim=_check_dim(dim, self.ndim),
                                 index=_index_array(index, "scatter_add"), reduce="add")

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        """A copy with ``alpha * source[..., i, ...]`` added at ``out[..., index[i], ...]`` along ``dim``
        (1-D integer index, repeated entries accumulate); source has self's shape with ``len(index)`` at dim."""
        return ops.IndexAdd.apply(self, source, dim=_check_dim(dim, self.ndim),
                                  index=_index_array(index, "index_add"), alpha=alpha)

    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """A copy with the entries at the 1-D integer ``index`` along ``dim`` set to ``value`` (a number);
        the gradient flows to the kept entries."""
        d = _check_dim(dim, self.ndim)
        idx = _index_array(index, "index_fill")
        if idx.ndim > 1:
            raise IndexError(f"index_fill: index must be 1-D, got shape {idx.shape}")
        n = self.shape[d] if self.ndim else 1
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"index_fill: index out of range for dimension {dim} of size {n}")
        hit = np.zeros(n, dtype=bool)
        hit[idx.reshape(-1)] = True
        if self.ndim == 0:
            return self.masked_fill(hit.reshape(()), value)
        return self.masked_fill(hit.reshape((n,) + (1,) * (self.ndim - d - 1)), value)

    def scatter_(self, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: str | None = None) -> Tensor:
        """In-place ``scatter`` (recorded when the graph needs it, like ``x[i] = v``); returns self."""
        return self._write_inplace("scatter_", lambda t: t.scatter(dim, index, src, value, reduce=reduce), src)

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        """In-place ``scatter_add``; returns self."""
        return self._write_inplace("scatter_add_", lambda t: t.scatter_add(dim, index, src), src)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        """In-place ``index_add``; returns self."""
        return self._write_inplace("index_add_", lambda t: t.index_add(dim, index, source, alpha=alpha), source)

    def index_fill_(self, dim: int, index: Any, value: Any) -> Tensor:
        """In-place ``index_fill``; returns self."""
        return self._write_inplace("index_fill_", lambda t: t.index_fill(dim, index, value), value)

    def masked_select(self, mask: Any) -> Tensor:
        """The 1-D tensor of the entries where the boolean ``mask`` is true (self and mask broadcast together)."""
        m = np.asarray(_array(mask))
        if m.dtype != np.bool_:
            raise TypeError(f"masked_select: the mask must be a bool tensor, got dtype {m.dtype}")
        shape = np.broadcast_shapes(self.shape, m.shape)
        x = self if self.shape == shape else self.expand(shape)
        return _GetItem(x, index=np.broadcast_to(m, shape).copy())

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The int64 ``(count, ndim)`` tensor of the indices of the non-zero entries, in row-major order;
        with ``as_tuple=True`` one 1-D index tensor per dimension (what ``x[...]`` takes)."""
        if as_tuple:
            data = self.data.reshape(1) if self.ndim == 0 else self.data
            return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(data))
        return Tensor._wrap(np.argwhere(self.data).astype(np.int64))

    def argwhere(self) -> Tensor:
        """``nonzero()``: the ``(count, ndim)`` int64 indices of the non-zero entries."""
        return self.nonzero()

    def take(self, index: Any) -> Tensor:
        """The entries of the flattened tensor at the integer ``index`` (the output has index's shape)."""
        return _GetItem(self.reshape(-1), index=_index_array(index, "take"))

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        """``gather`` along ``dim`` with self and indices broadcast against each other off ``dim``; with
        dim=None both are flattened."""
        idx = _index_array(indices, "take_along_dim")
        if dim is None:
            return self.reshape(-1).gather(0, idx.reshape(-1))
        d = _check_dim(dim, self.ndim)
        if idx.ndim != self.ndim:
            raise ValueError(f"take_along_dim: indices have {idx.ndim} dimensions but self has {self.ndim}")
        both = [np.broadcast_shapes((a,), (b,))[0] if i != d else None
                for i, (a, b) in enumerate(zip(self.shape, idx.shape))]
        x = self.expand(tuple(self.shape[i] if i == d else n for i, n in enumerate(both)))
        idx = np.broadcast_to(idx, tuple(idx.shape[i] if i == d else n for i, n in enumerate(both)))
        return x.gather(d, idx)

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at ``index`` along ``dim``, that dimension removed (``x.select(1, 2)`` is ``x[:, 2]``)."""
        d = _check_dim(dim, self.ndim)
        n = self.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for dimension {dim} of size {n}")
        return _GetItem(self, index=(slice(None),) * d + (int(index),))

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
               dim: int | None = None) -> Any:
        """The distinct values in ascending order (always sorted here, which ``sorted=False`` allows), or the
        distinct slices along ``dim``; with ``return_inverse`` also each entry's (slice's) position in them,
        with ``return_counts`` how often each occurs (both int64). Not differentiable."""
        axis = None if dim is None else _check_dim(dim, self.ndim)
        values, inverse, counts = np.unique(self.data, return_inverse=True, return_counts=True, axis=axis)
        inverse = inverse.reshape(self.shape if axis is None else -1).astype(np.int64)
        out = [Tensor._wrap(values)]
        if return_inverse:
            out.append(Tensor._wrap(inverse))
        if return_counts:
            out.append(Tensor._wrap(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        """How often each value ``0..max`` occurs in this 1-D non-negative integer tensor (int64), or the sums
        of ``weights`` there (weights' dtype); at least ``minlength`` bins."""
        if self.ndim != 1 or self.dtype.kind not in "iu":
            raise RuntimeError(f"bincount: expected a 1-D integer tensor, got {self.dtype} of shape {self.shape}")
        if self.numel() and self.data.min() < 0:
            raise RuntimeError("bincount: the input must be non-negative")
        if weights is None:
            return Tensor._wrap(np.bincount(self.data, minlength=minlength).astype(np.int64))
        w = np.asarray(_array(weights))
        if w.shape != self.shape:
            raise RuntimeError(f"bincount: weights have shape {w.shape}, the input {self.shape}")
        dt = np.dtype(np.float32) if w.dtype == np.float32 else np.dtype(np.float64)  # PyTorch's rule
        return Tensor._wrap(np.bincount(self.data, weights=w, minlength=minlength).astype(dt))

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
        """A bool tensor: ``|self - other| <= atol + rtol * |other|`` elementwise."""
        return Tensor._wrap(np.asarray(np.isclose(self.data, _array(other), rtol=rtol, atol=atol, equal_nan=equal_nan)))

    # ---- rearranging ------------------------------------------------------------------------------
    def repeat_interleave(self, repeats: Any, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
        """Each entry along ``dim`` repeated ``repeats`` times (an int, or one count per entry); with
        dim=None the flattened tensor. Differentiable (the copies' gradients add up)."""
        x, d = (self.reshape(-1), 0) if dim is None else (self, _check_dim(dim, self.ndim))
        r = np.asarray(_array(repeats))
        if r.dtype.kind not in "iu" or r.ndim > 1:
            raise TypeError(f"repeat_interleave: repeats must be an int or a 1-D integer tensor, got {r.dtype} "
                            f"of shape {r.shape}")
        n = x.shape[d] if x.ndim else 1
        if r.ndim == 1 and len(r) not in (1, n):
            raise ValueError(f"repeat_interleave: {len(r)} repeats for dimension {d} of size {n}")
        if (r < 0).any():
            raise ValueError("repeat_interleave: repeats must be non-negative")
        return x.index_select(d, np.repeat(np.arange(n), r.reshape(-1) if r.ndim else int(r)))

    def roll(self, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
        """Entries shifted by ``shifts`` along ``dims``, wrapping around (no dims: the flattened tensor,
        shape restored)."""
        if dims is None:
            if not isinstance(shifts, (int, np.integer)):
                (shifts,) = shifts
            return self.reshape(-1).roll(shifts, 0).reshape(self.shape)
        s_list = [shifts] if isinstance(shifts, (int, np.integer)) else list(shifts)
        d_list = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
        if len(s_list) != len(d_list):
            raise ValueError(f"roll: {len(s_list)} shifts for {len(d_list)} dims")
        out = self
        for s, d in zip(s_list, d_list):
            d = _check_dim(d, self.ndim)
            n = self.shape[d]
            if n:
                out = out.index_select(d, (np.arange(n) - int(s)) % n)
        return out

    def tile(self, *dims: int | Sequence[int]) -> Tensor:
        """``repeat`` with ones prepended when fewer counts than dimensions are given."""
        reps = _sizes(dims)
        return self.repeat((1,) * (self.ndim - len(reps)) + reps)

    def movedim(self, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
        """The dimension(s) ``source`` moved to position(s) ``destination``, the others kept in order."""
        src = [source] if isinstance(source, (int, np.integer)) else list(source)
        dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
        if len(src) != len(dst):
            raise ValueError(f"movedim: {len(src)} source dims for {len(dst)} destination dims")
        src = [_check_dim(s, self.ndim) for s in src]
        dst = [_check_dim(s, self.ndim) for s in dst]
        if len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise ValueError(f"movedim: repeated dims in {source} or {destination}")
        rest = iter(d for d in range(self.ndim) if d not in src)
        placed = dict(zip(dst, src))
        order = [placed[i] if i in placed else next(rest) for i in range(self.ndim)]
        return self.permute(order) if self.ndim else self

    moveaxis = movedim

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """``transpose(axis0, axis1)``."""
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        """The ``n``-th forward difference ``x[i + 1] - x[i]`` along ``dim`` (after joining ``prepend``
        and ``append`` there)."""
        d = _check_dim(dim, self.ndim)
        parts = [p if isinstance(p, Tensor) else Tensor(np.asarray(p, dtype=self.dtype))
                 for p in (prepend, self, append) if p is not None]
        x = ops.Concatenate.apply(*parts, axis=d) if len(parts) > 1 else self
        for _ in range(n):
            m = x.shape[d]
            if m == 0:
                break
            x = x.narrow(d, 1, m - 1) - x.narrow(d, 0, m - 1) if x.dtype != np.bool_ else \
                Tensor._wrap(np.not_equal(x.data.take(range(1, m), d), x.data.take(range(m - 1), d)))
        return x

    def diag(self, diagonal: int = 0) -> Tensor:
        """1-D: the square matrix with self on diagonal ``diagonal`` (above the main one when positive);
        2-D: that diagonal of self, as a 1-D tensor. Differentiable."""
        k = int(diagonal)
        if self.ndim == 1:
            n = self.shape[0] + abs(k)
            rows = np.arange(self.shape[0]) + max(-k, 0)
            empty = np.zeros((n, n), dtype=self.dtype)
            return ops.IndexPut.apply(empty, self, index=(rows, rows + k))
        if self.ndim == 2:
            return self.diagonal(k)
        raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {self.shape}")

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The ``offset``-th diagonal of the planes ``(dim1, dim2)``: those dimensions go, the diagonal comes
        last (length ``min`` of what fits). Differentiable."""
        a, b = _check_dim(dim1, self.ndim), _check_dim(dim2, self.ndim)
        if a == b:
            raise RuntimeError(f"diagonal: dim1 and dim2 must differ, both are {dim1}")
        x = self.movedim((a, b), (-2, -1))
        r, c = x.shape[-2:]
        k = int(offset)
        length = max(0, min(r - max(-k, 0), c - max(k, 0)))
        rows = np.arange(length) + max(-k, 0)
        return _GetItem(x, index=(Ellipsis, rows, rows + k))

    def broadcast_to(self, size: Sequence[int]) -> Tensor:
        """``expand(size)``: a broadcast view (-1 keeps a dimension)."""
        return self.expand(size)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """``n`` pieces along ``dim`` as even as can be (the first ones one longer), or the pieces between the
        given indices (a list or 1-D tensor); views, differentiable."""
        d = _check_dim(dim, self.ndim)
        n = self.shape[d]
        spec = _array(indices_or_sections)
        if isinstance(spec, np.ndarray) and spec.ndim == 0:
            spec = int(spec)
        if isinstance(spec, (int, np.integer)):
            k = int(spec)
            if k <= 0:
                raise RuntimeError(f"tensor_split: the number of sections must be positive, got {k}")
            sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
            bounds = [0, *np.cumsum(sizes).tolist()]
        else:
            cuts = (int(i) for i in np.asarray(spec).reshape(-1))
            bounds = [0, *(min(max(i + n if i < 0 else i, 0), n) for i in cuts), n]  # Python's slice rule
        lead = (slice(None),) * d
        return tuple(_GetItem(self, index=lead + (slice(a, max(a, b)),)) for a, b in zip(bounds[:-1], bounds[1:]))

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The lower median (the ``(n - 1) // 2``-th smallest value, no averaging, as in PyTorch): of all entries
        (0-d) without ``dim``, else the named tuple ``(values, indices)`` along ``dim``. The gradient goes to the
        entry picked."""
        if dim is None:
            flat = self.reshape(-1)
            if flat.shape[0] == 0:
                raise RuntimeError("median() of an empty tensor")
            nan = np.isnan(flat.data) if flat.dtype.kind in "fc" else None
            if nan is not None and nan.any():  # NaN is the median of anything holding one, as in PyTorch
                return _GetItem(flat, index=int(nan.argmax()))
            return _GetItem(flat, index=int(np.argsort(flat.data, kind="stable")[(flat.shape[0] - 1) // 2]))
        d = _check_dim(dim, self.ndim)
        n = self.shape[d]
        if n == 0:
            raise IndexError(f"median(): dimension {dim} of shape {self.shape} is empty")
        order = np.argsort(self.data, axis=d, kind="stable")
        idx = np.take(order, [(n - 1) // 2], axis=d).astype(np.int64)
        if self.dtype.kind in "fc":
            nan = np.isnan(self.data)
            has_nan = nan.any(axis=d, keepdims=True)
            if has_nan.any():
                idx = np.where(has_nan, nan.argmax(axis=d, keepdims=True), idx)
        values = self.gather(d, Tensor._wrap(idx))
        if not keepdim:
            values, idx = values.squeeze(d), idx.squeeze(d)
        return return_types.median(values, Tensor._wrap(idx))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if self.ndim < 2:
            raise RuntimeError(f"mT needs a tensor of at least 2 dimensions, got shape {self.shape}")
        return self.transpose(-2, -1)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """True when the values are laid out in row-major order (False after ``t()``, until ``contiguous()``)."""
        return bool(self.data.flags.c_contiguous)

    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements between neighbours along each dimension (a tuple), or along ``dim`` (an int):
        row-major ``(n1 * n2, n2, 1)`` for a contiguous tensor, 0 along a dimension made by ``expand``."""
        steps = tuple(s // self.data.itemsize for s in self.data.strides)
        return steps if dim is None else (steps[_check_dim(dim, self.ndim)] if self.ndim else 1)

    def type_as(self, other: Tensor) -> Tensor:
        """Self converted to ``other``'s dtype."""
        return self._cast(other.dtype)

    def detach_(self) -> Tensor:
        """Cut self from the graph in place: a leaf that requires no grad; returns self."""
        self._ctx = None
        self._requires_grad = False
        return self

    # ---- shape ------------------------------------------------------------------------------
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])  # type: ignore[assignment]
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """``t.transpose(dim0, dim1)`` swaps two dimensions, as in PyTorch (also on 2-D tensors, where
        numpy would read ``(0, 1)`` as the identity permutation). With no arguments all axes are reversed;
        a full permutation of three or more axes is taken as in ``np.transpose`` (see also ``permute``)."""
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0])  # type: ignore[assignment]
        if not axes:
            return ops.Transpose.apply(self, axes=None)
        if len(axes) == 2:
            order = list(range(self.data.ndim))
            try:
                order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]  # type: ignore[index]
            except IndexError:
                raise ValueError(f"transpose{tuple(axes)}: dimension out of range for shape {self.shape}") from None
            return ops.Transpose.apply(self, axes=tuple(order))
        return self.permute(*axes)  # type: ignore[arg-type]

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        """Reorder all dimensions: ``out.shape[i] == self.shape[dims[i]]`` (PyTorch's permute, np.transpose)."""
        if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
            dims = tuple(dims[0])  # type: ignore[assignment]
        if sorted(d % max(self.data.ndim, 1) for d in dims) != list(range(self.data.ndim)):  # type: ignore[operator]
            raise ValueError(
                f"permute{tuple(dims)} is not a permutation of the {self.data.ndim} dimensions of shape {self.shape}"
            )
        return ops.Transpose.apply(self, axes=tuple(dims))

    @property
    def T(self) -> Tensor:
        return ops.Transpose.apply(self, axes=None)

    def __getitem__(self, index: Any) -> Tensor:
        if isinstance(index, Tensor):  # x[ids] / x[mask]: an index has no gradient; GetItem copies its array
            index = index.data
        return _GetItem(self, index=index)

    @staticmethod
    def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Join along ``axis``, in the tensors' promoted dtype (float32 with int64: float32, as PyTorch)."""
        return ops.Concatenate.apply(*_joined(tensors), axis=axis)

    @staticmethod
    def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Join along a new ``axis``, in the tensors' promoted dtype."""
        return ops.Stack.apply(*_joined(tensors), axis=axis)

    def squeeze(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """Remove dimensions of size 1 (all, or those of ``dim`` that have size 1; others are left, as in PyTorch)."""
        return ops.Reshape.apply(self, shape=_squeezed(self.shape, dim))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim`` (``-1`` appends: any of ``-ndim-1 .. ndim``)."""
        return ops.Reshape.apply(self, shape=_unsqueezed(self.shape, dim))

    def squeeze_(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """In-place ``squeeze`` (of a tensor that records no graph); returns self."""
        self._check_inplace("squeeze_")
        self.data = self.data.reshape(_squeezed(self.shape, dim))
        _changed(self)
        return self

    def unsqueeze_(self, dim: int) -> Tensor:
        """In-place ``unsqueeze`` (of a tensor that records no graph); returns self."""
        self._check_inplace("unsqueeze_")
        self.data = self.data.reshape(_unsqueezed(self.shape, dim))
        _changed(self)
        return self

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim..end_dim`` (inclusive) into one; a 0-d tensor becomes (1,)."""
        if self.ndim == 0:
            return self.reshape(1)
        s, e = _check_dim(start_dim, self.ndim), _check_dim(end_dim, self.ndim)
        if s > e:
            raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape[:s] + (int(np.prod(self.shape[s:e + 1], dtype=np.int64)),) + self.shape[e + 1:]
        return self.reshape(shape)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        d = _check_dim(dim, self.ndim)
        return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1:])

    def t(self) -> Tensor:
        """Transpose of a 2-D tensor (0-D and 1-D tensors are returned as they are)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor of at most 2 dimensions, got {self.ndim}; use transpose(dim0, dim1)")
        return self if self.ndim < 2 else ops.Transpose.apply(self, axes=(1, 0))

    def contiguous(self) -> Tensor:
        """Self when already row-major; else a row-major copy that stays in the graph (as PyTorch copies)."""
        return self if self.data.flags.c_contiguous else ops.Contiguous.apply(self)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """``length`` entries from ``start`` along ``dim`` (a slice)."""
        d = _check_dim(dim, self.ndim)
        n = self.shape[d]
        start = start + n if start < 0 else start
        if not (0 <= start <= n and 0 <= length and start + length <= n):
            raise IndexError(f"narrow: start {start} + length {length} exceeds dimension {dim} of size {n}")
        return _GetItem(self, index=(slice(None),) * d + (slice(start, start + length),))

    def expand(self, *sizes: int | Sequence[int]) -> Tensor:
        """A broadcast view of ``sizes`` (-1 keeps a dimension); only size-1 dimensions grow, new ones lead."""
        shape = _sizes(sizes)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise RuntimeError(f"expand: {len(shape)} sizes for a tensor of {self.ndim} dimensions")
        full = tuple(self.shape[i - lead] if (n == -1 and i >= lead) else n for i, n in enumerate(shape))
        return ops.Expand.apply(self, shape=full)

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def repeat(self, *sizes: int | Sequence[int]) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along dimension i (extra leading sizes add dimensions)."""
        return ops.Repeat.apply(self, repeats=_sizes(sizes))

    def flip(self, *dims: int | Sequence[int]) -> Tensor:
        """Reverse the order of the entries along each of ``dims``."""
        index = [slice(None)] * self.ndim
        for d in _sizes(dims):
            index[_check_dim(d, self.ndim)] = slice(None, None, -1)
        return _GetItem(self, index=tuple(index))

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim``: each of ``split_size`` entries (the last may be shorter), or the given section sizes."""
        d = _check_dim(dim, self.ndim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, (int, np.integer)):
            size = int(split_size_or_sections)
            if size <= 0:
                raise ValueError(f"split: split_size must be positive, got {size}")
            sections = [min(size, n - i) for i in range(0, n, size)] or [0]
        else:
            sections = [int(s) for s in split_size_or_sections]
            if sum(sections) != n:
                raise RuntimeError(f"split: sections {sections} do not add up to dimension {dim} of size {n}")
        out, start = [], 0
        for s in sections:
            out.append(self.narrow(d, start, s))
            start += s
        return tuple(out)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` pieces of ``ceil(n / chunks)`` entries along ``dim`` (PyTorch's rule)."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        n = self.shape[_check_dim(dim, self.ndim)]
        return self.split(max(-(-n // chunks), 1), dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, that dimension removed."""
        d = _check_dim(dim, self.ndim)
        return tuple(_GetItem(self, index=(slice(None),) * d + (i,)) for i in range(self.shape[d]))

    def dim(self) -> int:
        return self.data.ndim

    ndimension = dim

    def tolist(self) -> Any:
        return self.data.tolist()

    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradients flow back to self)."""
        return ops.Clone.apply(self)

    # ---- dtype and device ---------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype), ``to(dtype=..., device=...)``.
        Returns self when nothing changes; a floating conversion stays in the graph. CPU only."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif _is_device(a):
                device = a
            elif a is not None:
                dtype = a
        if device is not None:
            check_device(device)
        if dtype is None or to_dtype(dtype) == self.dtype:
            return self.clone() if copy else self
        return self._cast(to_dtype(dtype))

    def _cast(self, dt: np.dtype) -> Tensor:
        if dt == self.dtype:
            return self
        if dt.kind in "fc" and self._requires_grad:
            return ops.Cast.apply(self, dtype=dt)
        return Tensor._wrap(self.data.astype(dt))  # an integer or bool result never requires grad

    def type(self, dtype: Any = None) -> Any:
        """With no argument PyTorch's type name (``"torch.FloatTensor"``); else ``to(dtype)`` (names accepted)."""
        if dtype is None:
            return legacy_type_name(self.dtype)
        return self._cast(to_dtype(dtype))

    def float(self) -> Tensor:
        return self._cast(np.dtype(np.float32))

    def double(self) -> Tensor:
        return self._cast(np.dtype(np.float64))

    def half(self) -> Tensor:
        return self._cast(np.dtype(np.float16))

    def long(self) -> Tensor:
        return self._cast(np.dtype(np.int64))

    def int(self) -> Tensor:
        return self._cast(np.dtype(np.int32))

    def bool(self) -> Tensor:
        return self._cast(np.dtype(np.bool_))

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    @property
    def device(self) -> Any:
        return cpu

    is_cuda = False

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        check_device("cuda")
        return self  # not reached

    def element_size(self) -> int:
        return self.data.itemsize

    # ---- new tensors like this one (its dtype unless dtype= is given) ---------------------------
    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        return _made(np.array(_array(data), dtype=to_dtype(dtype) if dtype is not None else self.dtype), device,
                     requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        return _made(np.zeros(_sizes(size), dtype=self._dtype_or(dtype)), device, requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        return _made(np.ones(_sizes(size), dtype=self._dtype_or(dtype)), device, requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return _made(np.full(_sizes((size,)), fill_value, dtype=self._dtype_or(dtype)), device, requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        return _made(np.zeros(_sizes(size), dtype=self._dtype_or(dtype)), device, requires_grad)

    def new(self, *size: Any) -> Tensor:
        """Legacy ``x.new(2, 3)``: a new (zero-filled) tensor of self's dtype; ``x.new(data)`` copies data."""
        if len(size) == 1 and not isinstance(size[0], (int, np.integer, tuple)):
            return self.new_tensor(size[0])
        return self.new_zeros(*size)

    def _dtype_or(self, dtype: Any) -> np.dtype:
        return self.dtype if dtype is None else to_dtype(dtype)

    # ---- in place (never recorded: on tensors that need no grad, or under no_grad()) -------------
    def _check_inplace_leaf(self, what: str) -> None:
        if self._requires_grad and self._ctx is None and autograd.is_grad_enabled():
            raise RuntimeError(
                f"{what}: a leaf Variable that requires grad is being used in an in-place operation; "
                "wrap parameter updates in `with torch.no_grad():` (or change p.data, the numpy array)"
            )

    def _check_inplace(self, what: str) -> None:
        if self._requires_grad and autograd.is_grad_enabled():
            if self._ctx is None:
                raise RuntimeError(
                    f"{what}: a leaf Variable that requires grad is being used in an in-place operation; "
                    "wrap parameter updates in `with torch.no_grad():` (or change p.data, the numpy array)"
                )
            raise RuntimeError(
                f"{what}: in-place operations on a tensor recorded in the graph are not supported here; "
                "use the out-of-place form (e.g. x = x + y), or run it under no_grad()"
            )

    def _graph_needs(self, *others: Any) -> bool:
        """Whether an in-place change of self must be recorded: self is a recorded non-leaf that requires grad,
        or an operand requires grad (grad mode on)."""
        return autograd.is_grad_enabled() and (
            (self._requires_grad and self._ctx is not None)
            or any(isinstance(o, Tensor) and o._requires_grad for o in others))

    def _inplace(self, what: str, ufunc: Any, other: Any, op: Any) -> Tensor:
        """``self = ufunc(self, other)`` in place, in self's dtype; recorded as ``op(self, other)`` when the graph
        needs it (see ``_write_inplace``)."""
        if self._graph_needs(other):
            return self._write_inplace(what, lambda t: op(t, other)._cast(t.dtype), other)
        self._check_inplace(what)
        ufunc(self.data, _array(other), out=self.data)
        _changed(self)
        return self

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self._inplace("add_", np.add, other if alpha == 1 else other * alpha, _Add)

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self._inplace("sub_", np.subtract, other if alpha == 1 else other * alpha, _Sub)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other, _Mul)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return self._inplace("div_", np.divide, other, _Div)
        return self._write_as("div_", lambda t: t.div(other, rounding_mode=rounding_mode), other)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        self._check_inplace("fill_")
        self.data[...] = _array(value)
        _changed(self)
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values (broadcast, cast to self's dtype) into self."""
        self._check_inplace("copy_")
        np.copyto(self.data, np.broadcast_to(_array(src), self.shape), casting="unsafe")
        _changed(self)
        return self

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        if self._graph_needs():
            return self._write_inplace("clamp_", lambda t: t.clamp(min, max))
        self._check_inplace("clamp_")
        np.clip(self.data, min, max, out=self.data)
        _changed(self)
        return self

    clip_ = clamp_

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        self._check_inplace("uniform_")
        self.data[...] = get_generator(generator).uniform(a, b, size=self.shape)
        _changed(self)
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        self._check_inplace("normal_")
        self.data[...] = get_generator(generator).normal(mean, std, size=self.shape)
        _changed(self)
        return self

    def masked_fill_(self, mask: Any, value: float) -> Tensor:
        """In place: ``value`` where the boolean ``mask`` (broadcast to self's shape) is true; recorded when self
        is in the graph (attention scores masked before a softmax), as in PyTorch."""
        if self._graph_needs(value):
            return self._write_inplace("masked_fill_", lambda t: t.masked_fill(mask, value), value)
        self._check_inplace("masked_fill_")
        m = np.asarray(_array(mask))
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill_: the mask must be a bool tensor, got dtype {m.dtype}")
        np.copyto(self.data, np.asarray(_array(value), dtype=self.dtype), where=np.broadcast_to(m, self.shape))
        _changed(self)
        return self

    def fill_diagonal_(self, fill_value: float, wrap: bool = False) -> Tensor:
        """In place: ``fill_value`` on the main diagonal (entries [i, i, ...]) of a tensor of at least 2 dimensions,
        all of equal length past 2-D. A tall matrix's diagonal stops at its width unless ``wrap=True``, which
        restarts it N+1 rows down (PyTorch's rule). Recorded when self is in the graph."""
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        mask = np.zeros(self.numel(), dtype=np.bool_)
        if self.ndim == 2 and wrap:
            mask[::self.shape[1] + 1] = True
        else:
            step = sum(int(np.prod(self.shape[d + 1:])) for d in range(self.ndim))  # the sum of row-major strides
            mask[np.arange(min(self.shape)) * step] = True
        mask = mask.reshape(self.shape)
        return self._write_inplace("fill_diagonal_", lambda t: t.masked_fill(mask, fill_value))

    def apply_(self, callable: Any) -> Tensor:
        """In place: each element replaced by ``callable(element)`` (a Python number in, cast to self's dtype);
        slow, element by element, as in PyTorch. Refuses a tensor that requires grad."""
        if self._requires_grad:
            raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() "
                               "instead.")
        data = self.data
        for index in np.ndindex(data.shape):
            data[index] = callable(data[index].item())
        _changed(self)
        return self

    def _write_inplace(self, what: str, compute: Any, *others: Any) -> Tensor:
        """Self changed in place to ``compute(self)`` (an out-of-place op). When the graph needs it (an
        operand requires grad, or self is a recorded non-leaf) it is recorded as ``x[i] = v`` is: self
        becomes that op's output over its previous value; otherwise the values are written into self's array."""
        if not self._graph_needs(*others):
            self._check_inplace(what)
            with autograd.no_grad():
                out = compute(self)
            if not np.can_cast(out.dtype, self.dtype, casting="same_kind"):
                raise RuntimeError(f"{what}: result type {out.dtype} can't be cast to the desired output type "
                                   f"{self.dtype}; convert first, e.g. x = x.float()")
            self.data[...] = out.data
            _changed(self)
            return self
        self._check_inplace_leaf(what)
        before = Tensor._wrap(self.data)
        before._ctx, before._requires_grad = self._ctx, self._requires_grad
        after = compute(before)
        self.data, self._ctx, self._requires_grad = after.data, after._ctx, after._requires_grad
        autograd.record_replacement(self, before)
        # the new node may have saved its own output (exp, tanh...): that array was not changed after it
        # was recorded, so the change record_replacement counted must not fail its saved-array check
        self._vc.clocks.clear()
        return self

    def exp_(self) -> Tensor:
        return self._write_inplace("exp_", Tensor.exp)

    def log_(self) -> Tensor:
        return self._write_inplace("log_", Tensor.log)

    def sqrt_(self) -> Tensor:
        return self._write_inplace("sqrt_", Tensor.sqrt)

    def tanh_(self) -> Tensor:
        return self._write_inplace("tanh_", Tensor.tanh)

    def sigmoid_(self) -> Tensor:
        return self._write_inplace("sigmoid_", Tensor.sigmoid)

    def relu_(self) -> Tensor:
        return self._write_inplace("relu_", Tensor.relu)

    def abs_(self) -> Tensor:
        return self._write_inplace("abs_", Tensor.abs)

    def neg_(self) -> Tensor:
        return self._write_inplace("neg_", Tensor.neg)

    negative_ = neg_

    def pow_(self, exponent: Any) -> Tensor:
        return self._write_inplace("pow_", lambda t: t.pow(exponent), exponent)

    # the in-place forms of the other elementwise methods: self becomes ``self.<name>(...)``, in self's dtype
    def _write_as(self, what: str, compute: Any, *others: Any) -> Tensor:
        """``_write_inplace`` of ``compute`` with the result cast back to self's dtype (a float64 operand must
        not turn a float32 self into float64); a result of another kind (float into int) stays an error."""
        def same_dtype(t: Tensor) -> Tensor:
            out = compute(t)
            return out._cast(t.dtype) if np.can_cast(out.dtype, t.dtype, casting="same_kind") else out
        return self._write_inplace(what, same_dtype, *others)

    def sin_(self) -> Tensor:
        return self._write_as("sin_", Tensor.sin)

    def cos_(self) -> Tensor:
        return self._write_as("cos_", Tensor.cos)

    def log1p_(self) -> Tensor:
        return self._write_as("log1p_", Tensor.log1p)

    def expm1_(self) -> Tensor:
        return self._write_as("expm1_", Tensor.expm1)

    def rsqrt_(self) -> Tensor:
        return self._write_as("rsqrt_", Tensor.rsqrt)

    def square_(self) -> Tensor:
        return self._write_as("square_", Tensor.square)

    def reciprocal_(self) -> Tensor:
        return self._write_as("reciprocal_", Tensor.reciprocal)

    def sign_(self) -> Tensor:
        return self._write_as("sign_", Tensor.sign)

    sgn_ = sign_

    def floor_(self) -> Tensor:
        return self._write_as("floor_", Tensor.floor)

    def ceil_(self) -> Tensor:
        return self._write_as("ceil_", Tensor.ceil)

    def trunc_(self) -> Tensor:
        return self._write_as("trunc_", Tensor.trunc)

    fix_ = trunc_

    def round_(self, decimals: int = 0) -> Tensor:
        return self._write_as("round_", lambda t: t.round(decimals))

    def frac_(self) -> Tensor:
        return self._write_as("frac_", Tensor.frac)

    def clamp_min_(self, min: float) -> Tensor:
        return self._write_as("clamp_min_", lambda t: t.clamp_min(min), min)

    def clamp_max_(self, max: float) -> Tensor:
        return self._write_as("clamp_max_", lambda t: t.clamp_max(max), max)

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        return self._write_as("lerp_", lambda t: t.lerp(end, weight), end, weight)

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        return self._write_as("addcmul_", lambda t: t.addcmul(tensor1, tensor2, value=value), tensor1, tensor2)

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        return self._write_as("addcdiv_", lambda t: t.addcdiv(tensor1, tensor2, value=value), tensor1, tensor2)

    def fmod_(self, other: Any) -> Tensor:
        return self._write_as("fmod_", lambda t: t.fmod(other), other)

    def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
        return self._write_as("nan_to_num_", lambda t: t.nan_to_num(nan, posinf, neginf))

    def true_divide_(self, other: Any) -> Tensor:
        return self._write_as("true_divide_", lambda t: t.div(other), other)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value``. When the graph needs it (value requires grad, or x is a recorded non-leaf),
        it is recorded as PyTorch does: x becomes the output of an ``IndexPut`` node over its previous self,
        so gradients reach both ``value`` and what x held; otherwise the values are written in place."""
        recording = autograd.is_grad_enabled() and (
            (isinstance(value, Tensor) and value._requires_grad) or (self._requires_grad and self._ctx is not None))
        if not recording:
            self._check_inplace("__setitem__")
            self.data[_plain_index(index)] = _array(value)
            _changed(self)
            return
        self._check_inplace_leaf("__setitem__")
        before = Tensor._wrap(self.data)
        before._ctx, before._requires_grad = self._ctx, self._requires_grad
        after = ops.IndexPut.apply(before, value, index=index.data if isinstance(index, Tensor) else index)
        self.data, self._ctx, self._requires_grad = after.data, after._ctx, True
        # ops recorded earlier used the value before this write: backward sends their gradient there
        autograd.record_replacement(self, before)

    def _augmented(self, other: Any, what: str, ufunc: Any, op: Any) -> Tensor:
        # recording (a non-leaf in the graph, or `loss += l` with l in the graph): x += y rebinds x to the
        # out-of-place result, so the graph stays correct; otherwise the values change in place, so
        # `with no_grad(): p -= lr * p.grad` updates the parameter itself
        if autograd.is_grad_enabled() and (
            (self._requires_grad and self._ctx is not None) or (isinstance(other, Tensor) and other._requires_grad)
        ):
            return op.apply(self, other)
        return self._inplace(what, ufunc, other, op.apply)

    def __iadd__(self, other: Any) -> Tensor:
        return self._augmented(other, "+=", np.add, ops.Add)

    def __isub__(self, other: Any) -> Tensor:
        return self._augmented(other, "-=", np.subtract, ops.Sub)

    def __imul__(self, other: Any) -> Tensor:
        return self._augmented(other, "*=", np.multiply, ops.Mul)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._augmented(other, "/=", np.divide, ops.Div)

    # ---- gradient inspection --------------------------------------------------------------------
    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` (grad a Tensor) when this tensor's gradient has been computed; a non-None return
        replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = OrderedDict()
        return add_hook(self._hooks, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (leaves always keep theirs)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if self._ctx is None or self.retains_grad:
            return
        self.register_hook(autograd.RetainGrad(self))

    @property
    def retains_grad(self) -> bool:
        return self._hooks is not None and any(isinstance(h, autograd.RetainGrad) for h in self._hooks.values())

    @property
    def grad_fn(self) -> Any:
        """The node that made this tensor (``None`` for a leaf): ``grad_fn.name()`` is e.g. ``"MulBackward0"``."""
        return self._ctx


autograd._bind_tensor_type(Tensor)


# ---- helpers of the methods above -------------------------------------------------------------
class Size(tuple):
    """PyTorch's ``torch.Size``: the tuple of dimension sizes that ``x.shape`` and ``x.size()`` return, with
    ``numel()``, printed ``torch.Size([3, 4])``; slicing it gives a Size again."""

    def __getitem__(self, index: Any) -> Any:
        got = tuple.__getitem__(self, index)
        return Size(got) if type(index) is slice else got

    def __add__(self, other: Any) -> Size:
        return Size(tuple.__add__(self, other))

    def __mul__(self, n: Any) -> Size:
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __radd__(self, other: Any) -> Size:
        return Size(tuple.__add__(tuple(other), self))

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= int(d)
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__


def _Size(shape: tuple[int, ...], _new: Any = tuple.__new__) -> Size:
    """``Size(shape)`` at the least cost (``x.shape`` is read often)."""
    return _new(Size, shape)


return_types = SimpleNamespace(
    max=namedtuple("max", ["values", "indices"]),
    min=namedtuple("min", ["values", "indices"]),
    sort=namedtuple("sort", ["values", "indices"]),
    topk=namedtuple("topk", ["values", "indices"]),
    median=namedtuple("median", ["values", "indices"]),
)
"""PyTorch's ``torch.return_types``: the named tuples ``max(dim)``, ``min(dim)``, ``sort``, ``topk`` and
``median(dim)`` return."""


_changed = autograd.bump_version  # every in-place change made through the Tensor API goes through this

# the ops behind the operators, bound once: the method bodies are the hot path of every model
_Add = ops.Add.apply
_Sub = ops.Sub.apply
_Mul = ops.Mul.apply
_Div = ops.Div.apply
_Pow = ops.Pow.apply
_MatMul = ops.MatMul.apply
_Neg = ops.Neg.apply
_Sqrt = ops.Sqrt.apply
_Abs = ops.Abs.apply
_GetItem = ops.GetItem.apply
_Sum = ops.Sum.apply


def _array(x: Any) -> Any:
    """A Tensor's array; anything else as given (numbers stay numbers, so numpy's promotion keeps them weak)."""
    return x.data if isinstance(x, Tensor) else x


def _joined(tensors: Sequence[Any]) -> list[Any]:
    """The tensors of cat/stack in their promoted dtype: ``promote_types`` over all of them (cat takes no
    0-d tensors, stack's become 1-d first, so none is weaker). Casts keep float inputs in the graph."""
    dts = [t.data.dtype for t in tensors if isinstance(t, Tensor)]
    if not dts or dts.count(dts[0]) == len(dts):  # the common case: no work
        return list(tensors)
    dt = dts[0]
    for d in dts[1:]:
        dt = promote_types(dt, d)
    return [t._cast(dt) if isinstance(t, Tensor) else t for t in tensors]


def _promoted(*operands: Any) -> list[Any]:
    """``operands`` (Tensors, arrays, numbers) cast to PyTorch's ``result_type`` of them: where(c, f32, i64)
    and where(c, f32, 0.5) are float32, where(c, 1, 0) int64. Tensors keep their gradient through the cast."""
    if type(operands[0]) is Tensor and all(type(x) is Tensor and x.data.dtype == operands[0].data.dtype
                                           for x in operands[1:]):
        return list(operands)  # the common case: tensors of one dtype, nothing to cast
    dt = result_type(*operands)
    return [x._cast(dt) if isinstance(x, Tensor) else np.asarray(int_scalar(x, dt, checked=True), dtype=dt)
            for x in operands]


def _rounded_div(a: Any, b: Any, mode: str) -> Tensor:
    """``a / b`` rounded by ``mode`` (``Tensor.div``'s rounding_mode), as PyTorch: in ``result_type(a, b)``;
    recorded with a zero gradient (the result is piecewise constant) when an operand requires grad."""
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {mode!r}")
    dt = result_type(a, b)
    x, y = (np.asarray(int_scalar(_array(v), dt), dtype=dt) for v in (a, b))
    if dt.kind == "b":
        raise RuntimeError(f"div with rounding_mode={mode!r}: not implemented for bool tensors")
    if dt.kind in "iu":
        if np.any(y == 0):
            raise RuntimeError("ZeroDivisionError")
        q = np.floor_divide(x, y)
        if mode == "trunc":  # floor is one below trunc where the exact quotient is negative and not whole
            q = q + ((x - q * y != 0) & ((x < 0) != (y < 0))).astype(dt)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is +-inf or nan, as PyTorch
            q = np.floor_divide(x, y) if mode == "floor" else np.trunc(np.divide(x, y))
    q = np.asarray(q, dtype=dt)
    graph = [v for v in (a, b) if isinstance(v, Tensor) and v._requires_grad]
    if not graph or not autograd.is_grad_enabled():
        return Tensor._wrap(q)
    with np.errstate(all="ignore"):  # only the node matters: the sum's values are never used
        src = graph[0] if len(graph) == 1 else graph[0] + graph[1]
    return ops.Rounded.apply(src, fn=lambda _: q)


def _index_array(index: Any, what: str) -> np.ndarray:
    """An integer index (tensor, array or list) as an array; TypeError naming ``what`` otherwise."""
    idx = np.asarray(_array(index))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{what}: index must be an integer (int64) tensor, got dtype {idx.dtype}")
    return idx


def _dim(dim: Any, axis: Any) -> Any:
    d = dim if axis is None else axis
    return tuple(d) if isinstance(d, list) else d


def _keep(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdim if keepdims is None else keepdims)


def _check_dim(dim: int, ndim: int) -> int:
    """``dim`` made non-negative; IndexError (PyTorch's type) when out of range. A 0-d tensor takes 0 or -1."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def _sizes(sizes: tuple) -> tuple[int, ...]:
    """``(2, 3)`` or ``((2, 3),)`` or ``([2, 3],)`` -> ``(2, 3)``."""
    if len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer)):
        sizes = tuple(sizes[0])
    return tuple(int(s) for s in sizes)


def _squeezed(shape: tuple[int, ...], dim: Any) -> tuple[int, ...]:
    if dim is None:
        return tuple(n for n in shape if n != 1)
    dims = {_check_dim(d, len(shape)) for d in ((dim,) if isinstance(dim, (int, np.integer)) else dim)}
    return tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))


def _unsqueezed(shape: tuple[int, ...], dim: int) -> tuple[int, ...]:
    d = _check_dim(dim, len(shape) + 1)
    return shape[:d] + (1,) + shape[d:]


def _arg(x: np.ndarray, dim: int | None, keepdim: bool, pick: Any) -> Tensor:
    if dim is None:
        out = np.asarray(pick(x))
        return Tensor._wrap((out.reshape((1,) * x.ndim) if keepdim else out).astype(np.int64))
    d = _check_dim(dim, x.ndim)
    if x.ndim == 0:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    out = pick(x, axis=d)
    return Tensor._wrap((np.expand_dims(out, d) if keepdim else out).astype(np.int64))


def _made(array: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    """A new leaf over ``array`` (after checking that ``device`` is the CPU)."""
    if device is not None:
        check_device(device)
    return Tensor(array, requires_grad=requires_grad)


low_rank._TENSOR_GRAD = Tensor.__dict__["grad"]  # stored_grad's test for "a Tensor's own grad property"

