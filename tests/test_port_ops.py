"""The ops ported from the h-ops branch: logcumsumexp, einsum's '...' / diagonal / size-1 broadcasting, the
in-place elementwise forms, sgn, true_divide and stride. Values and gradients against torch (when installed)
and the gradients against finite differences (tinygrad_rnn.gradcheck, float64)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, gradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def against_torch(fn_ours, fn_torch, arrays, seed=0, rtol=1e-6, atol=1e-8):
    """Same values and same gradients (under a random upstream) from ``fn_ours(*Tensors)`` and
    ``fn_torch(*torch tensors)``."""
    torch = pytest.importorskip("torch")
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    out, ref = fn_ours(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    assert out.shape == tuple(ref.shape) and out.dtype == ref.detach().numpy().dtype
    up = np.random.default_rng(seed).normal(size=out.shape).astype(out.dtype)
    out.backward(Tensor(up))
    ref.backward(torch.tensor(up))
    for o, t in zip(ours, theirs):
        if t.grad is None:  # an operand the result does not use
            assert o.grad is None or not np.any(o.grad)
            continue
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=rtol, atol=atol)


# ---- logcumsumexp -------------------------------------------------------------------------------

@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_logcumsumexp_matches_torch_and_finite_differences(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = rand(*shape, seed=len(shape)) * 3
    against_torch(lambda t: t.logcumsumexp(dim), lambda t: t.logcumsumexp(dim), [x])
    assert gradcheck(lambda t: tg.logcumsumexp(t, dim), [Tensor(x, requires_grad=True)])


def test_logcumsumexp_is_stable_where_exp_overflows_or_underflows():
    torch = pytest.importorskip("torch")
    for x in (np.array([1000.0, 1000.0, 999.0, -5.0]), np.array([-1000.0, -1000.5, -2000.0, -999.0])):
        for dtype in (np.float32, np.float64):
            t = Tensor(x.astype(dtype), requires_grad=True)
            y = t.logcumsumexp(0)
            ref = torch.tensor(x.astype(dtype), requires_grad=True)
            r = torch.logcumsumexp(ref, 0)
            np.testing.assert_allclose(y.data, r.detach().numpy(), rtol=1e-6)
            assert y.dtype == dtype and np.isfinite(y.data).all()
            up = np.linspace(-1, 2, 4).astype(dtype)
            y.backward(Tensor(up))
            r.backward(torch.tensor(up))
            np.testing.assert_allclose(t.grad, ref.grad.numpy(), rtol=1e-5, atol=1e-7)
            assert np.isfinite(t.grad).all()


def test_logcumsumexp_gradient_is_zero_at_minus_inf():
    x = Tensor(np.array([-np.inf, -np.inf, 0.0, 1.0]), requires_grad=True)
    y = x.logcumsumexp(0)
    assert y.data[0] == -np.inf and np.isfinite(y.data[2:]).all()
    y.sum().backward()
    assert np.array_equal(x.grad[:2], [0.0, 0.0])  # PyTorch gives NaN there
    np.testing.assert_allclose(x.grad[2:], [1 / (1 + np.e) + 1, np.e / (1 + np.e)])


def test_logcumsumexp_forms_and_errors():
    x = Tensor(rand(2, 3), requires_grad=True)
    np.testing.assert_allclose(tg.logcumsumexp(x, 1).data, np.log(np.cumsum(np.exp(x.data), axis=1)))
    s = Tensor(np.array(2.5), requires_grad=True)
    out = s.logcumsumexp(0)
    out.backward()
    assert out.shape == () and float(out) == 2.5 and float(s.grad) == 1.0
    assert tg.zeros(2, 0).logcumsumexp(1).shape == (2, 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.logcumsumexp(2)
    with pytest.raises(RuntimeError, match="logcumsumexp"):
        tg.tensor([1, 2]).logcumsumexp(0)


# ---- einsum with '...', diagonals, size-1 broadcasting ---------------------------------------------

EINSUMS = [
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]), ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->i", [(2, 3, 2)]), ("...->", [(2, 3)]), ("...", [(2, 3)]), ("b...,b...->b...", [(2, 3), (2, 1, 3)]),
    ("...ii->...i", [(2, 3, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("i...i", [(3, 2, 3)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 4)]), ("ij,kj->ikj", [(2, 1), (4, 3)]), ("Ab,bA", [(2, 3), (3, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 2), (2, 1, 2, 2)]), ("i,i,i->", [(3,), (3,), (3,)]),
    ("...d,d->...", [(2, 3, 4), (4,)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUMS)
def test_einsum_forms_match_torch_and_finite_differences(equation, shapes):
    torch = pytest.importorskip("torch")
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    against_torch(lambda *ts: tg.einsum(equation, *ts), lambda *ts: torch.einsum(equation, *ts), arrays)
    assert gradcheck(lambda *ts: tg.einsum(equation, *ts), [Tensor(a, requires_grad=True) for a in arrays])


@given(batch_a=st.lists(st.integers(1, 3), max_size=2), batch_b=st.lists(st.integers(1, 3), max_size=2),
       ones=st.lists(st.booleans(), min_size=2, max_size=2))
def test_einsum_ellipsis_batched_matmul_broadcasts_like_torch(batch_a, batch_b, ones):
    torch = pytest.importorskip("torch")
    # make the batch shapes broadcastable: where both have a dimension, one is 1 or they agree
    n = min(len(batch_a), len(batch_b))
    for i in range(1, n + 1):
        if batch_a[-i] != batch_b[-i]:
            batch_b[-i] = 1
    shape_a = (*batch_a, 1 if ones[0] else 2, 3)
    shape_b = (*batch_b, 3, 1 if ones[1] else 2)
    arrays = [rand(*shape_a, seed=1), rand(*shape_b, seed=2)]
    eq = "...ij,...jk->...ik"
    against_torch(lambda a, b: tg.einsum(eq, a, b), lambda a, b: torch.einsum(eq, a, b), arrays)
    np.testing.assert_allclose(tg.einsum(eq, *[Tensor(a) for a in arrays]).data, np.matmul(*arrays))


@pytest.mark.parametrize("equation,shapes,match", [
    ("ij->k", [(2, 2)], "output"), ("ij->ii", [(2, 2)], "output"), ("ijk->i", [(2, 2)], "label"),
    ("i1->i", [(2, 2)], "letters"), ("....->", [(2,)], "letters"), ("ij,jk->ik", [(2, 3), (2, 2)], "sizes"),
    ("ii->i", [(2, 3)], "repeated"), ("ij", [(2, 2), (2, 2)], "operands"), ("...ij", [(2,)], "label"),
])
def test_einsum_errors_are_one_clear_value_error(equation, shapes, match):
    with pytest.raises(ValueError, match=match):
        tg.einsum(equation, *[tg.zeros(*s) for s in shapes])


def test_einsum_keeps_float32_and_gives_each_operand_its_dtype():
    a = Tensor(rand(2, 3).astype(np.float32), requires_grad=True)
    b = Tensor(rand(3, 3), requires_grad=True)
    out = tg.einsum("ij,jj->i", a, b)
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_allclose(b.grad, np.diag(a.data.sum(0)), rtol=1e-6)


# ---- in-place elementwise forms --------------------------------------------------------------------

UNARY = ["sin_", "cos_", "log1p_", "expm1_", "rsqrt_", "square_", "reciprocal_", "sign_", "sgn_", "floor_",
         "ceil_", "trunc_", "fix_", "round_", "frac_", "nan_to_num_"]
WITH_ARGS = [
    ("clamp_min_", lambda L, w: (0.1,)), ("clamp_max_", lambda L, w: (0.5,)), ("fmod_", lambda L, w: (0.7,)),
    ("true_divide_", lambda L, w: (w,)), ("lerp_", lambda L, w: (w, 0.3)),
]


def _positive(shape, seed=0):
    return np.abs(rand(*shape, seed=seed)) + 0.2  # inside every domain (log1p, rsqrt, reciprocal)


@pytest.mark.parametrize("name", UNARY)
def test_unary_inplace_forms_match_torch_through_the_graph(name):
    torch = pytest.importorskip("torch")
    x = _positive((2, 3)) * np.array([1, -1, 1])  # some negatives for sign/floor/trunc (rsqrt etc. stay >0)
    if name in ("log1p_", "rsqrt_"):
        x = np.abs(x)

    def run(lib, t):
        y = t * 2  # a recorded non-leaf: the in-place write must join the graph
        getattr(y, name)()
        return y * t
    against_torch(lambda t: run(tg, t), lambda t: run(torch, t), [x])


@pytest.mark.parametrize("name,args", WITH_ARGS)
def test_inplace_forms_with_operands_match_torch(name, args):
    torch = pytest.importorskip("torch")
    x, w = rand(2, 3), _positive((2, 3), seed=1)

    def run(lib, t, u):
        y = t * 1.5
        getattr(y, name)(*args(lib, u))
        return y
    against_torch(lambda t, u: run(tg, t, u), lambda t, u: run(torch, t, u), [x, w])


def test_addcmul_addcdiv_inplace_match_torch():
    torch = pytest.importorskip("torch")
    arrays = [rand(2, 3), rand(2, 3, seed=1), _positive((2, 3), seed=2)]

    def run(t, a, b):
        y = t + 0
        y.addcmul_(a, b, value=0.5)
        y.addcdiv_(a, b, value=-2)
        return y
    against_torch(run, run, arrays)


def test_inplace_forms_without_the_graph_write_into_the_same_array():
    x = tg.tensor([0.25, -1.5, 2.5])
    data = x.data
    assert x.round_() is x and x.data is data
    np.testing.assert_array_equal(x.data, [0.0, -2.0, 2.0])
    x.clamp_min_(np.float64(-1)).true_divide_(np.float64(4))  # float64 operands: self stays float32
    assert x.dtype == np.float32 and x.data is data
    np.testing.assert_array_equal(x.data, [0.0, -0.25, 0.5])
    i = tg.tensor([3, -2])
    i.floor_()
    assert i.dtype == np.int64 and i.tolist() == [3, -2]
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.reciprocal_()  # as PyTorch: a float result does not fit an int64 tensor


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    x = Tensor(rand(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.sin_()


def test_every_inplace_form_of_h_ops_exists():
    names = ["exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "tanh", "sigmoid", "relu", "abs", "neg", "sin", "cos",
             "square", "sign", "floor", "ceil", "trunc", "round", "frac", "reciprocal", "clamp_min", "clamp_max",
             "lerp", "addcmul", "addcdiv", "fmod", "nan_to_num", "true_divide", "pow", "scatter", "scatter_add",
             "index_add", "index_fill"]
    assert [n for n in names if not hasattr(Tensor, n + "_")] == []


# ---- sgn, true_divide, stride ---------------------------------------------------------------------

def test_sgn_and_true_divide_match_torch():
    torch = pytest.importorskip("torch")
    x, y = rand(2, 3), _positive((2, 3), seed=3)
    against_torch(lambda a: tg.sgn(a) * a, lambda a: torch.sgn(a) * a, [x])
    against_torch(lambda a, b: a.sgn() + a.true_divide(b), lambda a, b: a.sgn() + a.true_divide(b), [x, y])


def test_stride_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 3, 4)
    for fn in (lambda t: t, lambda t: t.transpose(0, 2), lambda t: t[:, :1].expand(2, 5, 4),
               lambda t: t.permute(1, 0, 2), lambda t: t.reshape(6, 4)[0]):
        ours, ref = fn(Tensor(x)), fn(torch.tensor(x))
        assert ours.stride() == ref.stride()
        assert [ours.stride(d) for d in range(ours.ndim)] == [ref.stride(d) for d in range(ref.dim())]
        assert ours.stride(-1) == ref.stride(-1)
    with pytest.raises(IndexError):
        Tensor(x).stride(3)
