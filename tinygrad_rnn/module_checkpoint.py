"""Whole modules in checkpoints: ``save(model, path)`` records how to rebuild ``model``, ``load`` rebuilds it.

PyTorch pickles a module; here nothing is pickled. Every Module keeps the arguments it was constructed with
(``Module.__new__`` stores them, uncopied), so a checkpoint can hold, for each submodule, its class name, its
constructor call (JSON: numbers, strings, bools, None, lists/tuples/dicts of those, dtypes, devices, and
references to other submodules of the model), its train/eval mode, and the model's ``state_dict``.

``load`` rebuilds by calling the top-level class with its recorded arguments (its ``__init__`` builds the
submodules, as when it was first made; the containers ``Sequential``, ``ModuleList``, ``ModuleDict``,
``ParameterList`` and ``ParameterDict`` are rebuilt from their recorded children), checks that what was built is what was saved
(every submodule's path, class and recorded arguments), then ``load_state_dict(strict=True)``. Only classes of
tinygrad_rnn and those allowed by :mod:`.safe_classes` are constructed; the library-wide random generator is
left as it was (the constructors' random initialisation is overwritten by the saved state anyway).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator

import numpy as np

from .device import device
from .nn.module import Module, ModuleDict, ModuleList, Parameter, ParameterDict, ParameterList, Sequential
from .random import get_generator
from .safe_classes import UnsafeClassError, class_name, resolve_class

__all__ = ["encode_module", "decode_module", "module_nodes", "check_classes", "class_names", "ModuleMismatch"]

_CONTAINERS = (ModuleList, Sequential, ModuleDict, ParameterList, ParameterDict)  # rebuilt from their children, not their args
_BUILTIN_TYPES = {"float": float, "int": int, "bool": bool, "complex": complex, "str": str}
_WHAT_FITS = ("numbers, strings, bools, None, lists/tuples/dicts of those, dtypes, devices and the model's own "
              "submodules")


class ModuleMismatch(Exception):
    """Internal: the file's module record and what its classes build today disagree (load turns it into a
    ValueError naming the file)."""


class _Unrecordable(Exception):
    pass


# ---------------------------------------------------------------------------------------------- recording


def _arg_node(value: Any, where: str, paths: dict[int, str], refs: set[str]) -> Any:
    """The JSON node of one constructor argument; raises _Unrecordable naming ``where`` if it has none."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.generic):
        if value.dtype.kind not in "biuf":
            raise _Unrecordable(f"{where}, a numpy {value.dtype} scalar,")
        return {"numpy": [value.dtype.str, value.item()]}
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, np.dtype):
        if value.hasobject:
            raise _Unrecordable(f"{where}, the object dtype,")
        return {"dtype": value.str}
    if isinstance(value, type):
        if issubclass(value, np.generic) and value is not np.object_:
            return {"dtype": np.dtype(value).str, "type": True}
        for name, builtin in _BUILTIN_TYPES.items():
            if value is builtin:
                return {"builtin": name}
        raise _Unrecordable(f"{where}, the class {value.__qualname__},")
    if isinstance(value, device):
        return {"device": str(value)}
    if isinstance(value, Module):
        path = paths.get(id(value))
        if path is None:
            raise _Unrecordable(f"{where}, a {type(value).__name__} that is not a submodule of the saved model,")
        refs.add(path)
        return {"module": path}
    if isinstance(value, (list, tuple)):
        tag = "tuple" if isinstance(value, tuple) else "list"
        return {tag: [_arg_node(v, f"{where}[{i}]", paths, refs) for i, v in enumerate(value)]}
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise _Unrecordable(f"{where}, a dict with a {type(k).__name__} key,")
            items.append([k, _arg_node(v, f"{where}[{k!r}]", paths, refs)])
        return {"dict": items}
    raise _Unrecordable(f"{where}, a {_kind(value)},")


def _kind(value: Any) -> str:
    cls = type(value)
    module = cls.__module__
    return cls.__name__ if module == "builtins" else f"{module.partition('.')[0]}.{cls.__name__}"


def _canonical_call(m: Module) -> tuple[tuple, dict, list[str]]:
    """``m``'s constructor arguments as ``inspect.signature(__init__).bind`` orders them (``Net(4, hidden=8)`` and
    ``Net(4, 8)`` record alike), with a name for each positional one (for messages)."""
    args, kwargs = m.__dict__.get("_constructor_args", ((), {}))
    try:
        sig = inspect.signature(type(m).__init__)
        bound = sig.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs, [f"argument {i}" for i in range(len(args))]
    args, kwargs = bound.args[1:], bound.kwargs
    names: list[str] = []
    for p in list(sig.parameters.values())[1:]:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(f"argument {p.name!r}")
        elif p.kind is p.VAR_POSITIONAL:
            names.extend(f"argument *{p.name}[{i}]" for i in range(len(args) - len(names)))
    return args, kwargs, names


def _record(path: str, m: Module, paths: dict[int, str]) -> tuple[dict, set[str], str | None]:
    """One module's record, the submodules its constructor call refers to, and why its call cannot be recorded
    (None if it can)."""
    rec: dict[str, Any] = {"path": path, "class": class_name(type(m)), "training": bool(m.training),
                           "children": [[n, paths[id(c)]] for n, c in m.named_children()]}
    refs: set[str] = set()
    if type(m) in _CONTAINERS:
        return rec, refs, None
    args, kwargs, names = _canonical_call(m)
    try:
        rec["args"] = [_arg_node(v, names[i] if i < len(names) else f"argument {i}", paths, refs)
                       for i, v in enumerate(args)]
        rec["kwargs"] = [[k, _arg_node(v, f"argument {k!r}", paths, refs)] for k, v in kwargs.items()]
    except _Unrecordable as e:
        rec.pop("args", None)
        rec["unrecorded"] = str(e)
        return rec, set(), str(e)
    except RecursionError:
        rec.pop("args", None)
        rec["unrecorded"] = "an argument that contains itself,"
        return rec, set(), "an argument that contains itself,"
    return rec, refs, None


def _records(model: Module) -> tuple[list[dict], dict[str, tuple[set[str], str | None]], dict[str, Module]]:
    tree = list(model.named_modules())
    paths = {id(m): name for name, m in tree}
    records, info = [], {}
    for name, m in tree:
        rec, refs, problem = _record(name, m, paths)
        records.append(rec)
        info[name] = (refs, problem)
    return records, info, dict(tree)


def _describe(path: str, m: Module) -> str:
    return f"the model ({type(m).__name__})" if not path else f"its submodule {path!r} ({type(m).__name__})"


def encode_module(model: Module, where: str, encode_state: Callable[[Any], Any]) -> dict:
    """The checkpoint node of ``model``; ``encode_state(state_dict)`` stores its arrays. Raises TypeError (naming
    ``where``, the submodule and the argument) if an argument needed to rebuild the model cannot be recorded."""
    records, info, by_path = _records(model)
    by_rec = {rec["path"]: rec for rec in records}
    # the calls load will make: the top-level one, the submodules those calls are given, a container's children
    needed, stack = set(), [""]
    while stack:
        path = stack.pop()
        if path in needed:
            continue
        needed.add(path)
        refs, problem = info[path]
        if problem is not None:
            m = by_path[path]
            raise TypeError(
                f"cannot save {where}: {_describe(path, m)} was constructed with {problem} which a checkpoint "
                f"cannot record (it records {_WHAT_FITS}); save model.state_dict() instead and build the model in "
                f"code before load_state_dict")
        stack.extend(refs)
        if type(by_path[path]) in _CONTAINERS:
            stack.extend(p for _, p in by_rec[path]["children"])
    state = model.state_arrays()
    frozen = [k for k, p in model._all_named_parameters() if isinstance(p, Parameter) and not p.requires_grad]
    return {"modules": records, "frozen": frozen, "state": encode_state(state)}


# ---------------------------------------------------------------------------------------------- rebuilding


def module_nodes(node: Any) -> Iterator[dict]:
    """Every whole-module node in a decoded-JSON checkpoint structure."""
    if isinstance(node, dict):
        if len(node) == 1 and isinstance(node.get("module"), dict):
            yield node["module"]
            return
        for v in node.values():
            yield from module_nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from module_nodes(v)


def _valid_records(node: Any) -> dict[str, dict]:
    """The records of a module node by path, after checking their shape (a corrupted file fails here, clearly)."""
    def pair_list(x: Any) -> bool:
        return isinstance(x, list) and all(isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) for i in x)

    records = node.get("modules") if isinstance(node, dict) and "state" in node else None
    if not isinstance(records, list):
        raise ModuleMismatch("a module node in the structure is malformed")
    out = {}
    for rec in records:
        if not (isinstance(rec, dict) and isinstance(rec.get("path"), str) and isinstance(rec.get("class"), str)
                and pair_list(rec.get("children")) and all(isinstance(p, str) for _, p in rec["children"])
                and ("args" not in rec or isinstance(rec["args"], list) and pair_list(rec.get("kwargs")))):
            raise ModuleMismatch("a module record in the structure is malformed")
        out[rec["path"]] = rec
    if "" not in out:
        raise ModuleMismatch("a module node in the structure has no top-level module")
    return out


def class_names(nodes: list[dict]) -> list[str]:
    """The distinct class names the module records of ``nodes`` name, in order."""
    names: list[str] = []
    for node in nodes:
        for rec in _valid_records(node).values():
            if rec["class"] not in names:
                names.append(rec["class"])
    return names


def check_classes(nodes: list[dict], source: str, weights_only: bool = True) -> None:
    """Refuse, in one line naming every class and the call that allows them, a checkpoint whose modules include a
    class ``load`` may not construct. Called before anything is built."""
    refused = [name for name in class_names(nodes) if resolve_class(name, Module) is None]
    if refused:
        names = ", ".join(refused)
        short = ", ".join(n.rpartition(".")[2] for n in refused)
        if not weights_only:
            raise UnsafeClassError(
                f"cannot load {source}: it holds {'classes' if len(refused) > 1 else 'the class'} {names}, which "
                f"this program has not imported; define or import {short} before load (weights_only=False "
                f"constructs only module classes already imported, as pickle would need them too)")
        raise UnsafeClassError(
            f"Weights only load failed: {source} holds {'classes' if len(refused) > 1 else 'the class'} {names}, "
            f"which load does not construct unless allowed (it is not a tinygrad_rnn class); if you trust this "
            f"file, allow {'them' if len(refused) > 1 else 'it'} with "
            f"tinygrad_rnn.serialization.add_safe_globals([{short}]) or around the call with "
            f"`with tinygrad_rnn.serialization.safe_globals([{short}]): load(...)`, or pass weights_only=False to "
            f"construct the module classes this program has imported (nothing is ever unpickled)")


def _arg_value(node: Any, build: Callable[[str], Module]) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) in (1, 2):
        if "numpy" in node and len(node) == 1:
            dtype, value = node["numpy"]
            dt = np.dtype(dtype)
            if dt.kind not in "biuf":
                raise ModuleMismatch(f"a recorded numpy argument has dtype {dt}")
            return dt.type(value)
        if "dtype" in node:
            dt = np.dtype(node["dtype"])
            if dt.hasobject:
                raise ModuleMismatch("a recorded dtype argument is the object dtype")
            return dt.type if node.get("type") else dt
        if "builtin" in node and node["builtin"] in _BUILTIN_TYPES:
            return _BUILTIN_TYPES[node["builtin"]]
        if "device" in node:
            return device(node["device"])
        if "module" in node and isinstance(node["module"], str):
            return build(node["module"])
        if "list" in node or "tuple" in node:
            items = [_arg_value(v, build) for v in node.get("list", node.get("tuple"))]
            return tuple(items) if "tuple" in node else items
        if "dict" in node:
            return {k: _arg_value(v, build) for k, v in node["dict"]}
    raise ModuleMismatch(f"unknown constructor argument in the structure: {str(node)[:80]}")


def _call_text(rec: dict) -> str:
    """``LSTM(10, 20, dropout=0.5)``: a record's constructor call, for messages."""
    name = rec["class"].rpartition(".")[2]
    if "args" not in rec:
        return f"{name}(...)"

    def show(node: Any) -> str:
        if isinstance(node, dict) and len(node) >= 1:
            tag, value = next(iter(node.items()))
            if tag in ("list", "tuple"):
                inner = ", ".join(show(v) for v in value)
                return f"[{inner}]" if tag == "list" else f"({inner}{',' if len(value) == 1 else ''})"
            if tag == "dict":
                return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in value) + "}"
            if tag == "module":
                return f"<submodule {value!r}>"
            if tag == "numpy":
                return repr(value[1])
            return str(value)
        return repr(node)

    parts = [show(a) for a in rec["args"]] + [f"{k}={show(v)}" for k, v in rec["kwargs"]]
    return f"{name}({', '.join(parts)})"


def _build_all(records: dict[str, dict], state: dict) -> Module:
    built: dict[str, Module] = {}

    def build(path: str) -> Module:
        if path in built:
            return built[path]
        rec = records.get(path)
        if rec is None:
            raise ModuleMismatch(f"the structure refers to a submodule {path!r} that it does not record")
        cls = resolve_class(rec["class"], Module)
        if not (isinstance(cls, type) and issubclass(cls, Module)):
            raise ModuleMismatch(f"{rec['class']} is allowed but is not an nn.Module subclass")
        children = [(n, p) for n, p in rec["children"]]
        if cls is ModuleList or cls is Sequential:
            kids = [build(p) for _, p in children]
            m = ModuleList(kids) if cls is ModuleList else Sequential(*kids)
        elif cls is ModuleDict:
            m = ModuleDict([(n, build(p)) for n, p in children])
        elif cls is ParameterList:
            prefix = f"{path}." if path else ""
            arrays = []
            for i in range(len(state)):
                arr = state.get(f"{prefix}{i}")
                if not isinstance(arr, np.ndarray):
                    break
                arrays.append(np.zeros(arr.shape, arr.dtype))
            m = ParameterList(arrays)
        elif cls is ParameterDict:  # its keys are the state's own names under it (a parameter name has no dot)
            prefix = f"{path}." if path else ""
            m = ParameterDict([(k[len(prefix):], np.zeros(v.shape, v.dtype)) for k, v in state.items()
                               if k.startswith(prefix) and "." not in k[len(prefix):] and isinstance(v, np.ndarray)])
        else:
            if "args" not in rec:
                raise ModuleMismatch(f"{rec['class']} at {path!r} has no recorded constructor call")
            try:
                args = [_arg_value(a, build) for a in rec["args"]]
                kwargs = {k: _arg_value(v, build) for k, v in rec["kwargs"]}
            except (TypeError, ValueError, KeyError) as e:
                raise ModuleMismatch(f"a recorded argument of {rec['class']} is malformed ({e})") from e
            try:
                m = cls(*args, **kwargs)
            except Exception as e:
                raise ModuleMismatch(f"rebuilding {_call_text(rec)} failed ({type(e).__name__}: {e})") from e
        built[path] = m
        return m

    return build("")


def _compare(model: Module, saved: dict[str, dict]) -> None:
    rebuilt_records, _, built = _records(model)
    rebuilt = {rec["path"]: rec for rec in rebuilt_records}
    top = _call_text(saved[""])
    fix = ("the model was changed after it was constructed, or its class's code changed since it was saved; "
           "save its state_dict() instead and build the model in code")
    problems = []
    for path, rec in saved.items():
        short = rec["class"].rpartition(".")[2]
        new = rebuilt.get(path)
        if new is None:
            problems.append(f"the file has a submodule {path!r} ({short}) that {top} does not build")
        elif type(built[path]) is not resolve_class(rec["class"], Module):  # an allowed (cls, name) may rename
            problems.append(f"submodule {path!r} is a {rec['class']} in the file but {top} builds a {new['class']}")
        elif new["children"] != rec["children"]:
            problems.append(f"submodule {path or '(the model)'!r} has children "
                            f"{[n for n, _ in rec['children']]} in the file but {top} builds "
                            f"{[n for n, _ in new['children']]}")
        elif "args" in rec and "args" in new and (rec["args"], rec["kwargs"]) != (new["args"], new["kwargs"]):
            problems.append(f"submodule {path!r} was {_call_text(rec)} when saved but {top} builds {_call_text(new)}")
    problems += [f"{top} builds a submodule {path!r} ({rec['class'].rpartition('.')[2]}) that the file does not have"
                 for path, rec in rebuilt.items() if path not in saved]
    if problems:
        raise ModuleMismatch(f"the saved model cannot be rebuilt: {'; '.join(problems[:3])}"
                             f"{f' (and {len(problems) - 3} more)' if len(problems) > 3 else ''}; {fix}")


def decode_module(value: Any, decode: Callable[[Any], Any]) -> Module:
    """Rebuild the module of a checkpoint node (its classes already passed :func:`check_classes`)."""
    records = _valid_records(value)
    state = decode(value["state"])
    if not isinstance(state, dict):
        raise ModuleMismatch("a module node's state is not a dict")
    generator = get_generator()
    rng_state = generator.bit_generator.state
    try:  # construction initialises weights randomly; that must not move the caller's random stream
        model = _build_all(records, state)
    finally:
        generator.bit_generator.state = rng_state
    _compare(model, records)
    own = dict(model._all_named_parameters())
    for key, p in own.items():  # a model saved after .double() comes back float64, not cast to float32
        arr = state.get(key)
        if isinstance(arr, np.ndarray) and arr.dtype.kind == "f" and arr.shape == p.data.shape \
                and p.data.dtype != arr.dtype:
            p.data = p.data.astype(arr.dtype)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ModuleMismatch(f"the saved state does not fit the {_call_text(records[''])} it rebuilds: "
                             f"{' '.join(str(e).split())}") from e
    modules = dict(model.named_modules())
    for path, rec in records.items():
        object.__setattr__(modules[path], "training", bool(rec.get("training", True)))
    frozen = value.get("frozen")
    for key in frozen if isinstance(frozen, list) else []:
        if isinstance(key, str) and key in own:
            own[key].requires_grad_(False)
    return model
