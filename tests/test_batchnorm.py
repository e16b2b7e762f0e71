"""F.batch_norm and nn.BatchNorm1d: batch statistics in training (values and gradients of input, weight and
bias against torch and float64 finite differences), running statistics after several steps (momentum and the
cumulative average) and evaluation by them, state_dict keys/shapes/dtypes as torch's, and the errors."""
from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import torch, TF, needs_torch, close as _close, leaf as _leaf


@needs_torch
@given(st.integers(2, 5), st.integers(1, 4), st.one_of(st.none(), st.integers(1, 5)), st.booleans(),
       st.integers(0, 2**16))
def test_batch_norm_training_values_gradients_and_running_stats_match_torch(n, c, length, affine, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c) if length is None else (n, c, length)) * 3 + 1
    w, b = rng.standard_normal(c), rng.standard_normal(c)
    rm, rv = rng.standard_normal(c), rng.uniform(0.5, 2, c)
    ours = [_leaf(x)] + ([_leaf(w), _leaf(b)] if affine else [])
    theirs = [torch.tensor(a, requires_grad=True) for a in ([x, w, b] if affine else [x])]
    o_rm, o_rv, t_rm, t_rv = tg.Tensor(rm.copy()), tg.Tensor(rv.copy()), torch.tensor(rm), torch.tensor(rv)
    out = F.batch_norm(ours[0], o_rm, o_rv, *ours[1:], training=True, momentum=0.3, eps=1e-3)
    ref = TF.batch_norm(theirs[0], t_rm, t_rv, *theirs[1:], training=True, momentum=0.3, eps=1e-3)
    _close(out.data, ref)
    _close(o_rm.data, t_rm)
    _close(o_rv.data, t_rv)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        _close(a.grad, t.grad, tol=1e-8)


@needs_torch
def test_batch_norm_evaluation_uses_the_running_statistics():
    rng = np.random.default_rng(1)
    x, w, b, rm, rv = (rng.standard_normal((4, 3, 5)), rng.standard_normal(3), rng.standard_normal(3),
                       rng.standard_normal(3), rng.uniform(0.5, 2, 3))
    ours, theirs = _leaf(x), torch.tensor(x, requires_grad=True)
    out = F.batch_norm(ours, tg.Tensor(rm), tg.Tensor(rv), tg.Tensor(w), tg.Tensor(b))
    ref = TF.batch_norm(theirs, torch.tensor(rm), torch.tensor(rv), torch.tensor(w), torch.tensor(b))
    _close(out.data, ref)
    out.backward(np.ones(out.shape))
    ref.backward(torch.ones(ref.shape, dtype=torch.float64))
    _close(ours.grad, theirs.grad)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4)])
def test_batch_norm_gradients_match_finite_differences(training, shape):
    rng = np.random.default_rng(2)
    x, w, b = _leaf(rng.standard_normal(shape)), _leaf(rng.standard_normal(shape[1])), _leaf(rng.standard_normal(shape[1]))
    rm, rv = tg.Tensor(rng.standard_normal(shape[1])), tg.Tensor(rng.uniform(0.5, 2, shape[1]))
    # running statistics are not passed while training: finite differences would move them on every call
    fn = (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)) if training else \
        (lambda x, w, b: F.batch_norm(x, rm, rv, w, b))
    assert gradcheck(fn, [x, w, b])


@needs_torch
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)])
def test_BatchNorm1d_running_stats_after_several_steps_and_eval_match_torch(momentum, shape):
    rng = np.random.default_rng(3)
    ours, theirs = nn.BatchNorm1d(4, momentum=momentum), torch.nn.BatchNorm1d(4, momentum=momentum)
    theirs.weight.data.uniform_(0.5, 1.5)
    theirs.bias.data.uniform_(-1, 1)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        out, ref = ours(tg.Tensor(x)), theirs(torch.tensor(x))
        _close(out.data, ref, tol=1e-5)
        assert out.dtype == np.float32
    for key in ("running_mean", "running_var"):
        _close(getattr(ours, key).data, getattr(theirs, key), tol=1e-5)
    assert int(ours.num_batches_tracked.data) == int(theirs.num_batches_tracked) == 4
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    before = ours.running_mean.data.copy()
    _close(ours(tg.Tensor(x)).data, theirs(torch.tensor(x)), tol=1e-5)
    np.testing.assert_array_equal(ours.running_mean.data, before)  # evaluation leaves them alone
    assert int(ours.num_batches_tracked.data) == 4


@needs_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(affine=False), dict(track_running_stats=False), dict(bias=False),
                                    dict(affine=False, track_running_stats=False)])
def test_BatchNorm1d_state_dict_matches_torch_and_loads_from_it(kwargs):
    theirs = torch.nn.BatchNorm1d(3, **kwargs)
    ours = nn.BatchNorm1d(3, **kwargs)
    theirs.train()
    for _ in range(3):
        theirs(torch.randn(8, 3) * 2 + 1)
    sd = theirs.state_dict()
    mine = ours.state_dict()
    assert list(mine) == list(sd)
    for k, v in sd.items():
        assert mine[k].shape == tuple(v.shape) and mine[k].dtype == np.dtype(str(v.dtype).replace("torch.", ""))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({k: v.numpy() for k, v in sd.items()})
    ours.eval(), theirs.eval()
    x = np.random.default_rng(4).standard_normal((5, 3)).astype(np.float32)
    _close(ours(tg.Tensor(x)).data, theirs(torch.tensor(x)), tol=1e-5)


def test_BatchNorm1d_without_tracking_normalizes_by_the_batch_in_eval_too():
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == []
    out = bn(tg.Tensor(np.array([[1.0, 10.0], [3.0, 30.0]])))
    np.testing.assert_allclose(out.data, [[-1, -1], [1, 1]], atol=1e-4)


def test_BatchNorm1d_defaults_reset_and_dtype():
    bn = nn.BatchNorm1d(3)
    assert bn.weight.dtype == bn.running_var.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64
    bn(tg.Tensor(np.random.default_rng(5).standard_normal((4, 3))))
    bn.reset_running_stats()
    assert bn.running_mean.data.tolist() == [0, 0, 0] and bn.running_var.data.tolist() == [1, 1, 1]
    assert int(bn.num_batches_tracked.data) == 0
    assert nn.BatchNorm1d(2, dtype=np.float64).to(np.float32).num_batches_tracked.dtype == np.int64


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1)])
def test_one_value_per_channel_while_training_raises_pytorchs_error(shape):
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        bn(tg.Tensor(np.ones(shape)))
    assert int(bn.num_batches_tracked.data) == 0
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(tg.Tensor(np.ones(shape)), None, None, training=True)
    bn.eval()(tg.Tensor(np.ones(shape)))  # evaluation is fine with one value
    nn.BatchNorm1d(3)(tg.Tensor(np.ones((1, 3, 2))))  # and so is one sequence of two steps


@pytest.mark.parametrize("call, message", [
    (lambda: nn.BatchNorm1d(3)(tg.Tensor(np.ones((2, 3, 4, 5)))), "expected 2D or 3D input"),
    (lambda: nn.BatchNorm1d(3)(tg.Tensor(np.ones((2, 4)))), "running_mean must have shape"),
    (lambda: F.batch_norm(tg.Tensor(np.ones((2, 3))), None, None), "evaluation mode"),
    (lambda: F.batch_norm(tg.Tensor(np.ones(3)), None, None, training=True), "at least 2 dimensions"),
])
def test_batch_norm_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@needs_torch
def test_BatchNorm1d_is_at_pytorchs_module_path_and_reprs_agree_on_the_options():
    ours = importlib.import_module("tinygrad_rnn.nn.modules.batchnorm")
    assert ours.BatchNorm1d is nn.BatchNorm1d
    assert repr(nn.BatchNorm1d(4, momentum=None)) == repr(torch.nn.BatchNorm1d(4, momentum=None))


@needs_torch
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("track_running_stats", [True, False])
@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (0, 3)), ("BatchNorm1d", (0, 3, 4)), ("BatchNorm1d", (2, 3, 0)),
                                        ("BatchNorm1d", (1, 3, 0)), ("BatchNorm2d", (0, 3, 2, 2)),
                                        ("BatchNorm3d", (0, 3, 2, 1, 2))])
def test_BatchNorm_training_on_an_empty_batch_matches_torch(cls, shape, momentum, track_running_stats):
    ours = getattr(nn, cls)(3, momentum=momentum, track_running_stats=track_running_stats, dtype=np.float64)
    theirs = getattr(torch.nn, cls)(3, momentum=momentum, track_running_stats=track_running_stats).double()
    rng = np.random.default_rng(6)
    state = {"weight": rng.uniform(0.5, 1.5, 3), "bias": rng.standard_normal(3)}
    if track_running_stats:
        state |= {"running_mean": rng.standard_normal(3), "running_var": rng.uniform(0.5, 2, 3),
                  "num_batches_tracked": np.array(2)}
    theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    ours.load_state_dict(state)
    x, xt = _leaf(np.zeros(shape)), torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    with np.errstate(all="raise"):
        out = ours(x)
        out.sum().backward()
    ref = theirs(xt)
    ref.sum().backward()
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    assert x.grad.shape == tuple(xt.grad.shape)
    _close(ours.weight.grad, theirs.weight.grad)
    _close(ours.bias.grad, theirs.bias.grad)
    for key, value in theirs.state_dict().items():  # running statistics untouched, the counter moved
        _close(ours.state_dict()[key], value)


@needs_torch
def test_batch_norm_functional_on_an_empty_batch_leaves_the_running_statistics_as_torch():
    rm, rv = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    o_rm, o_rv, t_rm, t_rv = tg.Tensor(rm.copy()), tg.Tensor(rv.copy()), torch.tensor(rm), torch.tensor(rv)
    out = F.batch_norm(tg.Tensor(np.zeros((0, 2, 3))), o_rm, o_rv, training=True)
    ref = TF.batch_norm(torch.zeros(0, 2, 3, dtype=torch.float64), t_rm, t_rv, training=True)
    assert out.shape == tuple(ref.shape)
    _close(o_rm.data, t_rm)
    _close(o_rv.data, t_rv)
