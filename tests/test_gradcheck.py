"""tinygrad_rnn.gradcheck: passes correct ops, catches wrong backwards with a message naming the input,
the index and both values, and leaves its inputs as they were."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn
from tinygrad_rnn import F, Function, GradcheckError, Tensor, gradcheck

from op_factory import float_arrays, numerical_grad

MESSAGE = re.compile(
    r"input (?P<input>\d+) \(shape (?P<shape>\([^)]*\))\) at index (?P<index>\([^)]*\)): "
    r"analytic (?P<analytic>\S+), numeric (?P<numeric>\S+), error"
)


def _leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


class OffByOneAt(Function):
    """x * w whose gradient for w is wrong by exactly +1 at w[1, 0]."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_arrays
        gw = grad * x
        gw[1, 0] += 1.0
        return grad * w, gw


def test_wrong_custom_backward_is_caught_with_input_index_and_values():
    rng = np.random.default_rng(5)
    x, w = _leaf(rng.normal(size=(3, 2))), _leaf(rng.normal(size=(3, 2)))
    with pytest.raises(GradcheckError) as info:
        gradcheck(OffByOneAt.apply, [x, w])
    msg = str(info.value)
    m = MESSAGE.search(msg)
    assert m is not None, msg
    assert m["input"] == "1" and m["shape"] == "(3, 2)" and m["index"] == "(1, 0)"
    assert float(m["analytic"]) - float(m["numeric"]) == pytest.approx(1.0, abs=1e-6)
    assert isinstance(info.value, AssertionError)  # pytest shows it as a failed check


def _wrong(backward):
    return type("Wrong", (Function,), {"forward": staticmethod(lambda ctx, x: np.tanh(x)), "backward": staticmethod(backward)})


WRONG_TANH = {
    "sign flipped": lambda ctx, g: -g * (1 - np.tanh(ctx.x) ** 2),
    "ignores upstream": lambda ctx, g: 1 - np.tanh(ctx.x) ** 2,
    "missing square": lambda ctx, g: g * (1 - np.tanh(ctx.x)),
    "zero": lambda ctx, g: np.zeros_like(g),
}


@pytest.mark.parametrize("name", sorted(WRONG_TANH))
def test_gradcheck_catches_wrong_tanh_backwards(name):
    backward = WRONG_TANH[name]

    class WrongTanh(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.x = x
            return np.tanh(x)

        @staticmethod
        def backward(ctx, g):
            return backward(ctx, g)

    x = _leaf(np.random.default_rng(2).normal(size=(2, 3)))
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(WrongTanh.apply, [x])


def test_gradcheck_catches_wrong_broadcast_reduction():
    class MeanInsteadOfSum(Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, g.mean(axis=0)  # should be the sum over the broadcast axis

    x, b = _leaf(np.zeros((4, 3))), _leaf(np.zeros(3))
    with pytest.raises(GradcheckError, match=r"input 1 \(shape \(3,\)\)"):
        gradcheck(MeanInsteadOfSum.apply, [x, b])


def test_gradcheck_passes_and_restores_inputs_and_grads():
    rng = np.random.default_rng(0)
    x, w = _leaf(rng.normal(size=(3, 4))), _leaf(rng.normal(size=(5, 4)))
    x_before, w_before = x.data.copy(), w.data.copy()
    x.grad = np.full((3, 4), 7.0)
    assert gradcheck(lambda x, w: F.linear(x, w).tanh().softmax(), [x, w]) is True
    np.testing.assert_array_equal(x.data, x_before)
    np.testing.assert_array_equal(w.data, w_before)
    np.testing.assert_array_equal(x.grad, np.full((3, 4), 7.0))
    assert w.grad is None


def test_gradcheck_restores_inputs_even_when_failing():
    x = _leaf([[0.1, 0.2], [0.3, 0.4]])
    before = x.data.copy()
    with pytest.raises(GradcheckError):
        gradcheck(OffByOneAt.apply, [_leaf(np.ones((2, 2))), x])
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


def test_gradcheck_skips_inputs_without_grad_and_constant_outputs():
    x = _leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    assert gradcheck(lambda x, c: x * c, [x, c])
    assert gradcheck(lambda x: Tensor(np.ones(3)) * 2, [x])  # independent of x: zero analytic and numeric
    with pytest.raises(GradcheckError, match="analytic 0,"):  # detach hides a real dependence: flagged
        gradcheck(lambda x: x.detach() * 2, [x])


def test_gradcheck_max_elements_checks_a_subset():
    calls = {"n": 0}

    def fn(x):
        calls["n"] += 1
        return x.tanh()

    x = _leaf(np.random.default_rng(0).normal(size=(10, 10)))
    assert gradcheck(fn, [x], max_elements=5)
    assert calls["n"] == 1 + 2 * 5
    with pytest.raises(GradcheckError):  # wrong everywhere: any subset finds it
        gradcheck(lambda x: x * x * 0 + _wrong(WRONG_TANH["zero"]).apply(x), [x], max_elements=3)


def test_gradcheck_bad_usage():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: x * 2, [Tensor(np.ones(2))])
    with pytest.raises(TypeError, match="ndarray"):
        gradcheck(lambda x: x.data * 2, [_leaf([1.0])])
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda x: x * 2, [Tensor(np.ones(2, dtype=np.float32), requires_grad=True)], atol=1e-2, rtol=1e-2)
    nc = Tensor(np.ones((3, 2)).T, requires_grad=True)
    with pytest.raises(ValueError, match="contiguous"):
        gradcheck(lambda x: x * 2, [nc])


OPS = {
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    "broadcast_div": (lambda a, b: a / (b * b + 1), [(2, 3), (3,)]),
    "softmax": (lambda a: a.softmax(axis=0), [(3, 2)]),
    "log_softmax": (lambda a: a.log_softmax(), [(2, 4)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, np.array([1, 0, 2])), [(3, 3)]),
    "embedding": (lambda w: F.embedding(w, np.array([[0, 2], [2, 2]])), [(3, 2)]),
    "getitem": (lambda a: a[np.array([0, 0, 1])] * a[1:], [(2, 3)]),
    "stack_concat": (lambda a, b: tinygrad_rnn.stack([a, b]).sum(axis=0) * tinygrad_rnn.concatenate([a, b], axis=0)[1:3], [(2, 2), (2, 2)]),
}


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_gradcheck_agrees_with_independent_finite_differences(name, data):
    fn, shapes = OPS[name]
    arrays = [data.draw(float_arrays(s, st.floats(-2, 2))) for s in shapes]
    inputs = [_leaf(a) for a in arrays]
    assert gradcheck(fn, inputs)
    assert all(t.grad is None for t in inputs)  # gradcheck left no gradient behind
    # the gradient gradcheck accepted, checked again by the test suite's own finite differences
    fresh = [_leaf(a) for a in arrays]
    out = fn(*fresh)
    upstream = np.random.default_rng(1).normal(size=out.shape)
    out.backward(upstream)
    numeric = numerical_grad(lambda *xs: fn(*[Tensor(x) for x in xs]).data, arrays, upstream, range(len(arrays)))
    for t, num in zip(fresh, numeric):
        np.testing.assert_allclose(t.grad, num, rtol=1e-5, atol=1e-6)


@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), elements=st.floats(-2, 2)))
def test_gradcheck_on_0d_and_small_shapes(x):
    assert gradcheck(lambda t: (t * t).tanh() + t.exp(), [_leaf(x)])
