"""Flips, quarter turns and sorting along the first dimension (fliplr, flipud, rot90, msort), and covariance /
correlation matrices (cov, corrcoef): compositions of differentiable Tensor methods."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ..tensor import Tensor, _check_dim
from ._common import _t

__all__ = ["fliplr", "flipud", "rot90", "msort", "cov", "corrcoef"]


def fliplr(input: Any) -> Tensor:
    """``input`` with dimension 1 reversed (left and right swapped); at least 2-D."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return x.flip(1)


def flipud(input: Any) -> Tensor:
    """``input`` with dimension 0 reversed (up and down swapped); at least 1-D."""
    x = _t(input)
    if x.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return x.flip(0)


def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``input`` turned ``k`` quarter turns in the plane of ``dims``, from the first axis towards the second."""
    x = _t(input)
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = (_check_dim(d, x.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    turns = int(k) % 4
    if turns == 1:
        return x.flip(d1).transpose(d0, d1)
    if turns == 2:
        return x.flip(d0, d1)
    if turns == 3:
        return x.flip(d0).transpose(d0, d1)
    return x * 1  # a new tensor, as PyTorch's clone


def msort(input: Any) -> Tensor:
    """The values of ``input`` sorted ascending along dimension 0 (``sort(input, dim=0).values``)."""
    return _t(input).sort(dim=0)[0]


def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (``(V, O)``: ``O`` observations; 1-D is one
    variable, giving a 0-dim result). ``fweights`` (integer repeat counts) and ``aweights`` (importance) weigh the
    observations; ``correction`` is subtracted from the (weighted) number of observations, as PyTorch."""
    x = _t(input)
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} "
                           "dimensions")
    x = x.reshape(1, -1) if x.ndim < 2 else x
    if not np.issubdtype(x.data.dtype, np.floating):
        x = x.double() if x.data.dtype == np.int64 else x.float()
    n_obs = x.shape[1]
    w = None
    for name, given in (("fweights", fweights), ("aweights", aweights)):
        if given is None:
            continue
        weights = _t(given)
        if weights.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{weights.ndim} dimensions")
        if name == "fweights" and not np.issubdtype(weights.data.dtype, np.integer):
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{weights.data.dtype} dtype")
        if weights.data.size != n_obs:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                               f"input but got {weights.data.size} != {n_obs}")
        if (weights.data < 0).any():
            raise RuntimeError(f"cov(): {name} cannot be negative")
        weights = weights.reshape(-1).to(x.dtype)
        w = weights if w is None else w * weights
    if w is None:
        w_sum = float(n_obs)
        mean = x.mean(dim=1, keepdim=True)
    else:
        w_sum_t = w.sum()
        w_sum = float(w_sum_t.data)
        mean = (x * w).sum(dim=1, keepdim=True) / w_sum_t
    if aweights is None:
        norm = w_sum - correction
    else:  # the effective number of observations under importance weights
        aw = _t(aweights).reshape(-1).to(x.dtype)
        norm = w_sum - correction * float((w * aw).sum().data) / w_sum
    if norm <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = 0.0
    centred = x - mean
    weighted = centred if w is None else centred * w
    with np.errstate(divide="ignore", invalid="ignore"):
        out = centred.matmul(weighted.transpose(0, 1)) / norm
    return out.squeeze()


def corrcoef(input: Any) -> Tensor:
    """The Pearson correlation matrix of the rows of ``input`` (see :func:`cov`), clipped to ``[-1, 1]``."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    return (c / std.reshape(-1, 1) / std.reshape(1, -1)).clip(-1, 1)
