"""The autograd mechanism: grad mode, ``Function`` (one op = forward and backward side by side) and
the iterative backward walk.

Each op's backward holds only its mathematics. The bookkeeping shared by all ops lives here, once:
summing a gradient back over broadcast dimensions, casting it to the input's dtype, accumulating it
when a tensor is used more than once, and releasing the graph afterwards.
"""
from __future__ import annotations

import functools
import itertools
import sys
import warnings
import weakref
from heapq import heappop, heappush
from typing import Any, Callable

import numpy as np

from .low_rank import LowRankGrad, stored_grad
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
        _grad_enabled = self._previous.pop() if self._previous else self._mode_without_enter()

    def _mode_without_enter(self) -> bool:
        """The mode an ``__exit__`` without its ``__enter__`` restores (``no_grad().__exit__(...)`` on a new
        instance): torch's no_grad restores grad off, its set_grad_enabled the mode before it was made, and its
        enable_grad has none to restore."""
        raise AttributeError(f"'{type(self).__name__}' object has no attribute 'prev'")

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(self._enabled):
                return fn(*args, **kwargs)

        return wrapper


_anomaly = False  # anomaly mode: a backward that returns NaN raises, naming its node
_anomaly_check_nan = True


def is_anomaly_enabled() -> bool:
    """``torch.is_anomaly_enabled()``."""
    return _anomaly


def is_anomaly_check_nan_enabled() -> bool:
    """``torch.is_anomaly_check_nan_enabled()``."""
    return _anomaly_check_nan


class set_detect_anomaly:
    """``torch.autograd.set_detect_anomaly(mode, check_nan=True)``: anomaly mode on or off, at once (a call)
    or for a block (``with``); back to what it was when the block ends. With it on, a backward function that
    returns NaN raises ``RuntimeError("Function 'MulBackward0' returned nan values in its 0th output.")``."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        global _anomaly, _anomaly_check_nan
        self._previous = (_anomaly, _anomaly_check_nan)
        _anomaly, _anomaly_check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        global _anomaly, _anomaly_check_nan
        _anomaly, _anomaly_check_nan = self._previous


class detect_anomaly:
    """``with torch.autograd.detect_anomaly(check_nan=True):`` (or as a decorator): anomaly mode for the block
    (see ``set_detect_anomaly``). As in PyTorch it warns once that it slows things down."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
                      "be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        self._mode = set_detect_anomaly(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        self._mode.__exit__()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)
        return wrapper


def _check_nan_grads(ctx: Any, input_grads: tuple[Any, ...]) -> None:
    for i, g in enumerate(input_grads):
        if g is None:
            continue
        # a row-sparse gradient's rows; a factored one's factors (a NaN there is a NaN in the product)
        parts = (g.values,) if type(g) is RowSparseGrad else (g.left, g.right) if type(g) is LowRankGrad else (g,)
        if any(np.isnan(np.asarray(p)).any() for p in parts if np.asarray(p).dtype.kind in "fc"):
            raise RuntimeError(f"Function '{ctx.name()}' returned nan values in its {i}th output.")


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

    def _mode_without_enter(self) -> bool:
        return False


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
        _grad_enabled = self._previous.pop() if self._previous else self._before


class VersionCounter:
    """How many times a tensor's values were changed in place (``Tensor._version``), shared by the tensors
    that view one array (views made by ops, ``detach()``, a ``FlatParameter``'s members).

    ``clocks`` holds the engine-clock times of the latest changes: a node recorded at clock ``seq`` was
    recorded before every change whose clock is larger, which is all backward needs to know. Recording
    an op therefore costs no version bookkeeping at all; only the rare in-place change does.
    """

    __slots__ = ("version", "clocks")
    HISTORY = 32  # changes remembered, so the message can name the version a node expected

    def __init__(self) -> None:
        self.version = 0
        self.clocks: list[int] = []


# One clock orders both the recorded nodes (``Context.seq``) and the in-place changes. A node always has
# a larger seq than the nodes of its inputs, so the backward walk visits nodes in decreasing seq.
_clock = itertools.count(1)
_last_change = 0  # the clock of the latest in-place change of any tensor
_frees_saved = False  # what Context.frees_saved says while backward runs
_capture: dict[int, Any] | None = None  # the tensors the running autograd.grad asks for (None: a .backward())


def capture_targets() -> dict[int, Any] | None:
    """The ``id(tensor)`` keys of the tensors the running backward computes gradients for, when it is an
    ``autograd.grad`` (PyTorch's engine then runs only the nodes on a path to them); None in a ``.backward()``."""
    return _capture


def bump_version(tensor: Any) -> None:
    """Record that ``tensor``'s values were just changed in place (every in-place Tensor method calls this)."""
    global _last_change
    vc = tensor._vc
    if vc is None:
        vc = tensor._vc = VersionCounter()
    vc.version += 1
    _last_change = now = next(_clock)
    clocks = vc.clocks
    clocks.append(now)
    if len(clocks) > VersionCounter.HISTORY:
        del clocks[0]


def share_version(source: Any, view: Any) -> None:
    """Make ``view`` (a tensor over ``source``'s memory) count its in-place changes with ``source``."""
    vc = source._vc
    if vc is None:
        vc = source._vc = VersionCounter()
    view._vc = vc


def _view_counter(out: np.ndarray, args: tuple) -> VersionCounter | None:
    """The version counter of the input whose memory ``out`` views, if any (it is then shared)."""
    base = out.base
    for a in args:
        if isinstance(a, Tensor):
            d = a.data
            if base is d or base is d.base:
                vc = a._vc
                if vc is None:
                    vc = a._vc = VersionCounter()
                return vc
    return None


class Context:
    """What a Function's forward leaves for its backward: saved arrays and any attributes it sets.

    ``inputs`` are the positional arguments of the op (``needs_input_grad`` says which get a gradient;
    None once backward has released the node), ``seq`` its place on the engine's clock.
    """

    __slots__ = ("fn", "inputs", "needs_input_grad", "saved_arrays", "seq", "__dict__")

    def __init__(self, fn: type[Function]):
        self.fn = fn
        self.inputs: tuple[Any, ...] | None = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.saved_arrays: tuple[np.ndarray, ...] = ()
        self.seq = next(_clock)

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        self.saved_arrays = arrays

    @property
    def saved_tensors(self) -> tuple[np.ndarray, ...]:
        """PyTorch's name for what ``save_for_backward`` kept: here the numpy arrays themselves, since a
        Function's forward and backward work on arrays (``saved_arrays``)."""
        return self.saved_arrays

    @property
    def frees_saved(self) -> bool:
        """True while backward runs if the graph is released right after it (no ``retain_graph``): the
        backward may then reuse its saved arrays' memory."""
        return _frees_saved

    @property
    def released(self) -> bool:
        """True once a backward without ``retain_graph`` went through this node and freed what it saved."""
        return self.inputs is None

    @property
    def parents(self) -> tuple[Any, ...]:
        """The inputs that receive a gradient, None in the place of the others."""
        if self.inputs is None:
            return ()
        return tuple([a if n else None for a, n in zip(self.inputs, self.needs_input_grad)])

    # a Context is also the tensor's ``grad_fn``, named as PyTorch names its nodes
    def name(self) -> str:
        # torch: a built-in node is "MulBackward0", a custom Function's is "MyReLUBackward"
        builtin = getattr(self.fn, "__module__", "").startswith("tinygrad_rnn.")
        return f"{self.fn.__name__}Backward{'0' if builtin else ''}"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes of the inputs (``AccumulateGrad`` for a leaf that requires grad, None otherwise)."""
        return tuple(
            (None if p is None else (p._ctx if p._ctx is not None else AccumulateGrad(p)), 0) for p in self.parents
        )

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


_new = object.__new__
_NO_GRAD_1 = (False,)
_NO_GRAD_2 = (False, False)


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

    Saved arrays are checked for in-place changes: if a tensor whose array was saved (an input, or the
    output) is changed in place through the Tensor API before backward, backward raises, as PyTorch does.
    """

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        if kwargs:
            for name, value in kwargs.items():
                if isinstance(value, Tensor):
                    raise TypeError(
                        f"{cls.__name__}.apply: pass tensors positionally; keyword argument {name!r} is a Tensor, "
                        "and keyword arguments are not recorded in the graph (no gradient would reach it)"
                    )
        # Which inputs need a gradient is known before forward (as in PyTorch), so a forward can skip saving
        # what no backward will use. This runs for every op: one and two inputs (nearly all ops) are spelled
        # out, as comprehensions and any() cost more than the op's own bookkeeping.
        n = len(args)
        if n == 1:
            a = args[0]
            if isinstance(a, Tensor):
                arrays: Any = (a.data,)
                record = a._requires_grad and _grad_enabled
                needs = (True,) if record else _NO_GRAD_1
            else:
                arrays, record, needs = args, False, _NO_GRAD_1
        elif n == 2:
            a, b = args
            if isinstance(a, Tensor):
                xa, ra = a.data, a._requires_grad
            else:
                xa, ra = a, False
            if isinstance(b, Tensor):
                xb, rb = b.data, b._requires_grad
            else:
                xb, rb = b, False
            arrays = (xa, xb)
            record = (ra or rb) and _grad_enabled
            needs = (ra, rb) if record else _NO_GRAD_2
        else:
            arrays = [a.data if isinstance(a, Tensor) else a for a in args]
            needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args]) if _grad_enabled else ()
            record = True in needs
            if not record:
                needs = (False,) * n
        ctx = _new(Context)
        ctx.fn = cls
        ctx.needs_input_grad = needs
        ctx.saved_arrays = ()
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as err:
            _wrap_forward_error(cls, err)
            raise
        return _result(out, ctx, args, record)


def _result(out: Any, ctx: Context, inputs: tuple[Any, ...], record: bool) -> Tensor:
    """The Tensor an op returns: ``out`` as its data, and, when the op is recorded, ``ctx`` as its node
    (given its inputs and its place on the clock); a view shares its base tensor's version counter."""
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    result = _new(Tensor)
    result.data = out
    result._grad = None
    result._hooks = None
    result._vc = None if out.base is None else _view_counter(out, inputs)
    if record:
        ctx.inputs = inputs
        ctx.seq = next(_clock)
        result._ctx = ctx
        result._requires_grad = True
    else:
        result._ctx = None
        result._requires_grad = False
    return result


def _wrap_forward_error(cls: type[Function], err: ValueError) -> None:
    # numpy's messages name the shapes; saying which op failed makes them actionable
    message = str(err)
    if cls.__name__.lower() not in message.replace("_", "").lower():
        err.args = (f"{cls.__name__}: {message}",) + err.args[1:]


def unary_op(cls: type[Function]) -> Callable[[Any], Tensor]:
    """``cls.apply`` for a Tensor method of one tensor (``x.tanh()``): the same, in one call frame instead
    of two (the method and apply) -- the methods behind every recurrent step are worth it."""
    forward = cls.forward

    def op(a: Any) -> Tensor:
        record = a._requires_grad and _grad_enabled
        ctx = _new(Context)
        ctx.fn = cls
        ctx.needs_input_grad = (True,) if record else _NO_GRAD_1
        ctx.saved_arrays = ()
        try:
            out = forward(ctx, a.data)
        except ValueError as err:
            _wrap_forward_error(cls, err)
            raise
        return _result(out, ctx, (a,), record)

    op.__name__ = op.__qualname__ = f"{cls.__name__}_apply"
    return op


def binary_op(cls: type[Function], reflected: bool = False) -> Callable[[Any, Any], Tensor]:
    """``cls.apply`` for a binary operator of a Tensor (``x * y``; with ``reflected``, ``y * x`` as
    ``__rmul__``), in one call frame: see ``unary_op``."""
    forward = cls.forward

    def op(x: Any, y: Any) -> Tensor:
        a, b = (y, x) if reflected else (x, y)
        if isinstance(a, Tensor):
            xa, ra = a.data, a._requires_grad
        else:
            xa, ra = a, False
        if isinstance(b, Tensor):
            xb, rb = b.data, b._requires_grad
        else:
            xb, rb = b, False
        record = (ra or rb) and _grad_enabled
        ctx = _new(Context)
        ctx.fn = cls
        ctx.needs_input_grad = (ra, rb) if record else _NO_GRAD_2
        ctx.saved_arrays = ()
        try:
            out = forward(ctx, xa, xb)
        except ValueError as err:
            _wrap_forward_error(cls, err)
            raise
        return _result(out, ctx, (a, b), record)

    op.__name__ = op.__qualname__ = f"{cls.__name__}_apply"
    return op


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


_RELEASED = (
    "trying to backward through the graph a second time: its saved arrays were freed by the "
    "first backward(). If you carry a hidden state from one batch to the next, pass h.detach() so "
    "the new graph starts there; if you really need to go through it twice, call "
    "backward(retain_graph=True) the first time"
)


def run_backward(root: Tensor, grad: np.ndarray, retain_graph: bool,
                 capture: dict[int, Any] | None = None) -> None:
    """Propagate ``grad`` from ``root`` to every leaf that requires grad, accumulating into ``.grad``.

    Nodes are visited in decreasing ``seq`` (a max-heap): every use of a tensor was recorded after the
    tensor itself, so when a node is popped all its gradient has arrived. One pass, no separate
    topological sort. Leaves come last, once all their gradient is summed.

    ``capture`` (``id(tensor) -> None`` for the tensors wanted, as ``autograd.grad`` asks): their finished
    gradients are put there instead (copies, after their hooks), and no leaf's ``.grad`` changes.
    """
    pending: dict[int, Any] = {id(root): grad}
    owned: set[int] = set()  # pending arrays the engine allocated itself: safe to add into in place
    leaves: list[Tensor] = []
    heap: list[tuple[int, Tensor]] = []
    if root._ctx is None:
        leaves.append(root)
    else:
        heap.append((-root._ctx.seq, root))
    global _frees_saved, _capture
    free = not retain_graph
    # a backward run from inside a backward restores them
    outer_frees, _frees_saved, outer_capture, _capture = _frees_saved, free, _capture, capture
    try:
        _walk(heap, leaves, pending, owned, free, capture)
    finally:
        _frees_saved, _capture = outer_frees, outer_capture
    for leaf in leaves:
        key = id(leaf)
        g = pending.pop(key)
        if type(g) is not np.ndarray and type(g) is not RowSparseGrad and type(g) is not LowRankGrad:
            g = np.asarray(g)  # (a leaf keeps a sparse gradient sparse and a factored one factored)
        if leaf._hooks:
            g = _run_hooks(leaf, g)
        if capture is not None:
            if key in capture:
                capture[key] = np.array(g, copy=True)  # (a sparse or factored one multiplied out)
        elif leaf._requires_grad:
            _store_leaf_grad(leaf, g, key in owned)


def _walk(heap: list[tuple[int, Tensor]], leaves: list[Tensor], pending: dict[int, Any], owned: set[int],
          free: bool, capture: dict[int, Any] | None = None) -> None:
    """The backward walk over the recorded nodes (see ``run_backward``); leaves are collected in ``leaves``."""
    ndarray = np.ndarray
    while heap:
        node = heappop(heap)[1]
        ctx = node._ctx
        g = pending.pop(id(node))
        # 0-d arithmetic gives numpy scalars and a sparse gradient reaching an op is made dense:
        # backwards are promised arrays
        if type(g) is not ndarray:
            g = np.asarray(g)
        if node._hooks:
            g = _run_hooks(node, g)
        if capture is not None and id(node) in capture:
            capture[id(node)] = np.array(g, copy=True)  # (the node's backward may write into g)
        inputs = ctx.inputs
        if inputs is None:
            raise RuntimeError(_RELEASED)
        if ctx.seq < _last_change:  # something changed in place after this node was recorded
            inputs = _inputs_at(ctx, node)
        input_grads = ctx.fn.backward(ctx, g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if _anomaly and _anomaly_check_nan:
            _check_nan_grads(ctx, input_grads)
        n = len(input_grads)
        if n > len(inputs) and all(pg is None for pg in input_grads[len(inputs):]):
            # as torch: trailing Nones for optional forward arguments the call did not pass are dropped
            input_grads, n = input_grads[:len(inputs)], len(inputs)
        if n != len(inputs):
            raise RuntimeError(f"{ctx.fn.__name__}.backward returned {n} gradients for {len(inputs)} inputs")
        if n == 2:
            if input_grads[0] is input_grads[1]:
                _protect_shared(input_grads)
        elif n > 2:
            _protect_shared(input_grads)
        for parent, need, pg in zip(inputs, ctx.needs_input_grad, input_grads):
            if not need or pg is None:
                continue
            key = id(parent)
            if type(pg) is ndarray:
                # the common case inline: a dense gradient, usually already of the input's shape and dtype
                data = parent.data
                if pg.shape != data.shape:
                    pg = _unbroadcast_for(pg, data.shape, ctx.fn)
                if pg.dtype is not data.dtype and pg.dtype != data.dtype:
                    pg = pg.astype(data.dtype)
                previous = pending.get(key)
                if previous is not None:
                    if key in owned and type(previous) is ndarray:
                        np.add(previous, pg, out=previous)
                    else:
                        _accumulate(pending, owned, parent, pg, ctx.fn)
                    continue
                pending[key] = pg
            else:
                arrived = key in pending
                _accumulate(pending, owned, parent, pg, ctx.fn)
                if arrived:
                    continue
            # the first gradient for this tensor: schedule it
            parent_ctx = parent._ctx
            if parent_ctx is None:
                leaves.append(parent)
            else:
                heappush(heap, (-parent_ctx.seq, parent))
        if free:
            # what an op saved and its inputs (the rest of the graph) go; its few attributes (shapes, axes)
            # stay, as clearing an instance dict costs more than the whole node's bookkeeping
            ctx.inputs = None
            ctx.saved_arrays = ()


def _protect_shared(grads: tuple[Any, ...]) -> None:
    """Make an array that a backward returned for two inputs (``Add``'s ``(grad, grad)``) read-only: a later
    backward that wrote into its upstream gradient would otherwise corrupt its sibling's. (Every other
    gradient reaches one backward only, which may use it as it likes.)"""
    a = grads[0]
    if len(grads) == 2:
        if a is grads[1] and type(a) is np.ndarray:
            a.setflags(write=False)
        return
    seen: set[int] = set()
    for x in grads:
        if type(x) is np.ndarray:
            if id(x) in seen:
                x.setflags(write=False)
            seen.add(id(x))


def _unbroadcast_for(pg: np.ndarray, shape: tuple[int, ...], fn: type[Function]) -> np.ndarray:
    try:
        return unbroadcast(pg, shape)
    except RuntimeError:
        raise RuntimeError(
            f"{fn.__name__}.backward returned a gradient of shape {np.shape(pg)} for an input of "
            f"shape {shape}; it must be that shape or broadcast to it"
        ) from None


def _same_memory(a: np.ndarray, b: Any) -> bool:
    """Whether ``b`` is ``a`` or a view of the same memory (the arrays' owners are compared)."""
    if type(b) is not np.ndarray:
        return False
    return (a if a.base is None else a.base) is (b if b.base is None else b.base)


# Tensors that a recorded ``x[index] = value`` turned into a new node: id(x) -> (weak x, [(seq of the
# new node, weak tensor of x's value before)]). Ops recorded before that write used the earlier value.
_replaced: dict[int, tuple[Any, list[tuple[int, Any]]]] = {}


def record_replacement(tensor: Tensor, before: Tensor) -> None:
    """``tensor`` now stands for a new node (seq ``tensor._ctx.seq``) over a new array; ``before`` holds its
    earlier value and array, which keep their version counter (views of that array still share it).
    ``tensor`` counts one change more, on a counter of its own."""
    global _last_change
    key = id(tensor)
    entry = _replaced.get(key)
    if entry is None or entry[0]() is not tensor:
        entry = _replaced[key] = (weakref.ref(tensor, lambda _, key=key: _replaced.pop(key, None)), [])
    entry[1].append((tensor._ctx.seq, weakref.ref(before)))
    old = tensor._vc
    before._vc = old
    vc = tensor._vc = VersionCounter()
    vc.version = (0 if old is None else old.version) + 1
    _last_change = now = next(_clock)  # ops recorded before now resolve their inputs in backward
    vc.clocks.append(now)


def _inputs_at(ctx: Context, node: Tensor) -> tuple[Any, ...]:
    """``ctx``'s inputs as they were when it was recorded (an input a later ``x[i] = v`` made a new node
    is replaced by its earlier value), after checking that no array ``ctx`` saved was changed since."""
    inputs = ctx.inputs
    if _replaced:
        resolved = []
        for a in inputs:
            entry = _replaced.get(id(a))
            if entry is not None and entry[0]() is a:
                for seq, before in entry[1]:
                    if seq > ctx.seq:
                        # the earlier value; if nothing holds it any more it needed no gradient, and a
                        # stand-in that requires none takes what this op sends it
                        earlier = before()
                        a = Tensor._wrap(a.data) if earlier is None else earlier
                        break
            resolved.append(a)
        inputs = tuple(resolved)
    _check_saved_versions(ctx, node, inputs)
    return inputs


def _check_saved_versions(ctx: Context, node: Tensor, inputs: tuple[Any, ...]) -> None:
    """Raise PyTorch's error if a tensor whose array ``ctx`` saved (its output ``node`` or an input) was
    changed in place after ``ctx`` was recorded. Only called when some change happened since then."""
    saved = ctx.saved_arrays
    if not saved:
        return
    for tensor in (node, *inputs):
        if not isinstance(tensor, Tensor):
            continue
        vc = tensor._vc
        if vc is None or not vc.clocks or vc.clocks[-1] < ctx.seq:
            continue
        if any(_same_memory(tensor.data, s) for s in saved):
            raise RuntimeError(_modified_message(tensor, vc, ctx.seq, node is tensor))


def _modified_message(tensor: Tensor, vc: VersionCounter, seq: int, is_output: bool) -> str:
    from .dtypes import legacy_type_name

    later = sum(1 for c in vc.clocks if c > seq)
    expected = vc.version - later
    # the history is bounded: if every remembered change is later than the node, earlier ones may be too
    exact = later < len(vc.clocks) or len(vc.clocks) == vc.version
    maker = tensor._ctx
    which = f", which is output 0 of {maker.name()}," if maker is not None else ""
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{legacy_type_name(tensor.data.dtype)} {list(tensor.data.shape)}]{which} is at version {vc.version}; "
        f"expected version {expected if exact else f'{expected} or lower'} instead. Hint: the op that saved it "
        f"{'made it' if is_output else 'took it as an input'}; change it in place only after backward() (an "
        "optimizer step, `with no_grad(): p -= lr * p.grad`), use the out-of-place form (x = x + y instead of "
        "x += y, x.add(y) instead of x.add_(y)), or pass the op x.clone(). Writes into a tensor's .data (a numpy "
        "array) are not tracked."
    )


def _run_hooks(node: Tensor, g: Any) -> np.ndarray:
    """The tensor's ``register_hook`` hooks, in order, on its finished gradient (given as a Tensor); a hook's
    non-None return replaces the gradient, which must keep its shape."""
    g = np.asarray(g)  # a hook sees a dense gradient
    for hook in list(node._hooks.values()):
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
    if type(pg) is LowRankGrad:
        if previous is None and pg.dtype == parent.data.dtype and pg.shape == parent.data.shape:
            pending[key] = pg  # kept factored while it is the only gradient (see low_rank.py)
            return
        pg = pg.to_dense()
    if type(previous) is LowRankGrad:  # a second gradient meets it: multiplied out, then added to as usual
        previous = pending[key] = previous.to_dense()
        owned.add(key)
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


_set = object.__setattr__


def _store_leaf_grad(leaf: Tensor, g: np.ndarray, owned: bool) -> None:
    """Add a leaf's finished gradient ``g`` to its ``.grad``, which accumulates across backward() calls.

    ``owned`` says the engine allocated ``g`` itself; any other array may be shared with another input
    (or be the caller's, or saved by an op), so the leaf keeps a copy of it — unless nothing else refers
    to it: like PyTorch's AccumulateGrad, which steals a gradient nobody else holds, a backward's fresh
    result (a weight gradient's matmul, say: megabytes for a vocabulary-sized layer) is kept as it is.
    """
    if stored_grad(leaf) is None:
        refs = sys.getrefcount(g)  # a statement of its own: an argument list being built holds g once more
        fresh = owned or type(g) is RowSparseGrad or type(g) is LowRankGrad or _unshared(g, refs)
        # engine-made, so no checks; object.__setattr__ also skips a Parameter's own __setattr__ (it watches .data)
        g = g if fresh else np.array(g, dtype=leaf.data.dtype, copy=True)
        if type(leaf).grad is Tensor.grad:  # (a subclass may define a .grad of its own)
            _set(leaf, "_grad", g)
        else:  # a class with a .grad of its own
            leaf.grad = g
        return
    if type(g) is LowRankGrad:  # accumulating over backward() calls: the sum is a plain array
        g = g.to_dense()
    if type(leaf.grad) is RowSparseGrad and type(g) is RowSparseGrad:
        leaf.grad = (leaf.grad + g).coalesce()  # accumulated over many backward() calls it stays <= V rows
    else:
        leaf.grad += g


def _refs_seen_by_store(leaf: Any, g: np.ndarray, owned: bool) -> int:
    return sys.getrefcount(g)


def _probe_unshared_refs() -> int:
    """The reference count ``_store_leaf_grad`` sees for an array that only ``run_backward`` holds: measured
    once on this interpreter through the same two frames (a local passed as an argument), not assumed."""
    g = np.empty(1)
    return _refs_seen_by_store(None, g, False)


_UNSHARED_REFS = _probe_unshared_refs() if hasattr(sys, "getrefcount") else -1


def _unshared(g: Any, refs: int) -> bool:
    """True if ``g`` (seen with ``refs`` references) is a writable array that owns its memory and that
    nothing but the backward pass refers to, so a leaf may keep it as its ``.grad`` without a copy."""
    return (type(g) is np.ndarray and refs <= _UNSHARED_REFS and g.base is None and g.flags.writeable)
