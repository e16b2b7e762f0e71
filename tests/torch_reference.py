"""Shared machinery for the tests that compare against real torch (imported as ``from torch_reference import ...``).

torch is never a dependency: where it is not installed ``torch`` and ``TF`` are None and the tests marked
``needs_torch`` are skipped (the rest of such a file still runs). Files that import ``tinygrad_rnn as torch``
take it as ``from torch_reference import torch as real_torch``.
"""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg

try:
    import torch
    TF = torch.nn.functional
except ImportError:  # torch is never a dependency
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def close(ours, theirs, tol=1e-10):
    """Our array (or Tensor data) equals the torch tensor ``theirs`` to ``tol``, relative and absolute."""
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=tol, atol=tol)


def leaf(a):
    return tg.Tensor(np.ascontiguousarray(a), requires_grad=True)


def torch_leaf(a):
    return torch.tensor(a, requires_grad=True)


def backward_both(out, ref, rng):
    """Backpropagate one random upstream gradient (drawn from ``rng``) through ours and torch's."""
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))


def against_torch(fn_ours, fn_theirs, floats, fixed=(), tol=1e-10, seed=1):
    """Differentiate both with respect to every array in ``floats`` (``fixed``: targets, passed as is to ours
    and as tensors to torch): equal values and gradients under one random upstream."""
    xs = [tg.tensor(a, requires_grad=True) for a in floats]
    ts = [torch.tensor(a, requires_grad=True) for a in floats]
    y = fn_ours(*xs, *fixed)
    yt = fn_theirs(*ts, *[torch.tensor(f) for f in fixed])
    close(y.data, yt, tol)
    up = np.random.default_rng(seed).normal(size=y.shape)
    y.backward(up)
    yt.backward(torch.tensor(up))
    for x, t in zip(xs, ts):
        close(x.grad, t.grad, tol)


def away_from(a: np.ndarray, kinks, gap=1e-2) -> np.ndarray:
    """``a`` with every value within ``gap`` of a kink moved off it (finite differences need a smooth spot)."""
    a = a.copy()
    for k in kinks:
        near = np.abs(a - k) < gap
        a[near] = k + 2 * gap * np.where(a[near] >= k, 1, -1)
    return a


def raised(fn):
    """``(type, message)`` of the error ``fn()`` raises (to compare ours with torch's); AssertionError if none."""
    try:
        fn()
    except Exception as err:  # noqa: BLE001  the type and message are what is compared
        return type(err), str(err)
    raise AssertionError("no error raised")
