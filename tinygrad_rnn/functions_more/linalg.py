"""``torch.linalg``: this module is the namespace (the attribute ``tinygrad_rnn.linalg``), with PyTorch's names,
signatures, defaults, named-tuple results and errors. Real float tensors; every function batches over leading
dimensions.

The differentiable ops are in ops/linalg.py (numpy.linalg underneath); norms and matrix powers are
compositions of them and of Tensor methods. An unknown name raises AttributeError naming what is provided.
"""
from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from ..dtypes import legacy_type_name
from ..ops import linalg as la
from ..tensor import Tensor, _check_dim, return_types
from ._common import _t
from .products import _linalg_cross as cross, _vecdot as vecdot, _vector_norm as vector_norm, _zero_grad, multi_dot

__all__ = [
    "cross", "multi_dot", "vecdot", "vector_norm", "matmul", "norm", "matrix_norm", "inv", "det", "slogdet",
    "solve", "matrix_power", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "lstsq",
    "LinAlgError",
]

# PyTorch's named tuples of the decompositions, beside torch.return_types' others
return_types.linalg_slogdet = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
return_types.slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
return_types.linalg_qr = namedtuple("linalg_qr", ["Q", "R"])
return_types.linalg_eigh = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
return_types.linalg_svd = namedtuple("linalg_svd", ["U", "S", "Vh"])
return_types.linalg_lstsq = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: the input has no such decomposition or inverse (singular, not
    positive-definite)."""


def __getattr__(name: str) -> Any:
    # a torch.linalg function this namespace lacks: say so, and what there is, instead of a bare AttributeError
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"torch.linalg.{name} is not provided by tinygrad_rnn; its linalg has: "
                         f"{', '.join(__all__)}")


# ---- checks, worded as PyTorch's -------------------------------------------------------------------------------

def _dtype_name(t: Tensor) -> str:
    return legacy_type_name(t.dtype).removeprefix("torch.").removesuffix("Tensor")


def _float_input(name: str, t: Tensor) -> None:
    if t.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_dtype_name(t)}")
    if t.dtype.itemsize < 4:
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {_dtype_name(t)}")


def _matrices(name: str, A: Any, square: bool = True, floating: bool = True) -> Tensor:
    """A as a Tensor, checked: float, at least 2-D, and (with square) batches of square matrices."""
    t = _t(A)
    if floating:
        _float_input(name, t)
    if t.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and t.shape[-1] != t.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {t.shape[-2]} by "
                           f"{t.shape[-1]} matrices")
    return t


def _batch_prefix(a: np.ndarray, failed: np.ndarray) -> str:
    """'(Batch element i): ' for the first failing matrix of a batch (nothing for one matrix), as PyTorch."""
    if a.ndim == 2:
        return ""
    return f"(Batch element {int(np.flatnonzero(failed.reshape(-1))[0])}): "


def _singular(a: np.ndarray) -> np.ndarray:
    """Which matrices of the batch are exactly singular (an LU pivot of 0: numpy's det is then 0)."""
    return np.linalg.det(a) == 0


def _check_invertible(name: str, a: np.ndarray) -> None:
    bad = _singular(a)
    if np.any(bad):
        raise LinAlgError(f"{name}: {_batch_prefix(a, bad)}The input matrix is singular, the inversion could not "
                          "be completed.")


# ---- products and norms ------------------------------------------------------------------------------------

def matmul(input: Any, other: Any) -> Tensor:
    """``torch.linalg.matmul``: ``torch.matmul``."""
    return _t(input).matmul(other)


def _svdvals_last(t: Tensor) -> Tensor:
    """The singular values of the matrices in t's last two dimensions (..., k)."""
    u, s, vh = np.linalg.svd(t.data, full_matrices=False)
    return la.SvdValues.apply(t, u=u, s=s, vh=vh)


def matrix_norm(A: Any, ord: Any = "fro", dim: Sequence[int] = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The matrix norm over the two dimensions ``dim`` of A (..., m, n): 'fro', 'nuc' (sum of singular values),
    inf / -inf (max / min row sum of |A|), 1 / -1 (max / min column sum), 2 / -2 (largest / smallest singular
    value). The other dimensions are a batch; keepdim keeps the two as size 1."""
    t = _t(A) if dtype is None else _t(A).to(dtype)
    _float_input("linalg.matrix_norm", t)
    if t.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        got = dim if isinstance(dim, (int, np.integer)) else " ".join(map(str, dim))
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    d0, d1 = (_check_dim(d, t.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(t, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(t.ndim) if i not in (d0, d1)]
        s = _svdvals_last(t.permute(*rest, d0, d1))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord in (1, -1, math.inf, -math.inf):
        summed, across = (d0, d1) if abs(ord) == 1 else (d1, d0)  # 1: column sums (over rows); inf: row sums
        sums = t.abs().sum(summed, keepdim=True)
        out = sums.amax(across, keepdim=True) if ord > 0 else sums.amin(across, keepdim=True)
        return out if keepdim else out.squeeze(builtins.max(d0, d1)).squeeze(builtins.min(d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm when ``dim`` is one dimension (or, with ord None and dim None, of all
    the elements), a matrix norm when ``dim`` is two (or, with dim None, A is 2-D and ord is given); a string
    ord is always a matrix norm. ord None is 2 for vectors and 'fro' for matrices."""
    t = _t(A)
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1 and not isinstance(ord, str):
            return vector_norm(t, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2 or isinstance(ord, str):
            return matrix_norm(t, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(t, 2, None, keepdim, dtype=dtype)
    if t.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {t.ndim}D.")
    if t.ndim == 1 and not isinstance(ord, str):
        return vector_norm(t, ord, None, keepdim, dtype=dtype)
    return matrix_norm(t, ord, (-2, -1), keepdim, dtype=dtype)


# ---- inverses, determinants, solves ------------------------------------------------------------------------

def inv(A: Any) -> Tensor:
    """The inverse of each square matrix of A (..., n, n); LinAlgError if one is singular.
    Gradient: -A^-T g A^-T."""
    t = _matrices("linalg.inv", A)
    _check_invertible("linalg.inv", t.data)
    return la.Inv.apply(t)


def det(A: Any) -> Tensor:
    """The determinant of each square matrix of A (..., n, n) -> (...). Gradient: g * cofactor(A) (g det A^-T
    where A is invertible; singular A has one too, from the SVD)."""
    return la.Det.apply(_matrices("linalg.det", A))


def slogdet(A: Any) -> Any:
    """The named tuple (sign, logabsdet) of det(A), batched: sign 0 and logabsdet -inf for a singular matrix.
    Gradient: through logabsdet, g A^-T (sign has none)."""
    t = _matrices("linalg.slogdet", A)
    sign = Tensor._wrap(np.asarray(np.linalg.slogdet(t.data)[0]))
    return return_types.linalg_slogdet(sign, la.LogAbsDet.apply(t))


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """X with A X = B (left) or X A = B (left=False). A (..., n, n); B (..., n, k), or a batch of vectors
    (..., n) when B is 1-D or its shape is A's without the last dimension. Batch dimensions broadcast.
    Gradient: gB = A^-T g (the transposed system), gA = -gB X^T."""
    a, b = _matrices("linalg.solve", A), _t(B)
    _float_input("linalg.solve", b)
    if a.dtype != b.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_dtype_name(a)} and B of type {_dtype_name(b)} instead")
    if not left:  # X A = B is A^T X^T = B^T
        if b.ndim == 1:
            return solve(a.mT, b)
        return solve(a.mT, b.mT).mT
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    bm = b.unsqueeze(-1) if vector else b
    n = a.shape[-1]
    if bm.ndim < 2 or bm.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {'x'.join(map(str, bm.shape[-2:]))})")
    if np.any(_singular(a.data)):
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.")
    x = la.Solve.apply(a, bm)
    return x.squeeze(-1) if vector else x


def matrix_power(A: Any, n: int) -> Tensor:
    """A to the integer power n by repeated squaring (matmul); n = 0 is the identity, n < 0 inverts first.
    Integer matrices are allowed for n >= 0."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    t = _matrices("linalg.matrix_power", A, floating=False)
    if n == 0:  # the identity, in the graph with a zero gradient as PyTorch's
        eye = np.broadcast_to(np.eye(t.shape[-1], dtype=t.dtype), t.shape)
        return _zero_grad(t) + Tensor._wrap(np.array(eye))
    base = inv(t) if n < 0 else t
    out, n = None, abs(int(n))
    while n:
        if n & 1:
            out = base if out is None else out.matmul(base)
        n >>= 1
        if n:
            base = base.matmul(base)
    return out


# ---- decompositions ----------------------------------------------------------------------------------------

def _not_positive_definite_order(a: np.ndarray) -> int:
    """The order of a's first leading minor that is not positive-definite."""
    for k in range(1, a.shape[-1] + 1):
        try:
            np.linalg.cholesky(a[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return a.shape[-1]


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """L (lower) with A = L L^T for each symmetric positive-definite matrix of A, read from its lower triangle;
    upper=True gives U = L^T with A = U^T U, read from the upper. LinAlgError if one is not positive-definite.
    Gradient: Murray 2016's L^-T Phi(L^T gL) L^-1, symmetrised (as PyTorch's)."""
    t = _matrices("linalg.cholesky", A)
    src = t.mT if upper else t
    a = src.data
    flat = a.reshape(-1, *a.shape[-2:])
    for i, m in enumerate(flat):
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            prefix = f"(Batch element {i}): " if a.ndim > 2 else ""
            raise LinAlgError(f"linalg.cholesky: {prefix}The factorization could not be completed because the input "
                              f"is not positive-definite (the leading minor of order "
                              f"{_not_positive_definite_order(m)} is not positive-definite).") from None
    out = la.Cholesky.apply(src)
    return out.mT if upper else out


_QR_MODES = ("reduced", "complete", "r")


def qr(A: Any, mode: str = "reduced") -> Any:
    """The named tuple (Q, R) with A = QR, Q orthonormal columns, R upper triangular; A (..., m, n), k = min(m, n).
    mode 'reduced': Q (..., m, k), R (..., k, n); 'complete': Q (..., m, m), R (..., m, n); 'r': R only (Q is an
    empty tensor). Gradient: for a full-rank A; none for mode 'r', nor for 'complete' with m > n (backward raises,
    as PyTorch's)."""
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    t = _matrices("linalg.qr", A, square=False)
    m, n = t.shape[-2], t.shape[-1]
    q, r = np.linalg.qr(t.data, mode="complete" if mode == "complete" else "reduced")
    error = None
    if mode == "r":
        error = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                 "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    elif mode == "complete" and m > n:
        error = "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
    R = la.QrR.apply(t, q=q, r=r, error=error)
    if mode == "r":
        return return_types.linalg_qr(Tensor._wrap(np.zeros(0, dtype=t.dtype)), R)
    return return_types.linalg_qr(la.QrQ.apply(t, q=q, r=r, error=error), R)


def _uplo(UPLO: str) -> str:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def eigh(A: Any, UPLO: str = "L") -> Any:
    """The named tuple (eigenvalues (..., n) ascending, eigenvectors (..., n, n) as columns) of each symmetric
    matrix of A, read from its lower (UPLO 'L') or upper ('U') triangle. Gradient: as PyTorch's, for A taken as
    symmetric; through the eigenvectors it is undefined (inf/NaN) for repeated eigenvalues, and, as the
    eigenvectors' signs are arbitrary, only meaningful for a loss that does not depend on them."""
    t = _matrices("linalg.eigh", A)
    values, vectors = np.linalg.eigh(t.data, UPLO=_uplo(UPLO))
    return return_types.linalg_eigh(la.EighValues.apply(t, values=values, vectors=vectors),
                                    la.EighVectors.apply(t, values=values, vectors=vectors))


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues (..., n), ascending, of each symmetric matrix of A (its UPLO triangle).
    Gradient: V diag(g) V^T (defined for repeated eigenvalues too)."""
    t = _matrices("linalg.eigvalsh", A)
    values, vectors = np.linalg.eigh(t.data, UPLO=_uplo(UPLO))
    return la.EighValues.apply(t, values=values, vectors=vectors)


def svd(A: Any, full_matrices: bool = True, *, driver: Any = None) -> Any:
    """The named tuple (U, S, Vh) with A = U diag(S) Vh; A (..., m, n), k = min(m, n), S (..., k) descending.
    full_matrices: U (..., m, m), Vh (..., n, n); else U (..., m, k), Vh (..., k, n). Gradient: PyTorch's; through
    U and Vh undefined for repeated singular values (and for zero ones when m != n), and only meaningful for a
    loss that does not depend on the singular vectors' signs; the extra columns of full U / rows of full Vh get
    none. ``driver`` (CUDA only in PyTorch) is accepted and ignored."""
    t = _matrices("linalg.svd", A, square=False)
    u, s, vh = np.linalg.svd(t.data, full_matrices=full_matrices)
    return return_types.linalg_svd(la.SvdU.apply(t, u=u, s=s, vh=vh), la.SvdValues.apply(t, u=u, s=s, vh=vh),
                                   la.SvdVh.apply(t, u=u, s=s, vh=vh))


def svdvals(A: Any, *, driver: Any = None) -> Tensor:
    """The singular values (..., k), descending. Gradient: U diag(g) Vh (defined for repeated values too)."""
    return _svdvals_last(_matrices("linalg.svdvals", A, square=False))


def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse (..., n, m) of A (..., m, n): singular values at or below
    max(atol, rtol * largest) are taken as zero; with neither given rtol = eps * max(m, n), with only atol
    (> 0) rtol = 0 (PyTorch's defaults). hermitian is accepted (the result is the same for symmetric A).
    Gradient: Golub & Pereyra's, for a rank that a small change keeps."""
    t = _matrices("linalg.pinv", A, square=False)
    m, n = t.shape[-2], t.shape[-1]
    atol_ = np.asarray(_arr_of(0.0 if atol is None else atol))
    if rtol is None:
        rtol = 0.0 if atol is not None and np.all(atol_ > 0) else np.finfo(t.dtype).eps * builtins.max(m, n)
    s = np.linalg.svd(t.data, compute_uv=False)
    smax = s[..., 0] if s.shape[-1] else np.zeros(t.shape[:-2], dtype=t.dtype)
    cutoff = np.maximum(atol_, np.asarray(_arr_of(rtol)) * smax).astype(t.dtype)
    return la.Pinv.apply(t, cutoff=np.broadcast_to(cutoff, t.shape[:-2]))


def _arr_of(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def lstsq(A: Any, B: Any, rcond: Any = None, *, driver: Any = None) -> Any:
    """The named tuple (solution, residuals, rank, singular_values) of min ||A X - B|| for A (..., m, n), B
    (..., m, k) (batch dimensions broadcast). As PyTorch's CPU default driver 'gelsy': the solution is
    pinv(A) @ B (differentiable through it), rank is A's numerical rank (below rcond * largest singular
    value, rcond default eps * max(m, n), counts as zero) and residuals (..., k), the squared residual norms, are
    given only for m > n with every A of full rank; otherwise, and singular_values always, empty (gelsy's)."""
    a, b = _matrices("linalg.lstsq", A, square=False), _t(B)
    _float_input("linalg.lstsq", b)
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_dtype_name(a)} and other's dtype {_dtype_name(b)}.")
    vector = b.ndim == a.ndim - 1
    bm = b.unsqueeze(-1) if vector else b
    m, n = a.shape[-2], a.shape[-1]
    if bm.shape[-2] != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    eps = np.finfo(a.dtype).eps * builtins.max(m, n) if rcond is None else rcond
    s = np.linalg.svd(a.data, compute_uv=False)
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    rank = (s > eps * smax).sum(-1).astype(np.int64)
    x = pinv(a, rtol=eps).matmul(bm)
    residuals = Tensor._wrap(np.zeros(0, dtype=a.dtype))
    if m > n and np.all(rank == n):
        residuals = ((a.matmul(x) - bm) ** 2).sum(-2)
    return return_types.linalg_lstsq(x.squeeze(-1) if vector else x, residuals, Tensor._wrap(rank),
                                     Tensor._wrap(np.zeros(0, dtype=a.dtype)))
