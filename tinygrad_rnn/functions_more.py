"""More of PyTorch's torch-level functions and Tensor methods: elementwise math and special functions,
aliases, products, reductions and search, logical/bitwise ops, creation and random draws, and the
indexing writes (unfold, masked_scatter, index_copy, index_put, put).

Each function takes its tensor first, as ``torch.X(input, ...)``; the names in ``METHODS`` are also bound
as ``Tensor`` methods (at the end of tensor.py), so ``x.tan()`` is ``tan(x)``. Inputs may be Tensors,
numpy arrays or numbers. Differentiable ones are Function ops (ops/math_more.py, ops/special.py,
ops/products.py) or compositions of differentiable Tensor methods.
"""
from __future__ import annotations

import builtins
import itertools
import math
from collections import namedtuple
from types import SimpleNamespace
from typing import Any, Sequence

import numpy as np

from . import ops
from .autograd import bump_version
from .dtypes import get_default_dtype, to_dtype
from .ops import math_more as mm
from .ops import products as pr
from .ops import search as se
from .ops import special as sp
from .random import get_generator
from .tensor import Tensor, _check_dim, _sizes, return_types

# the named tuples of the new (values, indices) results, beside torch.return_types' others
return_types.cummax = namedtuple("cummax", ["values", "indices"])
return_types.cummin = namedtuple("cummin", ["values", "indices"])
return_types.kthvalue = namedtuple("kthvalue", ["values", "indices"])
return_types.mode = namedtuple("mode", ["values", "indices"])
return_types.aminmax = namedtuple("aminmax", ["min", "max"])


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _arr(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _binary(op: Any, a: Any, b: Any) -> Tensor:
    """A binary op with a Tensor or number on either side (numbers stay numbers for numpy's weak promotion)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(np.asarray(a))
    return op.apply(a, b)


# ---- 1. elementwise math --------------------------------------------------------------------------
def tan(input: Any) -> Tensor:
    """tan(x); d/dx = 1 + tan(x)^2."""
    return mm.Tan.apply(_t(input))


def asin(input: Any) -> Tensor:
    """arcsin on [-1, 1] (NaN outside); d/dx = 1 / sqrt(1 - x^2)."""
    return mm.Asin.apply(_t(input))


def acos(input: Any) -> Tensor:
    """arccos on [-1, 1] (NaN outside); d/dx = -1 / sqrt(1 - x^2)."""
    return mm.Acos.apply(_t(input))


def atan(input: Any) -> Tensor:
    """arctan; d/dx = 1 / (1 + x^2)."""
    return mm.Atan.apply(_t(input))


def sinh(input: Any) -> Tensor:
    return mm.Sinh.apply(_t(input))


def cosh(input: Any) -> Tensor:
    return mm.Cosh.apply(_t(input))


def asinh(input: Any) -> Tensor:
    return mm.Asinh.apply(_t(input))


def acosh(input: Any) -> Tensor:
    """arccosh on [1, inf) (NaN below 1)."""
    return mm.Acosh.apply(_t(input))


def atanh(input: Any) -> Tensor:
    """arctanh on [-1, 1] (+-inf at +-1, NaN outside)."""
    return mm.Atanh.apply(_t(input))


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input) in (-pi, pi] (input and other broadcast)."""
    return _binary(mm.Atan2, input, other)


def log2(input: Any) -> Tensor:
    return mm.Log2.apply(_t(input))


def log10(input: Any) -> Tensor:
    return mm.Log10.apply(_t(input))


def exp2(input: Any) -> Tensor:
    return mm.Exp2.apply(_t(input))


def logaddexp(input: Any, other: Any) -> Tensor:
    """log(exp(input) + exp(other)) without overflow."""
    return _binary(mm.LogAddExp, input, other)


def logaddexp2(input: Any, other: Any) -> Tensor:
    """log2(2^input + 2^other) without overflow."""
    return _binary(mm.LogAddExp2, input, other)


def hypot(input: Any, other: Any) -> Tensor:
    """sqrt(input^2 + other^2) without overflow."""
    return _binary(mm.Hypot, input, other)


def copysign(input: Any, other: Any) -> Tensor:
    """|input| with the sign of other (-0.0 counts as negative)."""
    return _binary(mm.Copysign, input, other)


def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), 0 where input is 0 (unless other is NaN)."""
    return _binary(mm.Xlogy, input, other)


def logit(input: Any, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] first when eps is given."""
    return mm.Logit.apply(_t(input), eps=eps)


def sinc(input: Any) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0."""
    return mm.Sinc.apply(_t(input))


def deg2rad(input: Any) -> Tensor:
    x = _t(input)
    return _float_of(x) * (math.pi / 180)


def rad2deg(input: Any) -> Tensor:
    x = _t(input)
    return _float_of(x) * (180 / math.pi)


def _float_of(x: Tensor) -> Tensor:
    return x if x.dtype.kind in "fc" else x.to(get_default_dtype())


def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64 (PyTorch's float_power: the result is always double)."""
    base = _t(input).to(np.float64)
    exp = exponent.to(np.float64) if isinstance(exponent, Tensor) else float(exponent)
    return base ** exp


def heaviside(input: Any, values: Any) -> Tensor:
    """``values`` where input == 0, else 1 where input > 0 and 0 elsewhere (NaN included, as PyTorch); not
    differentiable, as in PyTorch."""
    x, v = _t(input), _t(values)
    dt = np.result_type(x.data, v.data)
    return Tensor._wrap(np.asarray(np.where(x.data == 0, v.data, x.data > 0)).astype(dt, copy=False))


def signbit(input: Any) -> Tensor:
    """True where the sign bit is set (negatives and -0.0); bool."""
    return Tensor._wrap(np.asarray(np.signbit(_t(input).data)))


def nextafter(input: Any, other: Any) -> Tensor:
    """The next float after input towards other (not differentiable)."""
    x, o = _t(input), _arr(other)
    return Tensor._wrap(np.asarray(np.nextafter(x.data, o)).astype(x.dtype, copy=False))


def erf(input: Any) -> Tensor:
    """The error function; d/dx = 2/sqrt(pi) exp(-x^2)."""
    return sp.Erf.apply(_t(input))


def erfc(input: Any) -> Tensor:
    """1 - erf(x), accurate where it is tiny."""
    return sp.Erfc.apply(_t(input))


def erfinv(input: Any) -> Tensor:
    """The inverse error function on [-1, 1] (+-inf at +-1, NaN outside)."""
    return sp.Erfinv.apply(_t(input))


def lgamma(input: Any) -> Tensor:
    """log|Gamma(x)| (+inf at 0, -1, -2, ...); d/dx = digamma(x)."""
    return sp.Lgamma.apply(_t(input))


def digamma(input: Any) -> Tensor:
    """d/dx lgamma(x) (-inf at 0, NaN at the negative integers); d/dx = polygamma(1, x)."""
    return sp.Digamma.apply(_t(input))


def polygamma(n: int, input: Any) -> Tensor:
    """The n-th derivative of digamma (``torch.polygamma(n, x)``; the method is ``x.polygamma(n)``)."""
    return sp.Polygamma.apply(_t(input), n=n)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``polygamma(n, self)``."""
    return polygamma(n, self)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = asin, acos, atan, asinh, acosh, atanh, atan2


# ---- 2. aliases and properties ----------------------------------------------------------------------
def absolute(input: Any) -> Tensor:
    return _t(input).abs()


def positive(input: Any) -> Tensor:
    """The input itself (PyTorch's unary plus); bool tensors raise, as in PyTorch."""
    x = _t(input)
    if x.dtype == np.bool_:
        raise TypeError("positive: not supported for bool tensors")
    return x


def ravel(input: Any) -> Tensor:
    """The 1-D flattening (differentiable)."""
    return _t(input).reshape(-1)


def is_floating_point(input: Tensor) -> bool:
    return _t(input).dtype.kind == "f"


def is_complex(input: Tensor) -> bool:
    """False: this library has no complex tensors."""
    return _t(input).dtype.kind == "c"


def is_signed(input: Tensor) -> bool:
    """Whether the dtype holds negative numbers (False for uint8 and bool)."""
    return _t(input).dtype.kind in "ifc"


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(_t(input).shape) == tuple(_t(other).shape)


def _nelement(self: Tensor) -> int:
    """The number of elements (``numel``)."""
    return int(self.data.size)


# ---- 3. products --------------------------------------------------------------------------------------
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


linalg = SimpleNamespace(cross=_linalg_cross, multi_dot=multi_dot, vecdot=_vecdot, vector_norm=_vector_norm,
                         matmul=lambda input, other: _t(input).matmul(other))
"""A few of ``torch.linalg``'s functions: cross, multi_dot, vecdot, vector_norm, matmul."""


# ---- 4. reductions and search -------------------------------------------------------------------------
def _cum_extreme(input: Any, dim: int, largest: bool, result: Any) -> Any:
    x = _t(input)
    if x.ndim == 0:
        return result(x.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    d = _check_dim(dim, x.ndim)
    _, idx = se.cumulative_extreme_indices(x.data, d, largest)
    return result(ops.Gather.apply(x, dim=d, index=idx), Tensor._wrap(idx))


def cummax(input: Any, dim: int) -> Any:
    """Named tuple (values, indices): the running max along ``dim`` and where it was last reached."""
    return _cum_extreme(input, dim, True, return_types.cummax)


def cummin(input: Any, dim: int) -> Any:
    """Named tuple (values, indices): the running min along ``dim`` and where it was last reached."""
    return _cum_extreme(input, dim, False, return_types.cummin)


def _reduce_index(x: Tensor, idx: np.ndarray, d: int, keepdim: bool, result: Any) -> Any:
    """(values gathered at ``idx`` (keepdim form), idx) with dimension d kept or dropped."""
    values = ops.Gather.apply(x, dim=d, index=idx)
    if not keepdim:
        return result(values.squeeze(d), Tensor._wrap(idx.squeeze(d)))
    return result(values, Tensor._wrap(idx))


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """Named tuple (values, indices) of the k-th smallest element (k from 1) along ``dim``."""
    x = _t(input)
    if x.ndim == 0:
        if k != 1:
            raise RuntimeError(f"kthvalue: k={k} is out of range for a 0-d tensor")
        return return_types.kthvalue(x.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    d = _check_dim(dim, x.ndim)
    if not 1 <= k <= x.shape[d]:
        raise RuntimeError(f"kthvalue: k={k} is out of range for dimension {dim} of size {x.shape[d]}")
    order = np.argsort(x.data, axis=d, kind="stable")
    idx = np.take(order, [k - 1], axis=d).astype(np.int64)
    return _reduce_index(x, idx, d, keepdim, return_types.kthvalue)


def mode(input: Any, dim: int = -1, keepdim: bool = False) -> Any:
    """Named tuple (values, indices): the most frequent value along ``dim`` (the smallest on ties) and the
    index of its last occurrence. Each NaN counts once (NaN != NaN); torch's CPU result on a row holding NaN
    depends on how its sort happens to order an invalid comparison, so it is not reproduced."""
    x = _t(input)
    if x.ndim == 0:
        return return_types.mode(x.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    d = _check_dim(dim, x.ndim)
    _, last = se.mode_indices(x.data, d)
    return _reduce_index(x, np.expand_dims(last, d), d, keepdim, return_types.mode)


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the non-NaN entries (NaN where all are NaN)."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected a floating-point tensor, got {x.dtype}")
    keep = ~x.isnan()
    count = Tensor._wrap(np.asarray(np.sum(keep.data, axis=_axes(dim), keepdims=keepdim), dtype=x.dtype))
    with np.errstate(invalid="ignore"):  # an all-NaN slice: 0 / 0
        return x.nansum(dim, keepdim) / count


def _axes(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


def _quantile(input: Any, q: Any, dim: int | None, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    name = "nanquantile" if ignore_nan else "quantile"
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    qa = np.asarray(_arr(q), dtype=np.float64)
    if qa.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1-D tensor, got shape {qa.shape}")
    if np.any((qa < 0) | (qa > 1)) or np.any(np.isnan(qa)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    shape = tuple(x.shape)
    if dim is None:
        xs, d = x.reshape(-1), 0
    else:
        d = _check_dim(dim, x.ndim)
        xs = x if x.ndim else x.reshape(1)
    n = xs.shape[d]
    if n == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    # PyTorch's steps (quantile_compute), so NaN and inf slices agree with it in value and gradient
    s = xs.sort(d).values  # NaNs sort last
    isnan = np.isnan(xs.data)
    qs = qa.astype(x.dtype).reshape((-1,) + (1,) * s.ndim)  # the ranks are taken in the input's dtype
    if ignore_nan:  # ranks among the non-NaN entries; an all-NaN slice takes rank 0, a NaN
        valid = n - np.sum(isnan, axis=d, keepdims=True)
        rank = np.maximum(qs * (valid - 1).astype(x.dtype), 0)
    else:  # a slice holding NaN takes its last rank, a NaN, which gets the gradient
        rank = np.where(np.any(isnan, axis=d, keepdims=True), np.asarray(n - 1, dtype=x.dtype), qs * (n - 1))
    rounding = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(interpolation)  # round: half to even
    if rounding is not None:
        rank = rounding(rank)
    below = rank.astype(np.int64)
    outs = []
    for j in range(qs.shape[0]):  # one gather (pair) per requested quantile
        v = ops.Gather.apply(s, dim=d, index=below[j])
        if rounding is None:  # linear or midpoint: lerp(below, above, w) as PyTorch's, from the nearer end
            w = (rank[j] - below[j] if interpolation == "linear" else np.full(rank[j].shape, 0.5)).astype(x.dtype)
            above = ops.Gather.apply(s, dim=d, index=np.ceil(rank[j]).astype(np.int64))
            with np.errstate(invalid="ignore"):  # inf - inf in a slice holding infinities: NaN, as PyTorch's
                v = (v + (above - v) * w).where(w < 0.5, above - (above - v) * (1 - w))
        outs.append(v)
    out = Tensor.stack(outs, 0) if len(outs) > 1 else outs[0].unsqueeze(0)
    if not keepdim:
        out = out.squeeze(d + 1)
    elif dim is None:
        out = out.reshape((out.shape[0],) + (1,) * len(shape))
    if dim is not None and len(shape) == 0 and not keepdim:
        out = out.reshape(out.shape[0])
    return out[0] if qa.ndim == 0 else out


def quantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along ``dim`` (all entries if None); q a number or 1-D tensor (its dimension goes
    first). Linear interpolation between the two nearest ranks by default; NaN in a slice gives NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """``quantile`` of the non-NaN entries (NaN where a slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """Named tuple (min, max) over ``dim`` (all entries if None)."""
    x = _t(input)
    return return_types.aminmax(x.amin(dim, keepdim), x.amax(dim, keepdim))


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Any = None) -> Tensor:
    """For each value, the index where it would be inserted to keep each row of ``sorted_sequence`` sorted
    (its last dimension; leading dimensions match ``input``'s). ``right=True`` or ``side="right"`` puts it
    after equal entries. int64 (int32 with ``out_int32``)."""
    seq = np.asarray(_arr(sorted_sequence))
    if side is not None and side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if side == "left" and right:
        raise RuntimeError("searchsorted: side='left' and right=True contradict each other")
    if sorter is not None:
        seq = np.take_along_axis(seq, np.asarray(_arr(sorter)), axis=-1)
    scalar = not isinstance(input, (Tensor, np.ndarray, list, tuple))
    values = np.asarray(_arr(input))
    if scalar and seq.ndim != 1:
        raise RuntimeError("searchsorted: a scalar value needs a 1-D sorted_sequence")
    out = se.searchsorted_rows(seq, values, "right" if (right or side == "right") else "left")
    return Tensor._wrap(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among the 1-D sorted ``boundaries``: i with boundaries[i-1] < x <= boundaries[i]
    (``right=True``: boundaries[i-1] <= x < boundaries[i])."""
    b = np.asarray(_arr(boundaries))
    if b.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    out = np.searchsorted(b, np.asarray(_arr(input)), side="right" if right else "left")
    return Tensor._wrap(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts in ``bins`` equal-width bins over [min, max] (the data's range when both are 0); entries outside
    are ignored; the input's float dtype. Not differentiable."""
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating-point tensor, got {x.dtype}")
    lo, hi = float(min), float(max)
    data = x.data.reshape(-1)
    if lo == hi and data.size:
        lo, hi = float(np.min(data)), float(np.max(data))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not math.isfinite(lo) or not math.isfinite(hi):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    counts, _ = np.histogram(data[~np.isnan(data)], bins=int(bins), range=(lo, hi))
    return Tensor._wrap(counts.astype(x.dtype))


def dist(input: Any, other: Any, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast), as a 0-d tensor."""
    return _vector_norm(_t(input) - other, ord=p)


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` whose p-norm (over the other dimensions) exceeds ``maxnorm`` is scaled down
    to that norm."""
    x = _t(input)
    d = _check_dim(dim, x.ndim)
    others = tuple(i for i in range(x.ndim) if i != d)
    norm = _vector_norm(x, ord=p, dim=others, keepdim=True) if others else x.abs()
    factor = (maxnorm / (norm + 1e-7)).where(norm.data > maxnorm, np.ones((), dtype=x.dtype))
    return x * factor


def unique_consecutive(input: Any, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """The input with each run of equal consecutive entries (slices along ``dim``) kept once; optionally the
    run index of every entry and the run lengths (int64)."""
    x = _t(input)
    if dim is None:
        data, d = x.data.reshape(-1), 0
    else:
        d = _check_dim(dim, x.ndim)
        data = np.moveaxis(x.data, d, 0)
    n = data.shape[0]
    change = np.ones(n, dtype=bool)
    if n > 1:
        diff = data[1:] != data[:-1]
        change[1:] = diff.reshape(n - 1, -1).any(axis=1)
    starts = np.flatnonzero(change)
    out = Tensor._wrap(np.moveaxis(data[starts], 0, d) if dim is not None else data[starts].copy())
    results: list[Any] = [out]
    if return_inverse:
        inv = np.cumsum(change) - 1
        results.append(Tensor._wrap((inv.reshape(x.shape) if dim is None else inv).astype(np.int64)))
    if return_counts:
        results.append(Tensor._wrap(np.diff(np.append(starts, n)).astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


# ---- 5. logical and bitwise -----------------------------------------------------------------------------
def logical_and(input: Any, other: Any) -> Tensor:
    return Tensor._wrap(np.asarray(np.logical_and(_arr(input), _arr(other))))


def logical_or(input: Any, other: Any) -> Tensor:
    return Tensor._wrap(np.asarray(np.logical_or(_arr(input), _arr(other))))


def logical_xor(input: Any, other: Any) -> Tensor:
    return Tensor._wrap(np.asarray(np.logical_xor(_arr(input), _arr(other))))


def _bitwise(name: str, ufunc: Any, *operands: Any) -> Tensor:
    arrays = [np.asarray(_arr(o)) if isinstance(o, Tensor) or not isinstance(o, (int, bool)) else o
              for o in operands]
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind not in "biu":
            raise TypeError(f"{name}: only integer and bool tensors are supported, got {a.dtype}")
        if isinstance(a, float):
            raise TypeError(f"{name}: only integer and bool operands are supported, got a float")
    return Tensor._wrap(np.asarray(ufunc(*arrays)))


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_not(input: Any) -> Tensor:
    return _bitwise("bitwise_not", np.invert, input)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_left_shift", np.left_shift, input, other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_right_shift", np.right_shift, input, other)


def _xor(self: Tensor, other: Any) -> Tensor:
    return bitwise_xor(self, other)


def _rxor(self: Tensor, other: Any) -> Tensor:
    return bitwise_xor(other, self)


def _rand(self: Tensor, other: Any) -> Tensor:
    return bitwise_and(other, self)


def _ror(self: Tensor, other: Any) -> Tensor:
    return bitwise_or(other, self)


def _lshift(self: Tensor, other: Any) -> Tensor:
    return bitwise_left_shift(self, other)


def _rshift(self: Tensor, other: Any) -> Tensor:
    return bitwise_right_shift(self, other)


# ---- 6. creation and random ------------------------------------------------------------------------------
def _float_dtype(dtype: Any) -> np.dtype:
    return np.dtype(get_default_dtype()) if dtype is None else np.dtype(to_dtype(dtype))


def _leaf(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    return Tensor(array, requires_grad=requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples: ``normal(mean, std)`` with tensor mean and/or std (broadcast; the result is
    ``mean + std * eps``, differentiable in both), or ``normal(mean, std, size)`` with numbers."""
    rng = get_generator(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if size is not None:
            raise RuntimeError("normal: size is only for number mean and std; the tensors give the shape")
        m, s = _t(mean), _t(std)
        if np.any(s.data < 0):
            raise RuntimeError("normal: std must be >= 0")
        shape = np.broadcast_shapes(m.shape, s.shape)
        dt = m.dtype if m.dtype.kind == "f" else s.dtype if s.dtype.kind == "f" else _float_dtype(None)
        eps = rng.standard_normal(shape).astype(dt)
        return m + s * eps
    if size is None:
        raise TypeError("normal(mean, std, size): with number mean and std, give a size")
    if std < 0:
        raise RuntimeError(f"normal: std must be >= 0, got {std}")
    values = rng.normal(float(mean), float(std), _sizes((size,)))
    return _leaf(values.astype(_float_dtype(dtype)), requires_grad)


def bernoulli(input: Any, p: float | None = None, *, generator: Any = None) -> Tensor:
    """0/1 draws with probability ``input`` (or the number ``p`` everywhere), in input's dtype."""
    x = _t(input)
    prob = x.data if p is None else np.full(x.shape, float(p))
    if np.any((prob < 0) | (prob > 1)):
        raise RuntimeError("bernoulli: the probabilities must be in [0, 1]")
    draws = get_generator(generator).random(x.shape) < prob
    return Tensor._wrap(draws.astype(x.dtype if x.dtype.kind == "f" else _float_dtype(None)))


def poisson(input: Any, generator: Any = None) -> Tensor:
    """Poisson draws with rates ``input``, in input's dtype."""
    x = _t(input)
    if np.any(x.data < 0):
        raise RuntimeError("poisson: the rates must be non-negative")
    return Tensor._wrap(get_generator(generator).poisson(x.data).astype(x.dtype))


def randint_like(input: Any, low: int = 0, high: int | None = None, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) shaped like input, in input's dtype (``randint_like(x, high)`` or
    ``randint_like(x, low, high)``)."""
    x = _t(input)
    if high is None:
        low, high = 0, low
    dt = x.dtype if dtype is None else np.dtype(to_dtype(dtype))
    values = get_generator(None).integers(int(low), int(high), size=x.shape)
    return _leaf(values.astype(dt), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values base**linspace(start, end)."""
    return _leaf(np.logspace(start, end, int(steps), base=base).astype(_float_dtype(dtype)), requires_grad)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The (2, N) int64 coordinates of the lower triangle of a row x col matrix, row by row."""
    r, c = np.tril_indices(int(row), int(offset), int(col))
    return Tensor._wrap(np.stack([r, c]).astype(np.int64 if dtype is None else to_dtype(dtype)))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The (2, N) int64 coordinates of the upper triangle of a row x col matrix, row by row."""
    r, c = np.triu_indices(int(row), int(offset), int(col))
    return Tensor._wrap(np.stack([r, c]).astype(np.int64 if dtype is None else to_dtype(dtype)))


def block_diag(*tensors: Any) -> Tensor:
    """The block-diagonal matrix of the given (up to 2-D) tensors, zeros elsewhere; differentiable."""
    ts = []
    for t in tensors:
        t = _t(t)
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: expected tensors of at most 2 dimensions, got shape {tuple(t.shape)}")
        ts.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not ts:
        return Tensor._wrap(np.zeros((0, 0), dtype=get_default_dtype()))
    dt = np.result_type(*[t.dtype for t in ts])
    total = builtins.sum(t.shape[1] for t in ts)
    rows, left = [], 0
    for t in ts:
        r, c = t.shape
        parts = [Tensor._wrap(np.zeros((r, left), dtype=dt)), t.to(dt),
                 Tensor._wrap(np.zeros((r, total - left - c), dtype=dt))]
        rows.append(Tensor.concatenate(parts, 1))
        left += c
    return Tensor.concatenate(rows, 0)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (N, len(tensors)); one tensor is
    returned as it is."""
    ts = [_t(t) for t in tensors]
    if len(ts) == 1:
        return ts[0]
    shape = tuple(t.shape[0] for t in ts)
    grids = [t.reshape((1,) * i + (-1,) + (1,) * (len(ts) - i - 1)).expand(shape).reshape(-1)
             for i, t in enumerate(ts)]
    return Tensor.stack(grids, 1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of a 1-D tensor's elements (itertools' order), as rows (N, r)."""
    x = _t(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: expected a 1-D tensor, got shape {tuple(x.shape)}")
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(make(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if r == 0 or idx.size == 0:
        return Tensor._wrap(np.zeros((0,) if r == 0 else (0, r), dtype=x.dtype))
    return x.index_select(0, idx.reshape(-1)).reshape(idx.shape)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1) ... x^0 (x^0 first if ``increasing``);
    differentiable (built by cumprod, so zeros in x are fine). Integers give int64."""
    t = _t(x)
    if t.ndim != 1:
        raise RuntimeError(f"vander: x must be 1-D, got shape {tuple(t.shape)}")
    n = t.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {N}")
    if t.dtype.kind in "biu":
        t = t.to(np.int64)
    ones = Tensor._wrap(np.ones((t.shape[0], 1), dtype=t.dtype))
    if n == 0:
        return Tensor._wrap(np.zeros((t.shape[0], 0), dtype=t.dtype))
    cols = ones if n == 1 else Tensor.concatenate(
        [ones, t.reshape(-1, 1).expand((t.shape[0], n - 1)).cumprod(1)], 1)
    return cols if increasing else cols.flip(1)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dimensions dim1, dim2 of the result) with input's last dimension on the ``offset``
    diagonal, zeros elsewhere; differentiable."""
    x = _t(input)
    n = x.shape[-1] if x.ndim else 1
    if x.ndim == 0:
        x = x.reshape(1)
    lead = tuple(x.shape[:-1])
    # v padded with n zeros per row and read n x n: row i holds v[i] at column i
    z = Tensor._wrap(np.zeros(lead + (n, n), dtype=x.dtype))
    square = Tensor.concatenate([x.unsqueeze(-1), z], -1).reshape(lead + (n * (n + 1),))
    square = square[..., : n * n].reshape(lead + (n, n))
    if offset:
        k = abs(offset)
        pad = (k, 0, 0, k) if offset > 0 else (0, k, k, 0)  # (left, right, top, bottom) of the last two dims
        square = _pad2(square, pad)
    nd = len(lead) + 2
    d1, d2 = _check_dim(dim1, nd), _check_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 cannot be the same dimension ({dim1})")
    return square.movedim((nd - 2, nd - 1), (d1, d2))


def _pad2(square: Tensor, pad: tuple[int, int, int, int]) -> Tensor:
    """Zero-pad the last two dimensions by (left, right, top, bottom) with concatenation (differentiable)."""
    left, right, top, bottom = pad
    lead, r = tuple(square.shape[:-2]), square.shape[-2]
    dt = square.dtype
    wide = Tensor.concatenate([Tensor._wrap(np.zeros(lead + (r, left), dt)), square,
                               Tensor._wrap(np.zeros(lead + (r, right), dt))], -1)
    w = wide.shape[-1]
    rows = [Tensor._wrap(np.zeros(lead + (top, w), dt)), wide, Tensor._wrap(np.zeros(lead + (bottom, w), dt))]
    return Tensor.concatenate(rows, -2)


def diagflat(input: Any, offset: int = 0) -> Tensor:
    """The 2-D matrix with the flattened input on the ``offset`` diagonal."""
    return diag_embed(_t(input).reshape(-1), offset)


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` entries along ``dimension``, ``step`` apart: that dimension becomes the
    number of windows ``(n - size) // step + 1`` and a new last dimension holds each window (differentiable)."""
    d = _check_dim(dimension, self.ndim)
    n = self.shape[d] if self.ndim else 1
    if size < 0 or size > n:
        raise RuntimeError(f"unfold: size {size} is larger than dimension {dimension} of size {n}")
    if step <= 0:
        raise RuntimeError(f"unfold: step must be positive, got {step}")
    x = self if self.ndim else self.reshape(1)
    count = (n - size) // step + 1
    idx = (np.arange(count)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    picked = x.index_select(d, idx)  # dimension d now holds count * size entries
    shape = tuple(x.shape[:d]) + (count, size) + tuple(x.shape[d + 1:])
    out = picked.reshape(shape).movedim(d + 1, -1)
    return out if self.ndim else out.reshape(count, size)


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:
    """input with the entries where ``mask`` (broadcast) is true replaced by source's first entries, in
    row-major order; differentiable in both."""
    x, src = _t(input), _t(source)
    m = np.asarray(_arr(mask))
    if m.dtype != np.bool_:
        raise TypeError(f"masked_scatter: the mask must be a bool tensor, got dtype {m.dtype}")
    shape = np.broadcast_shapes(x.shape, m.shape)
    m = np.broadcast_to(m, shape)
    count = int(m.sum())
    if count > src.numel():
        raise RuntimeError(f"masked_scatter: the mask has {count} true entries but source only {src.numel()}")
    take = np.maximum(np.cumsum(m.reshape(-1)) - 1, 0).reshape(shape)  # the source entry for each position
    picked = src.reshape(-1).index_select(0, take.reshape(-1)).reshape(shape) if count else x
    base = x if tuple(x.shape) == shape else x.expand(shape)
    return ops.Where.apply(m, picked.to(x.dtype), base)


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:
    """input with its slices at ``index`` along ``dim`` replaced by source's (1-D index; differentiable)."""
    x = _t(input)
    return x.index_fill(dim, index, 0).index_add(dim, index, _t(source).to(x.dtype))


def index_put(input: Any, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    """``out = input.clone(); out[indices] = values`` (``+=`` with repeated positions summed when
    ``accumulate``); indices is a tuple of index tensors, one per leading dimension."""
    x = _t(input)
    index = tuple(np.asarray(_arr(i)) for i in indices)
    for i in index:
        if i.dtype.kind not in "biu":
            raise TypeError(f"index_put: indices must be integer or bool tensors, got {i.dtype}")
    v = values if isinstance(values, Tensor) else Tensor(np.asarray(values, dtype=x.dtype))
    if v.dtype != x.dtype:
        v = v.to(x.dtype)
    if accumulate:
        return se.IndexAccumulate.apply(x, v, index=index)
    return ops.IndexPut.apply(x, v, index=index)


def put(input: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """input with the entries at the flat (row-major) ``index`` replaced by source's (summed with
    ``accumulate``)."""
    x = _t(input)
    idx = np.asarray(_arr(index)).reshape(-1)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"put: index must be an integer tensor, got {idx.dtype}")
    flat = index_put(x.reshape(-1), (idx,), _t(source).reshape(-1), accumulate)
    return flat.reshape(x.shape)


# in-place forms (through Tensor._write_inplace: recorded when the graph needs it, as x[i] = v is)
def _index_put_(self: Tensor, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    return self._write_inplace("index_put_", lambda t: index_put(t, indices, values, accumulate), values)


def _index_copy_(self: Tensor, dim: int, index: Any, source: Any) -> Tensor:
    return self._write_inplace("index_copy_", lambda t: index_copy(t, dim, index, source), source)


def _masked_scatter_(self: Tensor, mask: Any, source: Any) -> Tensor:
    return self._write_inplace("masked_scatter_", lambda t: masked_scatter(t, mask, source), source)


def _put_(self: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    return self._write_inplace("put_", lambda t: put(t, index, source, accumulate), source)


def _bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill self with 0/1 draws of probability ``p`` (a number or a tensor broadcast to self)."""
    self._check_inplace("bernoulli_")
    prob = np.broadcast_to(np.asarray(_arr(p), dtype=np.float64), self.shape)
    self.data[...] = get_generator(generator).random(self.shape) < prob
    bump_version(self)
    return self


# ---- the names this module adds to torch, and the Tensor methods bound from them -------------------------
_FLOAT_UNARY = ("tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh", "acosh",
                "atanh", "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2", "sinc", "deg2rad", "rad2deg",
                "erf", "erfc", "erfinv", "lgamma", "digamma")

METHODS = {  # method name -> function (self first)
    **{n: globals()[n] for n in _FLOAT_UNARY},
    **{n: globals()[n] for n in (
        "atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "copysign", "xlogy", "logit", "float_power",
        "heaviside", "signbit", "nextafter", "absolute", "positive", "ravel", "is_complex", "is_signed",
        "is_same_size", "mv", "addmm", "addmv", "addr", "addbmm", "baddbmm", "vdot", "kron", "trace", "cross",
        "cummax", "cummin", "kthvalue", "mode", "nanmean", "quantile", "nanquantile", "aminmax", "histc", "dist",
        "renorm", "unique_consecutive", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
        "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "bernoulli", "diag_embed",
        "diagflat", "unfold", "masked_scatter", "index_copy", "index_put", "put")},
    "polygamma": _polygamma_method, "nelement": _nelement, "index_put_": _index_put_, "index_copy_": _index_copy_,
    "masked_scatter_": _masked_scatter_, "put_": _put_, "bernoulli_": _bernoulli_,
    "__xor__": _xor, "__rxor__": _rxor, "__rand__": _rand, "__ror__": _ror, "__lshift__": _lshift,
    "__rshift__": _rshift,
}
# PyTorch's other spellings of existing methods
METHOD_ALIASES = {"divide": "div", "multiply": "mul", "subtract": "sub", "true_divide": "div", "greater": "gt",
                  "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne"}

__all__ = [
    *_FLOAT_UNARY, "atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "copysign", "xlogy", "logit",
    "float_power", "heaviside", "signbit", "nextafter", "polygamma",
    "absolute", "positive", "ravel", "is_floating_point", "is_complex", "is_signed", "is_same_size",
    "greater", "greater_equal", "less", "less_equal", "not_equal",
    "mv", "addmm", "addmv", "addr", "addbmm", "baddbmm", "vdot", "tensordot", "kron", "trace", "cross",
    "chain_matmul", "linalg",
    "cummax", "cummin", "kthvalue", "mode", "nanmean", "quantile", "nanquantile", "aminmax", "searchsorted",
    "bucketize", "histc", "dist", "renorm", "unique_consecutive",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift",
    "normal", "bernoulli", "poisson", "randint_like", "logspace", "tril_indices", "triu_indices", "block_diag",
    "cartesian_prod", "combinations", "vander", "diag_embed", "diagflat", "masked_scatter", "index_copy",
    "index_put", "put",
]


def greater(input: Any, other: Any) -> Tensor:
    return _t(input).gt(other)


def greater_equal(input: Any, other: Any) -> Tensor:
    return _t(input).ge(other)


def less(input: Any, other: Any) -> Tensor:
    return _t(input).lt(other)


def less_equal(input: Any, other: Any) -> Tensor:
    return _t(input).le(other)


def not_equal(input: Any, other: Any) -> Tensor:
    return _t(input).ne(other)


def bind_methods(cls: type) -> None:
    """Bind ``METHODS``, the aliases and the ``itemsize``/``nbytes`` properties onto ``cls`` (Tensor); names
    the class already has are left alone."""
    for name, fn in METHODS.items():
        if name not in cls.__dict__:
            setattr(cls, name, fn)
    for alias, target in METHOD_ALIASES.items():
        if alias not in cls.__dict__:
            setattr(cls, alias, getattr(cls, target))
    if "itemsize" not in cls.__dict__:
        cls.itemsize = property(lambda self: int(self.data.itemsize), doc="Bytes per element.")
    if "nbytes" not in cls.__dict__:
        cls.nbytes = property(lambda self: int(self.data.nbytes), doc="Bytes of all the elements.")
