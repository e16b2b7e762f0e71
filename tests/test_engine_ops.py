"""Every engine op, one hypothesis test each: forward against plain numpy, backward against central
finite differences of that numpy reference (see op_factory), plus the documented special rules
(max ties, stable softmax, cross-entropy closed form, embedding scatter-add)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn
from tinygrad_rnn import F, Tensor

from op_factory import (
    away_from_zero,
    backprop_test,
    broadcastable_shapes,
    check_backprop,
    float_arrays,
    grid_floats,
    upstream_for,
)

one_shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3).map(lambda s: (s,))
positive = st.floats(0.1, 4.0)
# k/10 + 0.05: never within 0.05 of 0 (relu, abs) nor of ±1 (clip bounds)
off_grid = grid_floats(-3, 3, 0.1, offset=0.05)


# ---- binary arithmetic, broadcasting ------------------------------------------------------------
test_add = backprop_test(lambda a, b: a + b, np.add, num_arrays=2)
test_sub = backprop_test(lambda a, b: a - b, np.subtract, num_arrays=2)
test_mul = backprop_test(lambda a, b: a * b, np.multiply, num_arrays=2)
test_div = backprop_test(lambda a, b: a / b, np.divide, num_arrays=2, elements=[st.floats(-3, 3), away_from_zero(0.3)])
test_neg = backprop_test(lambda a: -a, np.negative, shapes=one_shape)
test_three_way_broadcast = backprop_test(lambda a, b, c: a * b + c, lambda a, b, c: a * b + c, num_arrays=3)

# ---- powers -----------------------------------------------------------------------------------
test_pow_tensor_tensor = backprop_test(
    lambda a, b: a**b, np.power, num_arrays=2, elements=[st.floats(0.2, 3.0), st.floats(-2, 2)]
)


@given(data=st.data(), exponent=st.sampled_from([2, 3, 0.5, -1.5, 1.7, -2]))
def test_pow_tensor_number(data, exponent):
    shp = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    x = data.draw(float_arrays(shp, st.floats(0.2, 3.0)))
    check_backprop(lambda t: t**exponent, lambda a: a**exponent, [x], upstream_for(data, shp))


@given(data=st.data())
def test_pow_integer_exponent_negative_base(data):
    shp = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    x = data.draw(float_arrays(shp, st.floats(-3, 3)))
    check_backprop(lambda t: t**2, lambda a: a**2, [x], upstream_for(data, shp))


@given(data=st.data(), base=st.sampled_from([0.5, 2.0, np.e, 3]))
def test_pow_number_tensor(data, base):
    shp = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    x = data.draw(float_arrays(shp, st.floats(-2, 2)))
    check_backprop(lambda t: base**t, lambda a: np.power(float(base), a), [x], upstream_for(data, shp))


# ---- reflected forms with Python numbers and numpy arrays ------------------------------------
NUMBER_FORMS = {
    "radd": (lambda t: 2.5 + t, lambda a: 2.5 + a),
    "rsub": (lambda t: 2.5 - t, lambda a: 2.5 - a),
    "rmul": (lambda t: -1.5 * t, lambda a: -1.5 * a),
    "rdiv": (lambda t: 2.5 / t, lambda a: 2.5 / a),
    "add": (lambda t: t + 2, lambda a: a + 2),
    "sub": (lambda t: t - 2, lambda a: a - 2),
    "mul": (lambda t: t * 3, lambda a: a * 3),
    "div": (lambda t: t / 4, lambda a: a / 4),
    # numpy scalars have their own operators; they must defer to the Tensor, not return an ndarray
    "np_scalar_rmul": (lambda t: np.float64(1.5) * t, lambda a: 1.5 * a),
    "np_scalar_rsub": (lambda t: np.float32(0.5) - t, lambda a: 0.5 - a),
    "np_scalar_rpow": (lambda t: np.float64(2.0) ** t, lambda a: 2.0**a),
}


@pytest.mark.parametrize("name", sorted(NUMBER_FORMS))
@given(data=st.data())
def test_forms_with_numbers(name, data):
    tfn, nfn = NUMBER_FORMS[name]
    shp = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    x = data.draw(float_arrays(shp, st.floats(0.2, 3.0)))
    check_backprop(tfn, nfn, [x], upstream_for(data, shp))


ARRAY_FORMS = {
    "radd": (lambda a, t: a + t, np.add),
    "rsub": (lambda a, t: a - t, np.subtract),
    "rmul": (lambda a, t: a * t, np.multiply),
    "rdiv": (lambda a, t: a / t, np.divide),
    "rpow": (lambda a, t: a**t, np.power),
}


@pytest.mark.parametrize("name", sorted(ARRAY_FORMS))
@given(data=st.data())
def test_reflected_forms_with_numpy_arrays(name, data):
    """``ndarray op Tensor`` must reach the Tensor's reflected operator (not numpy's elementwise loop)."""
    tfn, nfn = ARRAY_FORMS[name]
    shapes = data.draw(broadcastable_shapes(2))
    a = data.draw(float_arrays(shapes[0], st.floats(0.2, 3.0)))
    t = data.draw(float_arrays(shapes[1], st.floats(0.2, 3.0)))
    out_shape = np.broadcast_shapes(*shapes)
    check_backprop(tfn, nfn, [a, t], upstream_for(data, out_shape), constant=[True, False])


def test_reflected_matmul_with_numpy_array():
    rng = np.random.default_rng(1)
    a, w = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    check_backprop(lambda a, t: a @ t, np.matmul, [a, w], rng.normal(size=(2, 4)), constant=[True, False])


# ---- matmul -----------------------------------------------------------------------------------
@st.composite
def matmul_shapes(draw):
    kind = draw(st.sampled_from(["1d@1d", "1d@2d", "2d@1d", "2d@2d", "batched", "1d@batched", "batched@1d"]))
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    ba, bb = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)).input_shapes
    return {
        "1d@1d": ((k,), (k,)),
        "1d@2d": ((k,), (k, n)),
        "2d@1d": ((m, k), (k,)),
        "2d@2d": ((m, k), (k, n)),
        "batched": (ba + (m, k), bb + (k, n)),
        "1d@batched": ((k,), bb + (k, n)),
        "batched@1d": (ba + (m, k), (k,)),
    }[kind]


test_matmul = backprop_test(lambda a, b: a @ b, np.matmul, shapes=matmul_shapes())


# ---- elementwise functions --------------------------------------------------------------------
test_exp = backprop_test(lambda x: x.exp(), np.exp, shapes=one_shape)
test_log = backprop_test(lambda x: x.log(), np.log, shapes=one_shape, elements=positive)
test_tanh = backprop_test(lambda x: x.tanh(), np.tanh, shapes=one_shape)
test_sigmoid = backprop_test(lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), shapes=one_shape, elements=st.floats(-8, 8))
test_relu = backprop_test(lambda x: x.relu(), lambda a: a * (a > 0), shapes=one_shape, elements=off_grid)
test_sqrt = backprop_test(lambda x: x.sqrt(), np.sqrt, shapes=one_shape, elements=positive)
test_abs = backprop_test(lambda x: x.abs(), np.abs, shapes=one_shape, elements=off_grid)
test_clip = backprop_test(
    lambda x, lo, hi: x.clip(lo, hi),
    lambda a, lo, hi: np.clip(a, lo, hi),
    shapes=one_shape,
    elements=off_grid,
    kwargs=lambda s: st.sampled_from([(-1, 1), (None, 1), (-1, None), (0.3, 2)]).map(lambda b: {"lo": b[0], "hi": b[1]}),
)
test_functional_tanh = backprop_test(F.tanh, np.tanh, shapes=one_shape)
test_functional_sigmoid = backprop_test(F.sigmoid, lambda a: 1 / (1 + np.exp(-a)), shapes=one_shape)
test_functional_relu = backprop_test(F.relu, lambda a: a * (a > 0), shapes=one_shape, elements=off_grid)
# a grid offset by half a step against a plain grid: a and b never tie
test_maximum = backprop_test(
    lambda a, b: a.maximum(b), np.maximum, num_arrays=2, elements=[off_grid, grid_floats(-3, 3, 0.1)]
)
test_functional_maximum = backprop_test(
    tinygrad_rnn.maximum, np.maximum, num_arrays=2, elements=[grid_floats(-3, 3, 0.1), off_grid]
)


def test_sigmoid_extreme_values_do_not_overflow():
    x = Tensor(np.array([-1e4, -800.0, 0.0, 800.0, 1e4]), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = x.sigmoid()
        y.backward(np.ones(5))
    np.testing.assert_allclose(y.data, [0, 0, 0.5, 1, 1], atol=1e-300)
    np.testing.assert_allclose(x.grad, [0, 0, 0.25, 0, 0], atol=1e-300)


def test_maximum_ties_split_equally():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 5.0, 3.0]), requires_grad=True)
    a.maximum(b).backward(np.array([2.0, 4.0, 6.0]))
    np.testing.assert_array_equal(a.grad, [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(b.grad, [1.0, 4.0, 3.0])


def test_maximum_with_number():
    x = Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    y = x.maximum(0.0)
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 3.0])


@given(data=st.data())
def test_where(data):
    cond_shape, a_shape, b_shape = data.draw(broadcastable_shapes(3))
    cond = data.draw(hnp.arrays(np.bool_, cond_shape))
    a = data.draw(float_arrays(a_shape, st.floats(-3, 3)))
    b = data.draw(float_arrays(b_shape, st.floats(-3, 3)))
    out_shape = np.broadcast_shapes(cond_shape, a_shape, b_shape)
    use_tensor_cond = data.draw(st.booleans())
    c = Tensor(cond) if use_tensor_cond else cond
    check_backprop(lambda x, y: tinygrad_rnn.where(c, x, y), lambda x, y: np.where(cond, x, y), [a, b], upstream_for(data, out_shape))


# ---- reductions -------------------------------------------------------------------------------
@st.composite
def reduce_kwargs(draw, shapes):
    ndim = len(shapes[0])
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if ndim == 0 or choice == "none":
        axis = None
    elif choice == "int":
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        axes = draw(hnp.valid_tuple_axes(ndim, min_size=1))
        axis = tuple(a % ndim - ndim if draw(st.booleans()) else a % ndim for a in axes)
    return {"axis": axis, "keepdims": draw(st.booleans())}


test_sum = backprop_test(lambda x, **kw: x.sum(**kw), lambda a, **kw: np.sum(a, **kw), shapes=one_shape, kwargs=reduce_kwargs)
test_mean = backprop_test(lambda x, **kw: x.mean(**kw), lambda a, **kw: np.mean(a, **kw), shapes=one_shape, kwargs=reduce_kwargs)
# unique values on a 0.1 grid: no two candidates for the max within finite-difference reach
test_max = backprop_test(
    lambda x, **kw: x.max(**kw),
    lambda a, **kw: np.max(a, **kw),
    shapes=one_shape,
    kwargs=reduce_kwargs,
    elements=grid_floats(-3, 3, 0.1),
    unique=True,
)


def test_max_ties_split_gradient_equally():
    """The documented rule: tied maxima share the gradient equally (not first-wins)."""
    x = Tensor(np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 2.0], [5.0, 5.0, 5.0]]), requires_grad=True)
    x.max(axis=1).backward(np.array([2.0, 4.0, 3.0]))
    np.testing.assert_allclose(x.grad, [[1.0, 0.0, 1.0], [0.0, 2.0, 2.0], [1.0, 1.0, 1.0]])
    y = Tensor(np.array([[1.0, 4.0], [4.0, 4.0]]), requires_grad=True)
    y.max().backward()
    np.testing.assert_allclose(y.grad, [[0.0, 1 / 3], [1 / 3, 1 / 3]])


def test_reductions_of_0d_tensor():
    x = Tensor(np.array(2.5), requires_grad=True)
    (x.sum() * 2 + x.mean() * 3 + x.max() * 4).backward()
    assert x.grad.shape == ()
    assert x.grad == 9.0


# ---- shape ops --------------------------------------------------------------------------------
@st.composite
def reshape_kwargs(draw, shapes):
    shape = shapes[0]
    size = int(np.prod(shape))
    candidates = [(size,), (-1,), tuple(reversed(shape)), (1, size), (size, 1, 1), (-1, 1)]
    if size == 1:
        candidates.append(())
    new = draw(st.sampled_from(candidates))
    return {"new": new, "splat": draw(st.booleans())}


test_reshape = backprop_test(
    lambda x, new, splat: x.reshape(*new) if splat else x.reshape(new),
    lambda a, new, splat: a.reshape(new),
    shapes=one_shape,
    kwargs=reshape_kwargs,
)


@st.composite
def transpose_kwargs(draw, shapes):
    ndim = len(shapes[0])
    if draw(st.booleans()):
        return {"axes": None}
    perm = draw(st.permutations(range(ndim)))
    return {"axes": tuple(a - ndim if draw(st.booleans()) else a for a in perm)}


test_transpose = backprop_test(
    lambda x, axes: x.transpose() if axes is None else x.permute(*axes),
    lambda a, axes: np.transpose(a, axes),
    shapes=hnp.array_shapes(min_dims=0, max_dims=4, max_side=3).map(lambda s: (s,)),
    kwargs=transpose_kwargs,
)
test_T = backprop_test(lambda x: x.T, lambda a: a.T, shapes=one_shape)


def test_transpose_negative_axes_square():
    """Square shapes hide a wrong inverse permutation in the shape check; the values must still be right."""
    x = Tensor(np.zeros((2, 2)), requires_grad=True)
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    x.permute(-1, 0).backward(g)
    np.testing.assert_array_equal(x.grad, g.T)


test_getitem_basic = backprop_test(
    lambda x, idx: x[idx],
    lambda a, idx: a[idx],
    shapes=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4).map(lambda s: (s,)),
    kwargs=lambda s: hnp.basic_indices(s[0], allow_newaxis=True, allow_ellipsis=True).map(lambda i: {"idx": i}),
)
test_getitem_int_arrays = backprop_test(
    lambda x, idx: x[idx],
    lambda a, idx: a[idx],
    shapes=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).map(lambda s: (s,)),
    kwargs=lambda s: hnp.integer_array_indices(s[0], result_shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=5)).map(
        lambda i: {"idx": i}
    ),
)
test_getitem_bool_mask = backprop_test(
    lambda x, mask: x[mask],
    lambda a, mask: a[mask],
    shapes=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).map(lambda s: (s,)),
    kwargs=lambda s: hnp.arrays(np.bool_, s[0]).map(lambda m: {"mask": m}),
)


def test_getitem_repeated_indices_accumulate():
    x = Tensor(np.arange(5.0), requires_grad=True)
    x[np.array([1, 3, 1, 1, -1])].backward(np.array([1.0, 10.0, 100.0, 1000.0, 7.0]))
    np.testing.assert_array_equal(x.grad, [0.0, 1101.0, 0.0, 10.0, 7.0])
    y = Tensor(np.zeros((3, 2)), requires_grad=True)
    y[[0, 0, 2]].sum().backward()  # a Python list index, rows repeated
    np.testing.assert_array_equal(y.grad, [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]])


def test_getitem_mixed_slice_and_arrays():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 4, 5))
    for idx in [(slice(None), np.array([0, 2, 0]), np.array([1, 1, 1])), (np.array([0, 2, 0]), slice(1, 3), np.array([4, 4, 0]))]:
        out_shape = a[idx].shape
        check_backprop(lambda t: t[idx], lambda x: x[idx], [a], rng.normal(size=out_shape))


@st.composite
def concat_shapes(draw):
    ndim = draw(st.integers(1, 3))
    base = list(draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, max_side=3)))
    axis = draw(st.integers(-ndim, ndim - 1))
    count = draw(st.integers(1, 3))
    shapes = []
    for _ in range(count):
        s = list(base)
        s[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(s))
    return tuple(shapes), axis


@given(data=st.data(), via=st.sampled_from(["method", "module"]))
def test_concatenate(data, via):
    shapes, axis = data.draw(concat_shapes())
    arrays = [data.draw(float_arrays(s, st.floats(-3, 3))) for s in shapes]
    cat = Tensor.concatenate if via == "method" else tinygrad_rnn.concatenate
    out_shape = np.concatenate(arrays, axis=axis).shape
    check_backprop(lambda *ts: cat(list(ts), axis=axis), lambda *xs: np.concatenate(xs, axis=axis), arrays, upstream_for(data, out_shape))


@given(data=st.data(), via=st.sampled_from(["method", "module"]))
def test_stack(data, via):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    count = data.draw(st.integers(1, 3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = [data.draw(float_arrays(shape, st.floats(-3, 3))) for _ in range(count)]
    stack = Tensor.stack if via == "method" else tinygrad_rnn.stack
    out_shape = np.stack(arrays, axis=axis).shape
    check_backprop(lambda *ts: stack(list(ts), axis=axis), lambda *xs: np.stack(xs, axis=axis), arrays, upstream_for(data, out_shape))


# ---- softmax family ---------------------------------------------------------------------------
def _np_softmax(a, axis):
    e = np.exp(a)  # bounded test values: the unshifted formula is an independent reference
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(a, axis):
    return a - np.log(np.exp(a).sum(axis=axis, keepdims=True))


softmax_shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).map(lambda s: (s,))
softmax_axis = lambda s: st.integers(-len(s[0]), len(s[0]) - 1).map(lambda a: {"axis": a})  # noqa: E731
test_softmax = backprop_test(
    lambda x, axis: x.softmax(axis=axis), _np_softmax, shapes=softmax_shapes, kwargs=softmax_axis, elements=st.floats(-5, 5)
)
test_log_softmax = backprop_test(
    lambda x, axis: x.log_softmax(axis=axis), _np_log_softmax, shapes=softmax_shapes, kwargs=softmax_axis, elements=st.floats(-5, 5)
)
test_functional_softmax = backprop_test(
    lambda x, axis: F.softmax(x, axis=axis), _np_softmax, shapes=softmax_shapes, kwargs=softmax_axis, elements=st.floats(-5, 5)
)
test_functional_log_softmax = backprop_test(
    lambda x, axis: F.log_softmax(x, axis=axis), _np_log_softmax, shapes=softmax_shapes, kwargs=softmax_axis, elements=st.floats(-5, 5)
)


def test_softmax_family_stable_at_large_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    x = Tensor(logits, requires_grad=True)
    with np.errstate(over="raise", invalid="raise"):
        sm = x.softmax()
        lsm = x.log_softmax()
        (sm * np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])).sum().backward()
        lsm.sum().backward()
    np.testing.assert_allclose(sm.data, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-15)
    np.testing.assert_allclose(lsm.data, [[0, -2e4, -1e4], [-np.log(3)] * 3], rtol=1e-12)
    assert np.all(np.isfinite(x.grad))
    loss = F.cross_entropy(Tensor(logits, requires_grad=True), np.array([1, 2]))
    np.testing.assert_allclose(loss.item(), (2e4 + np.log(3)) / 2, rtol=1e-12)


# ---- cross-entropy ----------------------------------------------------------------------------
def _np_cross_entropy(logits, targets, reduction, ignore_index):
    lsm = _np_log_softmax(logits, -1)
    valid = targets != ignore_index
    picked = np.take_along_axis(lsm, np.where(valid, targets, 0)[..., None], axis=-1)[..., 0]
    losses = np.where(valid, -picked, 0.0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / valid.sum()


@given(data=st.data(), reduction=st.sampled_from(["mean", "sum", "none"]), ignore_index=st.sampled_from([-100, 0, 2]))
def test_cross_entropy(data, reduction, ignore_index):
    batched = data.draw(st.booleans())
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 5))
    shape = (n, c) if batched else (c,)
    logits = data.draw(float_arrays(shape, st.floats(-5, 5)))
    choices = st.integers(0, c - 1) | st.just(ignore_index)
    targets = np.array(data.draw(st.lists(choices, min_size=n, max_size=n)) if batched else data.draw(choices), dtype=np.int64)
    if reduction == "mean":
        assume(np.any(targets != ignore_index))
    expected = _np_cross_entropy(logits, targets, reduction, ignore_index)
    check_backprop(
        lambda t: F.cross_entropy(t, targets, reduction=reduction, ignore_index=ignore_index),
        lambda a: _np_cross_entropy(a, targets, reduction, ignore_index),
        [logits],
        upstream_for(data, np.shape(expected)),
    )


@given(data=st.data())
def test_cross_entropy_backward_is_softmax_minus_one_hot_over_n(data):
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 6))
    logits = data.draw(float_arrays((n, c), st.floats(-20, 20)))
    targets = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    x = Tensor(logits, requires_grad=True)
    F.cross_entropy(x, targets).backward()
    one_hot = np.eye(c)[targets]
    np.testing.assert_allclose(x.grad, (_np_softmax(logits, -1) - one_hot) / n, atol=1e-12)
    x.grad = None
    F.cross_entropy(x, targets, reduction="sum").backward()
    np.testing.assert_allclose(x.grad, _np_softmax(logits, -1) - one_hot, atol=1e-12)


def test_cross_entropy_ignore_index_rows_get_zero_grad_and_mean_over_valid():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0], [2.0, -1.0, 0.0]])
    targets = np.array([2, -100, 0])
    x = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, targets)
    loss.backward()
    lsm = _np_log_softmax(logits, -1)
    np.testing.assert_allclose(loss.item(), -(lsm[0, 2] + lsm[2, 0]) / 2, rtol=1e-12)
    np.testing.assert_array_equal(x.grad[1], 0.0)
    none = F.cross_entropy(Tensor(logits), targets, reduction="none")
    np.testing.assert_allclose(none.data, [-lsm[0, 2], 0.0, -lsm[2, 0]], rtol=1e-12)


# ---- embedding, linear ------------------------------------------------------------------------
@given(data=st.data())
def test_embedding(data):
    v, d = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 3))
    weight = data.draw(float_arrays((v, d), st.floats(-3, 3)))
    idx_shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4))
    idx = data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, v - 1)))
    as_tensor = data.draw(st.booleans())
    ids = Tensor(idx) if as_tensor else idx
    check_backprop(lambda w: F.embedding(w, ids), lambda w: w[idx], [weight], upstream_for(data, idx_shape + (d,)))


def test_embedding_repeated_ids_accumulate_and_unused_rows_stay_zero():
    weight = Tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    ids = np.array([[4, 1], [4, 4]])
    out = F.embedding(weight, ids)
    np.testing.assert_array_equal(out.data, weight.data[ids])
    g = np.array([[[1.0, 2.0], [3.0, 4.0]], [[10.0, 20.0], [100.0, 200.0]]])
    out.backward(g)
    expected = np.zeros((6, 2))
    expected[4] = [111.0, 222.0]
    expected[1] = [3.0, 4.0]
    np.testing.assert_array_equal(weight.grad, expected)


@st.composite
def linear_shapes(draw):
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    i, o = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (batch + (i,), (o, i), (o,))


test_linear = backprop_test(
    lambda x, w, b: F.linear(x, w, b), lambda x, w, b: x @ w.T + b, shapes=linear_shapes()
)
test_linear_no_bias = backprop_test(
    lambda x, w: F.linear(x, w), lambda x, w: x @ w.T, shapes=linear_shapes().map(lambda s: s[:2])
)


def test_pow_zero_base_gives_zero_exponent_gradient():
    """d/db 0**b = 0 for b > 0 (one-sided differences agree); not 0 * log(0) = nan."""
    b = Tensor(np.array([2.0, 0.5, 1.0]), requires_grad=True)
    with np.errstate(divide="raise", invalid="raise"):
        (0.0**b).backward(np.ones(3))
    np.testing.assert_array_equal(b.grad, [0.0, 0.0, 0.0])
    a = Tensor(np.array([0.0, 3.0]), requires_grad=True)
    e = Tensor(np.array([2.0, 0.5]), requires_grad=True)
    (a**e).sum().backward()
    np.testing.assert_allclose(e.grad, [0.0, np.sqrt(3) * np.log(3)], rtol=1e-12)
    np.testing.assert_allclose(a.grad, [0.0, 0.5 / np.sqrt(3)], rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_float32_keeps_dtype_and_matches_float64(reduction):
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(5, 7)) * 3
    targets = np.array([0, 6, 3, -100, 2])
    x32 = Tensor(logits.astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x32, targets, reduction=reduction)
    assert loss.dtype == np.float32
    loss.backward(np.ones(loss.shape, dtype=np.float32))
    assert x32.grad.dtype == np.float32
    x64 = Tensor(logits.astype(np.float32).astype(np.float64), requires_grad=True)
    ref = F.cross_entropy(x64, targets, reduction=reduction)
    ref.backward(np.ones(ref.shape))
    np.testing.assert_allclose(loss.data, ref.data, rtol=1e-5)
    np.testing.assert_allclose(x32.grad, x64.grad, rtol=1e-4, atol=1e-6)
