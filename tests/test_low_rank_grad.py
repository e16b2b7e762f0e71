"""``LowRankGrad``: ``F.linear_cross_entropy`` leaves its weight gradient factored, and nobody can tell except by
speed. ``.grad`` reads as the plain array of the product; SGD applied block by block moves the weight as the
dense step does; accumulation, hooks, zeroing, clipping, dtype moves and the other optimizers see an array;
the factors belong to the gradient, so changing the input afterwards changes nothing. Both layouts of the op
(row-major, and class-major for many classes and few rows) are checked."""
from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from test_linear_cross_entropy import (
    LAYOUTS,  # the op's two layouts, forced through its thresholds
)

from tinygrad_rnn import F, Tensor, nn, optim
from tinygrad_rnn.kernels import cross_entropy as ce_kernel
from tinygrad_rnn.low_rank import LowRankGrad, product_grad, stored_grad
from tinygrad_rnn.optim import optimizer as optimizer_module


@pytest.fixture(params=sorted(LAYOUTS))
def layout(request):
    with mock.patch.multiple(ce_kernel, **LAYOUTS[request.param]):
        yield request.param


def problem(C=1500, H=40, N=6, seed=0, dtype=np.float64):
    """A weight of several update blocks plus a tail (at the test's small block size), an input, targets."""
    rng = np.random.default_rng(seed)
    w = nn.Parameter(rng.normal(size=(C, H)).astype(dtype) * 0.1)
    x = Tensor(rng.normal(size=(N, H)).astype(dtype), requires_grad=True)
    t = rng.integers(0, C, size=N)
    return w, x, t


def definition_grad(w, x, t):
    """d(sum of the losses)/d(weight) in float64 numpy: (softmax - one_hot)^T x."""
    z = x @ w.T
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(t)), t] -= 1
    return p.T @ x


@pytest.fixture
def small_blocks():
    """Blocks of 4096 elements, so a (1500, 40) weight is 15 blocks of 102 rows and a tail of 72."""
    with mock.patch.object(optimizer_module, "UPDATE_BLOCK", 4096), \
            mock.patch("tinygrad_rnn.optim.sgd.UPDATE_BLOCK", 4096):
        yield


def backward(w, x, t):
    F.linear_cross_entropy(x, w, None, t, reduction="sum").backward()


def test_the_weight_gradient_is_kept_factored_and_reads_as_the_product(layout):
    w, x, t = problem()
    backward(w, x, t)
    assert type(stored_grad(w)) is LowRankGrad
    g = w.grad
    assert type(g) is np.ndarray and g.shape == w.shape and g.dtype == w.dtype
    np.testing.assert_allclose(g, definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)
    assert stored_grad(w) is g  # multiplied out once, then kept


def test_a_full_rank_product_stays_an_array(layout):
    # 200 rows against a (300, 40) weight: the factors would be bigger than the product
    w, x, t = problem(C=300, N=200)
    backward(w, x, t)
    assert type(stored_grad(w)) is np.ndarray
    np.testing.assert_allclose(w.grad, definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)


def test_changing_the_input_after_backward_leaves_the_gradient_as_it_was(layout):
    w, x, t = problem()
    backward(w, x, t)
    want = definition_grad(w.data, x.data, t)
    x.data[...] = 7.0  # e.g. a reused input buffer refilled before the gradient is read
    np.testing.assert_allclose(w.grad, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_applies_a_factored_gradient_block_by_block_as_the_dense_step(layout, small_blocks, dtype):
    w, x, t = problem(dtype=dtype)
    twin = nn.Parameter(w.data.copy())
    backward(w, x, t)
    assert type(stored_grad(w)) is LowRankGrad
    twin.grad = np.asarray(stored_grad(w))  # the same gradient, multiplied out: the dense path
    with mock.patch.object(LowRankGrad, "to_dense", side_effect=AssertionError("multiplied out whole")):
        optim.SGD([w], lr=0.3).step()
    optim.SGD([twin], lr=0.3).step()
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(w.data, twin.data, rtol=rtol, atol=rtol * 1e-2)
    assert not np.array_equal(w.data, problem(dtype=dtype)[0].data)  # it moved
    np.testing.assert_allclose(w.grad, twin.grad, rtol=rtol)  # and .grad still reads as the gradient


@pytest.mark.parametrize("opt", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                 lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01),
                                 lambda ps: optim.Adam(ps, lr=0.01),
                                 lambda ps: optim.Adagrad(ps, lr=0.1),
                                 lambda ps: optim.RMSprop(ps, lr=0.01)],
                         ids=["momentum", "weight-decay", "adam", "adagrad", "rmsprop"])
def test_other_optimizers_step_from_the_multiplied_out_gradient(layout, opt):
    w, x, t = problem()
    twin = nn.Parameter(w.data.copy())
    a, b = opt([w]), opt([twin])
    for step in range(3):
        a.zero_grad()
        b.zero_grad()
        backward(w, x, t)
        assert type(stored_grad(w)) is LowRankGrad
        twin.grad = np.asarray(stored_grad(w))
        a.step()
        b.step()
    np.testing.assert_allclose(w.data, twin.data, rtol=1e-12, atol=1e-14)


def test_gradients_accumulate_over_backward_calls_and_uses(layout):
    w, x, t = problem()
    backward(w, x, t)
    backward(w, x, t)  # a second backward() call: accumulated into .grad
    np.testing.assert_allclose(w.grad, 2 * definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)
    w.grad = None
    # the weight twice in one graph (a tied embedding, say): the two gradients meet inside the backward
    loss = F.linear_cross_entropy(x, w, None, t, reduction="sum") + (w * 3.0).sum()
    loss.backward()
    np.testing.assert_allclose(w.grad, definition_grad(w.data, x.data, t) + 3.0, rtol=1e-10, atol=1e-12)


def test_a_hook_sees_the_gradient_as_an_array(layout):
    w, x, t = problem()
    seen = []
    w.register_hook(lambda g: seen.append(g.data.copy()))
    backward(w, x, t)
    np.testing.assert_allclose(seen[0], definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)


def test_zero_grad_in_place_clipping_and_dtype_moves_see_an_array(layout):
    w, x, t = problem()
    backward(w, x, t)
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert type(w.grad) is np.ndarray and not w.grad.any()
    w.grad = None
    backward(w, x, t)
    want = definition_grad(w.data, x.data, t)
    norm = nn.utils.clip_grad_norm_([w], 1e-3)
    np.testing.assert_allclose(float(norm), np.linalg.norm(want), rtol=1e-10)
    np.testing.assert_allclose(w.grad, want * (1e-3 / (np.linalg.norm(want) + 1e-6)), rtol=1e-8)
    w.grad = None
    backward(w, x, t)
    layer = nn.Module()
    layer.weight = w
    layer.to(np.float32)
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad, want, rtol=1e-5, atol=1e-6)


def test_module_zero_grad_drops_a_factored_gradient_without_multiplying_it(layout):
    w, x, t = problem()
    backward(w, x, t)
    layer = nn.Module()
    layer.weight = w
    with mock.patch.object(LowRankGrad, "to_dense", side_effect=AssertionError("multiplied out")):
        layer.zero_grad()
        optim.SGD([w], lr=0.1).zero_grad()
    assert w.grad is None


def test_product_grad_factors_only_smaller_factors_of_one_dtype():
    left, right = np.ones((100, 3)), np.ones((3, 50))
    g = product_grad(left, right, right_is_own=False)
    assert type(g) is LowRankGrad and g.shape == (100, 50) and g.right is not right  # copied: not the caller's
    assert product_grad(left, right, right_is_own=True).right is right
    assert type(product_grad(np.ones((10, 9)), np.ones((9, 10)), True)) is np.ndarray  # rank 9 of 10: no gain
    assert type(product_grad(left, right.astype(np.float32), True)) is np.ndarray
    with pytest.raises(ValueError, match="factors"):
        LowRankGrad(np.ones((4, 2)), np.ones((3, 5)))
