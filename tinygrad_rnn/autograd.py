"""The autograd mechanism: grad mode, ``Function`` (one op = forward and backward side by side) and
the iterative backward walk.

Each op's backward holds only its mathematics. The bookkeeping shared by all ops lives here, once:
summing a gradient back over broadcast dimensions, casting it to the input's dtype, accumulating it
when a tensor is used more than once, and releasing the graph afterwards.
"""
from __future__ import annotations

import functools
import weakref
from typing import Any, Callable

import numpy as np

from .sparse import RowSparseGrad

_grad_enabled = True

# The Tensor class. autograd sits below tensor.py in the import order (dtypes <- autograd <- ops <- tensor), so
# it cannot import it: tensor.py binds it here once, right after defining it. A module global is what
# Function.apply would read for an imported name too, so its hot path costs the same.
Tensor: Any = None


def _bind_tensor_type(cls: type) -> None:
    """Called once by tensor.py: the class ``Function.apply`` unwraps inputs of and wraps outputs in."""
    global Tensor
    Tensor = cls


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record a graph."""
    return _grad_enabled


class _GradMode:
    """Context manager and decorator that sets grad mode and restores the previous mode on exit."""

    def __init__(self, enabled: bool):
        self._enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous.append(_grad_enabled)
        _grad_enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous.pop()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(self._enabled):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """``with no_grad():``, ``@no_grad()`` or ``@no_grad``: operations inside record no graph."""

    def __new__(cls, fn: Callable | None = None):  # type: ignore[misc]
        mode = super().__new__(cls)
        if fn is None:
            return mode
        _GradMode.__init__(mode, False)
        return mode(fn)  # used bare as a decorator

    def __init__(self, fn: Callable | None = None) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """``with enable_grad():`` (or as a decorator) switches graph recording back on inside ``no_grad``."""

    def __new__(cls, fn: Callable | None = None):  # type: ignore[misc]
        mode = super().__new__(cls)
        if fn is None:
            return mode
        _GradMode.__init__(mode, True)
        return mode(fn)

    def __init__(self, fn: Callable | None = None) -> None:
        super().__init__(True)


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode()`` (context manager, ``@inference_mode()`` or bare ``@inference_mode``):
    here the same as ``no_grad()``; ``inference_mode(False)`` leaves grad mode as it is."""

    def __new__(cls, mode: Any = True):  # type: ignore[misc]
        obj = super().__new__(cls)
        if callable(mode):
            _GradMode.__init__(obj, False)
            obj._active = True
            return obj(mode)
        return obj

    def __init__(self, mode: Any = True) -> None:
        super().__init__(False)
        self._active = bool(mode)

    def __enter__(self) -> None:
        self._enabled = False if self._active else _grad_enabled
        super().__enter__()


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` switches recording off at once (and back on ``True``); also usable as
    ``with set_grad_enabled(mode):``, which restores the previous mode on exit."""

    def __init__(self, mode: bool) -> None:
        global _grad_enabled
        super().__init__(bool(mode))
        self._before = _grad_enabled
        _grad_enabled = bool(mode)

    def __enter__(self) -> None:
        self._previous.append(self._before)

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous.pop()


class Context:
    """What a Function's forward leaves for its backward: saved arrays and any attributes it sets.

    ``frees_saved`` is True while backward runs if the graph is released right after it (no
    ``retain_graph``): the backward may then reuse its saved arrays' memory.
    """

    __slots__ = ("fn", "parents", "needs_input_grad", "saved_arrays", "released", "frees_saved", "__dict__")

    def __init__(self, fn: type[Function]):
        self.fn = fn
        self.parents: tuple[Tensor | None, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.saved_arrays: tuple[np.ndarray, ...] = ()
        self.released = False
        self.frees_saved = False

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        self.saved_arrays = arrays

    # a Context is also the tensor's ``grad_fn``, named as PyTorch names its nodes
    def name(self) -> str:
        return f"{self.fn.__name__}Backward0"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes of the inputs (``AccumulateGrad`` for a leaf that requires grad, None otherwise)."""
        return tuple(
            (None if p is None else (p._ctx if p._ctx is not None else AccumulateGrad(p)), 0) for p in self.parents
        )

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class AccumulateGrad:
    """The node of a leaf tensor in ``grad_fn.next_functions`` (``.variable`` is the leaf)."""

    def __init__(self, variable: Any):
        self.variable = variable

    def name(self) -> str:
        return "struct torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


class RetainGrad:
    """The hook ``Tensor.retain_grad()`` registers: it stores the gradient (as it reaches it) in ``.grad``."""

    def __init__(self, tensor: Any):
        self.tensor_ref = weakref.ref(tensor)

    def __call__(self, grad: Any) -> None:
        t = self.tensor_ref()
        if t is not None:
            g = np.array(grad.data, copy=True)
            t.grad = g if t.grad is None else t.grad + g


class Function:
    """Base class of every op, built-in or user-defined.

    Subclasses define two static methods side by side::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):             # numpy arrays in (non-tensor arguments as given)
                ctx.save_for_backward(x)
                return x ** 3                # one numpy array out
            @staticmethod
            def backward(ctx, grad):         # grad: upstream gradient, shaped like the output
                (x,) = ctx.saved_arrays
                return grad * 3 * x ** 2     # one gradient per positional input (a tuple if several)

        y = Cube.apply(x)                    # a Tensor; the graph is recorded only when needed

    ``backward`` may return ``None`` for an input that needs no gradient (``ctx.needs_input_grad``
    says which do). It may return gradients in the *broadcast* shape: the engine sums them back to
    each input's shape and casts them to its dtype.
    """

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        arrays = [a.data if isinstance(a, Tensor) else a for a in args]
        if kwargs:
            for name, value in kwargs.items():
                if isinstance(value, Tensor):
                    raise TypeError(
                        f"{cls.__name__}.apply: pass tensors positionally; keyword argument {name!r} is a Tensor, "
                        "and keyword arguments are not recorded in the graph (no gradient would reach it)"
                    )
        ctx = Context(cls)
        # known before forward (as in PyTorch), so a forward can skip saving what no backward will use
        # (list comprehensions, not generator expressions: this runs for every op and they cost half)
        needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args]) if _grad_enabled else ()
        record = any(needs)
        ctx.needs_input_grad = needs if record else (False,) * len(args)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as err:
            # numpy's messages name the shapes; saying which op failed makes them actionable
            message = str(err)
            if cls.__name__.lower() not in message.replace("_", "").lower():
                err.args = (f"{cls.__name__}: {message}",) + err.args[1:]
            raise
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        result = Tensor._wrap(out)
        if record:
            ctx.parents = tuple([a if n else None for a, n in zip(args, needs)])
            result._ctx = ctx
            result._requires_grad = True
        return result


class IndexedGrad:
    """A gradient that is zero except at ``index``, where it is ``values`` (basic or boolean indexing,
    no repeated elements). The engine adds it into one buffer per input, so ``for t in range(T): x[t]``
    costs O(T) in backward instead of T full-size zero arrays added together."""

    __slots__ = ("index", "values")

    def __init__(self, index: Any, values: np.ndarray):
        self.index = index
        self.values = values

    def add_into(self, buffer: np.ndarray) -> None:
        buffer[self.index] += self.values


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise RuntimeError(f"gradient of shape {grad.shape} does not fit input of shape {shape}")
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        raise RuntimeError(f"gradient of shape {grad.shape} does not fit input of shape {shape}")
    return grad


def _topological_order(root: Tensor) -> list[Tensor]:
    """Nodes of the graph below ``root``, each after all nodes that use it; iterative (graphs are deep)."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            for parent in ctx.parents:
                if parent is not None and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order


def run_backward(root: Tensor, grad: np.ndarray, retain_graph: bool) -> None:
    """Propagate ``grad`` from ``root`` to every leaf that requires grad, accumulating into ``.grad``."""
    pending: dict[int, np.ndarray] = {id(root): grad}
    owned: set[int] = set()  # pending arrays the engine allocated itself: safe to add into in place
    for node in _topological_order(root):
        key = id(node)
        g = pending.pop(key, None)
        if g is None:
            continue
        ctx = node._ctx
        # 0-d arithmetic gives numpy scalars; backwards are promised arrays (a sparse gradient reaching an
        # op is made dense; a leaf keeps it sparse)
        if type(g) is not np.ndarray and not (type(g) is RowSparseGrad and ctx is None):
            g = np.asarray(g)
        if node._hooks:
            g = _run_hooks(node, g)
        if ctx is None:
            if node._requires_grad:
                _store_leaf_grad(node, g, key in owned)
            continue
        if ctx.released:
            raise RuntimeError(
                "trying to backward through the graph a second time: its saved arrays were freed by the "
                "first backward(). If you carry a hidden state from one batch to the next, pass h.detach() so "
                "the new graph starts there; if you really need to go through it twice, call "
                "backward(retain_graph=True) the first time"
            )
        # read-only: a backward that wrote into its upstream gradient would corrupt its siblings' gradients
        g.flags.writeable = False
        ctx.frees_saved = not retain_graph
        input_grads = ctx.fn.backward(ctx, g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if len(input_grads) != len(ctx.parents):
            raise RuntimeError(
                f"{ctx.fn.__name__}.backward returned {len(input_grads)} gradients for {len(ctx.parents)} inputs"
            )
        for parent, pg in zip(ctx.parents, input_grads):
            if parent is not None and pg is not None:
                _accumulate(pending, owned, parent, pg, ctx.fn)
        if not retain_graph:
            ctx.parents = ()
            ctx.saved_arrays = ()
            ctx.__dict__.clear()
            ctx.released = True


def _run_hooks(node: Tensor, g: Any) -> np.ndarray:
    """The tensor's ``register_hook`` hooks, in order, on its finished gradient (given as a Tensor); a hook's
    non-None return replaces the gradient, which must keep its shape."""
    g = np.asarray(g)  # a hook sees a dense gradient
    for hook in list(node._hooks):
        view = Tensor._wrap(np.array(g, copy=True))
        out = hook(view)
        if out is not None:
            new = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=node.data.dtype)
            if new.shape != node.data.shape:
                raise RuntimeError(f"hook returned a gradient of shape {new.shape} for a tensor of shape {node.data.shape}")
            g = new
    return g


def _accumulate(pending: dict[int, np.ndarray], owned: set[int], parent: Tensor, pg: Any, fn: type[Function]) -> None:
    """Add ``pg``, the gradient ``fn.backward`` returned for ``parent``, to the gradient pending for ``parent``.

    The one place where gradients meet, so a tensor used twice (a diamond, a weight shared across time
    steps) gets their sum. ``pg`` is a ``RowSparseGrad`` (kept sparse while every part is sparse, else
    added into a dense array), an ``IndexedGrad`` (added into one dense buffer) or an array, which
    is first summed back to ``parent``'s shape and cast to its dtype. The pending array is added into in
    place only when the engine allocated it itself (``owned``); an array that came from a backward may
    be shared with another input or saved by the op, so the first sum with it is a new array.
    """
    key = id(parent)
    previous = pending.get(key)
    if type(pg) is RowSparseGrad:
        if pg.dtype != parent.data.dtype:
            pg = RowSparseGrad(pg.indices, pg.values.astype(parent.data.dtype), pg.shape, pg._coalesced)
        if previous is None or type(previous) is RowSparseGrad:
            pending[key] = pg if previous is None else previous + pg
        else:
            pending[key] = pg.add_to_(previous if key in owned else np.array(previous, copy=True))
            owned.add(key)
        return
    if type(pg) is IndexedGrad:
        if previous is None:
            buffer = np.zeros(parent.data.shape, dtype=parent.data.dtype)
        elif key in owned:
            buffer = previous
        else:
            buffer = np.array(previous, dtype=parent.data.dtype, copy=True)
        pg.add_into(buffer)
        pending[key] = buffer
        owned.add(key)
        return
    try:
        pg = unbroadcast(np.asarray(pg), parent.data.shape)
    except RuntimeError:
        raise RuntimeError(
            f"{fn.__name__}.backward returned a gradient of shape {np.shape(pg)} for an input of "
            f"shape {parent.data.shape}; it must be that shape or broadcast to it"
        ) from None
    if pg.dtype != parent.data.dtype:
        pg = pg.astype(parent.data.dtype)
    if previous is None:
        pending[key] = pg
    elif type(previous) is RowSparseGrad:
        pending[key] = previous + pg  # a new dense array
        owned.add(key)
    elif key in owned:
        np.add(previous, pg, out=previous)
    else:
        pending[key] = np.asarray(previous + pg)  # 0-d sums come back as numpy scalars
        owned.add(key)


def _store_leaf_grad(leaf: Tensor, g: np.ndarray, owned: bool) -> None:
    """Add a leaf's finished gradient ``g`` to its ``.grad``, which accumulates across backward() calls.

    ``owned`` says the engine allocated ``g`` itself; any other array may be shared with another input
    (or be the caller's), so the leaf keeps a copy of it.
    """
    if leaf.grad is None:
        fresh = owned or type(g) is RowSparseGrad  # a sparse gradient's rows are always new arrays
        leaf.grad = g if fresh else np.array(g, dtype=leaf.data.dtype, copy=True)
    elif type(leaf.grad) is RowSparseGrad and type(g) is RowSparseGrad:
        leaf.grad = (leaf.grad + g).coalesce()  # accumulated over many backward() calls it stays <= V rows
    else:
        leaf.grad += g
