"""The private helpers the functions_more modules share: Tensor or array of an input, binary ops, dim lists."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _arr(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _binary(op: Any, a: Any, b: Any) -> Tensor:
    """A binary op with a Tensor or number on either side (numbers stay numbers for numpy's weak promotion)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(np.asarray(a))
    return op.apply(a, b)


def _axes(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim
