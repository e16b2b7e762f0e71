"""Turning a list of samples into a batch (``default_collate``) and single samples into tensors (``default_convert``),
with PyTorch's rules."""
from __future__ import annotations

import collections.abc
import copy
from typing import Any

import numpy as np

from ...creation import as_tensor, tensor
from ...functions import stack
from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _numeric_array(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "biufc"


def _same_mapping(like: collections.abc.Mapping, values: dict[Any, Any]) -> Any:
    """``values`` in a mapping of ``like``'s type: a shallow copy updated in place when it is mutable (so a
    defaultdict keeps its default factory), else the type called on a dict, else a plain dict."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def default_convert(data: Any) -> Any:
    """numpy arrays (and numpy scalars) become Tensors, inside dicts, named tuples, tuples and lists too;
    anything else is returned as it is (the conversion of ``DataLoader(batch_size=None)``)."""
    if _numeric_array(data):
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: default_convert(value) for key, value in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def default_collate(batch: list[Any] | tuple[Any, ...]) -> Any:
    """A batch of samples, structure preserved: Tensors and numpy arrays stack along a new first dimension
    (B, ...); Python floats give a float64 Tensor (B,), ints an int64 one, bools a bool one (as in PyTorch);
    strings stay a list; dicts, named tuples, tuples and lists are collated field by field (a batch of
    ``(x, y)`` pairs gives ``[X, Y]``)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = [tuple(t.shape) for t in batch]
        bad = next((i for i, s in enumerate(shapes) if s != shapes[0]), None)
        if bad is not None:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 "
                               f"and {list(shapes[bad])} at entry {bad}")
        return stack(list(batch), 0)
    if _numeric_array(elem):
        return default_collate([as_tensor(np.asarray(b)) for b in batch])
    if isinstance(elem, np.ndarray):
        raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                        f"found a numpy array of dtype {elem.dtype}")
    if isinstance(elem, bool):
        return tensor(list(batch))  # bool before int: True is an int too
    if isinstance(elem, float):
        return tensor(list(batch), dtype=np.float64)
    if isinstance(elem, int):
        return tensor(list(batch), dtype=np.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(samples) for samples in zip(*batch)]  # (strings stay a tuple, as in PyTorch)
        if isinstance(elem, tuple):
            return transposed
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found "
                    f"{type(elem).__name__}")
