"""``Tensor``: a numpy array that can record the operations applied to it and differentiate them."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import autograd, ops
from .autograd import run_backward
from .dtypes import get_default_dtype


class Tensor:
    """An n-dimensional array with reverse-mode autograd.

    ``Tensor(data, requires_grad=False, dtype=None)``: numpy float arrays keep their dtype (and are
    shared, not copied, like ``torch.from_numpy``); Python numbers and lists become the default dtype
    (float32, see ``set_default_dtype``); integer arrays stay integer and cannot require grad.
    """

    __slots__ = ("data", "grad", "_requires_grad", "_ctx", "__weakref__")
    __array_priority__ = 1000  # make `ndarray op Tensor` call our reflected operators
    __hash__ = object.__hash__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None):
        if isinstance(data, Tensor):
            data = data.data
        elif isinstance(data, np.generic):
            data = np.asarray(data)  # a numpy scalar keeps its dtype, like an array
        if isinstance(data, np.ndarray):
            array = data if dtype is None else data.astype(dtype, copy=False)
        else:
            array = np.asarray(data, dtype=get_default_dtype() if dtype is None else dtype)
        self.data: np.ndarray = array
        self.grad: np.ndarray | None = None
        self._ctx = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """A Tensor over ``array`` without any checks: the fast path ops use."""
        t = object.__new__(Tensor)
        t.data = array
        t.grad = None
        t._ctx = None
        t._requires_grad = False
        return t

    # ---- basic properties -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of dimension ``dim`` (PyTorch's ``size()``; numpy's count is ``numel()``)."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied; detached from the graph)."""
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # np.array(t) must copy (numpy asks with copy=True): a snapshot of the weights must not move with them
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self.data.dtype != get_default_dtype():
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn={self._ctx.fn.__name__}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

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
        """A new leaf tensor sharing this data, cut from the graph (no gradient flows through it)."""
        return Tensor._wrap(self.data)

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad`` is the upstream gradient (same shape as self); it may be omitted for a one-element tensor.
        The graph is freed afterwards unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the computation had "
                "requires_grad=True (or it ran under no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a scalar output, this one has shape {self.shape}; "
                    "reduce it first (e.g. .sum()) or pass backward(grad) of that shape"
                )
            grad_array = np.ones_like(self.data)
        else:
            grad_array = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype, copy=True)
            if grad_array.shape != self.data.shape:
                raise ValueError(
                    f"backward(grad): grad has shape {grad_array.shape} but the tensor has shape {self.shape}"
                )
        run_backward(self, grad_array, retain_graph)

    # ---- arithmetic -------------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(other, self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    # comparisons give boolean tensors that never require grad, as in PyTorch
    def _compare(self, other: Any, op: Any) -> Tensor:
        return Tensor._wrap(op(self.data, other.data if isinstance(other, Tensor) else other))

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
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return ops.Relu.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Clamp values to [min, max]; the gradient passes where the value was inside (bounds included)."""
        return ops.Clip.apply(self, min, max)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return ops.Maximum.apply(self, other)

    # ---- reductions -------------------------------------------------------------------------
    def sum(
        self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *, dim: int | Sequence[int] | None = None
    ) -> Tensor:
        """``axis`` (numpy) or ``dim`` (PyTorch) name the axes reduced; None reduces all."""
        return ops.Sum.apply(self, axis=axis if dim is None else dim, keepdims=keepdims)

    def mean(
        self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *, dim: int | Sequence[int] | None = None
    ) -> Tensor:
        """``axis`` (numpy) or ``dim`` (PyTorch) name the axes reduced; None reduces all."""
        return ops.Mean.apply(self, axis=axis if dim is None else dim, keepdims=keepdims)

    def max(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None) -> Tensor:
        """Maximum along ``axis`` (or ``dim``); the gradient is split equally between tied maxima.

        Unlike PyTorch's ``max(dim)``, this returns the values only (no indices): use ``argmax`` on ``.data``.
        """
        return ops.Max.apply(self, axis=axis if dim is None else dim, keepdims=keepdims)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.Softmax.apply(self, axis=axis if dim is None else dim)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.LogSoftmax.apply(self, axis=axis if dim is None else dim)

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
        return ops.GetItem.apply(self, index=index)

    @staticmethod
    def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        return ops.Concatenate.apply(*tensors, axis=axis)

    @staticmethod
    def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        return ops.Stack.apply(*tensors, axis=axis)


autograd._bind_tensor_type(Tensor)
