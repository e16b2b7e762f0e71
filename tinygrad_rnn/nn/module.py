"""``Parameter`` and ``Module``: PyTorch's way of holding weights and composing layers.

A Module registers every ``Parameter`` and sub-``Module`` assigned to one of its attributes, so
``parameters()``, ``state_dict()``, ``train()``/``eval()`` and ``zero_grad()`` reach the whole tree
without any bookkeeping by the user.  Names are dotted paths (``"rnn.weight_ih_l0"``) exactly as in
PyTorch, so a state_dict moves between the two libraries key for key.
"""
from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

import numpy as np

from ..device import check_device, is_device
from ..hooks import BackwardHook, RemovableHandle, add_hook
from ..dtypes import to_dtype
from ..low_rank import stored_grad
from ..sparse import zeroed_grad
from ..tensor import Tensor
from .buffer import Buffer

__all__ = ["Parameter", "Module", "ModuleList", "Sequential", "ModuleDict", "ParameterList", "ParameterDict",
           "IncompatibleKeys", "RemovableHandle"]


class Parameter(Tensor):
    """A Tensor that is a learnable weight of a Module: ``requires_grad=True`` by default.

    ``Parameter(data, requires_grad=True)``: a float numpy array is used as is (shared, not copied);
    a Tensor's array is shared; lists and numbers become the default dtype.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None):
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=False, dtype=dtype)
        if self.data.dtype.kind != "f":
            raise TypeError(
                f"a Parameter must hold floating-point numbers, got dtype {self.data.dtype}; "
                "convert it first, e.g. np.asarray(x, dtype=np.float32)"
            )
        if requires_grad:
            self.requires_grad_(True)

    def __setattr__(self, name: str, value: Any) -> None:
        # ``p.data = t`` (loading pretrained weights) as in PyTorch: the Parameter takes t's values (sharing
        # them); ``.data`` stays a numpy array, so a Tensor gives its array. (Only Parameters pay for this
        # check: their attributes are set rarely, a plain Tensor's on every op.)
        if name == "data":
            value = _parameter_data(value, getattr(self, "_requires_grad", False))  # (unset while constructing)
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _parameter_data(value: Any, requires_grad: bool) -> np.ndarray:
    """The array that ``parameter.data = value`` stores, with PyTorch's errors."""
    if isinstance(value, Tensor):
        value = value.data
    elif not isinstance(value, np.ndarray):
        raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
    if requires_grad and value.dtype.kind not in "fc":
        raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
    return value


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match (same fields as PyTorch's result)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:  # as torch's _IncompatibleKeys (what a notebook shows after load_state_dict)
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"

    __str__ = __repr__


def _add_hook(module: Module, attr: str, hook: Callable[..., Any], prepend: bool, with_kwargs: bool) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    hooks = module.__dict__.get(attr)
    if hooks is None:  # made on first use: a module without hooks pays nothing per call
        hooks = OrderedDict()
        object.__setattr__(module, attr, hooks)
    # the one flag Module.__call__ tests; the hooked call drops it again once every hook was removed
    module.__dict__["_has_hooks"] = True
    return add_hook(hooks, (hook, bool(with_kwargs)), prepend)


_HOOK_DICTS = ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks")


class Module:
    """Base class of every layer and model.

    Subclasses set Parameters and sub-Modules as attributes in ``__init__`` (after calling
    ``super().__init__()``) and define ``forward``; calling the module calls ``forward``.
    """

    training: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> Module:
        # The constructor call, kept (not copied) for whole-module save(): __new__ runs once per construction,
        # with the outermost class's arguments, however many __init__s call super().__init__().
        self = object.__new__(cls)
        self.__dict__["_constructor_args"] = (args, kwargs)
        return self

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "training", True)

    # ---- registration -------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() ran; call super().__init__() first "
                f"in {type(self).__name__}.__init__"
            )
        modules = self.__dict__["_modules"]
        buffers = self.__dict__["_buffers"]
        if isinstance(value, Buffer):  # PyTorch 2.5's nn.Buffer: assigning one registers it
            self.register_buffer(name, value, value.persistent)
        elif name in buffers and not isinstance(value, (Parameter, Module)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} to buffer {name!r}: assign a Tensor or None")
            buffers[name] = value
        elif isinstance(value, Parameter):
            modules.pop(name, None)
            self.__dict__.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            self.__dict__.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to parameter {name!r}: assign a Parameter "
                    "(or None to remove it), or change its values in place via .data"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to submodule {name!r}: assign a Module or None")
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails, i.e. for registered parameters and submodules
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        elif name in self._buffers:
            del self._buffers[name]
        else:
            object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a Tensor that is state but not a parameter (no gradient, not in ``parameters()``): it is
        in ``state_dict()`` (unless ``persistent=False``), and ``to(dtype)`` converts it if floating."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, got {type(tensor).__name__}")
        if "." in name or not name:
            raise KeyError(f"buffer name must be a non-empty string without '.', got {name!r}")
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mname, m in modules:
            for bname, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (None declares an absent optional weight, e.g. no bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, got {type(param).__name__}")
        self.__dict__.pop(name, None)
        self._modules.pop(name, None)
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module or None, got {type(module).__name__}")
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._modules[name] = module

    # ---- traversal ----------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, each once, with dotted names ('' for self)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            kids = [(f"{name}.{n}" if name else n, c) for n, c in m.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` ("" is self), e.g. ``"encoder.layers.0"``; AttributeError
        (PyTorch's messages) naming the first part that is missing or not a Module."""
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The Parameter at the dotted path ``target`` (``"rnn.weight_ih_l0"``); AttributeError otherwise."""
        return self._attribute_at(target, lambda mod, name, value: isinstance(value, Parameter), "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (``"bn.running_mean"``); AttributeError otherwise."""
        return self._attribute_at(target, lambda mod, name, value: name in mod._buffers, "a buffer")

    def _attribute_at(self, target: str, is_kind: Callable[[Module, str, Any], bool], kind: str) -> Any:
        """The attribute at the dotted path ``target``, with torch's AttributeErrors when it is missing or not
        ``kind``."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        value = getattr(mod, name)
        if not is_kind(mod, name, value):
            raise AttributeError(f"`{name}` is not {kind}")
        return value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, Parameter)`` pairs; a Parameter shared by two modules is listed once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mname, m in modules:
            for pname, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- training state -----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: ``.grad = None`` (or zeroed in place if set_to_none=False)."""
        for p in self.parameters():
            grad = stored_grad(p)
            zeroed = zeroed_grad(grad, p.data, set_to_none)
            if zeroed is not grad:
                p.grad = zeroed

    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) on this module and all descendants; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (Dropout is the identity); same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # ---- dtype and device ------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` (its dtype), or the keywords
        ``dtype=``/``device=``: converts every floating parameter, gradient and buffer in place; returns self.
        The device must be the CPU (anything else raises one clear ``RuntimeError``)."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"Module.to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif is_device(a) or isinstance(a, int) and not isinstance(a, bool):
                device = a
            else:
                dtype = a
        if device is not None:
            check_device(device)
        if dtype is None:
            return self
        dt = to_dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"Module.to(dtype) needs a floating dtype such as float32 or float64, got {dt}")
        for p in self.parameters():
            if p.data.dtype != dt:
                p.data = p.data.astype(dt)
                if p.grad is not None:
                    p.grad = p.grad.astype(dt)
        for b in self.buffers():
            if b.data.dtype.kind == "f" and b.data.dtype != dt:
                b.data = b.data.astype(dt)
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises: tinygrad_rnn runs on the CPU only."""
        check_device("cuda")
        return self

    # ---- state --------------------------------------------------------------------------------
    def state_dict(self, *, keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Dotted parameter (and persistent buffer) name -> a detached Tensor over its array, as in PyTorch: it
        shares the parameter's memory, so an optimizer step shows in it (``copy.deepcopy(model.state_dict())``
        or ``{k: v.clone() ...}`` keeps a snapshot). ``keep_vars=True`` gives the Parameters themselves."""
        if keep_vars:
            return OrderedDict(self._all_named_parameters())
        return OrderedDict((name, Tensor._wrap(p.data)) for name, p in self._all_named_parameters())

    def state_arrays(self) -> OrderedDict[str, np.ndarray]:
        """``state_dict()`` as copies of the numpy arrays (what checkpoints store)."""
        return OrderedDict((name, p.data.copy()) for name, p in self._all_named_parameters())

    def _all_named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        # every name under which a parameter (then each persistent buffer, per module, as in PyTorch's
        # state_dict) is reachable: tied weights appear under each name, unlike named_parameters()
        for mname, m in self._named_modules_all():
            for pname, p in m._parameters.items():
                if p is not None:
                    yield (f"{mname}.{pname}" if mname else pname), p
            for bname, b in m._buffers.items():
                if b is not None and bname not in m._non_persistent:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def _named_modules_all(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            yield name, m
            kids = [(f"{name}.{n}" if name else n, c) for n, c in m.named_children()]
            stack.extend(reversed(kids))

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into this module's parameters, in place, casting to their dtype.

        Nothing is changed unless every check passes. Shape mismatches are always errors; with
        ``strict=True`` (default) missing and unexpected keys are errors too. All problems are
        reported together in one ``RuntimeError``. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a mapping of name -> array, got {type(state_dict).__name__}")
        own = OrderedDict(self._all_named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems: list[str] = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        arrays: dict[str, np.ndarray] = {}
        for key, p in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            if arr.dtype.kind not in "fiub":
                problems.append(f"{key}: expected numbers, got an array of dtype {arr.dtype}")
            elif arr.shape != p.data.shape:
                problems.append(f"{key}: shape {arr.shape} in the state_dict, but the parameter has shape {p.data.shape}")
            else:
                arrays[key] = arr
        if problems:
            raise RuntimeError(
                f"error(s) in loading state_dict for {type(self).__name__}:\n  " + "\n  ".join(problems)
            )
        for key, arr in arrays.items():
            np.copyto(own[key].data, arr, casting="unsafe")
        return IncompatibleKeys(missing, unexpected)

    # ---- calling and printing -----------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if "_has_hooks" not in self.__dict__:  # no hook was ever registered (or all were removed)
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        # PyTorch's order and return rules: pre-hooks in registration order, each may replace the positional
        # inputs (a non-tuple result becomes a 1-tuple) or, with_kwargs, return (args, kwargs); then forward;
        # then the forward hooks, each may replace the output by returning something other than None.
        # Backward hooks (the list as it is now) wrap the positional tensor inputs after the pre-hooks and the
        # output after the forward hooks, as PyTorch's BackwardHook does.
        d = self.__dict__
        if not any(d.get(attr) for attr in _HOOK_DICTS):
            del d["_has_hooks"]  # every hook was removed: back to the plain call
            return self.forward(*args, **kwargs)
        backward_hooks = [h for h, _ in d.get("_backward_hooks", {}).values()]
        backward_pre_hooks = [h for h, _ in d.get("_backward_pre_hooks", {}).values()]
        for hook, with_kwargs in list(d.get("_forward_pre_hooks", {}).values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("a forward pre-hook registered with with_kwargs=True must return None "
                                           f"or a tuple (new_args, new_kwargs), got {result!r}")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        bw_hook = None
        if backward_hooks or backward_pre_hooks:
            bw_hook = BackwardHook(self, backward_hooks, backward_pre_hooks)
            args = bw_hook.setup_input_hook(args)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(d.get("_forward_hooks", {}).values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        if bw_hook is not None:
            if not isinstance(output, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a Tensor or a tuple of "
                              f"Tensors but received {type(output)}", stacklevel=2)
            output = bw_hook.setup_output_hook(output)
        return output

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward`` (``hook(module, args, kwargs)`` with
        ``with_kwargs=True``). A result other than None replaces the inputs: a tuple of positional arguments (a
        single value is wrapped), or ``(args, kwargs)`` with ``with_kwargs``. ``prepend=True`` runs it first."""
        return _add_hook(self, "_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward`` (``hook(module, args, kwargs, output)``
        with ``with_kwargs=True``); a result other than None replaces the output. ``prepend=True`` runs it first.
        ``always_call`` (run even when forward raised) is not provided."""
        if always_call:
            raise ValueError("register_forward_hook: always_call=True is not provided here")
        return _add_hook(self, "_forward_hooks", hook, prepend, with_kwargs)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients w.r.t. this module's inputs are
        computed (PyTorch's semantics). ``grad_input`` has one entry per positional argument of ``forward``
        (None for a non-tensor; zeros, as PyTorch materialises them, for a tensor that needs no gradient or
        that no gradient reached), ``grad_output`` one per output (a single output counts as one; None where
        no gradient arrived); both hold Tensors. A tuple returned replaces
        ``grad_input`` for everything upstream. Keyword arguments are not tracked, as in PyTorch. If no input
        requires grad, the hook runs when the output gradients are known, with ``grad_input`` all None. As in
        PyTorch, ``autograd.grad`` calls it (and the pre-hooks) only if the gradient it asks for flows through
        the inputs (or, for the pre-hooks, the outputs): not for this module's parameters alone."""
        return self._add_backward_hook(hook, prepend, full=True)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's deprecated backward hook. Its PyTorch semantics are quirky (``grad_input`` there is the
        gradient of the inputs of the *last op* of forward): here it is ``register_full_backward_hook``, whose
        arguments are what that hook meant. As in PyTorch it cannot be mixed with full hooks on one module."""
        return self._add_backward_hook(hook, False, full=False)

    def _add_backward_hook(self, hook: Callable[..., Any], prepend: bool, full: bool) -> RemovableHandle:
        kind = self.__dict__.get("_is_full_backward_hook")
        if kind is not None and kind != full and self.__dict__.get("_backward_hooks"):
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a single Module. "
                               "Please use only one of them.")
        self.__dict__["_is_full_backward_hook"] = full
        return _add_hook(self, "_backward_hooks", hook, prepend, False)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients w.r.t. this module's outputs are computed,
        before the full backward hooks; a tuple returned replaces ``grad_output`` (what those hooks see and
        what flows back into forward)."""
        return _add_hook(self, "_backward_pre_hooks", hook, prepend, False)

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr line (override in subclasses)."""
        return ""

    def __repr__(self) -> str:
        children = list(self._modules.items())
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}("]
        if extra:
            lines.append("  " + extra.replace("\n", "\n  "))
        for name, m in children:
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))


class ModuleList(Module):
    """A list of modules registered under the names "0", "1", ... (so ``layers.0.weight`` in state_dicts)."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def _name(self, i: int) -> str:
        """The registered name of the module at position ``i`` (negative counts from the end): "0", "1", ...
        for a list, a Sequential's own names when it was built from an OrderedDict."""
        n = len(self._modules)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for a {type(self).__name__} of length {n}")
        return list(self._modules)[i % n]

    def __getitem__(self, i: int | slice) -> Module:
        if isinstance(i, slice):  # PyTorch: a ModuleList of those modules (renumbered)
            return ModuleList(list(self._modules.values())[i])
        return self._modules[self._name(i)]

    def __setitem__(self, i: int, module: Module) -> None:
        """Replace module ``i`` (PyTorch's ``ModuleList.__setitem__``): it keeps the name ``str(i)``."""
        self.add_module(self._name(i), module)

    def __delitem__(self, i: int | slice) -> None:
        """Remove module ``i`` (or a slice of them); the rest are renumbered "0", "1", ... as in PyTorch."""
        names = list(self._modules)[i] if isinstance(i, slice) else [self._name(i)]
        for name in names:
            del self._modules[name]
        self._renumber(list(self._modules.values()))

    def _renumber(self, modules: list[Module]) -> None:
        self._modules.clear()
        for k, m in enumerate(modules):
            self._modules[str(k)] = m

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (a list's rule, negative from the end); renumbers."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.insert: expected a Module, got {type(module).__name__}")
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, key: int = -1) -> Module:
        """Remove and return module ``key`` (the last by default)."""
        module = self[key]
        del self[key]
        return module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList is a container: iterate over it and call its modules")


class Sequential(ModuleList):
    """Modules applied one after another: ``Sequential(Linear(2, 8), Tanh(), Linear(8, 1))(x)``."""

    def __init__(self, *modules: Module):
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):  # PyTorch: Sequential(OrderedDict(...))
            super().__init__()
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            super().__init__(modules)

    def __getitem__(self, i: int | slice) -> Module:
        if isinstance(i, slice):  # PyTorch: a Sequential of those modules, under their names
            return Sequential(OrderedDict(list(self._modules.items())[i]))
        return super().__getitem__(i)

    def forward(self, x: Any) -> Any:
        for m in self:
            x = m(x)
        return x


class _KeyedContainer(Module):
    """The mapping protocol of ``ModuleDict`` and ``ParameterDict`` over one of the module's registries
    (``_modules`` or ``_parameters``, named by ``_registry``); subclasses define ``__setitem__``."""

    _registry = "_modules"

    def __init__(self, entries: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None):
        super().__init__()
        if entries is not None:
            self.update(entries)

    @property
    def _entries(self) -> OrderedDict[str, Any]:
        return self.__dict__[self._registry]

    def __getitem__(self, key: str) -> Any:
        return self._entries[key]

    def __delitem__(self, key: str) -> None:
        del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Iterable[str]:
        return self._entries.keys()

    def values(self) -> Iterable[Any]:
        return self._entries.values()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._entries.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._entries.get(key, default)

    def update(self, entries: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        for key, value in pairs:
            self[key] = value

    def pop(self, key: str) -> Any:
        return self._entries.pop(key)

    def clear(self) -> None:
        self._entries.clear()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} is a container: index it")


class ModuleDict(_KeyedContainer):
    """Modules under string keys (``layers["enc"]``; state_dict keys ``layers.enc.weight``), in insertion order."""

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict is a container: index it and call its modules")


class ParameterList(Module):
    """A list of Parameters registered under "0", "1", ... (Tensors given are made Parameters)."""

    def __init__(self, values: Iterable[Any] | None = None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def append(self, value: Any) -> ParameterList:
        p = value if isinstance(value, Parameter) else Parameter(value)
        self.register_parameter(str(len(self._parameters)), p)
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for v in values:
            self.append(v)
        return self

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())  # type: ignore[arg-type]

    def __getitem__(self, i: int) -> Parameter:
        n = len(self._parameters)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for a ParameterList of length {n}")
        return self._parameters[str(i % n)]  # type: ignore[return-value]

    def __setitem__(self, i: int, value: Any) -> None:
        self[i]  # range check
        self.register_parameter(str(i % len(self)), value if isinstance(value, Parameter) else Parameter(value))

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter containing: [Tensor of shape {tuple(p.shape)} dtype {p.dtype}]"
                         for i, p in enumerate(self))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterList is a container: iterate over it")


class ParameterDict(_KeyedContainer):
    """Parameters under string keys (state_dict keys ``<name>.<key>``), in insertion order; Tensors and arrays
    given are made Parameters, as in PyTorch."""

    _registry = "_parameters"

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        self.register_parameter(key, value if isinstance(value, Parameter) or value is None else Parameter(value))

    def setdefault(self, key: str, default: Any = None) -> Parameter:
        if key not in self._parameters:
            self[key] = default
        return self._parameters[key]  # type: ignore[return-value]

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter containing: [Tensor of shape {tuple(p.shape)} dtype {p.dtype}]"
                         for k, p in self._parameters.items() if p is not None)
