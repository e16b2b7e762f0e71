"""``einsum``: Einstein summation over letter-labelled dimensions (numpy's einsum forward); each operand's
gradient is another einsum of the upstream gradient with the other operands."""
from __future__ import annotations

import numpy as np

from ..autograd import Context, Function


def parse_equation(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """``"ij,jk->ik"`` -> (["ij", "jk"], "ik"); implicit output (no ``->``): the letters used once, sorted.
    One clear ValueError for the forms not supported here: ``...``, a letter repeated within one operand
    (a diagonal), an output letter twice or absent from the inputs, a wrong operand count or rank."""
    eq = equation.replace(" ", "")
    if "." in eq:
        raise ValueError(f"einsum: ellipsis ('...') is not supported here, in {equation!r}; name every dimension")
    lhs, arrow, out = eq.partition("->")
    subs = lhs.split(",")
    if not all(s.isalpha() or s == "" for s in subs + [out]):
        raise ValueError(f"einsum: equation {equation!r} must use letters, commas and one '->'")
    if len(subs) != len(ndims):
        raise ValueError(f"einsum: equation {equation!r} names {len(subs)} operands, {len(ndims)} were given")
    for s, n in zip(subs, ndims):
        if len(s) != n:
            raise ValueError(f"einsum: subscripts {s!r} label {len(s)} dimensions of an operand with {n}")
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: a letter repeated within one operand ({s!r}, a diagonal) is not supported here")
    letters = "".join(subs)
    if not arrow:
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(set(out)) != len(out) or any(c not in letters for c in out):
        raise ValueError(f"einsum: output {out!r} must name distinct letters of the inputs, in {equation!r}")
    return subs, out


class Einsum(Function):
    """``np.einsum(equation, *operands)`` for the forms ``parse_equation`` accepts."""

    @staticmethod
    def forward(ctx: Context, *operands, equation):
        arrays = [np.asarray(a) for a in operands]
        subs, out = parse_equation(equation, [a.ndim for a in arrays])
        sizes: dict[str, int] = {}
        for s, a in zip(subs, arrays):
            for c, n in zip(s, a.shape):
                if sizes.setdefault(c, n) != n:
                    raise ValueError(f"einsum: dimension {c!r} has sizes {sizes[c]} and {n} in {equation!r}")
        ctx.subs, ctx.out = subs, out
        ctx.save_for_backward(*arrays)
        return np.asarray(np.einsum(f"{','.join(subs)}->{out}", *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx: Context, grad):
        arrays = ctx.saved_arrays
        grads = []
        for k, (s, a) in enumerate(zip(ctx.subs, arrays)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(t, b) for i, (t, b) in enumerate(zip(ctx.subs, arrays)) if i != k]
            known = set(ctx.out).union(*(set(t) for t, _ in others))
            kept = "".join(c for c in s if c in known)  # letters summed in operand k alone come back by broadcasting
            terms = ",".join([ctx.out] + [t for t, _ in others])
            g = np.einsum(f"{terms}->{kept}", grad, *[b for _, b in others], optimize=len(others) > 1)
            shape = tuple(n if c in known else 1 for c, n in zip(s, a.shape))
            grads.append(np.broadcast_to(np.reshape(g, shape), a.shape).copy())
        return tuple(grads)
