"""Weights in the ecosystem's format: ``.safetensors`` files, written and read with numpy alone.

The format (huggingface/safetensors) is small enough to implement here, so it costs no dependency: an
8-byte little-endian header length N, N bytes of JSON (``{name: {"dtype": "F32", "shape": [...],
"data_offsets": [begin, end]}, "__metadata__": {str: str}}``, padded with spaces), then the tensors' raw
little-endian bytes back to back, every byte belonging to exactly one tensor. A file written here loads
with ``safetensors.torch.load_file`` and, since the library uses PyTorch's parameter names and layouts,
straight into ``torch.nn.RNN/LSTM/GRU/Linear/Embedding.load_state_dict(strict=True)``; and back.
Nothing is ever unpickled.
"""
from __future__ import annotations

import json
import os
import struct
from typing import Any, Mapping

import numpy as np

from .serialization import atomic_write
from .tensor import Tensor

__all__ = ["save_safetensors", "load_safetensors", "safetensors_metadata"]

_CODES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32, "U64": np.uint64,
          "BOOL": np.bool_}
_NAMES = {np.dtype(v): k for k, v in _CODES.items()}
_MAX_HEADER = 100 * 1024 * 1024  # the reference implementation's limit


def save_safetensors(state_dict: Mapping[str, Any], path: str | os.PathLike,
                     metadata: Mapping[str, str] | None = None) -> None:
    """Write ``state_dict`` (names -> Tensors or numpy arrays, e.g. ``module.state_dict()``) to ``path``.

    ``metadata``: optional ``{str: str}`` stored in the header's ``__metadata__``. The write is atomic.
    """
    arrays: dict[str, np.ndarray] = {}
    for name, value in state_dict.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise TypeError(f"save_safetensors: tensor names must be non-empty strings (not '__metadata__'), "
                            f"got {name!r}")
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
        if arr.dtype not in _NAMES:
            raise TypeError(f"save_safetensors: {name!r} has dtype {arr.dtype}, which safetensors cannot hold")
        arrays[name] = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False))
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("save_safetensors: metadata must map strings to strings")
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    # largest alignment first (as the reference writer orders them), then by name: a stable layout
    names = sorted(arrays, key=lambda n: (-arrays[n].dtype.itemsize, n))
    for name in names:
        arr = arrays[name]
        header[name] = {"dtype": _NAMES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned

    def write(f: Any) -> None:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            f.write(arrays[name].tobytes())

    atomic_write(os.fspath(path), write, what="safetensors file")


def load_safetensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a ``.safetensors`` file: ``{name: numpy array}`` in the file's order (metadata is not returned;
    see ``safetensors_metadata``). A malformed file raises ValueError naming the problem."""
    header, data = _read(path)
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(_CODES[info["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize,
                                  offset=begin).reshape(info["shape"]).astype(dtype.newbyteorder("="))
    return out


def safetensors_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``__metadata__`` of a ``.safetensors`` file (an empty dict if it has none)."""
    header, _ = _read(path)
    return dict(header.get("__metadata__") or {})


def _read(path: str | os.PathLike) -> tuple[dict[str, Any], bytes]:
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()

    def bad(why: str) -> ValueError:
        return ValueError(f"{path!r} is not a valid safetensors file: {why}")

    if len(raw) < 8:
        raise bad("shorter than its 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise bad(f"header length {n} does not fit the file of {len(raw)} bytes")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise bad(f"its header is not JSON ({err})") from None
    if not isinstance(header, dict):
        raise bad("its header is not a JSON object")
    data = raw[8 + n:]
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                raise bad("__metadata__ must map strings to strings")
            continue
        try:
            code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise bad(f"tensor {name!r} lacks dtype, shape or data_offsets") from None
        if code not in _CODES:
            raise bad(f"tensor {name!r} has dtype {code!r}, which numpy cannot read here")
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise bad(f"tensor {name!r} has shape {shape!r}")
        size = int(np.prod(shape, dtype=np.int64)) * np.dtype(_CODES[code]).itemsize
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(data)
                and end - begin == size):
            raise bad(f"tensor {name!r} has data_offsets {[begin, end]} that do not fit its shape or the file")
        spans.append((begin, end))
    spans.sort()
    position = 0
    for begin, end in spans:  # every byte belongs to exactly one tensor: no overlap, no hole
        if begin != position:
            raise bad("its tensors overlap or leave holes in the data")
        position = end
    if position != len(data):
        raise bad("its data has bytes that belong to no tensor")
    return header, data
