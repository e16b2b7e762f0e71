"""torch.cdist: values and gradients against torch (float64) for p in {0, 1, 2, inf, 0.5, 1.5, 3}, batched and
broadcast batches, rows with tied coordinates and equal rows (torch's subgradient there: 0), the matrix-product
compute modes, empty inputs and torch's errors; gradients against finite differences without torch."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import gradcheck

from torch_reference import torch, needs_torch, close, leaf, torch_leaf, backward_both, raised

EXACT = "donot_use_mm_for_euclid_dist"
P_VALUES = [0.0, 1.0, 2.0, math.inf, 0.5, 1.5, 3.0]


@st.composite
def cdist_cases(draw):
    batch1, batch2 = draw(st.sampled_from([((), ()), ((2,), (2,)), ((1,), (3,)), ((2, 1), (3,)), ((), (2,))]))
    m = draw(st.integers(1, 4))
    return (batch1 + (draw(st.integers(1, 5)), m), batch2 + (draw(st.integers(1, 5)), m),
            draw(st.sampled_from(P_VALUES)), draw(st.integers(0, 2**16)))


@needs_torch
@given(cdist_cases())
def test_cdist_values_and_gradients_match_torch(case):
    shape1, shape2, p, seed = case
    rng = np.random.default_rng(seed)
    x1 = rng.integers(-2, 3, shape1).astype(np.float64)  # small integers: tied and zero differences
    x2 = rng.integers(-2, 3, shape2).astype(np.float64)
    x2[..., 0, :] = x1.reshape(-1, x1.shape[-1])[0]  # an equal pair of rows: distance 0
    a, b, ta, tb = leaf(x1), leaf(x2), torch_leaf(x1), torch_leaf(x2)
    out, ref = tg.cdist(a, b, p=p, compute_mode=EXACT), torch.cdist(ta, tb, p=p, compute_mode=EXACT)
    assert out.shape == tuple(ref.shape)
    close(out.data, ref)
    backward_both(out, ref, rng)
    close(a.grad, ta.grad)
    close(b.grad, tb.grad)


@needs_torch
@pytest.mark.parametrize("p", P_VALUES)
def test_gradient_between_equal_rows_is_torch_s_zero(p):
    x = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])
    a, b, ta, tb = leaf(x), leaf(x.copy()), torch_leaf(x), torch_leaf(x.copy())
    out, ref = tg.cdist(a, b, p=p), torch.cdist(ta, tb, p=p)
    close(out.data, ref)
    up = np.eye(2)  # only the zero distances get an upstream gradient
    out.backward(up)
    ref.backward(torch.tensor(up))
    close(a.grad, ta.grad)
    close(b.grad, tb.grad)
    np.testing.assert_array_equal(a.grad, 0)


@needs_torch
@pytest.mark.parametrize("mode,rows", [("use_mm_for_euclid_dist_if_necessary", 30),
                                       ("use_mm_for_euclid_dist", 3)])
def test_matrix_product_modes_match_torch_s_values_and_the_exact_gradient(mode, rows):
    rng = np.random.default_rng(1)
    x1, x2 = rng.standard_normal((2, rows, 4)), rng.standard_normal((2, 5, 4))
    a, b, ta, tb = leaf(x1), leaf(x2), torch_leaf(x1), torch_leaf(x2)
    out = tg.cdist(a, b, compute_mode=mode)
    close(out.data, torch.cdist(ta, tb, compute_mode=mode), tol=1e-9)
    ref = torch.cdist(ta, tb, compute_mode=EXACT)
    backward_both(out, ref, rng)
    close(a.grad, ta.grad, tol=1e-9)
    close(b.grad, tb.grad, tol=1e-9)


@pytest.mark.parametrize("p", [1.0, 2.0, math.inf, 0.7, 1.5, 3.0])
def test_cdist_gradient_matches_finite_differences(p):
    rng = np.random.default_rng(2)
    a, b = leaf(rng.standard_normal((2, 3, 4))), leaf(rng.standard_normal((1, 2, 4)))
    assert gradcheck(lambda x, y: tg.cdist(x, y, p=p, compute_mode=EXACT), [a, b])


@needs_torch
@pytest.mark.parametrize("shape1,shape2", [((0, 2), (3, 2)), ((2, 0), (3, 0)), ((2, 3, 2), (2, 0, 2))])
@pytest.mark.parametrize("p", [0.0, 2.0, math.inf])
def test_empty_inputs_match_torch(shape1, shape2, p):
    x1, x2 = np.ones(shape1), np.zeros(shape2)
    out, ref = tg.cdist(leaf(x1), leaf(x2), p=p), torch.cdist(torch_leaf(x1), torch_leaf(x2), p=p)
    assert out.shape == tuple(ref.shape)
    close(out.data, ref)


@needs_torch
@pytest.mark.parametrize("shape1,shape2,kw,dtype1,dtype2", [
    ((3,), (3,), {}, "float64", "float64"),
    ((2, 3), (3,), {}, "float64", "float64"),
    ((2, 3), (2, 4), {}, "float64", "float64"),
    ((2, 3), (2, 3), dict(p=-1), "float64", "float64"),
    ((2, 3), (2, 3), dict(compute_mode="x"), "float64", "float64"),
    ((5, 2, 3), (4, 2, 3), {}, "float64", "float64"),
    ((2, 3), (2, 3), {}, "float64", "int64"),
    ((2, 3), (2, 3), {}, "int64", "int64"),
    ((2, 3), (2, 3), {}, "float32", "float64"),
])
def test_cdist_errors_match_torch(shape1, shape2, kw, dtype1, dtype2):
    x1, x2 = np.zeros(shape1, dtype=dtype1), np.zeros(shape2, dtype=dtype2)
    ours = raised(lambda: tg.cdist(tg.tensor(x1), tg.tensor(x2), **kw))
    assert ours == raised(lambda: torch.cdist(torch.tensor(x1), torch.tensor(x2), **kw))
