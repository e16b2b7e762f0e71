"""The ops added for PyTorch's surface, each in the property suite (op_factory.backprop_test): forward against
plain numpy, backward against central differences of that numpy reference under a random upstream, gradient
shape/dtype, no mutation, no aliasing."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as torch
from tinygrad_rnn import F, Tensor

from op_factory import backprop_test, check_backprop, float_arrays, grid_floats, upstream_for

one_shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3).map(lambda s: (s,))
nonzero_dims = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3).map(lambda s: (s,))
off_grid = grid_floats(-3, 3, 0.1, offset=0.05)
_erf = np.vectorize(math.erf)


@st.composite
def dim_kwargs(draw, shapes, allow_none=True, allow_tuple=True):
    ndim = len(shapes[0])
    choices = ["int"] + (["none"] if allow_none else []) + (["tuple"] if allow_tuple and ndim else [])
    if ndim == 0:
        choices = ["none"] if allow_none else ["int"]
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        dim = None
    elif kind == "int":
        dim = draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    else:
        dim = draw(hnp.valid_tuple_axes(ndim, min_size=1))
    return {"dim": dim, "keepdim": draw(st.booleans())}


# ---- elementwise -----------------------------------------------------------------------------------
test_log1p = backprop_test(lambda x: x.log1p(), np.log1p, shapes=one_shape, elements=st.floats(-0.8, 3))
test_expm1 = backprop_test(lambda x: x.expm1(), np.expm1, shapes=one_shape)
test_rsqrt = backprop_test(lambda x: x.rsqrt(), lambda a: 1 / np.sqrt(a), shapes=one_shape, elements=st.floats(0.2, 4))
test_sin = backprop_test(lambda x: x.sin(), np.sin, shapes=one_shape)
test_cos = backprop_test(lambda x: torch.cos(x), np.cos, shapes=one_shape)
test_neg_method = backprop_test(lambda x: torch.neg(x), np.negative, shapes=one_shape)
test_minimum = backprop_test(lambda a, b: torch.minimum(a, b), np.minimum, num_arrays=2,
                             elements=[off_grid, grid_floats(-3, 3, 0.1)])
test_gelu = backprop_test(lambda x: F.gelu(x), lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2))), shapes=one_shape)
test_gelu_tanh = backprop_test(
    lambda x: F.gelu(x, approximate="tanh"),
    lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3))), shapes=one_shape)
test_add_alpha = backprop_test(lambda a, b: a.add(b, alpha=0.5), lambda a, b: a + 0.5 * b, num_arrays=2)
test_sub_alpha = backprop_test(lambda a, b: torch.sub(a, b, alpha=2.0), lambda a, b: a - 2.0 * b, num_arrays=2)

# ---- reductions with PyTorch's dim/keepdim --------------------------------------------------------
test_sum_dim = backprop_test(lambda x, dim, keepdim: torch.sum(x, dim=dim, keepdim=keepdim),
                             lambda a, dim, keepdim: np.sum(a, axis=dim, keepdims=keepdim), shapes=one_shape,
                             kwargs=dim_kwargs)
test_mean_dim = backprop_test(lambda x, dim, keepdim: x.mean(dim, keepdim),
                              lambda a, dim, keepdim: np.mean(a, axis=dim, keepdims=keepdim), shapes=one_shape,
                              kwargs=dim_kwargs)


@st.composite
def var_kwargs(draw, shapes):
    kw = draw(dim_kwargs(shapes))
    kw["unbiased"] = draw(st.booleans())
    return kw


def _np_var(a, dim, keepdim, unbiased):
    n = a.size if dim is None else int(np.prod([a.shape[d] for d in np.atleast_1d(dim)])) if a.ndim else 1
    ddof = 1 if unbiased and n > 1 else 0
    return np.var(a, axis=dim, keepdims=keepdim, ddof=ddof)


# shapes with at least 2 elements along each reduced axis keep the unbiased estimate finite
two_plus = hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3).map(lambda s: (s,))
test_var = backprop_test(lambda x, dim, keepdim, unbiased: x.var(dim, unbiased=unbiased, keepdim=keepdim),
                         _np_var, shapes=two_plus, kwargs=var_kwargs)
test_std = backprop_test(lambda x, dim, keepdim, unbiased: torch.std(x, dim, unbiased=unbiased, keepdim=keepdim),
                         lambda *a, **k: np.sqrt(_np_var(*a, **k)), shapes=two_plus, kwargs=var_kwargs,
                         elements=grid_floats(-3, 3, 0.5), unique=True)  # spread values: std far from its kink at 0
test_prod = backprop_test(lambda x, dim, keepdim: x.prod(dim, keepdim),
                          lambda a, dim, keepdim: np.prod(a, axis=dim, keepdims=keepdim), shapes=one_shape,
                          kwargs=dim_kwargs, elements=st.floats(-2, 2))
test_norm = backprop_test(lambda x, dim, keepdim: x.norm(dim=dim, keepdim=keepdim),
                          lambda a, dim, keepdim: np.sqrt(np.sum(a * a, axis=dim, keepdims=keepdim)),
                          shapes=nonzero_dims, kwargs=dim_kwargs, elements=st.floats(0.1, 3))
test_norm_p1 = backprop_test(lambda x: torch.norm(x, p=1), lambda a: np.sum(np.abs(a)), shapes=one_shape,
                             elements=off_grid)
test_norm_p3 = backprop_test(lambda x: x.norm(3, dim=-1), lambda a: np.sum(np.abs(a) ** 3, axis=-1) ** (1 / 3),
                             shapes=nonzero_dims, elements=st.floats(0.2, 3))
test_logsumexp = backprop_test(
    lambda x, dim, keepdim: torch.logsumexp(x, dim, keepdim),
    lambda a, dim, keepdim: np.log(np.sum(np.exp(a), axis=dim, keepdims=keepdim)),
    shapes=nonzero_dims, kwargs=lambda s: dim_kwargs(s, allow_none=False))
test_amin = backprop_test(lambda x, dim, keepdim: x.amin(dim, keepdim),
                          lambda a, dim, keepdim: np.min(a, axis=dim, keepdims=keepdim), shapes=one_shape,
                          kwargs=dim_kwargs, elements=grid_floats(-3, 3, 0.1), unique=True)
test_min_all = backprop_test(lambda x: x.min(), np.min, shapes=one_shape, elements=grid_floats(-3, 3, 0.1), unique=True)


@st.composite
def one_dim(draw, shapes):
    return {"dim": draw(st.integers(-len(shapes[0]), len(shapes[0]) - 1)), "keepdim": draw(st.booleans())}


test_max_dim_values = backprop_test(
    lambda x, dim, keepdim: torch.max(x, dim, keepdim=keepdim).values,
    lambda a, dim, keepdim: np.max(a, axis=dim, keepdims=keepdim), shapes=nonzero_dims, kwargs=one_dim,
    elements=grid_floats(-3, 3, 0.1), unique=True)
test_min_dim_values = backprop_test(
    lambda x, dim, keepdim: x.min(dim=dim, keepdim=keepdim)[0],
    lambda a, dim, keepdim: np.min(a, axis=dim, keepdims=keepdim), shapes=nonzero_dims, kwargs=one_dim,
    elements=grid_floats(-3, 3, 0.1), unique=True)
test_sort_values = backprop_test(
    lambda x: torch.sort(x, dim=-1, descending=True).values, lambda a: -np.sort(-a, axis=-1), shapes=nonzero_dims,
    elements=grid_floats(-3, 3, 0.1), unique=True)
test_topk_values = backprop_test(
    lambda x: x.topk(1, dim=0).values, lambda a: np.sort(a, axis=0)[::-1][:1], shapes=nonzero_dims,
    elements=grid_floats(-3, 3, 0.1), unique=True)


def test_max_dim_gradient_goes_to_the_returned_index():
    x = Tensor(np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 2.0]]), requires_grad=True)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(indices.data, [0, 1])
    assert indices.dtype == np.int64 and not indices.requires_grad
    values.backward(np.array([2.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [[2.0, 0.0, 0.0], [0.0, 4.0, 0.0]])


# ---- shape and indexing -----------------------------------------------------------------------------
@st.composite
def squeeze_case(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2))
    dim = draw(st.none() | st.integers(-max(len(shape), 1), max(len(shape), 1) - 1)) if shape else None
    return (shape,), dim


@given(data=st.data())
def test_squeeze_unsqueeze(data):
    (shape,), dim = data.draw(squeeze_case())
    x = data.draw(float_arrays(shape, st.floats(-3, 3)))
    expected = np.squeeze(x) if dim is None else (np.squeeze(x, dim) if x.ndim and x.shape[dim] == 1 else x)
    check_backprop(lambda t: t.squeeze(dim), lambda a: a.reshape(expected.shape), [x], upstream_for(data, expected.shape))
    d = data.draw(st.integers(-x.ndim - 1, x.ndim))
    up = np.expand_dims(x, d).shape
    check_backprop(lambda t: torch.unsqueeze(t, d), lambda a: np.expand_dims(a, d), [x], upstream_for(data, up))


test_flatten = backprop_test(lambda x: x.flatten(1), lambda a: a.reshape(a.shape[0], -1),
                             shapes=hnp.array_shapes(min_dims=2, max_dims=4, max_side=3).map(lambda s: (s,)))
test_t = backprop_test(lambda x: x.t(), lambda a: a.T, shapes=hnp.array_shapes(min_dims=2, max_dims=2, max_side=3).map(lambda s: (s,)))
test_narrow = backprop_test(lambda x: x.narrow(0, 1, 2), lambda a: a[1:3],
                            shapes=hnp.array_shapes(min_dims=1, max_dims=3, min_side=3, max_side=4).map(lambda s: (s,)))
test_flip = backprop_test(lambda x: x.flip(0), lambda a: a[::-1], shapes=nonzero_dims)
test_split_recombined = backprop_test(
    lambda x: torch.cat([p * (i + 1) for i, p in enumerate(x.split(2, dim=-1))], dim=-1),
    lambda a: np.concatenate([p * (i + 1) for i, p in enumerate(np.split(a, range(2, a.shape[-1], 2), axis=-1))], -1),
    shapes=nonzero_dims)
test_chunk_recombined = backprop_test(
    lambda x: torch.stack([c.sum() * (i + 1) for i, c in enumerate(x.chunk(2))]),
    lambda a: np.stack([c.sum() * (i + 1) for i, c in enumerate(np.array_split(a, [-(-a.shape[0] // 2)]))
                        if c.size]), shapes=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4).map(lambda s: (s,)))
test_unbind = backprop_test(lambda x: torch.stack([u * (i + 1) for i, u in enumerate(x.unbind(0))], 0),
                            lambda a: np.stack([a[i] * (i + 1) for i in range(a.shape[0])]), shapes=nonzero_dims)


@st.composite
def expand_shapes(draw):
    target = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    ndim = draw(st.integers(0, len(target)))
    src = tuple(draw(st.sampled_from([1, n])) for n in target[len(target) - ndim:])
    return src, target


@given(data=st.data())
def test_expand(data):
    src, target = data.draw(expand_shapes())
    x = data.draw(float_arrays(src, st.floats(-3, 3)))
    check_backprop(lambda t: t.expand(*target) * 1.0, lambda a: np.broadcast_to(a, target) * 1.0, [x],
                   upstream_for(data, target))


@given(data=st.data())
def test_repeat(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1)))
    x = data.draw(float_arrays(shape, st.floats(-3, 3)))
    out = np.tile(x.reshape((1,) * (len(reps) - x.ndim) + x.shape), reps)
    check_backprop(lambda t: t.repeat(*reps), lambda a: np.tile(a.reshape((1,) * (len(reps) - a.ndim) + a.shape), reps),
                   [x], upstream_for(data, out.shape))


@given(data=st.data())
def test_gather(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    idx_shape = tuple(data.draw(st.integers(1, n)) if d != dim % len(shape) else data.draw(st.integers(1, 4))
                      for d, n in enumerate(shape))
    index = data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, shape[dim] - 1)))
    x = data.draw(float_arrays(shape, st.floats(-3, 3)))

    def reference(a):
        return np.take_along_axis(a[tuple(slice(0, n) if d != dim % a.ndim else slice(None)
                                          for d, n in enumerate(idx_shape))], index, axis=dim)

    check_backprop(lambda t: t.gather(dim, Tensor(index)), reference, [x], upstream_for(data, idx_shape))


@given(data=st.data())
def test_index_select_repeats_accumulate(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    dim = data.draw(st.integers(0, len(shape) - 1))
    index = np.asarray(data.draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=5)))
    x = data.draw(float_arrays(shape, st.floats(-3, 3)))
    out = np.take(x, index, axis=dim)
    check_backprop(lambda t: torch.index_select(t, dim, torch.tensor(index)), lambda a: np.take(a, index, axis=dim),
                   [x], upstream_for(data, out.shape))


@given(data=st.data())
def test_masked_fill(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    mask = data.draw(hnp.arrays(np.bool_, shape))
    x = data.draw(float_arrays(shape, st.floats(-3, 3)))
    check_backprop(lambda t: t.masked_fill(Tensor(mask), -5.0), lambda a: np.where(mask, -5.0, a), [x],
                   upstream_for(data, shape))


@given(data=st.data())
def test_pad(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    k = data.draw(st.integers(1, len(shape)))
    pad = tuple(data.draw(st.integers(0, 2)) for _ in range(2 * k))
    widths = [(0, 0)] * (len(shape) - k) + [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]
    x = data.draw(float_arrays(shape, st.floats(-3, 3)))
    out = np.pad(x, widths, constant_values=0.5)
    check_backprop(lambda t: F.pad(t, pad, value=0.5), lambda a: np.pad(a, widths, constant_values=0.5), [x],
                   upstream_for(data, out.shape))


test_clone = backprop_test(lambda x: x.clone() * 2, lambda a: a * 2, shapes=one_shape)


def test_cast_keeps_the_graph_and_casts_the_gradient_back():
    x = Tensor(np.array([1.5, -2.0], dtype=np.float32), requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.grad_fn.name() == "CastBackward0"
    (y * np.array([3.0, 4.0])).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    assert x.long().dtype == np.int64 and not x.long().requires_grad
    assert x.float() is x


# ---- losses and normalization ----------------------------------------------------------------------
@st.composite
def class_problem(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    targets = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1) | st.just(-100)))
    return (n, c), targets


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@given(data=st.data())
def test_nll_loss(data, reduction, weighted):
    (n, c), targets = data.draw(class_problem())
    if reduction == "mean" and not (targets != -100).any():
        targets[0] = 0
    x = data.draw(float_arrays((n, c), st.floats(-3, 0)))
    weight = np.linspace(0.5, 2.0, c) if weighted else None

    def reference(a):
        valid = targets != -100
        w = np.where(valid, 1.0 if weight is None else weight[np.where(valid, targets, 0)], 0.0)
        losses = -w * a[np.arange(n), np.where(valid, targets, 0)]
        return {"none": losses, "sum": losses.sum(), "mean": losses.sum() / w.sum() if w.sum() else np.nan}[reduction]

    out_shape = np.shape(reference(x))
    check_backprop(lambda t: F.nll_loss(t, torch.tensor(targets), weight=None if weight is None else Tensor(weight),
                                        reduction=reduction), reference, [x], upstream_for(data, out_shape))


@given(data=st.data(), pos=st.booleans())
def test_binary_cross_entropy_with_logits(data, pos):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3))
    x = data.draw(float_arrays(shape, st.floats(-6, 6)))
    y = data.draw(float_arrays(shape, st.floats(0, 1)))
    pw = np.linspace(0.5, 2, shape[-1]) if pos else None

    def reference(a, b):
        s = 1 / (1 + np.exp(-a))
        return np.mean(-((1.0 if pw is None else pw) * b * np.log(s) + (1 - b) * np.log(1 - s)))

    check_backprop(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=None if pw is None else Tensor(pw)),
                   reference, [x, y], upstream_for(data, ()))


@given(data=st.data(), affine=st.booleans())
def test_layer_norm(data, affine):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    k = data.draw(st.integers(1, len(shape)))
    norm_shape = shape[len(shape) - k:]
    x = data.draw(float_arrays(shape, st.floats(-3, 3), unique=True))
    arrays = [x] + ([data.draw(float_arrays(norm_shape, st.floats(-2, 2))), data.draw(float_arrays(norm_shape, st.floats(-2, 2)))] if affine else [])
    axes = tuple(range(len(shape) - k, len(shape)))

    def reference(a, w=None, b=None):
        out = (a - a.mean(axis=axes, keepdims=True)) / np.sqrt(a.var(axis=axes, keepdims=True) + 1e-5)
        return out if w is None else out * w + b

    check_backprop(lambda a, *wb: F.layer_norm(a, norm_shape, *wb, eps=1e-5), reference, arrays,
                   upstream_for(data, shape), atol=1e-5, rtol=1e-4)




@given(data=st.data())
def test_setitem_records_index_put(data):
    """``x[k] = v`` on a tensor in the graph (or with v in it) is recorded: gradients reach v and the entries of x
    that were not overwritten (PyTorch's CopySlices), e.g. the seq2seq tutorial's ``encoder_outputs[ei] = out[0, 0]``."""
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3))
    k = data.draw(st.integers(-n, n - 1))
    broadcast_value = data.draw(st.booleans())
    x = data.draw(float_arrays((n, m), st.floats(-3, 3)))
    v = data.draw(float_arrays((1,) if broadcast_value else (m,), st.floats(-3, 3)))

    def ours(a, b):
        out = a.clone()
        out[k] = b * 2
        return out

    def reference(a, b):
        out = np.array(a, copy=True)
        out[k] = b * 2
        return out

    check_backprop(ours, reference, [x, v], upstream_for(data, (n, m)))


def test_setitem_into_a_plain_buffer_carries_the_gradient():
    w = Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True)
    buf = torch.zeros(3, 3, dtype=torch.float64)
    for i in range(2):
        buf[i] = (w[i] * 2).tanh()
    buf[0] = w[1]  # overwriting row 0: its first value gets no gradient
    assert buf.grad_fn.name() == "IndexPutBackward0" and not buf.is_leaf
    buf.sum().backward()
    np.testing.assert_allclose(w.grad, [[0, 0, 0], 1 + 2 * (1 - np.tanh(2 * w.data[1]) ** 2)])
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = Tensor(np.zeros(3), requires_grad=True)


_INT_FLOAT_CASES = {
    "int / int": (lambda t: t.tensor([1, 2]) / 2, "float32"),
    "int * float": (lambda t: t.tensor([1, 2]) * 1.5, "float32"),
    "float * int tensor": (lambda t: 2.5 * t.tensor([1, 2]), "float32"),
    "int ** float": (lambda t: t.tensor([1, 4]) ** 0.5, "float32"),
    "int tensor / int tensor": (lambda t: t.tensor([3, 4]) / t.tensor([2, 2]), "float32"),
    "bool sum / int": (lambda t: (t.tensor([1, 2, 3]) > 1).sum() / 3, "float32"),
    "arange * float": (lambda t: t.arange(4) * 0.1, "float32"),
    "int + int": (lambda t: t.tensor([1, 2]) + 1, "int64"),
    "float64 * float": (lambda t: t.ones(2, dtype=t.float64) * 0.5, "float64"),
    "float32 / int tensor": (lambda t: t.ones(2) / t.tensor([2, 4]), "float32"),
}


@pytest.mark.parametrize("case", sorted(_INT_FLOAT_CASES))
def test_integer_tensors_meeting_floats_give_the_default_float_dtype(case):
    """PyTorch's promotion where numpy's differs: integer tensors divided, or meeting a Python float, become
    float32 (the default dtype), not float64; float tensors keep their dtype; with torch installed, its own."""
    fn, want = _INT_FLOAT_CASES[case]
    got = fn(torch)
    assert str(got.dtype) == want
    try:
        import torch as real_torch
    except ImportError:
        return
    expected = fn(real_torch)
    assert str(expected.dtype) == f"torch.{want}"
    np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-6)


# cumsum, tril/triu: gradients by finite differences against numpy's definitions; the NaN/inf tests by value
_matrices = hnp.array_shapes(min_dims=2, max_dims=3, max_side=4).map(lambda s: (s,))
test_cumsum = backprop_test(lambda x, dim: torch.cumsum(x, dim=dim), lambda a, dim: np.cumsum(a, axis=dim),
                            shapes=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).map(lambda s: (s,)),
                            kwargs=lambda shapes: st.fixed_dictionaries(
                                {"dim": st.integers(-len(shapes[0]), len(shapes[0]) - 1)}))
test_tril = backprop_test(lambda x, diagonal: x.tril(diagonal), lambda a, diagonal: np.tril(a, diagonal),
                          shapes=_matrices, kwargs=lambda shapes: st.fixed_dictionaries({"diagonal": st.integers(-2, 2)}))
test_triu = backprop_test(lambda x, diagonal: torch.triu(x, diagonal), lambda a, diagonal: np.triu(a, diagonal),
                          shapes=_matrices, kwargs=lambda shapes: st.fixed_dictionaries({"diagonal": st.integers(-2, 2)}))


def test_isnan_isinf_isfinite_and_integer_cumsum():
    x = torch.tensor([1.0, float("nan"), float("inf"), -float("inf")])
    assert torch.isnan(x).tolist() == [False, True, False, False]
    assert x.isinf().tolist() == [False, False, True, True]
    assert torch.isfinite(x).tolist() == [True, False, False, False]
    ints = torch.tensor([1, 2, 3], dtype=torch.int32).cumsum(0)
    assert ints.tolist() == [1, 3, 6] and ints.dtype == torch.int64  # PyTorch sums integers as int64
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        torch.ones(3).tril()
