"""Properties of the autograd mechanism across ops: random expression trees against finite
differences, accumulation, grad mode, detach, deep graphs, graph release, dtypes, custom Functions."""
from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn
from tinygrad_rnn import F, Function, Tensor, enable_grad, get_default_dtype, is_grad_enabled, no_grad, set_default_dtype

from op_factory import broadcastable_shapes, check_backprop, float_arrays, numerical_grad, upstream_for


# ---- random expression trees ------------------------------------------------------------------
# Each op is given twice, for Tensors and for numpy arrays; the trees are evaluated with both and
# the Tensor backward is compared with finite differences of the numpy evaluation.
def _np_softmax(a):
    e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)


UNARY = {
    "tanh": (lambda t: t.tanh(), np.tanh),
    "sigmoid": (lambda t: t.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    "neg": (lambda t: -t, np.negative),
    "square": (lambda t: t * t, lambda a: a * a),
    "exp_tanh": (lambda t: t.tanh().exp(), lambda a: np.exp(np.tanh(a))),
    "log1p_sq": (lambda t: (1 + t * t).log(), lambda a: np.log(1 + a * a)),
    "sqrt1p_sq": (lambda t: (t**2 + 1).sqrt(), lambda a: np.sqrt(a**2 + 1)),
    "softmax": (lambda t: t.softmax(-1) if t.ndim else t, lambda a: _np_softmax(a) if a.ndim else a),
    "mean_last": (
        lambda t: t.mean(axis=-1, keepdims=True) if t.ndim else t,
        lambda a: a.mean(axis=-1, keepdims=True) if a.ndim else a,
    ),
    "sum_first": (lambda t: t.sum(axis=0) if t.ndim else t, lambda a: a.sum(axis=0) if a.ndim else a),
    "scale": (lambda t: 0.5 * t - 1, lambda a: 0.5 * a - 1),
}
BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "safe_div": (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b)),
}


def evaluate(tree, leaves, which: int):
    kind = tree[0]
    if kind == "leaf":
        return leaves[tree[1]]
    if kind in UNARY:
        return UNARY[kind][which](evaluate(tree[1], leaves, which))
    return BINARY[kind][which](evaluate(tree[1], leaves, which), evaluate(tree[2], leaves, which))


def _uses(tree) -> set[int]:
    if tree[0] == "leaf":
        return {tree[1]}
    return set().union(*(_uses(t) for t in tree[1:]))


expression_trees = st.recursive(
    st.integers(0, 2).map(lambda i: ("leaf", i)),
    lambda children: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), children),
        st.tuples(st.sampled_from(sorted(BINARY)), children, children),
    ),
    max_leaves=8,
)


@given(data=st.data(), tree=expression_trees)
def test_random_expression_trees_match_finite_differences(data, tree):
    shapes = data.draw(broadcastable_shapes(3, max_dims=2, max_side=3))
    arrays = [data.draw(float_arrays(s, st.floats(-1.5, 1.5))) for s in shapes]
    leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = evaluate(tree, leaves, 0)
    expected = evaluate(tree, arrays, 1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    upstream = upstream_for(data, np.shape(expected))
    out.backward(upstream)
    used = sorted(_uses(tree))
    numeric = numerical_grad(lambda *xs: evaluate(tree, xs, 1), arrays, upstream, used)
    for i, num in zip(used, numeric):
        assert leaves[i].grad.shape == arrays[i].shape
        np.testing.assert_allclose(leaves[i].grad, num, rtol=1e-4, atol=1e-5)
    for i in set(range(3)) - set(used):
        assert leaves[i].grad is None


# ---- accumulation -----------------------------------------------------------------------------
def test_diamond_reuse_accumulates():
    a = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    b = a + a
    c = b * b  # c = 4 a^2
    c.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(a.grad, 8 * a.data * np.array([1.0, 2.0, 3.0]))


def test_same_tensor_as_both_operands_and_in_several_branches():
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    y = x * x + x.tanh() * x - x / 4  # d/dx = 2x + (1 - tanh^2) x + tanh - 1/4
    y.sum().backward()
    t = np.tanh(x.data)
    np.testing.assert_allclose(x.grad, 2 * x.data + (1 - t**2) * x.data + t - 0.25, rtol=1e-12)


def test_leaf_grads_accumulate_across_backward_calls():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 + 2 * x.data)
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_grads_of_broadcast_inputs_do_not_alias_each_other():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    (a + b).sum().backward()
    a.grad[0, 0] = 100.0
    assert b.grad[0, 0] == 1.0


# ---- grad mode --------------------------------------------------------------------------------
def _records_graph(x: Tensor) -> bool:
    y = x * 2
    return y.requires_grad and not y.is_leaf


def test_no_grad_context_builds_no_graph():
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 2).tanh().sum()
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    assert _records_graph(x)


def test_no_grad_decorator_nested_and_enable_grad():
    x = Tensor(np.ones(3), requires_grad=True)

    @no_grad()
    def evaluate_twice():
        with no_grad():
            inner = _records_graph(x)
        after_inner = is_grad_enabled()
        with enable_grad():
            enabled = _records_graph(x)
            with no_grad():
                nested_off = _records_graph(x)
            still_on = _records_graph(x)
        return inner, after_inner, enabled, nested_off, still_on, _records_graph(x)

    assert evaluate_twice() == (False, False, True, False, True, False)
    assert evaluate_twice.__name__ == "evaluate_twice"
    assert is_grad_enabled()


def test_grad_mode_restored_on_exception():
    guard = no_grad()
    with pytest.raises(KeyError):
        with guard:
            with no_grad():
                raise KeyError("boom")
    assert is_grad_enabled()

    @no_grad()
    def fails():
        raise ValueError("inside")

    with pytest.raises(ValueError):
        fails()
    assert is_grad_enabled()
    with no_grad():
        with pytest.raises(ValueError):
            with enable_grad():
                raise ValueError("inside enable_grad")
        assert not is_grad_enabled()


def test_same_no_grad_instance_reentered():
    guard = no_grad()
    with guard:
        with guard:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_detach_stops_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(d.data, y.data)
    (d * x).sum().backward()  # d is a constant 3x: gradient is d, not 6x
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])


def test_ops_without_grad_inputs_record_nothing():
    a, b = Tensor(np.ones(2)), Tensor(np.ones(2))
    c = a * b + 1
    assert not c.requires_grad and c.is_leaf


# ---- deep graphs, graph release ---------------------------------------------------------------
def test_chain_of_100k_ops_backward_without_recursion():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
        y = y - 0.5
    y.backward(np.array([1.0, 2.0]))
    np.testing.assert_allclose(x.grad, 1.00001**50_000 * np.array([1.0, 2.0]), rtol=1e-9)


def test_deep_graph_can_be_dropped_without_backward():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    ref = weakref.ref(y)
    del y
    assert ref() is None


def test_graph_released_after_backward():
    gc.disable()  # the graph holds no cycles: plain reference counting must free it
    try:
        x = Tensor(np.ones((2, 3)), requires_grad=True)
        h = x.tanh()
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h
        assert ref() is not None  # alive: the graph still needs it
        loss.backward()
        assert ref() is None
        assert x.grad is not None
    finally:
        gc.enable()


def test_retain_graph_allows_second_backward_and_then_releases():
    gc.disable()
    try:
        x = Tensor(np.array([0.3, -0.7]), requires_grad=True)
        h = x.sigmoid()
        ref = weakref.ref(h)
        loss = (h * x).sum()
        del h
        loss.backward(retain_graph=True)
        first = x.grad.copy()
        assert ref() is not None
        loss.backward()
        np.testing.assert_allclose(x.grad, 2 * first, rtol=1e-15)
        assert ref() is None
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            loss.backward()
    finally:
        gc.enable()


def test_second_backward_without_retain_graph_raises():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time") as info:
        y.backward()
    assert "retain_graph" in str(info.value)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # the failed call added nothing


# ---- dtypes -----------------------------------------------------------------------------------
@pytest.fixture
def restore_default_dtype():
    saved = get_default_dtype()
    yield
    set_default_dtype(saved)


def test_fresh_import_default_dtype_is_float32():
    code = "import numpy as np, tinygrad_rnn as t; assert t.get_default_dtype() == np.float32; print(t.Tensor([1]).dtype)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "float32"


def test_default_dtype(restore_default_dtype):
    set_default_dtype(np.float32)  # other tests may have changed it (they should restore it, but not rely on that)
    assert Tensor([1, 2]).dtype == np.float32
    assert Tensor(2.5).dtype == np.float32
    set_default_dtype(np.float64)
    assert get_default_dtype() == np.float64
    assert Tensor([1.0, 2.0]).dtype == np.float64
    assert Tensor(3).dtype == np.float64
    set_default_dtype("float32")
    assert Tensor([[1.0]]).dtype == np.float32
    with pytest.raises(TypeError, match="int64"):
        set_default_dtype(np.int64)
    assert get_default_dtype() == np.float32


def test_array_dtypes_are_kept(restore_default_dtype):
    set_default_dtype(np.float64)
    for dt in (np.float16, np.float32, np.float64):
        arr = np.ones(3, dtype=dt)
        assert Tensor(arr).dtype == dt
    ints = Tensor(np.arange(3))
    assert ints.dtype.kind == "i"
    assert Tensor(np.arange(3, dtype=np.int32)).dtype == np.int32
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_mixed_float32_float64_grads_in_each_input_dtype():
    rng = np.random.default_rng(0)
    a64, b64 = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    a = Tensor(a64.astype(np.float32), requires_grad=True)
    b = Tensor(b64, requires_grad=True)
    out = (a * b).tanh() + a
    assert out.dtype == np.float64
    g = rng.normal(size=(2, 3))
    out.backward(g)
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    a_up = a.data.astype(np.float64)
    t = np.tanh(a_up * b64)
    np.testing.assert_allclose(a.grad, g * (1 - t**2) * b64 + g, rtol=1e-5)
    np.testing.assert_allclose(b.grad, (g * (1 - t**2) * a_up).sum(axis=0), rtol=1e-12)


def test_float32_ops_stay_float32_and_python_numbers_do_not_upcast():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = (2.0 * x + 1) / 3.0 - x**2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_backward_casts_upstream_to_tensor_dtype():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    (x * 2).backward(np.array([1.0, 0.5], dtype=np.float64))
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [2.0, 1.0])


def test_backward_of_leaf_itself_copies_upstream():
    x = Tensor(np.ones(2), requires_grad=True)
    g = np.array([3.0, 4.0])
    x.backward(g)
    g[0] = 100.0
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


# ---- custom Function --------------------------------------------------------------------------
class ScaledCube(Function):
    """y = scale * x**3 * w (x, w tensors; scale a plain number)."""

    seen_needs: list = []

    @staticmethod
    def forward(ctx, x, w, scale):
        ScaledCube.seen_needs.append(("forward", ctx.needs_input_grad))
        ctx.save_for_backward(x, w)
        ctx.scale = scale
        return scale * x**3 * w

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_arrays
        ScaledCube.seen_needs.append(("backward", ctx.needs_input_grad))
        gx = grad * 3 * ctx.scale * x**2 * w if ctx.needs_input_grad[0] else None
        gw = grad * ctx.scale * x**3 if ctx.needs_input_grad[1] else None
        return gx, gw, None


@given(data=st.data())
def test_custom_function_gradients(data):
    shapes = data.draw(broadcastable_shapes(2))
    arrays = [data.draw(float_arrays(s, st.floats(-2, 2))) for s in shapes]
    out_shape = np.broadcast_shapes(*shapes)
    check_backprop(
        lambda x, w: ScaledCube.apply(x, w, 0.5),
        lambda x, w: 0.5 * x**3 * w,
        arrays,
        upstream_for(data, out_shape),
    )
    x, w = (Tensor(a.copy(), requires_grad=True) for a in arrays)
    assert tinygrad_rnn.gradcheck(lambda x, w: ScaledCube.apply(x, w, 0.5), [x, w])


def test_a_pytorch_style_function_with_saved_tensors_and_autograd_gradcheck():
    """The tutorials' spelling: torch.autograd.Function, ctx.saved_tensors, torch.autograd.gradcheck."""
    import tinygrad_rnn as torch
    from tinygrad_rnn.autograd import gradcheck

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = np.exp(i)
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    assert gradcheck(Exp.apply, (x,)) and torch.autograd.gradcheck is torch.gradcheck
    Exp.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.exp(x.data))


def test_custom_function_needs_input_grad():
    ScaledCube.seen_needs.clear()
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 4.0]))  # no grad: backward may skip it and return None
    y = ScaledCube.apply(x, w, 2.0)
    assert y.requires_grad and not y.is_leaf
    y.sum().backward()
    assert ScaledCube.seen_needs == [("forward", (True, False, False)), ("backward", (True, False, False))]
    np.testing.assert_array_equal(x.grad, 3 * 2.0 * x.data**2 * w.data)
    assert w.grad is None
    with no_grad():
        z = ScaledCube.apply(x, w, 2.0)
    assert z.is_leaf and not z.requires_grad
    np.testing.assert_array_equal(z.data, 2.0 * x.data**3 * w.data)


def test_custom_function_returning_broadcast_gradients_is_unbroadcast():
    class BiasAdd(Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad  # full broadcast shape for both; the engine sums b's back

    x = Tensor(np.zeros((4, 3)), requires_grad=True)
    b = Tensor(np.zeros((1, 3), dtype=np.float32), requires_grad=True)
    BiasAdd.apply(x, b).backward(np.arange(12.0).reshape(4, 3))
    assert b.grad.shape == (1, 3) and b.grad.dtype == np.float32
    np.testing.assert_array_equal(b.grad, np.arange(12.0).reshape(4, 3).sum(axis=0, keepdims=True))


def test_custom_function_wrong_gradient_count_is_reported():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad  # one gradient for two inputs

    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="Bad.backward returned 1 gradients for 2 inputs"):
        Bad.apply(x, x).sum().backward()


def test_backward_receives_ndarrays_for_0d_outputs():
    """0-d arithmetic in numpy yields numpy scalars; a custom backward must still get an ndarray."""
    seen = []

    class Spy(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            seen.append(type(grad))
            return grad

    x = Tensor(np.array(1.5), requires_grad=True)
    (Spy.apply(x) + Tensor(np.ones(3))).sum().backward()  # summed back to shape ()
    y = Spy.apply(x)
    (y + y).backward()  # two 0-d contributions accumulated
    assert seen == [np.ndarray, np.ndarray]
    assert type(x.grad) is np.ndarray and x.grad == 5.0


def test_backward_inside_no_grad_still_works():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    with no_grad():
        y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_a_tensor_of_ids_or_a_mask_indexes_like_its_array():
    """x[ids_tensor] and x[mask_tensor] (PyTorch's usual spelling) read and set as x[array] does, with gradients."""
    x = Tensor(np.arange(6.0), requires_grad=True)
    ids, mask = Tensor(np.array([4, 1, 4])), x > 3.5
    y = x[ids].sum() + x[mask].sum() * 10
    y.backward()
    np.testing.assert_array_equal(x.grad, [0, 1, 0, 0, 12, 10])
    buf = Tensor(np.zeros(4))
    buf[Tensor(np.array([1, 3]))] = x[ids][:2]  # recorded: the value needs a gradient
    np.testing.assert_array_equal(buf.data, [0, 4, 0, 1])
    plain = Tensor(np.zeros(3))
    plain[Tensor(np.array([True, False, True]))] = 7.0
    np.testing.assert_array_equal(plain.data, [7, 0, 7])


def test_index_buffers_reused_before_backward_do_not_move_gradients():
    """Data loaders refill one id/mask buffer per batch; what backward uses must be what forward saw."""
    x = Tensor(np.zeros(4), requires_grad=True)
    idx = np.array([0, 1])
    mask = np.array([False, False, True, False])
    y = x[idx].sum() + x[mask].sum() * 10
    idx[:] = 3
    mask[:] = [True, False, False, False]
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 10.0, 0.0])

    w = Tensor(np.zeros((4, 1)), requires_grad=True)
    ids = np.array([0, 1])
    e = F.embedding(w, ids)
    ids[:] = 3
    e.sum().backward()
    np.testing.assert_array_equal(w.grad.ravel(), [1.0, 1.0, 0.0, 0.0])

    a = Tensor(np.zeros(2), requires_grad=True)
    cond = np.array([True, False])
    z = tinygrad_rnn.where(cond, a, 0.0)
    cond[:] = [False, True]
    z.sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 0.0])
