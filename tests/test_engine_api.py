"""The package's top-level API and small behaviours users rely on."""
import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Function, Tensor


def test_top_level_exports_pytorch_habits():
    for name in ("Tensor", "Function", "no_grad", "gradcheck", "save", "load", "nn", "optim", "F", "manual_seed"):
        assert hasattr(tg, name), name
    import tinygrad_rnn.nn.functional as F

    assert tg.F is tg.nn.functional is F  # one functional module, wherever it is reached from
    assert tg.stack is F.stack and tg.where is F.where


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


def test_transpose_two_dims_swaps_like_pytorch():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    np.testing.assert_array_equal(x.transpose(0, 1).data, np.swapaxes(x.data, 0, 1))
    np.testing.assert_array_equal(Tensor(np.ones((2, 3))).transpose(0, 1).shape, (3, 2))
    g = np.random.default_rng(1).standard_normal((2, 4, 3))
    x.transpose(-1, 1).backward(g)
    np.testing.assert_array_equal(x.grad, np.swapaxes(g, 1, 2))
    with pytest.raises(ValueError, match="not a permutation"):
        x.permute(0, 0, 1)


def test_dim_is_an_alias_of_axis_and_size_is_pytorchs():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(dim=1).data, x.data.sum(axis=1))
    np.testing.assert_array_equal(x.mean(dim=0).data, x.data.mean(axis=0))
    np.testing.assert_allclose(tg.F.softmax(x, dim=0).data, x.softmax(axis=0).data)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.numel() == 6


def test_keyword_tensor_in_apply_is_refused():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, w=None):
            return x * w

        @staticmethod
        def backward(ctx, grad):
            return grad

    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="positionally"):
        Scale.apply(Tensor(np.ones(2)), w=w)


def test_requires_grad_attribute_checks_dtype_and_np_array_copies():
    t = Tensor(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad = True
    f = Tensor(np.zeros(3))
    snapshot = np.array(f)
    snapshot[0] = 5
    assert f.data[0] == 0


def test_backward_hands_read_only_gradients_to_custom_ops():
    class WritesIntoGrad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            grad *= 2
            return grad

    a = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="read-only"):
        (WritesIntoGrad.apply(a) + WritesIntoGrad.apply(a) * 1.0).sum().backward()


def test_batched_input_times_matrix_matches_numpy():
    rng = np.random.default_rng(2)
    a = Tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal((4, 5)), requires_grad=True)
    g = rng.standard_normal((3, 2, 5))
    out = a @ b
    np.testing.assert_allclose(out.data, a.data @ b.data)
    out.backward(g)
    np.testing.assert_allclose(a.grad, g @ b.data.T)
    np.testing.assert_allclose(b.grad, np.einsum("tbk,tbn->kn", a.data, g))


def test_slices_and_dense_uses_of_one_tensor_accumulate_into_one_gradient():
    """Per-step slices x[t] are added into one buffer; mixing them with dense uses must still sum right."""
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    w = rng.standard_normal((5, 3))
    total = (x * w).sum()                      # dense use first
    for t in range(5):
        total = total + (x[t] * (t + 1)).sum() + x[t, 1:].sum()
    total = total + (x[x.data > 0] * 2).sum()  # boolean mask
    total.backward()
    expected = w + np.arange(1, 6)[:, None] + np.array([0, 1, 1]) + 2 * (x.data > 0)
    np.testing.assert_allclose(x.grad, expected)
    # the leaf gradient is the user's to keep: another backward adds into it, not into a shared buffer
    before = x.grad.copy()
    x[0].sum().backward()
    np.testing.assert_allclose(x.grad, before + np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]))


def test_backward_may_return_trailing_nones_for_optional_arguments_not_passed():
    # torch's "Extending PyTorch" LinearFunction: forward(ctx, x, bias=None), backward returns one per parameter
    class Double(Function):
        @staticmethod
        def forward(ctx, x, bias=None):
            return x * 2 if bias is None else x * 2 + bias

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None

    x = Tensor(np.ones(3), requires_grad=True)
    Double.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2, 2, 2])

    class TooMany(Function):  # an extra gradient that is not None is still an error
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, grad

    with pytest.raises(RuntimeError, match=r"TooMany\.backward returned 2 gradients for 1 inputs"):
        TooMany.apply(Tensor(np.ones(3), requires_grad=True)).sum().backward()


def test_a_0d_tensor_formats_as_its_number():
    loss = tg.tensor(0.123456, dtype=tg.float64)
    assert f"{loss:.4f}" == "0.1235" and f"{tg.tensor(7):>3d}" == "  7" and f"{loss}" == "0.123456"  # torch too: the number
    with pytest.raises(TypeError):
        f"{tg.ones(2):.4f}"  # as torch: a spec needs one number
    assert f"{tg.ones(2)}" == str(tg.ones(2))
