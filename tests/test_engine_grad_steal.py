"""A leaf keeps a backward's fresh gradient without copying it only when nothing else refers to it
(PyTorch's AccumulateGrad steals such a gradient too); every shared array is still copied."""
from __future__ import annotations

import weakref

import numpy as np

from tinygrad_rnn import Function, Tensor, nn


def _function(keep: list | None):
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            out = np.multiply(grad, 2.0)  # a fresh array
            made.append(weakref.ref(out))
            if keep is not None:
                keep.append(out)  # someone else holds it
            return out

    made: list = []
    return Double, made


def test_a_fresh_unshared_gradient_is_kept_as_it_is():
    Double, made = _function(keep=None)
    x = Tensor(np.ones(3), requires_grad=True)
    Double.apply(x).sum().backward()
    assert made[0]() is x.grad  # no copy
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_a_gradient_someone_else_holds_is_copied():
    kept: list = []
    Double, _ = _function(keep=kept)
    x = Tensor(np.ones(3), requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad is not kept[0] and not np.shares_memory(x.grad, kept[0])
    kept[0][...] = 99.0
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_one_gradient_returned_for_two_leaves_gives_each_its_own_array():
    class Same(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            g = np.multiply(grad, 1.0)
            return g, g

    a = Tensor(np.ones(4), requires_grad=True)
    b = Tensor(np.ones(4), requires_grad=True)
    Same.apply(a, b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    a.grad += 1.0
    np.testing.assert_array_equal(b.grad, np.ones(4))


def test_the_callers_upstream_gradient_is_never_taken():
    x = Tensor(np.zeros(3), requires_grad=True)
    upstream = np.arange(3.0)
    x.backward(upstream)
    assert not np.shares_memory(x.grad, upstream)
    x.grad += 1
    np.testing.assert_array_equal(upstream, [0.0, 1.0, 2.0])


def test_kept_gradients_still_accumulate_across_backward_calls():
    lin = nn.Linear(3, 2)
    x = np.ones((4, 3))
    lin(Tensor(x)).sum().backward()
    first = lin.weight.grad.copy()
    lin(Tensor(x)).sum().backward()
    np.testing.assert_allclose(lin.weight.grad, 2 * first)
