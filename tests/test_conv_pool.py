"""1-D convolution and pooling: F.conv1d / nn.Conv1d, F.max_pool1d, F.avg_pool1d, the adaptive pools and their
modules. Values, indices and gradients (input, weight, bias) are checked against torch over random shapes,
strides, paddings, dilations and groups, and against float64 finite differences; Conv1d's state_dict moves
to and from torch name for name."""
from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import torch, TF, needs_torch, close as _close, leaf as _leaf, torch_leaf as _torch_leaf


# ---------------------------------------------------------------- conv1d
@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    k, stride, dilation = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.one_of(st.integers(0, 3), st.sampled_from(["valid", "same"] if stride == 1 else ["valid"])))
    span = dilation * (k - 1) + 1
    pad_total = 2 * padding if isinstance(padding, int) else 0
    length = max(1, span - pad_total) + draw(st.integers(0, 6))
    return dict(n=draw(st.integers(1, 3)), cin=cin, cout=cout, k=k, length=length, stride=stride,
                padding=padding, dilation=dilation, groups=groups, bias=draw(st.booleans()),
                seed=draw(st.integers(0, 2**16)))


@needs_torch
@given(conv_cases())
def test_conv1d_values_and_gradients_match_torch(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], case["cin"], case["length"]))
    w = rng.standard_normal((case["cout"], case["cin"] // case["groups"], case["k"]))
    b = rng.standard_normal(case["cout"]) if case["bias"] else None
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"], groups=case["groups"])
    ours = [_leaf(x), _leaf(w)] + ([_leaf(b)] if b is not None else [])
    theirs = [_torch_leaf(x), _torch_leaf(w)] + ([_torch_leaf(b)] if b is not None else [])
    out = F.conv1d(*ours[:2], ours[2] if b is not None else None, **kw)
    ref = TF.conv1d(*theirs[:2], theirs[2] if b is not None else None, **kw)
    _close(out.data, ref)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        _close(a.grad, t.grad)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, padding="same"),
                                dict(groups=2, stride=3, padding=2, dilation=2)])
def test_conv1d_gradients_match_finite_differences(kw):
    rng = np.random.default_rng(1)
    x, w, b = _leaf(rng.standard_normal((2, 4, 9))), _leaf(rng.standard_normal((6, 4 // kw.get("groups", 1), 3))), \
        _leaf(rng.standard_normal(6))
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, **kw), [x, w, b])


@needs_torch
def test_conv1d_unbatched_input_and_float32():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 8)).astype(np.float32), rng.standard_normal((5, 3, 2)).astype(np.float32)
    out = F.conv1d(tg.Tensor(x), tg.Tensor(w), padding=(1,), stride=(2,))
    ref = TF.conv1d(torch.tensor(x), torch.tensor(w), padding=(1,), stride=(2,))
    assert out.shape == tuple(ref.shape) == (5, 5) and out.dtype == np.float32
    _close(out.data, ref, tol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 2, 3)))), "input channels"),
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 1, 3))), groups=3), "divisible"),
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 3, 3))), stride=2, padding="same"), "strided"),
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 3, 9)))), "span"),
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 3, 3))), padding="full"), "padding"),
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 3)))), "3-D"),
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 3, 3))), tg.Tensor(np.ones(3))), "bias"),
    (lambda x: F.conv1d(x.reshape(1, 1, 3, 5), tg.Tensor(np.ones((2, 3, 3)))), "input"),
    (lambda x: F.conv1d(x, tg.Tensor(np.ones((2, 3, 3))), stride=0), "stride"),
])
def test_conv1d_bad_arguments_raise_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(tg.Tensor(np.ones((1, 3, 5))))


@needs_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [2, "same", "valid"])
def test_Conv1d_state_dict_moves_to_and_from_torch_and_outputs_match(mode, padding):
    theirs = torch.nn.Conv1d(4, 6, 3, padding=padding, padding_mode=mode, groups=2, dilation=2).double()
    ours = nn.Conv1d(4, 6, 3, padding=padding, padding_mode=mode, groups=2, dilation=2, dtype=np.float64)
    assert repr(ours) == repr(theirs)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in
                                                                  theirs.state_dict().items()}
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 4, 7))
    out, ref = ours(_leaf(x)), theirs(_torch_leaf(x))
    _close(out.data, ref)
    g = np.random.default_rng(4).standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    _close(ours.weight.grad, theirs.weight.grad)
    _close(ours.bias.grad, theirs.bias.grad)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})  # and back


def test_Conv1d_padding_modes_have_finite_difference_gradients():
    rng = np.random.default_rng(5)
    for mode in ("reflect", "replicate", "circular"):
        conv = nn.Conv1d(2, 3, 3, padding=2, padding_mode=mode, dtype=np.float64)
        assert gradcheck(conv, [_leaf(rng.standard_normal((2, 2, 5)))])


def test_Conv1d_init_is_pytorchs_uniform_and_reproducible():
    tg.manual_seed(0)
    conv = nn.Conv1d(8, 16, 5, groups=2)
    bound = 1 / np.sqrt(4 * 5)  # fan_in = in_channels / groups * kernel_size
    assert conv.weight.shape == (16, 4, 5) and conv.weight.dtype == np.float32 and conv.bias.shape == (16,)
    for p in (conv.weight.data, conv.bias.data):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.8 * bound
    tg.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv1d(8, 16, 5, groups=2).weight.data, conv.weight.data)
    assert nn.Conv1d(2, 3, 1, bias=False).bias is None and list(nn.Conv1d(2, 3, 1, bias=False).state_dict()) == ["weight"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(groups=2, in_channels=3), "in_channels"), (dict(groups=2, out_channels=3), "out_channels"),
    (dict(padding_mode="mirror"), "padding_mode"), (dict(padding="same", stride=2), "strided"),
    (dict(padding="full"), "padding"),
])
def test_Conv1d_bad_arguments_raise(kwargs, message):
    args = dict(in_channels=4, out_channels=4, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match=message):
        nn.Conv1d(**args)


def test_Conv1d_reflect_padding_longer_than_input_raises():
    with pytest.raises(ValueError, match="too large"):
        nn.Conv1d(1, 1, 3, padding=3, padding_mode="reflect")(tg.Tensor(np.ones((1, 1, 3))))


# ---------------------------------------------------------------- pooling
@st.composite
def max_pool_cases(draw):
    k = draw(st.integers(1, 4))
    stride, padding, dilation = draw(st.integers(1, 3)), draw(st.integers(0, k // 2)), draw(st.integers(1, 2))
    length = dilation * (k - 1) + 1 + draw(st.integers(0, 7))
    return dict(shape=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), length), kernel_size=k, stride=stride,
                padding=padding, dilation=dilation, ceil_mode=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@needs_torch
@given(max_pool_cases())
def test_max_pool1d_values_indices_and_gradients_match_torch(case):
    rng = np.random.default_rng(case.pop("seed"))
    x = rng.standard_normal(case.pop("shape"))
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, idx = F.max_pool1d(ours, return_indices=True, **case)
    ref, ref_idx = TF.max_pool1d(theirs, return_indices=True, **case)
    _close(out.data, ref)
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    assert idx.dtype == np.int64
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    _close(ours.grad, theirs.grad)


@st.composite
def avg_pool_cases(draw):
    k = draw(st.integers(1, 5))
    return dict(shape=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), k + draw(st.integers(0, 7))), kernel_size=k,
                stride=draw(st.one_of(st.none(), st.integers(1, 3))), padding=draw(st.integers(0, k // 2)),
                ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@needs_torch
@given(avg_pool_cases())
def test_avg_pool1d_values_and_gradients_match_torch(case):
    rng = np.random.default_rng(case.pop("seed"))
    x = rng.standard_normal(case.pop("shape"))
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, ref = F.avg_pool1d(ours, **case), TF.avg_pool1d(theirs, **case)
    _close(out.data, ref)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    _close(ours.grad, theirs.grad)


@needs_torch
@given(st.integers(1, 12), st.integers(1, 15), st.booleans(), st.integers(0, 2**16))
def test_adaptive_pools_match_torch_for_any_output_size(length, out_size, unbatched, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, length) if unbatched else (2, 3, length))
    ours, theirs = _leaf(x), _torch_leaf(x)
    out_max, idx = F.adaptive_max_pool1d(ours, out_size, return_indices=True)
    ref_max, ref_idx = TF.adaptive_max_pool1d(theirs, out_size, return_indices=True)
    out = F.adaptive_avg_pool1d(ours, (out_size,)) * 2 + out_max
    ref = TF.adaptive_avg_pool1d(theirs, out_size) * 2 + ref_max
    _close(out.data, ref)
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    _close(ours.grad, theirs.grad)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool1d(x, 3, 2, 1, 2, ceil_mode=True),
    lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.adaptive_avg_pool1d(x, 4),
    lambda x: F.adaptive_max_pool1d(x, 3),
])
def test_pool_gradients_match_finite_differences(fn):
    x = _leaf(np.random.default_rng(6).standard_normal((2, 3, 9)))
    assert gradcheck(fn, [x])


@needs_torch
def test_pool_modules_match_torch_reprs_and_outputs():
    x = np.random.default_rng(7).standard_normal((2, 3, 10)).astype(np.float32)
    pairs = [(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1)),
             (nn.MaxPool1d(2, dilation=2, ceil_mode=True), torch.nn.MaxPool1d(2, dilation=2, ceil_mode=True)),
             (nn.AvgPool1d(4, padding=2, count_include_pad=False), torch.nn.AvgPool1d(4, padding=2,
                                                                                     count_include_pad=False)),
             (nn.AdaptiveAvgPool1d(1), torch.nn.AdaptiveAvgPool1d(1)),
             (nn.AdaptiveMaxPool1d(4), torch.nn.AdaptiveMaxPool1d(4))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        out = ours(tg.Tensor(x))
        assert out.dtype == np.float32
        _close(out.data, theirs(torch.tensor(x)), tol=1e-6)
    out, idx = nn.MaxPool1d(2, return_indices=True)(tg.Tensor(x))
    ref, ref_idx = torch.nn.MaxPool1d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    out, idx = nn.AdaptiveMaxPool1d(3, return_indices=True)(tg.Tensor(x))
    np.testing.assert_array_equal(idx.data, torch.nn.AdaptiveMaxPool1d(3, True)(torch.tensor(x))[1].numpy())


def test_max_pool_picks_the_first_of_tied_maxima_and_routes_the_gradient_there():
    x = _leaf(np.array([[[1.0, 3.0, 3.0, 0.0]]]))
    out, idx = F.max_pool1d(x, 4, return_indices=True)
    assert idx.data.tolist() == [[[1]]]
    out.sum().backward()
    assert x.grad.tolist() == [[[0.0, 1.0, 0.0, 0.0]]]


@pytest.mark.parametrize("call, message", [
    (lambda x: F.max_pool1d(x, 2, padding=2), "half of kernel size"),
    (lambda x: F.avg_pool1d(x, 3, padding=2), "half of kernel size"),
    (lambda x: F.max_pool1d(x, 9), "too small"),
    (lambda x: F.max_pool1d(x.reshape(-1), 2), "2-D"),
    (lambda x: F.adaptive_avg_pool1d(x, 0), "output_size"),
    (lambda x: F.avg_pool1d(x, (2, 2)), "1-tuple"),
])
def test_pool_bad_arguments_raise_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(tg.Tensor(np.ones((1, 2, 5))))


def test_a_cnn_text_classifier_trains():
    """Embedding -> Conv1d -> ReLU -> max over time -> Linear: the loss falls on a separable toy task."""
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 10, size=(32, 12))
    labels = (ids == 3).any(axis=1).astype(np.int64)  # class 1 iff token 3 occurs
    emb, conv, pool, out = nn.Embedding(10, 8), nn.Conv1d(8, 16, 3, padding=1), nn.AdaptiveMaxPool1d(1), nn.Linear(16, 2)
    params = [*emb.parameters(), *conv.parameters(), *out.parameters()]
    opt = tg.optim.Adam(params, lr=0.03)
    losses = []
    for _ in range(30):
        h = F.relu(conv(emb(tg.Tensor(ids)).permute(0, 2, 1)))  # (N, C, L)
        loss = F.cross_entropy(out(pool(h).reshape(32, 16)), tg.Tensor(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.3 * losses[0]


@needs_torch
@pytest.mark.parametrize("path", ["conv", "pooling"])
def test_classes_are_at_pytorchs_module_paths(path):
    theirs = importlib.import_module(f"torch.nn.modules.{path}")
    ours = importlib.import_module(f"tinygrad_rnn.nn.modules.{path}")
    names = [n for n in theirs.__all__ if isinstance(getattr(nn, n, None), type)]
    assert names and all(getattr(ours, n) is getattr(nn, n) for n in names)
