"""Shared machinery for the engine's property tests.

``numerical_grad`` is an independent central-difference gradient (it does not use
``tinygrad_rnn.gradcheck``), computed on a plain-numpy reference of the op, so the engine's forward
and backward are both checked against code that shares nothing with them.

``backprop_test`` is a test factory after MyGrad's ``backprop_test_factory``: given the op as a
function of Tensors and as a function of numpy arrays, it returns a hypothesis test that draws shapes
and values, then checks forward == numpy, backward == finite differences of the numpy reference
(under a random upstream gradient, not ones), gradient shape/dtype == input's, inputs not mutated,
and the gradients of different inputs not aliasing each other (or the data, or the upstream).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn import Tensor

F64 = np.float64


def numerical_grad(
    f: Callable[..., np.ndarray], arrays: Sequence[np.ndarray], upstream: np.ndarray, wrt: Sequence[int], eps: float = 1e-6
) -> list[np.ndarray]:
    """Central differences of ``sum(f(*arrays) * upstream)`` with respect to ``arrays[i]`` for i in ``wrt``."""
    work = [np.array(a, dtype=F64, copy=True) for a in arrays]
    grads = []
    for i in wrt:
        a = work[i]
        g = np.zeros(a.shape, dtype=F64)
        for idx in np.ndindex(a.shape):
            original = a[idx]
            a[idx] = original + eps
            plus = float(np.sum(np.asarray(f(*work), dtype=F64) * upstream))
            a[idx] = original - eps
            minus = float(np.sum(np.asarray(f(*work), dtype=F64) * upstream))
            a[idx] = original
            g[idx] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def grid_floats(lo: float, hi: float, step: float = 0.1, offset: float = 0.0) -> st.SearchStrategy[float]:
    """Floats on the grid ``k*step + offset`` within [lo, hi]: values that differ, differ by >= step,
    so a kink can be kept a known distance away (e.g. offset=step/2 never hits a multiple of step)."""
    kmin = int(np.ceil((lo - offset) / step))
    kmax = int(np.floor((hi - offset) / step))
    return st.integers(kmin, kmax).map(lambda k: round(k * step + offset, 10))


def away_from_zero(lo: float = 0.05, hi: float = 3.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi) | st.floats(-hi, -lo)


def float_arrays(shape, elements: st.SearchStrategy[float], unique: bool = False) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(F64, shape, elements=elements, unique=unique)


def upstream_for(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    """A random upstream gradient (never all ones: a backward that ignores it must fail)."""
    seed = data.draw(st.integers(0, 2**32 - 1), label="upstream seed")
    return np.random.default_rng(seed).normal(size=shape)


def check_backprop(
    tensor_fn: Callable[..., Any],
    numpy_fn: Callable[..., np.ndarray],
    arrays: Sequence[np.ndarray],
    upstream: np.ndarray | None = None,
    constant: Sequence[bool] | None = None,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    fwd_tol: float = 1e-10,
) -> tuple[list[Tensor], Tensor]:
    """Run every check on one drawn example; returns the tensors and the output for extra checks.

    ``constant[i]`` True feeds ``arrays[i]`` to ``tensor_fn`` as a plain numpy array (reflected forms).
    """
    constant = list(constant) if constant is not None else [False] * len(arrays)
    originals = [np.array(a, copy=True) for a in arrays]
    inputs: list[Any] = [
        np.array(a, copy=True) if c else Tensor(np.array(a, copy=True), requires_grad=True) for a, c in zip(arrays, constant)
    ]
    out = tensor_fn(*inputs)
    expected = np.asarray(numpy_fn(*[np.array(a, copy=True) for a in arrays]))
    assert isinstance(out, Tensor), type(out)
    assert out.shape == expected.shape, (out.shape, expected.shape)
    assert out.dtype == expected.dtype, (out.dtype, expected.dtype)
    np.testing.assert_allclose(out.data, expected, rtol=fwd_tol, atol=fwd_tol)
    assert out.requires_grad

    if upstream is None:
        upstream = np.random.default_rng(0).normal(size=out.shape)
    upstream_copy = np.array(upstream, copy=True)
    out.backward(upstream)
    np.testing.assert_array_equal(upstream, upstream_copy)  # backward must not write into the caller's array

    wrt = [i for i, c in enumerate(constant) if not c]
    numeric = numerical_grad(numpy_fn, arrays, upstream, wrt)
    tensors = [inputs[i] for i in wrt]
    for i, t, num in zip(wrt, tensors, numeric):
        np.testing.assert_array_equal(t.data, originals[i], err_msg=f"input {i} was mutated")
        assert t.grad is not None, f"input {i} got no gradient"
        assert t.grad.shape == t.shape, (i, t.grad.shape, t.shape)
        assert t.grad.dtype == t.dtype, (i, t.grad.dtype, t.dtype)
        np.testing.assert_allclose(t.grad, num, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}")
        assert not np.shares_memory(t.grad, t.data)
        assert not np.shares_memory(t.grad, upstream)
    for i, j in ((i, j) for i in range(len(tensors)) for j in range(i + 1, len(tensors))):
        assert not np.shares_memory(tensors[i].grad, tensors[j].grad), f"grads of inputs {wrt[i]} and {wrt[j]} alias"
    return tensors, out


def broadcastable_shapes(num: int, max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy[tuple]:
    return hnp.mutually_broadcastable_shapes(num_shapes=num, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side).map(
        lambda bs: bs.input_shapes
    )


def backprop_test(
    tensor_fn: Callable[..., Any],
    numpy_fn: Callable[..., np.ndarray],
    *,
    num_arrays: int = 1,
    elements: st.SearchStrategy[float] | Sequence[st.SearchStrategy[float]] = st.floats(-3, 3),
    shapes: st.SearchStrategy[tuple] | None = None,
    kwargs: Callable[[tuple], st.SearchStrategy[dict]] | None = None,
    constant: Sequence[bool] | None = None,
    unique: bool = False,
    precondition: Callable[..., bool] | None = None,
    atol: float = 1e-6,
    rtol: float = 1e-5,
):
    """Build a hypothesis test for one op (see the module docstring for what it checks).

    ``shapes`` draws a tuple of input shapes (default: mutually broadcastable, 0-d and size-1 included);
    ``kwargs(shapes)`` draws extra keyword arguments passed to both functions (axes, keepdims, ...);
    ``precondition(*arrays, **kw)`` rejects draws too close to a kink.
    """
    if shapes is None:
        shapes = broadcastable_shapes(num_arrays)

    @given(data=st.data())
    def test(data: st.DataObject) -> None:
        shps = data.draw(shapes, label="shapes")
        element_list = list(elements) if isinstance(elements, (list, tuple)) else [elements] * len(shps)
        arrays = [data.draw(float_arrays(s, e, unique=unique), label=f"x{i}") for i, (s, e) in enumerate(zip(shps, element_list))]
        kw = data.draw(kwargs(shps), label="kwargs") if kwargs is not None else {}
        if precondition is not None:
            assume(precondition(*arrays, **kw))
        out_shape = np.shape(numpy_fn(*arrays, **kw))
        upstream = upstream_for(data, out_shape)
        check_backprop(
            lambda *xs: tensor_fn(*xs, **kw),
            lambda *xs: numpy_fn(*xs, **kw),
            arrays,
            upstream,
            constant=constant,
            atol=atol,
            rtol=rtol,
        )

    return test
