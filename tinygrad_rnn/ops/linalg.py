"""``torch.linalg``'s differentiable ops on numpy.linalg: the forward and the closed-form backward side by side.

All ops work on the last two dimensions and batch over the leading ones (numpy.linalg's stacking). Inputs are
real float arrays (the callers in functions_more/linalg.py check dtypes and shapes and word the errors).

A decomposition with several outputs (qr, eigh, svd) is computed once by the caller and each output is its own
op: the backward formulas are linear in the upstream gradients, so the sum of one op per output is the gradient
of the decomposition. The outputs' gradients are PyTorch's: for eigh they need distinct eigenvalues, for svd
distinct (and, with the singular vectors, non-zero) singular values, for qr a full-rank input; where they are
not, the formulas divide by zero and give inf/NaN, as PyTorch's do.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def _mT(x: np.ndarray) -> np.ndarray:
    """The transpose of the last two dimensions (a batch of matrices)."""
    return np.swapaxes(x, -1, -2)


def _eye_like(n: int, dtype) -> np.ndarray:
    return np.eye(n, dtype=dtype)


def _off_diagonal_reciprocal(e: np.ndarray) -> np.ndarray:
    """1 / e with the diagonal set to 0 (e[..., i, i] is 0: each of the eigen/singular formulas' E matrices)."""
    n = e.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1 / e
    r[..., np.arange(n), np.arange(n)] = 0
    return r


class Inv(Function):
    """Y = A^-1; gA = -Y^T g Y^T."""

    @staticmethod
    def forward(ctx: Context, a):
        y = np.linalg.inv(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_arrays
        yt = _mT(y)
        return -(yt @ grad @ yt)


def _cofactor(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix det(A) A^-T, from the SVD so that singular A (det 0) has its cofactors too:
    A = U S Vh gives adj(A)^T = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.ones_like(s)
    for i in range(n):  # the product of the other singular values, without dividing by a zero one
        others[..., i] = np.prod(np.delete(s, i, axis=-1), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


class Det(Function):
    """d = det(A); gA = g * cofactor(A) (= g d A^-T where A is invertible)."""

    @staticmethod
    def forward(ctx: Context, a):
        ctx.save_for_backward(a)
        return np.asarray(np.linalg.det(a))

    @staticmethod
    def backward(ctx: Context, grad):
        (a,) = ctx.saved_arrays
        return np.asarray(grad)[..., None, None] * _cofactor(a)


class LogAbsDet(Function):
    """log |det A| (slogdet's second output); gA = g A^-T (inf where A is singular, as PyTorch's)."""

    @staticmethod
    def forward(ctx: Context, a):
        ctx.save_for_backward(a)
        return np.asarray(np.linalg.slogdet(a)[1])

    @staticmethod
    def backward(ctx: Context, grad):
        (a,) = ctx.saved_arrays
        return np.asarray(grad)[..., None, None] * _mT(np.linalg.inv(a))


class Solve(Function):
    """X = A^-1 B for matrices B (..., n, k) (batch dimensions broadcast); gB = A^-T g, gA = -gB X^T."""

    @staticmethod
    def forward(ctx: Context, a, b):
        x = np.linalg.solve(a, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx: Context, grad):
        a, x = ctx.saved_arrays
        gb = np.linalg.solve(_mT(a), grad)
        need_a, need_b = ctx.needs_input_grad
        return (-(gb @ _mT(x)) if need_a else None), (gb if need_b else None)


def _phi(x: np.ndarray) -> np.ndarray:
    """The lower triangle of x with its diagonal halved (Murray 2016's Phi)."""
    out = np.tril(x)
    n = x.shape[-1]
    out[..., np.arange(n), np.arange(n)] *= 0.5
    return out


def _solve_lower_left_right(l: np.ndarray, m: np.ndarray) -> np.ndarray:
    """L^-T M L^-1 for lower-triangular L."""
    left = np.linalg.solve(_mT(l), m)
    return _mT(np.linalg.solve(_mT(l), _mT(left)))


class Cholesky(Function):
    """L with A = L L^T (lower); gA = sym(L^-T Phi(L^T gL) L^-1) (Murray 2016, symmetrised as PyTorch's)."""

    @staticmethod
    def forward(ctx: Context, a):
        l_ = np.linalg.cholesky(a)
        ctx.save_for_backward(l_)
        return l_

    @staticmethod
    def backward(ctx: Context, grad):
        (l_,) = ctx.saved_arrays
        g = _solve_lower_left_right(l_, _phi(_mT(l_) @ grad))
        return 0.5 * (g + _mT(g))


def _copyltu(m: np.ndarray) -> np.ndarray:
    """The symmetric matrix whose lower triangle is m's."""
    return np.tril(m) + _mT(np.tril(m, -1))


def _qr_tall_grad(q: np.ndarray, r: np.ndarray, gq: np.ndarray, gr: np.ndarray) -> np.ndarray:
    """gA of the reduced A = QR with m >= n: (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q."""
    m = r @ _mT(gr) - _mT(gq) @ q
    b = gq + q @ _copyltu(m)
    return _mT(np.linalg.solve(r, _mT(b)))  # b R^-T


def _qr_grad(q: np.ndarray, r: np.ndarray, gq: np.ndarray, gr: np.ndarray) -> np.ndarray:
    """gA of A = QR (Q m x k, R k x n, k = min(m, n)); a wide A = [X | Y] with R = [U | V] is the tall case on
    X with Q's gradient plus Y's share (Y = Q V), and gY = Q gV."""
    m_, n = q.shape[-2], r.shape[-1]
    if m_ >= n:
        return _qr_tall_grad(q, r, gq, gr)
    k = m_
    y = q @ r[..., :, k:]  # A's columns past the k-th: Y = Q V
    gv = gr[..., :, k:]
    gx = _qr_tall_grad(q, r[..., :, :k], gq + y @ _mT(gv), gr[..., :, :k])  # V = Q^T Y reaches Q too
    return np.concatenate([gx, q @ gv], axis=-1)


class QrQ(Function):
    """Q of A = QR (computed by the caller, passed as q and r); the gradient through Q only. ``error``: the
    message backward raises where the decomposition has no derivative (PyTorch raises at backward too)."""

    @staticmethod
    def forward(ctx: Context, a, q=None, r=None, error=None):
        ctx.qr, ctx.error = (q, r), error
        return q

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.error:
            raise RuntimeError(ctx.error)
        q, r = ctx.qr
        return _qr_grad(q, r, grad, np.zeros_like(r))


class QrR(Function):
    """R of A = QR (computed by the caller); the gradient through R only; ``error`` as QrQ's."""

    @staticmethod
    def forward(ctx: Context, a, q=None, r=None, error=None):
        ctx.qr, ctx.error = (q, r), error
        return r

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.error:
            raise RuntimeError(ctx.error)
        q, r = ctx.qr
        return _qr_grad(q, r, np.zeros_like(q), grad)


class EighValues(Function):
    """The eigenvalues L of symmetric A = V diag(L) V^T (computed by the caller); gA = V diag(gL) V^T."""

    @staticmethod
    def forward(ctx: Context, a, values=None, vectors=None):
        ctx.vectors = vectors
        return values

    @staticmethod
    def backward(ctx: Context, grad):
        v = ctx.vectors
        return (v * grad[..., None, :]) @ _mT(v)


class EighVectors(Function):
    """The eigenvectors V of symmetric A (computed by the caller); gA = V ((V^T gV) / E) V^T with
    E_ij = L_j - L_i off the diagonal, symmetrised (undefined for repeated eigenvalues, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Context, a, values=None, vectors=None):
        ctx.eig = (values, vectors)
        return vectors

    @staticmethod
    def backward(ctx: Context, grad):
        values, v = ctx.eig
        e = values[..., None, :] - values[..., :, None]
        vtg = _mT(v) @ grad
        # the symmetric part of V (F o V^T gV) V^T (F antisymmetric), as PyTorch's: A is taken as symmetric
        return v @ (0.5 * (vtg - _mT(vtg)) * _off_diagonal_reciprocal(e)) @ _mT(v)


class SvdValues(Function):
    """The singular values S of A = U diag(S) Vh (computed by the caller, reduced); gA = U diag(gS) Vh."""

    @staticmethod
    def forward(ctx: Context, a, u=None, s=None, vh=None):
        ctx.svd = (u, vh)
        return s

    @staticmethod
    def backward(ctx: Context, grad):
        u, vh = ctx.svd
        k = grad.shape[-1]  # full U and Vh (full_matrices=True): their first k columns / rows
        return (u[..., :, :k] * grad[..., None, :]) @ vh[..., :k, :]


def _svd_vectors_grad(u, s, vh, gu, gvh) -> np.ndarray:
    """gA of the reduced SVD through U and Vh (PyTorch's svd_backward for real input):
    U [skew(U^T gU) / E S + S skew(V^T gV) / E] Vh + (I - U U^T) gU S^-1 Vh + U S^-1 gV^T (I - V V^T),
    E_jk = s_k^2 - s_j^2, skew(X) = X - X^T; undefined for repeated (and, for the projections, zero) values.
    Full U or Vh (full_matrices=True) count by their first k = len(S) columns or rows, as in PyTorch."""
    k = s.shape[-1]
    u, vh = u[..., :, :k], vh[..., :k, :]
    gu = None if gu is None else gu[..., :, :k]
    gvh = None if gvh is None else gvh[..., :k, :]
    v = _mT(vh)
    m, n = u.shape[-2], v.shape[-2]
    s2 = s * s
    inv_e = _off_diagonal_reciprocal(s2[..., None, :] - s2[..., :, None])
    inner = np.zeros(s.shape + s.shape[-1:], dtype=s.dtype)
    if gu is not None:
        utgu = _mT(u) @ gu
        inner = inner + ((utgu - _mT(utgu)) * inv_e) * s[..., None, :]
    if gvh is not None:
        gv = _mT(gvh)
        vtgv = _mT(v) @ gv
        inner = inner + s[..., :, None] * ((vtgv - _mT(vtgv)) * inv_e)
    ga = u @ inner @ vh
    with np.errstate(divide="ignore", invalid="ignore"):
        if gu is not None and m > s.shape[-1]:
            ga = ga + ((gu - u @ (_mT(u) @ gu)) / s[..., None, :]) @ vh
        if gvh is not None and n > s.shape[-1]:
            gv = _mT(gvh)
            ga = ga + u @ _mT((gv - v @ (_mT(v) @ gv)) / s[..., None, :])
    return ga


class SvdU(Function):
    """U of the reduced A = U diag(S) Vh (computed by the caller); the gradient through U only."""

    @staticmethod
    def forward(ctx: Context, a, u=None, s=None, vh=None):
        ctx.svd = (u, s, vh)
        return u

    @staticmethod
    def backward(ctx: Context, grad):
        u, s, vh = ctx.svd
        return _svd_vectors_grad(u, s, vh, grad, None)


class SvdVh(Function):
    """Vh of the reduced A = U diag(S) Vh (computed by the caller); the gradient through Vh only."""

    @staticmethod
    def forward(ctx: Context, a, u=None, s=None, vh=None):
        ctx.svd = (u, s, vh)
        return vh

    @staticmethod
    def backward(ctx: Context, grad):
        u, s, vh = ctx.svd
        return _svd_vectors_grad(u, s, vh, None, grad)


class Pinv(Function):
    """P = A^+ (singular values at or below ``cutoff`` (per matrix) dropped); for constant rank (Golub & Pereyra)
    gA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)."""

    @staticmethod
    def forward(ctx: Context, a, cutoff=None):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        keep = s > cutoff[..., None]
        with np.errstate(divide="ignore"):
            s_inv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(s.dtype)
        p = (_mT(vh) * s_inv[..., None, :]) @ _mT(u)
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx: Context, grad):
        a, p = ctx.saved_arrays
        pt, gt = _mT(p), _mT(grad)
        m, n = a.shape[-2], a.shape[-1]
        left = _eye_like(m, a.dtype) - a @ p
        right = _eye_like(n, a.dtype) - p @ a
        return -(pt @ grad @ pt) + left @ gt @ p @ pt + pt @ p @ gt @ right
