"""``RemovableHandle`` (PyTorch's ``torch.utils.hooks.RemovableHandle``): what ``Tensor.register_hook``,
``Module.register_forward_hook`` and ``register_forward_pre_hook`` return; and ``BackwardHook``, which runs a
Module's full backward hooks (PyTorch's ``torch.utils.hooks.BackwardHook``)."""
from __future__ import annotations

import itertools
import warnings
import weakref
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from . import autograd
from .autograd import Function

__all__ = ["RemovableHandle", "add_hook", "BackwardHook", "BackwardHookFunction"]


class RemovableHandle:
    """``handle.remove()`` (or leaving a ``with handle:`` block) unregisters the hook; removing twice is harmless."""

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Any]):
        self.id = next(RemovableHandle._ids)
        self._hooks = weakref.ref(hooks)

    def remove(self) -> None:
        hooks = self._hooks()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def add_hook(hooks: OrderedDict[int, Any], entry: Any, prepend: bool = False) -> RemovableHandle:
    """Register ``entry`` in the ordered ``hooks`` (last, or first with ``prepend``); its handle removes it."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = entry
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


# ---- module backward hooks ------------------------------------------------------------------------------
# PyTorch wraps a hooked module's tensor inputs, and then its outputs, in one identity node each, whose backward
# sees all their gradients at once. Ops here have one output, so each side is a "gather" node G over the
# tensors (its output is an empty array) and one identity "pick" per tensor, an input of G: the picks are
# recorded after G, so the engine (which runs nodes newest first) runs every pick before G, and once all the
# gradient of a pick's output has arrived. A pick hands that gradient to G's backward through the shared
# ``_Side`` and sends G an empty one; G's backward then has them all, calls the hooks and returns the
# (possibly replaced) gradients to the tensors.


class _Side:
    """The gradients the picks of one side (a module call's inputs or outputs) collected for their gather."""

    __slots__ = ("grads", "on_grads")

    def __init__(self, n: int, on_grads: Callable[[list], list]):
        self.grads: list[Any] = [None] * n
        self.on_grads = on_grads  # the hooks: gradients per tensor in, gradients to send on out


class _BackwardHookGather(Function):
    """The gather node of one side (its output is an empty array); its backward runs that side's hooks."""

    @staticmethod
    def forward(ctx, *arrays, side):
        ctx.side = side
        return np.empty(0)

    @staticmethod
    def backward(ctx, grad):
        side = ctx.side
        grads, side.grads = side.grads, [None] * len(side.grads)  # fresh for a retain_graph backward
        out = side.on_grads(grads)
        return tuple(out) if len(out) != 1 else out[0]


class BackwardHookFunction(Function):
    """The identity on one tensor of a side (a view of its array); its gradient goes to the gather's backward."""

    @staticmethod
    def forward(ctx, gather, x, side, index):
        ctx.side, ctx.index = side, index
        return x.view()

    @staticmethod
    def backward(ctx, grad):
        ctx.side.grads[ctx.index] = grad
        return np.empty(0), None


def _reaches(tensors: list, targets: dict[int, Any]) -> bool:
    """Whether the gradient of ``tensors`` flows on to a tensor of ``targets`` (``id`` keys): one of them, or
    one they were computed from. Walks the graph below them (not yet run, so not yet freed) once."""
    seen: set[int] = set()
    stack = list(tensors)
    while stack:
        t = stack.pop()
        key = id(t)
        if key in seen:
            continue
        if key in targets:
            return True
        seen.add(key)
        ctx = t._ctx
        if ctx is not None and ctx.inputs is not None:
            stack.extend(p for p, need in zip(ctx.inputs, ctx.needs_input_grad) if need)
    return False


def _as_array(g: Any) -> Any:
    if g is None:
        return None
    return np.asarray(g.data if isinstance(g, autograd.Tensor) else g)


def _as_tensor(g: Any) -> Any:
    return None if g is None else autograd.Tensor._wrap(np.array(g, copy=True))


class BackwardHook:
    """One module call's full backward hooks and backward pre-hooks (PyTorch's semantics and checks).

    ``setup_input_hook(args)`` before forward and ``setup_output_hook(result)`` after it wrap the tensors that
    require grad. In backward, the pre-hooks get ``(module, grad_output)`` (one entry per output, None where no
    gradient) and may return a replacement; the hooks then get ``(module, grad_input, grad_output)`` once the
    gradients w.r.t. the inputs are known (one entry per positional argument: None for non-tensors, zeros for a
    tensor no gradient reached, one that needs none included) and may return a replacement ``grad_input``. If no input requires grad, the hooks
    run right after the pre-hooks with ``grad_input`` all None (PyTorch warns then, and so do we).
    """

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple | None = None
        self.inputs: tuple = ()
        self.input_index: list[int] | None = None
        self.n_outputs = 0
        self.outputs: tuple = ()
        self.output_index: list[int] | None = None

    @staticmethod
    def _wrap(values: tuple, on_grads: Callable[[list], list]) -> tuple[tuple, list[int] | None]:
        """``values`` with each tensor that requires grad replaced by its pick, and those tensors' positions
        (None, and ``values`` unchanged, if there are none or grad mode is off)."""
        Tensor = autograd.Tensor
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not index or not autograd.is_grad_enabled():
            return values, None
        side = _Side(len(index), on_grads)
        gather = _BackwardHookGather.apply(*[values[i] for i in index], side=side)
        out = list(values)
        for k, i in enumerate(index):
            out[i] = BackwardHookFunction.apply(gather, values[i], side=side, index=k)
        return tuple(out), index

    def _pack(self, index: list[int], grads: list, n: int) -> tuple:
        res: list[Any] = [None] * n
        for i, g in zip(index, grads):
            res[i] = _as_tensor(g)
        return tuple(res)

    def setup_input_hook(self, args: tuple) -> tuple:
        self.inputs = args
        args, self.input_index = self._wrap(args, self._input_grads)
        return args

    def _input_grads(self, grads: list) -> list:
        if self.grad_outputs is None:
            # the gradient reached the inputs without passing through the outputs (as PyTorch: no hook call)
            return grads
        targets = autograd.capture_targets()
        if targets is not None and not _reaches([self.inputs[i] for i in self.input_index], targets):
            # an autograd.grad for tensors the inputs' gradient does not lead to (the module's parameters only):
            # PyTorch's engine never runs the inputs' node then, so its hooks are not called
            self.grad_outputs = None
            return grads
        # PyTorch's identity node materialises the missing gradients: zeros for every tensor argument that got
        # none (one that needs no gradient included), None only for the non-tensor arguments
        Tensor = autograd.Tensor
        got = dict(zip(self.input_index, grads))
        res = tuple([_as_tensor(got[i]) if got.get(i) is not None
                     else Tensor._wrap(np.zeros_like(a.data)) if isinstance(a, Tensor) else None
                     for i, a in enumerate(self.inputs)])
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if not isinstance(out, tuple):
                out = (out,)
            if len(out) != len(res):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = out
        self.grad_outputs = None
        return [_as_array(res[i]) for i in self.input_index]

    def setup_output_hook(self, result: Any) -> Any:
        is_tuple = isinstance(result, tuple)
        outputs = result if is_tuple else (result,)
        self.n_outputs = len(outputs)
        self.outputs = outputs
        outputs, self.output_index = self._wrap(outputs, self._output_grads)
        return outputs if is_tuple else outputs[0]

    def _output_grads(self, grads: list) -> list:
        targets = autograd.capture_targets()
        if targets is not None and not _reaches([self.outputs[i] for i in self.output_index], targets):
            return grads  # as on the inputs' side: no node of this call is on a path to what is asked for
        self.grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for hook in self.user_pre_hooks:
            out = hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if not isinstance(out, tuple):
                out = (out,)
            if len(out) != len(self.grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                   f"got {len(out)}, but expected {len(self.grad_outputs)}")
            self.grad_outputs = out
        local = self.grad_outputs
        if self.input_index is None:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                          "outputs since no inputs require gradients.", stacklevel=2)
            grad_inputs = (None,) * len(self.inputs)
            for hook in self.user_hooks:
                out = hook(self.module, grad_inputs, self.grad_outputs)
                if out is not None and not (isinstance(out, tuple) and all(g is None for g in out)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                       "always return None or None for all gradients.")
            self.grad_outputs = None
        return [_as_array(local[i]) for i in self.output_index]
