"""``einsum``: Einstein summation over letter-labelled dimensions, with PyTorch's equation syntax: ``...`` for
the dimensions not named (broadcast across operands, right-aligned), a letter repeated in one operand (its
diagonal), size-1 dimensions broadcast against their letter's size, an implicit output without ``->``.
The forward is numpy's einsum; each operand's gradient is another einsum of the upstream gradient with the
other operands."""
from __future__ import annotations

import string

import numpy as np

from ..autograd import Context, Function


def _check_syntax(equation: str, parts: list[str]) -> None:
    for part in parts:
        if part.count("...") > 1 or not all(c in string.ascii_letters for c in part.replace("...", "", 1)):
            raise ValueError(f"einsum: subscripts must be letters and at most one '...', got {part!r} in "
                             f"{equation!r}")


def _ellipsis_widths(equation: str, subs: list[str], ndims: list[int]) -> list[int]:
    """How many dimensions each operand's ``...`` stands for (0 without one)."""
    widths = []
    for s, n in zip(subs, ndims):
        named = len(s.replace("...", ""))
        if named > n or ("..." not in s and named != n):
            raise ValueError(f"einsum: subscripts {s!r} label {named} dimensions of an operand with {n}, in "
                             f"{equation!r}")
        widths.append(n - named if "..." in s else 0)
    return widths


def parse_equation(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """The operands' subscripts and the output's, in letters only: ``"...ij,...jk"`` on ranks (3, 2) ->
    (["Aij", "jk"], "Aik"), each ``...`` spelled with letters the equation does not use (right-aligned, so
    an operand with fewer of them takes the last ones). Without ``->`` the output is the ellipsis, then the
    letters used once, sorted (PyTorch's rule); ``...`` absent from an explicit output is summed over.
    One ValueError for: a bad character, a wrong operand count or rank, an output letter repeated or absent
    from the inputs."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    _check_syntax(equation, subs + ([rhs] if arrow else []))
    if len(subs) != len(ndims):
        raise ValueError(f"einsum: equation {equation!r} names {len(subs)} operands, {len(ndims)} were given")
    widths = _ellipsis_widths(equation, subs, ndims)
    width = max(widths, default=0)
    spare = [c for c in string.ascii_letters if c not in eq]
    if width > len(spare):
        raise ValueError(f"einsum: {equation!r} needs more than {len(string.ascii_letters)} distinct dimensions")
    ell = "".join(spare[:width])
    named = "".join(s.replace("...", "") for s in subs)
    subs = [s.replace("...", ell[width - w:]) for s, w in zip(subs, widths)]
    if arrow:
        out = rhs.replace("...", ell)
    else:
        out = ell + "".join(sorted(c for c in set(named) if named.count(c) == 1))
    letters = "".join(subs)
    if len(set(out)) != len(out) or any(c not in letters for c in out):
        raise ValueError(f"einsum: output {out!r} must name distinct letters of the inputs, in {equation!r}")
    return subs, out


def _letter_sizes(equation: str, subs: list[str], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """Each letter's size: its dimensions agree, or are 1 (broadcast); within one operand a repeated letter
    (a diagonal) must have one size."""
    seen: dict[str, set[int]] = {}
    for k, (s, shape) in enumerate(zip(subs, shapes)):
        for c in set(s):
            own = {n for ch, n in zip(s, shape) if ch == c}
            if len(own) > 1:
                raise ValueError(f"einsum: letter {c!r} is repeated in operand {k} with different sizes "
                                 f"{sorted(own)}, in {equation!r}")
            seen.setdefault(c, set()).update(own)
    sizes = {}
    for c, ns in seen.items():
        big = ns - {1}
        if len(big) > 1:
            raise ValueError(f"einsum: dimension {c!r} has sizes {sorted(ns)} in {equation!r}; they must agree "
                             "or be 1")
        sizes[c] = big.pop() if big else 1
    return sizes


def _broadcast(a: np.ndarray, sub: str, sizes: dict[str, int]) -> np.ndarray:
    return np.broadcast_to(a, tuple(sizes[c] for c in sub))


def _unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``g`` summed over the dimensions that were size 1 in the operand and broadcast in the forward."""
    stretched = tuple(i for i, (n, m) in enumerate(zip(shape, g.shape)) if n == 1 and m != 1)
    return g.sum(axis=stretched, keepdims=True) if stretched else g


def _onto_diagonal(g: np.ndarray, letters: str, sub: str, sizes: dict[str, int], dtype) -> np.ndarray:
    """``g`` over the distinct ``letters`` written onto the diagonal of an operand labelled ``sub`` (a letter
    repeated there), zeros elsewhere."""
    dense = np.zeros(tuple(sizes[c] for c in sub), dtype=dtype)
    grids = np.ix_(*[np.arange(sizes[c]) for c in letters])
    dense[tuple(grids[letters.index(c)] for c in sub)] = g
    return dense


class Einsum(Function):
    """``einsum(equation, *operands)`` for the forms ``parse_equation`` accepts: the output has one
    dimension per output letter, of that letter's size."""

    @staticmethod
    def forward(ctx: Context, *operands, equation):
        arrays = [np.asarray(a) for a in operands]
        subs, out = parse_equation(equation, [a.ndim for a in arrays])
        sizes = _letter_sizes(equation, subs, [a.shape for a in arrays])
        full = [_broadcast(a, s, sizes) for a, s in zip(arrays, subs)]  # views: size-1 dims stretched
        ctx.subs, ctx.out, ctx.sizes = subs, out, sizes
        ctx.save_for_backward(*arrays)
        result = np.einsum(f"{','.join(subs)}->{out}", *full, optimize=len(full) > 2)
        return np.asarray(result, dtype=np.result_type(*arrays))

    @staticmethod
    def backward(ctx: Context, grad):
        arrays, subs, sizes = ctx.saved_arrays, ctx.subs, ctx.sizes
        full = [_broadcast(a, s, sizes) for a, s in zip(arrays, subs)]
        grads = []
        for k, sub in enumerate(subs):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [j for j in range(len(full)) if j != k]
            known = set(ctx.out).union(*(subs[j] for j in others))
            letters = "".join(dict.fromkeys(sub))  # distinct, in order of first use
            kept = "".join(c for c in letters if c in known)
            terms = ",".join([ctx.out] + [subs[j] for j in others])
            g = np.einsum(f"{terms}->{kept}", grad, *[full[j] for j in others], optimize=len(others) > 1)
            # a letter only operand k has was summed there alone: each of its entries gets the same gradient
            g = np.broadcast_to(np.reshape(g, [sizes[c] if c in known else 1 for c in letters]),
                                [sizes[c] for c in letters])
            if len(letters) != len(sub):
                g = _onto_diagonal(g, letters, sub, sizes, grad.dtype)
            dtype = arrays[k].dtype if arrays[k].dtype.kind in "fc" else grad.dtype  # in the operand's dtype
            grads.append(np.array(_unbroadcast(g, arrays[k].shape), dtype=dtype))
        return tuple(grads)
