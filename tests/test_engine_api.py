"""The package's top-level API and small behaviours users rely on."""
import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Function, Tensor


def test_top_level_exports_pytorch_habits():
    for name in ("Tensor", "Function", "no_grad", "gradcheck", "save", "load", "nn", "optim", "F", "manual_seed"):
        assert hasattr(tg, name), name
    assert tg.F.cross_entropy is tg.functional.cross_entropy


def test_bare_no_grad_decorator_records_no_graph_and_restores_mode():
    @tg.no_grad
    def double(x):
        return x * 2

    out = double(Tensor([1.0], requires_grad=True))
    assert not out.requires_grad and out._ctx is None
    assert tg.is_grad_enabled()


def test_numpy_scalar_keeps_its_dtype():
    assert Tensor(np.float64(1.5)).dtype == np.float64
    assert Tensor(1.5).dtype == tg.get_default_dtype()


def test_custom_backward_with_wrong_shape_names_the_function():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return np.ones((5, 7))

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadShape\.backward.*\(5, 7\).*\(2, 3\)"):
        BadShape.apply(x).sum().backward()


def test_one_row_matmul_gradients_match_closed_form():
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal((1, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal((4, 6)), requires_grad=True)
    g = rng.standard_normal((1, 6))
    (a @ b).backward(g)
    np.testing.assert_allclose(a.grad, g @ b.data.T)
    np.testing.assert_allclose(b.grad, a.data.T @ g)
