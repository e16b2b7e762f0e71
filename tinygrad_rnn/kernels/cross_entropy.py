"""Softmax cross-entropy on numpy arrays: the one implementation behind every cross-entropy of the library.

``cross_entropy_forward_`` turns a block of scores (N, C) into softmax probabilities IN PLACE and returns
the per-row losses; ``cross_entropy_backward`` turns those probabilities into the gradient of the scores,
``weight[n] * (softmax[n] - one_hot(target[n]))``, again in place. ``F.cross_entropy`` (from logits) and
``F.linear_cross_entropy`` (fused with the projection) use them, so the (N, C) block is the only N×C array
either keeps.

``F.linear_cross_entropy`` with many classes and few rows (a sentence against a vocabulary) keeps its
scores class-major instead, (C, N) = ``weight @ input.T``: that product is ~30% faster than
``input @ weight.T`` at (22, 100) x (100, 8000) with OpenBLAS (measured, interleaved, one thread), and the
softmax needs no per-row pass over the block: ``exp_columns_`` exponentiates without a shift and keeps
every column whose total stays moderate (checked on the N totals, not the block), and leaves the columns unnormalised, because the
backward folds ``1 / total`` into the (N, H) side of its two products (``use_class_major``).
"""
from __future__ import annotations

import numpy as np

from .scatter import ones_vector

__all__ = ["valid_targets", "cross_entropy_forward_", "cross_entropy_backward_", "target_offsets",
           "column_offsets", "use_class_major", "exp_columns_"]


def valid_targets(targets: np.ndarray, ignore_index: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``(safe (N,), valid (N,) bool or None)``: targets with ignored entries replaced by 0, and which are
    kept (None: all of them, so the hot path of a batch without padding skips every mask)."""
    valid = targets != ignore_index
    if valid.all():
        return targets, None
    return np.where(valid, targets, 0), valid


def cross_entropy_forward_(scores: np.ndarray, safe_targets: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Per-row losses ``logsumexp(scores[n]) - scores[n, t_n]`` (N,), 0 where not ``valid`` (None: all valid).

    ``scores`` (N, C), C-contiguous, is overwritten with the softmax probabilities (max-shifted, so it never
    overflows; the target's score is read before ``exp``, so an underflowed probability never reaches a ``log``).
    """
    N, C = scores.shape
    scores -= scores.max(axis=1, keepdims=True)
    # the targets' scores through flat indices: one take instead of a two-array fancy index
    picked = scores.reshape(-1).take(target_offsets(safe_targets, C))
    np.exp(scores, out=scores)
    # the row sums as a product with ones: BLAS sums in SIMD blocks (measured over 8000 float32 classes:
    # relative error 1.6e-7 against 6e-8 for numpy's pairwise sum, both float32 rounding) at a quarter of
    # the time of ``sum(axis=1)``
    if scores.flags.c_contiguous:
        total = scores.dot(ones_vector(C, scores.dtype))
    else:
        total = scores.sum(axis=1)
    losses = np.log(total)
    losses -= picked
    if valid is not None:
        losses *= valid
    scores /= total[:, None]
    return losses


def target_offsets(safe_targets: np.ndarray, num_classes: int) -> np.ndarray:
    """Flat indices ``n * num_classes + t_n`` (N,) of the targets in a C-contiguous (N, C) block."""
    offsets = np.arange(0, len(safe_targets) * num_classes, num_classes, dtype=np.intp)
    offsets += safe_targets
    return offsets


def column_offsets(safe_targets: np.ndarray, num_columns: int) -> np.ndarray:
    """Flat indices ``t_n * N + n`` (N,) of the targets in a C-contiguous class-major (C, N) block."""
    offsets = safe_targets.astype(np.intp) * num_columns  # (the targets' own dtype could wrap: int16, uint8)
    offsets += np.arange(num_columns)
    return offsets


def cross_entropy_backward_(probs: np.ndarray, safe_targets: np.ndarray, row_weight: np.ndarray | float,
                            out: np.ndarray | None = None) -> np.ndarray:
    """The gradient of ``sum_n row_weight[n] * loss[n]`` with respect to the scores (N, C).

    ``row_weight`` (N,) carries the upstream gradient, the mean's 1/count and the ignore mask (0 on
    ignored rows); a float is the same weight for every row. Written into ``out`` (shaped like
    ``probs``), or over ``probs`` itself when ``out`` is None.
    """
    out = probs if out is None else out
    if isinstance(row_weight, float):
        w = probs.dtype.type(row_weight)
        if row_weight != 1.0:
            np.multiply(probs, w, out=out)
        elif out is not probs:
            np.copyto(out, probs)  # (a weight of 1, a summed loss: x * 1 is x, no multiply needed)
    else:
        w = row_weight.astype(probs.dtype, copy=False)
        np.multiply(probs, w[:, None], out=out)
    if out.flags.c_contiguous:
        flat, at = out.reshape(-1), target_offsets(safe_targets, out.shape[1])
        flat[at] -= w
    else:
        out[np.arange(len(safe_targets)), safe_targets] -= w
    return out


# class-major scores pay from about a thousand classes while the rows are few (measured, float32, H 100, one
# thread, interleaved: 22 rows x 8000 classes 13% faster for the whole op, x 2000 10%, x 1000 5%, x 500 and
# 65 (the char model) slower; 8 rows 27% faster, 64 rows 10%, 128 rows 4%, 256 and 704 rows equal)
CLASS_MAJOR_MIN_CLASSES = 1000
CLASS_MAJOR_MAX_ROWS = 128


def use_class_major(n_rows: int, n_classes: int, dtype: np.dtype) -> bool:
    """Whether ``linear_cross_entropy`` keeps its (C, N) scores of ``dtype`` class-major (see the module
    docstring). Not in half precision: there a row's ``weight / total`` is a subnormal number, which keeps
    too few digits to scale the backward's products."""
    return (n_classes >= CLASS_MAJOR_MIN_CLASSES and 1 < n_rows <= CLASS_MAJOR_MAX_ROWS
            and np.dtype(dtype).itemsize >= 4)


def exp_columns_(st: np.ndarray, safe_targets: np.ndarray, valid: np.ndarray | None,
                 rescore) -> tuple[np.ndarray, np.ndarray]:
    """Per-column losses and softmax denominators ``(losses (N,), total (N,))`` of class-major scores.

    ``st`` (C, N), C-contiguous, is overwritten with ``exp(st - shift_n)``, a column's softmax times its
    ``total[n]`` (the shift cancels in the ratio). The exponentials are taken without a shift first, and a
    column keeps them when its total lies between the square roots of the dtype's smallest normal and
    largest numbers: then every term is at most the total, so the backward's products of the exponentials
    with weights of any sane size stay finite before their ``1 / total`` scaling, and the largest terms are
    normal numbers. Any other column (its scores very negative, large, or NaN/inf: an overflowed exp makes
    its total inf, a NaN makes it NaN) is recomputed from ``rescore(columns)`` (the (C, k) scores of those
    columns) shifted by its own maximum, the row-major kernel's rule. Checking the N totals instead of the
    block's maximum saves a pass over the (C, N) block.
    """
    C, N = st.shape
    at = column_offsets(safe_targets, N)
    bounds = _TOTAL_BOUNDS.get(st.dtype)
    if bounds is None:
        info = np.finfo(st.dtype)
        bounds = _TOTAL_BOUNDS[st.dtype] = (np.sqrt(info.tiny), np.sqrt(info.max))
    picked = st.reshape(-1).take(at)
    with np.errstate(over="ignore", invalid="ignore"):  # overflowed columns are found by their totals and redone
        np.exp(st, out=st)
        total = ones_vector(C, st.dtype).dot(st)
    ok = total >= bounds[0]
    ok &= total <= bounds[1]  # (False for NaN too)
    bad = np.flatnonzero(~ok) if not ok.all() else None
    if bad is not None:
        cols = rescore(bad)
        cols -= cols.max(axis=0)
        picked[bad] = cols[safe_targets[bad], np.arange(len(bad))]
        np.exp(cols, out=cols)
        st[:, bad] = cols
        total[bad] = cols.sum(axis=0)
    losses = np.log(total)
    losses -= picked
    if valid is not None:
        losses *= valid
    return losses, total


_TOTAL_BOUNDS: dict[np.dtype, tuple[np.floating, np.floating]] = {}
