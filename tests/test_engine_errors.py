"""Bad input to the engine: each mistake raises ValueError/TypeError (RuntimeError for misuse of
backward) whose message names the shapes or values involved, so the user can fix it."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_rnn
from tinygrad_rnn import F, Tensor


def _msg(exc_info) -> str:
    return str(exc_info.value)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5,), (4, 2)), ((2, 2, 3), (2, 4, 1))],
)
def test_matmul_shape_mismatch_names_both_shapes(a_shape, b_shape):
    with pytest.raises(ValueError) as info:
        Tensor(np.ones(a_shape)) @ Tensor(np.ones(b_shape))
    msg = _msg(info)
    assert str(a_shape) in msg and str(b_shape) in msg, msg


def test_matmul_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as info:
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))
    msg = _msg(info).replace(" ", "")
    assert "(2,3,4)" in msg and "(3,4,5)" in msg, msg


def test_matmul_0d_operand():
    with pytest.raises(ValueError, match=re.escape("()")):
        Tensor(np.array(2.0)) @ Tensor(np.ones(3))


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b: Tensor(a) + Tensor(b),
        lambda a, b: Tensor(a) * b,
        lambda a, b: a - Tensor(b),
        lambda a, b: Tensor(a) / Tensor(b),
        lambda a, b: Tensor(a).maximum(Tensor(b)),
        lambda a, b: tinygrad_rnn.where(np.ones(a.shape, dtype=bool), Tensor(a), Tensor(b)),
    ],
)
def test_broadcast_mismatch_names_shapes(make):
    with pytest.raises(ValueError) as info:
        make(np.ones((2, 3)), np.ones((4,)))
    msg = _msg(info).replace(" ", "")
    assert "(2,3)" in msg and "(4,)" in msg, msg


def test_cross_entropy_target_out_of_range_names_value_and_classes():
    logits = Tensor(np.zeros((3, 4)), requires_grad=True)
    with pytest.raises(ValueError) as info:
        F.cross_entropy(logits, np.array([0, 7, 1]))
    assert "7" in _msg(info) and "4 classes" in _msg(info)
    with pytest.raises(ValueError) as info:
        F.cross_entropy(logits, np.array([0, -3, 1]))
    assert "-3" in _msg(info)
    with pytest.raises(ValueError) as info:  # -100 is only allowed as the ignore_index
        F.cross_entropy(logits, np.array([0, -100, 1]), ignore_index=-1)
    assert "-100" in _msg(info)


def test_cross_entropy_float_targets():
    with pytest.raises(TypeError, match="float64"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="float32"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), Tensor([0.0, 1.0]))


def test_cross_entropy_wrong_target_shape_names_both_shapes():
    with pytest.raises(ValueError) as info:
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1, 2]))
    assert "(3,)" in _msg(info) and "(2, 3)" in _msg(info)
    with pytest.raises(ValueError) as info:
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([[0, 1]]))
    assert "(1, 2)" in _msg(info)


def test_cross_entropy_bad_logits_rank_and_reduction():
    with pytest.raises(ValueError, match=re.escape("(2, 3, 4)")):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.array([0, 1]))
    with pytest.raises(ValueError, match="avg"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]), reduction="avg")


def test_backward_on_non_scalar_without_grad_names_shape():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=re.escape("torch.Size([2, 3])")):
        y.backward()


def test_backward_grad_of_wrong_shape_names_both_shapes():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError) as info:
        y.backward(np.ones(3))
    assert "(3,)" in _msg(info) and "torch.Size([2, 3])" in _msg(info)


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (Tensor(np.ones(2)) * 2).sum().backward()


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_requires_grad_on_integer_tensor(dtype):
    name = np.dtype(dtype).name
    with pytest.raises(TypeError, match=name):
        Tensor(np.zeros(3, dtype=dtype), requires_grad=True)
    with pytest.raises(TypeError, match=name):
        Tensor(np.zeros(3, dtype=dtype)).requires_grad_()


def test_embedding_index_out_of_range_names_index_and_size():
    weight = Tensor(np.zeros((4, 2)), requires_grad=True)
    with pytest.raises(ValueError) as info:
        F.embedding(weight, np.array([[0, 1], [9, 2]]))
    assert "9" in _msg(info) and "4 rows" in _msg(info)
    with pytest.raises(ValueError, match="-1"):
        F.embedding(weight, np.array([-1]))
    with pytest.raises(TypeError, match="float64"):
        F.embedding(weight, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=re.escape("(4, 2, 1)")):
        F.embedding(Tensor(np.zeros((4, 2, 1))), np.array([0]))


def test_shape_op_errors_name_shapes():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError) as info:
        x.reshape(4, 2)
    assert "(2, 3)" in _msg(info) and "(4, 2)" in _msg(info)
    with pytest.raises(ValueError) as info:
        Tensor.stack([x, Tensor(np.ones((3, 2)))])
    assert "(2, 3)" in _msg(info) and "(3, 2)" in _msg(info)
    with pytest.raises(ValueError, match="size 3.*size 4"):
        Tensor.concatenate([x, Tensor(np.ones((2, 4)))], axis=0)
    with pytest.raises(ValueError, match="axis 2"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match=re.escape("torch.Size([3])")):
        Tensor(np.ones(3)).item()


def test_failed_op_leaves_no_half_built_graph():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError):
        x @ Tensor(np.ones((4, 5)))
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
