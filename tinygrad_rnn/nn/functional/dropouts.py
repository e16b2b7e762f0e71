"""Dropout: elementwise, of whole channels (1-D, 2-D, 3-D) and alpha dropout for SELU networks."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...random import get_generator
from ...tensor import Tensor
from ._common import _tensor


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: np.random.Generator | None = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p); identity unless training.

    The mask (shaped like ``x``) is drawn from ``generator``, else from :mod:`tinygrad_rnn.random`'s generator.
    """
    _check_p(p)
    if not training or p == 0.0:
        return x
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    keep = get_generator(generator).random(x.shape) >= p
    mask = keep.astype(x.dtype)
    mask *= 1.0 / (1.0 - p)
    return x * mask


def _feature_mask(x: Tensor, p: float, batch_dims: int, generator: Any) -> np.ndarray:
    """A keep mask (bool) over the first ``batch_dims`` dimensions, 1 over the rest (one draw per channel)."""
    shape = x.shape[:batch_dims] + (1,) * (x.ndim - batch_dims)
    return get_generator(generator).random(shape) >= p


def _feature_dropout(x: Any, p: float, training: bool, name: str, dims: tuple[int, int], generator: Any) -> Tensor:
    """Dropout of whole channels: ``dims`` = (unbatched ndim, batched ndim); a channel is zeroed with
    probability ``p`` and the kept ones scaled by ``1 / (1 - p)``."""
    _check_p(p)
    x = _tensor(x)
    if x.ndim not in dims:
        raise ValueError(f"{name}: expected a {dims[0]}-D or {dims[1]}-D input, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    batch_dims = 2 if x.ndim == dims[1] else 1
    mask = _feature_mask(x, p, batch_dims, generator).astype(x.dtype)
    mask *= 1.0 / (1.0 - p)
    return x * mask


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` with probability ``p`` (kept ones scaled by 1/(1-p))."""
    return _feature_dropout(input, p, training, "dropout1d", (2, 3), generator)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` or ``(C, H, W)``. As in PyTorch a 3-D input is taken as
    ``(N, C, L)`` (one draw per (n, c)), which is what programs that pass 3-D inputs get from torch."""
    _check_p(p)
    x = _tensor(input)
    if x.ndim == 3:
        return _feature_dropout(x, p, training, "dropout2d", (2, 3), generator)
    return _feature_dropout(x, p, training, "dropout2d", (3, 4), generator)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _feature_dropout(input, p, training, "dropout3d", (4, 5), generator)


_ALPHA_PRIME = 1.7580993408473766  # SELU's scale * alpha: a dropped unit is set to SELU's negative saturation


def _alpha_dropout(x: Any, p: float, training: bool, feature: bool, generator: Any) -> Tensor:
    """Dropped units are set to ``-alpha'`` and everything is then affinely rescaled (``a x + b``) so that
    zero-mean unit-variance inputs keep mean 0 and variance 1 (the self-normalising dropout of SELU nets)."""
    _check_p(p)
    x = _tensor(x)
    name = "feature_alpha_dropout" if feature else "alpha_dropout"
    if feature and x.ndim < 2:
        raise ValueError(f"{name}: expected an input of at least 2 dimensions (N, C, ...), got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    keep = (_feature_mask(x, p, 2, generator) if feature else get_generator(generator).random(x.shape) >= p)
    a = 1.0 / np.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    b = (keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    return x * (keep * a).astype(x.dtype) + b.astype(x.dtype)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,
                  generator: np.random.Generator | None = None) -> Tensor:
    """Alpha dropout (for SELU networks): identity unless ``training`` (PyTorch's default here is False)."""
    return _alpha_dropout(input, p, training, False, generator)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,
                          generator: np.random.Generator | None = None) -> Tensor:
    """Alpha dropout of whole channels (dimension 1) of an ``(N, C, ...)`` input."""
    return _alpha_dropout(input, p, training, True, generator)
