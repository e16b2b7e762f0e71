"""Matrix and vector products: mv, addmm ... baddbmm, tensordot, kron, trace, cross, and the functions behind
torch.linalg's cross, multi_dot, vecdot and vector_norm (the namespace is linalg.py)."""
from __future__ import annotations

import builtins
import math
from typing import Any, Sequence

import numpy as np

from .. import ops
from ..ops import products as pr
from ..tensor import Tensor, _check_dim
from ._common import _axes, _t

__all__ = [
    "mv", "addmm", "addmv", "addr", "addbmm", "baddbmm", "vdot", "tensordot", "kron", "trace", "cross",
    "chain_matmul",
]


def _need_ndim(name: str, **tensors: Tensor) -> None:
    for label, (t, nd) in tensors.items():
        if t.ndim != nd:
            raise RuntimeError(f"{name}: {label} must be {nd}-D, got shape {tuple(t.shape)}")


def _zero_grad(t: Tensor) -> Tensor:
    """Zeros of t's shape that keep t in the graph: t's gradient through them is 0 (not None), and NaN or
    inf in t does not show (0 * t would)."""
    return t.masked_fill(np.ones(t.shape, dtype=bool), 0)


def _scaled_sum(input: Tensor, prod: Tensor, beta: float, alpha: float) -> Tensor:
    """beta * input + alpha * prod; beta = 0 ignores input (NaN and inf in it included), as in PyTorch."""
    p = prod if alpha == 1 else prod * alpha
    if beta == 0:  # input only gives the shape, and a zero gradient as in PyTorch
        return p + _zero_grad(input).to(p.dtype)
    return (input if beta == 1 else input * beta) + p


def mv(input: Any, vec: Any) -> Tensor:
    """(n, m) @ (m,) -> (n,)."""
    a, v = _t(input), _t(vec)
    _need_ndim("mv", input=(a, 2), vec=(v, 1))
    return a.matmul(v)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to (n, p)."""
    m1, m2 = _t(mat1), _t(mat2)
    _need_ndim("addmm", mat1=(m1, 2), mat2=(m2, 2))
    return _scaled_sum(_t(input), m1.matmul(m2), beta, alpha)


def addmv(input: Any, mat: Any, vec: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum(_t(input), mv(mat, vec), beta, alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    return _scaled_sum(_t(input), _t(vec1).outer(_t(vec2)), beta, alpha)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]."""
    return _scaled_sum(_t(input), _t(batch1).bmm(_t(batch2)).sum(0), beta, alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    return _scaled_sum(_t(input), _t(batch1).bmm(_t(batch2)), beta, alpha)


def vdot(input: Any, other: Any) -> Tensor:
    """The dot product of two 1-D tensors (no conjugation is needed for real tensors)."""
    return _t(input).dot(other)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Contract the last ``dims`` dimensions of a with the first ``dims`` of b, or the listed pairs
    ``dims=([a dims], [b dims])``; the result has a's free dimensions then b's."""
    a, b = _t(a), _t(b)
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot: dims must be non-negative, got {dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
    da = [_check_dim(d, a.ndim) for d in da]
    db = [_check_dim(d, b.ndim) for d in db]
    if len(da) != len(db) or any(a.shape[i] != b.shape[j] for i, j in zip(da, db)):
        raise RuntimeError(f"tensordot: contracted dimensions {da} of {tuple(a.shape)} and {db} of "
                           f"{tuple(b.shape)} do not match")
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [j for j in range(b.ndim) if j not in db]
    k = int(np.prod([a.shape[i] for i in da], dtype=np.int64))
    left = a.permute(*(fa + da)).reshape(-1, k) if a.ndim else a.reshape(1, 1)
    right = b.permute(*(db + fb)).reshape(k, -1) if b.ndim else b.reshape(1, 1)
    return left.matmul(right).reshape([a.shape[i] for i in fa] + [b.shape[j] for j in fb])


def kron(input: Any, other: Any) -> Tensor:
    """The Kronecker product: out[i*m + k, ...] = input[i, ...] * other[k, ...] (shapes padded to one rank)."""
    a, b = _t(input), _t(other)
    n = builtins.max(a.ndim, b.ndim)
    a = a.reshape((1,) * (n - a.ndim) + tuple(a.shape))
    b = b.reshape((1,) * (n - b.ndim) + tuple(b.shape))
    # interleave: a's axis i at 2i, b's at 2i+1, then merge each pair
    pa = a.reshape([s for d in a.shape for s in (d, 1)])
    pb = b.reshape([s for d in b.shape for s in (1, d)])
    return (pa * pb).reshape([x * y for x, y in zip(a.shape, b.shape)])


def trace(input: Any) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor (integers sum as int64)."""
    x = _t(input)
    _need_ndim("trace", input=(x, 2))
    d = x.diagonal()
    return d.sum(dtype=np.int64) if x.dtype.kind in "biu" else d.sum()


def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim``; with dim None, the first dimension of size 3 (PyTorch's
    deprecated default; ``linalg.cross`` uses -1). input and other broadcast."""
    a, b = _t(input), _t(other)
    shape = np.broadcast_shapes(a.shape, b.shape)
    if dim is None:
        sizes = [i for i, s in enumerate(shape) if s == 3]
        if not sizes:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {tuple(shape)}")
        dim = sizes[0]
    d = _check_dim(dim, len(shape))
    if shape[d] != 3:
        raise RuntimeError(f"cross: dimension {dim} of shape {tuple(shape)} must have size 3")
    return pr.Cross.apply(a, b, axis=d - len(shape))


def _linalg_cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:
    """``torch.linalg.cross``: the cross product along ``dim`` (default -1)."""
    return cross(input, other, dim=dim)


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """The matrix product of a chain (the first may be 1-D, a row; the last 1-D, a column), left to right."""
    ts = [_t(t) for t in tensors]
    if len(ts) < 2:
        raise RuntimeError("multi_dot: expected at least two tensors")
    out = ts[0]
    for t in ts[1:]:
        out = out.matmul(t)
    return out


def chain_matmul(*matrices: Any) -> Tensor:
    """The product of 2-D matrices, left to right (deprecated in PyTorch for ``linalg.multi_dot``)."""
    if len(matrices) == 1:
        return _t(matrices[0])
    return multi_dot(matrices)


def _vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """``torch.linalg.vecdot``: sum(x * y) along ``dim`` (broadcasting)."""
    return (_t(x) * y).sum(dim)


def _vector_norm(x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """``torch.linalg.vector_norm``: (sum |x|^ord)^(1/ord) over dim (all if None); ord inf/-inf/0 as PyTorch."""
    t = _t(x) if dtype is None else _t(x).to(dtype)
    a = t.abs()
    if ord == math.inf:
        return a.amax(dim, keepdim)
    if ord == -math.inf:
        return a.amin(dim, keepdim)
    if ord == 0:  # a count: kept in the graph (PyTorch's result has a grad_fn) with a zero gradient
        return (a != 0).to(t.dtype).sum(dim, keepdim) + _zero_grad(a).sum(dim, keepdim)
    if ord >= 1:  # Norm's gradient is 0 where the norm is 0, as PyTorch's (sqrt's chain rule gives 0 * inf)
        return ops.Norm.apply(t, p=float(ord), axis=_axes(dim), keepdims=keepdim)
    # 0 < ord < 1 or ord < 0: PyTorch masks |x|^(ord-1) to 0 where x == 0, and so where the norm is 0
    s = _masked_pow(a, ord).sum(dim, keepdim)
    return _masked_pow(s, 1 / ord)


def _masked_pow(t: Tensor, e: float) -> Tensor:
    """``t ** e`` whose gradient is 0 where t == 0 (there the chain rule would multiply 0 by inf)."""
    zero = t.data == 0
    if not zero.any():
        return t ** e
    with np.errstate(divide="ignore"):
        at_zero = np.power(np.zeros((), dtype=t.dtype), e)  # 0 for e > 0, inf for e < 0
    return (t.masked_fill(zero, 1) ** e).masked_fill(zero, at_zero)
