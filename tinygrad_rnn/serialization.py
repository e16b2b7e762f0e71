"""Checkpoints: ``save(obj, path)`` / ``load(path)`` as one ``.npz`` file, never pickle.

What can be stored: nested ``dict`` (keys ``str`` or ``int``), ``list`` and ``tuple`` of numpy arrays
(any shape, including 0-d and empty, any non-object dtype), numpy scalars, Python ``int``, ``float``,
``bool``, ``str`` and ``None``. ``load`` returns the same structure with the same types: an ``int``
stays an ``int``, a tuple stays a tuple, a float32 array stays a float32 array of the same shape.
That covers ``Module.state_dict()``, ``Optimizer.state_dict()``, scheduler state, configs and
vocabularies.

A whole ``nn.Module`` may stand anywhere in the structure (``save(model, path)``, as ``torch.save(model, f)``):
the file records each submodule's class and constructor arguments and the model's state_dict, and ``load``
rebuilds it, constructing only tinygrad_rnn's classes and those the caller allows with
``add_safe_globals([Net])`` or ``with safe_globals([Net]):`` (PyTorch's ``weights_only`` model; see
:mod:`tinygrad_rnn.module_checkpoint` and :mod:`tinygrad_rnn.safe_classes`).

File layout (a plain zip of ``.npy`` members, exactly what ``np.savez`` writes):

* every array is one member, named by its escaped path in the structure, e.g. ``model/weight_ih_l0``
  or ``optimizer/state/0/exp_avg`` (path parts are percent-encoded, so ``/`` inside a dict key
  cannot be confused with nesting);
* one member ``%structure`` holds the whole tree as UTF-8 JSON in a ``uint8`` array. Scalars live in
  the JSON; each array is a reference to its member. A raw ``%`` never survives escaping, so no
  array member can collide with it.

So ``np.load(path, allow_pickle=False)`` reads every array of a checkpoint without this library.

``save`` writes exactly the path it is given, like ``torch.save`` (no ``.npz`` is appended, unlike
``np.savez``); ``load`` reads exactly the path it is given. The write is atomic: the data go to a
temporary file in the same directory, are flushed and fsynced, and then ``os.replace`` puts the file
in place, so a crash or Ctrl-C during ``save`` leaves any previous checkpoint intact (an exception
removes the temporary file; only a hard kill can leave a hidden ``.<name>.<random>.tmp`` behind, never
a half-written checkpoint under the real name).
"""
from __future__ import annotations

import io
import json
import os
import secrets
import zipfile
from typing import Any
from urllib.parse import quote

import numpy as np

from .device import check_device, device
from .safe_classes import (UnsafeClassError, add_safe_globals, clear_safe_globals, get_safe_globals,
                           imported_classes, safe_globals)

__all__ = ["save", "load", "atomic_write", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "UnsafeClassError"]

_FORMAT = "tinygrad_rnn.checkpoint"
_VERSION = 2  # 2: whole modules; a file without one is still written as version 1, for older readers
STRUCTURE_KEY = "%structure"
_ROOT_KEY = "%root"

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members / an empty zip
_NPY_MAGIC = b"\x93NUMPY"


# ----------------------------------------------------------------------------------------- save


def _escape(part: str) -> str:
    # quote() keeps only [A-Za-z0-9_.~-]; '.' and '..' are escaped too so that unzipping a
    # checkpoint by hand can never write outside the target directory.
    if part in ("", ".", ".."):
        return "%2E" * len(part) if part else "%"
    return quote(part, safe="")


def _encode(obj: Any, path: tuple[str, ...], arrays: dict[str, np.ndarray], active: set[int]) -> Any:
    """Return the JSON node for ``obj``; arrays are moved into ``arrays`` under their escaped path."""
    # numpy first: np.float64 and np.str_ subclass float and str but must come back as numpy scalars.
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.hasobject:
            raise TypeError(f"cannot save {_where(path)}: object arrays would need pickle; "
                            f"convert it to a numeric or string dtype first")
        key = base = "/".join(_escape(p) for p in path) if path else _ROOT_KEY
        n = 0
        while key in arrays:  # dict keys 7 and "7" share a path; '%~' never comes out of _escape
            n += 1
            key = f"{base}%~{n}"
        arrays[key] = arr
        return {"scalar" if isinstance(obj, np.generic) else "array": key}
    # bool before int: bool is a subclass of int and must come back as a bool.
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, int):
        return int(obj)  # an int subclass (e.g. an IntEnum) is stored by value
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in active:
            raise ValueError(f"cannot save {_where(path)}: the structure contains itself (a cycle)")
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                items = []
                for k, v in obj.items():
                    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
                        raise TypeError(f"cannot save {_where(path)}: dict keys must be str or int, "
                                        f"got {type(k).__name__} {k!r}")
                    k = k if isinstance(k, str) else int(k)
                    items.append([k, _encode(v, path + (str(k),), arrays, active)])
                return {"dict": items}
            tag = "tuple" if isinstance(obj, tuple) else "list"
            return {tag: [_encode(v, path + (str(i),), arrays, active) for i, v in enumerate(obj)]}
        finally:
            active.discard(id(obj))
    from .nn.module import Module  # here, not at the top: nn imports this module's package first
    from .tensor import Tensor

    if isinstance(obj, Tensor):  # torch.save({"loss": loss_tensor}): its values (no graph), and requires_grad
        return {"tensor": [_encode(obj.data, path, arrays, active)["array"], bool(obj.requires_grad)]}
    if isinstance(obj, Module):
        from .module_checkpoint import encode_module

        return {"module": encode_module(obj, _where(path), lambda state: _encode(state, path, arrays, active))}
    hint = " (use .numpy() or a state_dict())" if hasattr(obj, "data") and hasattr(obj, "grad") else ""
    raise TypeError(f"cannot save {_where(path)}: unsupported type {type(obj).__name__}{hint}; "
                    f"checkpoints hold dicts, lists, tuples, numpy arrays, numbers, bools, strings and None")


def _where(path: tuple[str, ...]) -> str:
    return "the object" if not path else "item " + "".join(f"[{p!r}]" for p in path)


def _write_array(zf: zipfile.ZipFile, name: str, arr: np.ndarray) -> None:
    """One ``.npy`` member, written the way ``np.savez`` does (``force_zip64`` for >2 GiB arrays)."""
    with zf.open(name + ".npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, arr, allow_pickle=False)


def _write_npz(f, arrays: dict[str, np.ndarray], compress: bool) -> None:
    # np.savez(**arrays) is avoided on purpose: a key named "file" or "allow_pickle" would be
    # taken as one of its own keyword arguments.
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(f, "w", compression=mode, allowZip64=True) as zf:
        for name, arr in arrays.items():
            _write_array(zf, name, arr)


def _open_temp_beside(path: str) -> tuple[int, str]:
    directory, base = os.path.split(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 lets the process umask decide the final permissions, as for a normal open().
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable on POSIX; not possible (nor needed) on Windows.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(obj: Any, path: str | os.PathLike | Any, *, compress: bool = False) -> None:
    """Write ``obj`` to the checkpoint file ``path`` (exactly that name; no suffix is added).

    Args:
        obj: nested dicts (str/int keys), lists and tuples of numpy arrays, Tensors (their values and
            ``requires_grad``; they load as leaf Tensors), numpy scalars, Python numbers, bools, strings and
            None; and whole ``nn.Module`` s, stored as their classes, constructor
            arguments and state_dict (a module whose constructor was given something a file cannot record,
            such as a Tensor or a function, raises TypeError naming it: save its ``state_dict()`` instead).
        path: destination file (its directory must exist; an existing file is replaced atomically), or an
            open binary file object, which gets the whole checkpoint in one ``write``.
        compress: deflate the arrays (smaller file, slower save/load). Either way the file loads with
            ``np.load(path, allow_pickle=False)``.

    Raises:
        TypeError: an unsupported object (e.g. a set, an object array) somewhere in ``obj``;
            the message names where. Nothing is written in that case.
        FileNotFoundError / IsADirectoryError: the destination directory is missing / path is a directory.
    """
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, (), arrays, set())
    header = {"format": _FORMAT, "version": _VERSION if _has_modules(root) else 1, "root": root}
    text = json.dumps(header, allow_nan=True, ensure_ascii=True, separators=(",", ":"))
    members = {STRUCTURE_KEY: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    members.update(arrays)

    if hasattr(path, "write"):  # an open binary file (PyTorch's torch.save(obj, f)): written whole, in one call
        buffer = io.BytesIO()
        _write_npz(buffer, members, compress)
        path.write(buffer.getvalue())
        return
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    atomic_write(path, lambda f: _write_npz(f, members, compress))


def atomic_write(path: str, write: Any, what: str = "checkpoint") -> None:
    """Call ``write(f)`` on a temporary file beside ``path``, flush and fsync it, then ``os.replace`` it onto
    ``path``: a reader sees the old file or the new one, never half of one. On any error (KeyboardInterrupt
    included) the old file stays and the temporary file goes."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save {what} to {path!r}: directory {directory!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save {what} to {path!r}: it is a directory; give a file name")
    fd, tmp = _open_temp_beside(os.path.abspath(path))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


# ----------------------------------------------------------------------------------------- load


class _Corrupt(Exception):
    """Internal: the structure entry is inconsistent (turned into a ValueError naming the file)."""


def _has_modules(root: Any) -> bool:
    from .module_checkpoint import module_nodes

    return next(module_nodes(root), None) is not None


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        (tag, value), = node.items()
        if tag in ("array", "scalar"):
            if not isinstance(value, str) or value not in arrays:
                raise _Corrupt(f"the structure refers to a missing array member {value!r}")
            arr = arrays[value]
            if tag == "scalar":
                if arr.ndim != 0:
                    raise _Corrupt(f"member {value!r} should hold a scalar but has shape {arr.shape}")
                return arr[()]
            return arr
        if tag == "tensor" and isinstance(value, list) and len(value) == 2 and isinstance(value[1], bool):
            from .tensor import Tensor

            if not isinstance(value[0], str) or value[0] not in arrays:
                raise _Corrupt(f"the structure refers to a missing array member {value[0]!r}")
            arr = arrays[value[0]]
            return Tensor(arr, requires_grad=value[1] and arr.dtype.kind == "f")
        if tag in ("list", "tuple") and isinstance(value, list):
            items = [_decode(v, arrays) for v in value]
            return tuple(items) if tag == "tuple" else items
        if tag == "dict" and isinstance(value, list):
            out = {}
            for item in value:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
                        and not isinstance(item[0], bool)):
                    raise _Corrupt("a dict entry in the structure is malformed")
                out[item[0]] = _decode(item[1], arrays)
            return out
        if tag == "module":
            from .module_checkpoint import decode_module

            return decode_module(value, lambda state: _decode(state, arrays))
    raise _Corrupt(f"unknown node in the structure: {str(node)[:80]}")


def _sniff(path: str, head: bytes | None = None) -> None:
    """Reject files that are not zips before numpy sees them (np.load would try pickle on them)."""
    if head is None:
        with open(path, "rb") as f:
            head = f.read(8)
    if head.startswith(_ZIP_MAGICS):
        return
    if not head:
        problem = "the file is empty"
    elif head.startswith(_NPY_MAGIC):
        problem = "it is a single .npy array (np.save), not a checkpoint; read it with np.load"
    elif head[:1] == b"\x80":
        problem = "it looks like a pickle (e.g. pickle.dump output); checkpoints are never unpickled"
    else:
        problem = "it is not an .npz (zip) file"
    raise ValueError(f"cannot load checkpoint {path!r}: {problem}")


def _written_by_pytorch(names: list[str]) -> bool:
    """Whether a zip's member names are torch.save's layout: ``<archive>/data.pkl`` beside the tensors' storages."""
    return any(name == "data.pkl" or name.endswith("/data.pkl") for name in names)


def load(path: str | os.PathLike | Any, map_location: Any = None, weights_only: bool | None = None, **kwargs: Any) -> Any:
    """Read a checkpoint written by :func:`save` and return the original structure.

    ``map_location`` (a device, which must be the CPU, a dict or a function) and ``weights_only`` are accepted
    for PyTorch's signature: arrays always load on the CPU, and nothing is ever unpickled, so loading is
    always weights-only: ``weights_only=False`` never enables pickle; it lets ``load`` also construct the
    ``nn.Module`` classes this program has already imported (as unpickling would need them too).

    A saved ``nn.Module`` comes back rebuilt (its class called with the recorded arguments, then
    ``load_state_dict(strict=True)``, its train/eval mode and frozen parameters restored). Only tinygrad_rnn's
    own classes are constructed unless the caller allows more with ``add_safe_globals([Net])`` or
    ``with safe_globals([Net]): load(path)``; any other class raises :class:`UnsafeClassError` (a
    ``pickle.UnpicklingError``, as PyTorch's weights-only load) naming it and that call, before anything is
    built. A model that no longer rebuilds as saved (its class builds other submodules, other arguments, or
    state of other shapes) raises ValueError saying what differs.

    Never unpickles. Raises ``FileNotFoundError`` if ``path`` does not exist and ``ValueError`` naming
    the file and the problem if it is a directory, not an ``.npz``, truncated or corrupted, an ``.npz``
    not written by :func:`save` (no ``%structure`` entry), or holds arrays that would need pickle.
    """
    if isinstance(map_location, (str, device)):
        check_device(map_location)
    if hasattr(path, "read"):  # an open binary file (PyTorch's torch.load(f))
        source: Any = io.BytesIO(path.read())
        path = str(getattr(path, "name", "<file object>"))
        _sniff(path, source.getvalue()[:8])
    else:
        path = os.fspath(path)
        if not isinstance(path, str):
            path = os.fsdecode(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"checkpoint file not found: {path!r}")
        if os.path.isdir(path):
            raise ValueError(f"cannot load checkpoint {path!r}: it is a directory, not a checkpoint file")
        _sniff(path)
        source = path
    try:
        with np.load(source, allow_pickle=False) as npz:
            names = npz.files
            has_structure = STRUCTURE_KEY in names
            arrays = {name: npz[name] for name in npz.files} if has_structure else {}
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(f"cannot load checkpoint {path!r}: it contains object arrays that would need "
                             f"pickle, which is never used for loading") from e
        raise ValueError(f"cannot load checkpoint {path!r}: the file is corrupted or truncated ({e})") from e
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError,
            NotImplementedError, RuntimeError) as e:
        # A truncated zip loses its central directory (BadZipFile); a flipped byte fails the CRC.
        raise ValueError(f"cannot load checkpoint {path!r}: the file is corrupted or truncated "
                         f"({type(e).__name__}: {e})") from e

    if not has_structure and _written_by_pytorch(names):
        raise ValueError(f"cannot load checkpoint {path!r}: it was written by PyTorch's torch.save (a zip of pickled "
                         f"objects), which tinygrad_rnn does not read (it never unpickles); convert it in PyTorch "
                         f"with safetensors.torch.save_file(model.state_dict(), 'model.safetensors'), then here "
                         f"model.load_state_dict(torch.load_safetensors('model.safetensors'))")
    if not has_structure:
        raise ValueError(f"cannot load checkpoint {path!r}: it is an .npz file but has no {STRUCTURE_KEY!r} entry, "
                         f"so it was not written by tinygrad_rnn.save; read its arrays with np.load instead")
    from .module_checkpoint import ModuleMismatch, check_classes, class_names, module_nodes
    from .nn.module import Module

    try:
        raw = arrays.pop(STRUCTURE_KEY)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise _Corrupt(f"the structure entry has dtype {raw.dtype} and shape {raw.shape}, expected uint8 bytes")
        header = json.loads(raw.tobytes().decode("utf-8"))
        if not isinstance(header, dict) or header.get("format") != _FORMAT or "root" not in header:
            raise _Corrupt("the structure entry is not a tinygrad_rnn checkpoint header")
        version = header.get("version")
        if not isinstance(version, int) or version > _VERSION:
            raise _Corrupt(f"checkpoint format version {version!r} is not supported (this tinygrad_rnn reads "
                           f"versions up to {_VERSION}); a newer tinygrad_rnn may read it")
        nodes = list(module_nodes(header["root"]))
        # weights_only=False (PyTorch's "I trust this file"): also the module classes already imported here
        trusted = imported_classes(class_names(nodes), Module) if nodes and weights_only is False else []
        with safe_globals(trusted):
            if nodes:
                check_classes(nodes, f"checkpoint {path!r}", weights_only is not False)  # before any constructor
            return _decode(header["root"], arrays)
    except (_Corrupt, ModuleMismatch, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"cannot load checkpoint {path!r}: {e}") from e

