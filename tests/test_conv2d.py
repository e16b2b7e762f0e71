"""2-D convolution and pooling: F.conv2d / nn.Conv2d, F.max_pool2d / nn.MaxPool2d, F.avg_pool2d / nn.AvgPool2d,
F.adaptive_avg_pool2d / nn.AdaptiveAvgPool2d, F.adaptive_max_pool2d / nn.AdaptiveMaxPool2d. Values, indices and gradients (input, weight, bias) are checked
against torch over random shapes, strides, paddings, dilations and groups, and against float64 finite
differences; a LeNet-style model trains and its state_dict runs in the equivalent torch model."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import (
    torch, TF, needs_torch, close as _close, leaf as _leaf, torch_leaf as _torch_leaf, backward_both as _backward_both
)


def _pair_or_int(draw, values):
    """An int, or an (h, w) pair, drawn from ``values`` (a strategy of ints)."""
    return draw(st.one_of(values, st.tuples(values, values)))


def _hw(v):
    return v if isinstance(v, tuple) else (v, v)


# ---------------------------------------------------------------- conv2d
@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 3))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = _pair_or_int(draw, st.integers(1, 3))
    dilation = _pair_or_int(draw, st.integers(1, 2))
    strided = _hw(stride) != (1, 1)
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                             st.sampled_from(["valid"] if strided else ["valid", "same"])))
    pad = (0, 0) if isinstance(padding, str) else _hw(padding)
    size = tuple(max(1, _hw(dilation)[i] * (k[i] - 1) + 1 - 2 * pad[i]) + draw(st.integers(0, 5)) for i in (0, 1))
    batch = draw(st.sampled_from([(), (1,), (2,)]))  # () is an unbatched (C, H, W) input
    return dict(shape=batch + (cin,) + size, weight=(cout, cin // groups) + k, stride=stride, padding=padding,
                dilation=dilation, groups=groups, bias=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's own note on its padded copy
@given(conv_cases())
def test_conv2d_values_and_gradients_match_torch(case):
    rng = np.random.default_rng(case["seed"])
    x, w = rng.standard_normal(case["shape"]), rng.standard_normal(case["weight"])
    b = rng.standard_normal(case["weight"][0]) if case["bias"] else None
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"], groups=case["groups"])
    ours = [_leaf(x), _leaf(w)] + ([_leaf(b)] if b is not None else [])
    theirs = [_torch_leaf(x), _torch_leaf(w)] + ([_torch_leaf(b)] if b is not None else [])
    out = F.conv2d(*ours[:2], ours[2] if b is not None else None, **kw)
    ref = TF.conv2d(*theirs[:2], theirs[2] if b is not None else None, **kw)
    assert out.shape == tuple(ref.shape)
    _close(out.data, ref)
    _backward_both(out, ref, rng)
    for a, t in zip(ours, theirs):
        _close(a.grad, t.grad)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=(2, 1), padding="same"),
                                dict(groups=2, stride=(3, 2), padding=(2, 1), dilation=2)])
def test_conv2d_gradients_match_finite_differences(kw):
    rng = np.random.default_rng(1)
    g = kw.get("groups", 1)
    x, w, b = _leaf(rng.standard_normal((2, 4, 7, 6))), _leaf(rng.standard_normal((6, 4 // g, 3, 2))), \
        _leaf(rng.standard_normal(6))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


@needs_torch
def test_conv2d_float32_stays_float32():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 8, 8)).astype(np.float32), rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    out = F.conv2d(tg.Tensor(x), tg.Tensor(w), padding=(1,), stride=(2,))  # 1-tuples are used for both, as torch
    ref = TF.conv2d(torch.tensor(x), torch.tensor(w), padding=(1,), stride=(2,))
    assert out.shape == tuple(ref.shape) == (2, 5, 4, 4) and out.dtype == np.float32
    _close(out.data, ref, tol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 2, 3, 3)))), "input channels"),       # torch: "to have 2 channels"
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((3, 1, 3, 3))), groups=2), "divisible"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), stride=2, padding="same"), "strided"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 6, 3)))), "kernel size"),          # kernel taller than input
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), dilation=(1, 3)), "kernel size"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), padding="full"), "padding"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), padding=-1), "padding"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3))) ), "4-D"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), tg.Tensor(np.ones(3))), "bias"),
    (lambda x: F.conv2d(x.reshape(3, 25), tg.Tensor(np.ones((2, 3, 3, 3)))), "input"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), stride=0), "stride"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), stride=(1, 1, 1)), "stride"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), dilation=0), "dilation"),
    (lambda x: F.conv2d(x, tg.Tensor(np.ones((2, 3, 3, 3))), groups=0), "groups"),
])
def test_conv2d_bad_arguments_raise_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(tg.Tensor(np.ones((1, 3, 5, 5))))


@needs_torch
@pytest.mark.parametrize("call", [
    lambda F, x, w: F.conv2d(x, w[:, :2]),
    lambda F, x, w: F.conv2d(x, w, stride=2, padding="same"),
    lambda F, x, w: F.conv2d(x[..., :2, :], w),
    lambda F, x, w: F.conv2d(x, w, padding=-1),
    lambda F, x, w: F.conv2d(x, w, stride=0),
])
def test_conv2d_rejects_what_torch_rejects(call):
    x, w = np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3))
    with pytest.raises(RuntimeError):
        call(TF, torch.tensor(x), torch.tensor(w))
    with pytest.raises(ValueError):
        call(F, tg.Tensor(x), tg.Tensor(w))


# ---------------------------------------------------------------- nn.Conv2d
@needs_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [(2, 1), "same", "valid"])
def test_Conv2d_state_dict_moves_to_and_from_torch_and_outputs_match(mode, padding):
    args = dict(padding=padding, padding_mode=mode, groups=2, dilation=(2, 1))
    theirs = torch.nn.Conv2d(4, 6, (3, 2), **args).double()
    ours = nn.Conv2d(4, 6, (3, 2), **args, dtype=np.float64)
    assert repr(ours) == repr(theirs)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in
                                                                  theirs.state_dict().items()}
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 4, 6, 5))
    xo, xt = _leaf(x), _torch_leaf(x)
    out, ref = ours(xo), theirs(xt)
    _close(out.data, ref)
    _backward_both(out, ref, np.random.default_rng(4))
    for a, t in ((ours.weight, theirs.weight), (ours.bias, theirs.bias), (xo, xt)):
        _close(a.grad, t.grad)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})  # and back


def test_Conv2d_padding_modes_have_finite_difference_gradients():
    rng = np.random.default_rng(5)
    for mode in ("reflect", "replicate", "circular"):
        conv = nn.Conv2d(2, 3, 3, padding=(2, 1), padding_mode=mode, dtype=np.float64)
        assert gradcheck(conv, [_leaf(rng.standard_normal((1, 2, 4, 3)))])


def test_Conv2d_init_is_pytorchs_kaiming_uniform_and_reproducible():
    tg.manual_seed(0)
    conv = nn.Conv2d(8, 16, (5, 3), groups=2)
    bound = 1 / np.sqrt(4 * 5 * 3)  # kaiming_uniform(a=sqrt(5)): 1/sqrt(fan_in), fan_in = in/groups * kH * kW
    assert conv.weight.shape == (16, 4, 5, 3) and conv.weight.dtype == np.float32 and conv.bias.shape == (16,)
    for p in (conv.weight.data, conv.bias.data):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.8 * bound
    tg.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv2d(8, 16, (5, 3), groups=2).weight.data, conv.weight.data)
    assert list(nn.Conv2d(2, 3, 1, bias=False).state_dict()) == ["weight"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(groups=2, in_channels=3), "in_channels"), (dict(groups=2, out_channels=3), "out_channels"),
    (dict(padding_mode="mirror"), "padding_mode"), (dict(padding="same", stride=(1, 2)), "strided"),
    (dict(padding="full"), "padding"), (dict(kernel_size=(3, 3, 3)), "kernel_size"),
])
def test_Conv2d_bad_arguments_raise(kwargs, message):
    args = dict(in_channels=4, out_channels=4, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(**args)


def test_Conv2d_reflect_padding_as_large_as_the_input_raises():
    with pytest.raises(ValueError, match="too large"):
        nn.Conv2d(1, 1, 3, padding=(1, 3), padding_mode="reflect")(tg.Tensor(np.ones((1, 1, 5, 3))))


# ---------------------------------------------------------------- pooling
@st.composite
def max_pool_cases(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = tuple(dilation[i] * (k[i] - 1) + 1 + draw(st.integers(0, 5)) for i in (0, 1))
    return dict(shape=draw(st.sampled_from([(), (2,)])) + (draw(st.integers(1, 2)),) + size,
                kernel_size=k if draw(st.booleans()) else k[0] if k[0] == k[1] else k,
                stride=draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))),
                padding=(draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2))), dilation=dilation,
                ceil_mode=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@needs_torch
@given(max_pool_cases())
def test_max_pool2d_values_indices_and_gradients_match_torch(case):
    rng = np.random.default_rng(case.pop("seed"))
    x = rng.standard_normal(case.pop("shape"))
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, idx = F.max_pool2d(ours, return_indices=True, **case)
    ref, ref_idx = TF.max_pool2d(theirs, return_indices=True, **case)
    _close(out.data, ref)
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    assert idx.dtype == np.int64
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)


@st.composite
def avg_pool_cases(draw):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    return dict(shape=draw(st.sampled_from([(), (2,)])) + (2, k[0] + draw(st.integers(0, 5)),
                                                           k[1] + draw(st.integers(0, 5))),
                kernel_size=k, stride=draw(st.one_of(st.none(), st.integers(1, 3),
                                                     st.tuples(st.integers(1, 3), st.integers(1, 3)))),
                padding=(draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2))),
                ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                divisor_override=draw(st.one_of(st.none(), st.integers(1, 5))), seed=draw(st.integers(0, 2**16)))


@needs_torch
@given(avg_pool_cases())
def test_avg_pool2d_values_and_gradients_match_torch(case):
    rng = np.random.default_rng(case.pop("seed"))
    x = rng.standard_normal(case.pop("shape"))
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, ref = F.avg_pool2d(ours, **case), TF.avg_pool2d(theirs, **case)
    _close(out.data, ref)
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)


@needs_torch
@pytest.mark.parametrize("kw", [dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), count_include_pad=False),
                                dict(kernel_size=(2, 3), stride=2, padding=(0, 1), ceil_mode=True),
                                dict(kernel_size=3, stride=(1, 2), padding=1, ceil_mode=True, count_include_pad=False)])
def test_avg_pool2d_divisors_at_the_edges_match_torch(kw):
    """Windows clipped by the padding (count_include_pad=False) or by ceil_mode differ in height and width."""
    x = np.random.default_rng(8).standard_normal((2, 3, 7, 8))
    _close(F.avg_pool2d(tg.Tensor(x), **kw).data, TF.avg_pool2d(torch.tensor(x), **kw))


@needs_torch
@given(st.tuples(st.integers(1, 9), st.integers(1, 9)),
       st.one_of(st.integers(1, 10), st.tuples(st.one_of(st.none(), st.integers(1, 10)), st.integers(1, 10))),
       st.booleans(), st.integers(0, 2**16))
def test_adaptive_avg_pool2d_matches_torch_for_any_output_size(size, out_size, unbatched, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(((3,) if unbatched else (2, 3)) + size)
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, ref = F.adaptive_avg_pool2d(ours, out_size), TF.adaptive_avg_pool2d(theirs, out_size)
    assert out.shape == tuple(ref.shape)
    _close(out.data, ref)
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)


@needs_torch
@given(st.tuples(st.integers(1, 9), st.integers(1, 9)),
       st.one_of(st.integers(1, 10), st.tuples(st.one_of(st.none(), st.integers(1, 10)), st.integers(1, 10))),
       st.booleans(), st.booleans(), st.integers(0, 2**16))
def test_adaptive_max_pool2d_matches_torch_values_indices_and_gradients(size, out_size, unbatched, nans, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(((3,) if unbatched else (2, 3)) + size).round(1)  # rounded: ties among the taps
    if nans:
        x.flat[rng.integers(0, x.size, 2)] = np.nan
    ours, theirs = _leaf(x), _torch_leaf(x)
    (out, idx), (ref, ref_idx) = (F.adaptive_max_pool2d(ours, out_size, return_indices=True),
                                  TF.adaptive_max_pool2d(theirs, out_size, return_indices=True))
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)
    layer = nn.AdaptiveMaxPool2d(out_size)
    assert repr(layer) == repr(torch.nn.AdaptiveMaxPool2d(out_size))
    np.testing.assert_array_equal(layer(tg.Tensor(x)).data, ref.detach().numpy())


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1, 2, ceil_mode=True),
    lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 0)),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, (2, 3), 1, (1, 1), divisor_override=4),
    lambda x: F.adaptive_avg_pool2d(x, (4, 3)),
    lambda x: F.adaptive_max_pool2d(x, (4, 3)),
])
def test_pool2d_gradients_match_finite_differences(fn):
    x = _leaf(np.random.default_rng(6).standard_normal((2, 2, 7, 6)))
    assert gradcheck(fn, [x])


def test_max_pool2d_picks_the_first_of_tied_maxima_in_row_major_order():
    x = _leaf(np.array([[[[1.0, 2.0], [3.0, 3.0]], [[5.0, 0.0], [0.0, 5.0]]]]))  # (1, 2, 2, 2)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert idx.data.tolist() == [[[[2]], [[0]]]]  # flat h * W + w, as torch
    out.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]]]


@needs_torch
def test_pool2d_modules_match_torch_reprs_and_outputs():
    x = np.random.default_rng(7).standard_normal((2, 3, 9, 10)).astype(np.float32)
    pairs = [(nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
             (nn.MaxPool2d((2, 3), dilation=(2, 1), ceil_mode=True),
              torch.nn.MaxPool2d((2, 3), dilation=(2, 1), ceil_mode=True)),
             (nn.AvgPool2d(4, padding=2, count_include_pad=False), torch.nn.AvgPool2d(4, padding=2,
                                                                                     count_include_pad=False)),
             (nn.AvgPool2d(2, divisor_override=3), torch.nn.AvgPool2d(2, divisor_override=3)),
             (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
             (nn.AdaptiveAvgPool2d((None, 4)), torch.nn.AdaptiveAvgPool2d((None, 4))),
             (nn.Flatten(), torch.nn.Flatten())]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        out = ours(tg.Tensor(x))
        assert out.dtype == np.float32
        _close(out.data, theirs(torch.tensor(x)), tol=1e-6)
    out, idx = nn.MaxPool2d(2, return_indices=True)(tg.Tensor(x))
    np.testing.assert_array_equal(idx.data, torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))[1].numpy())


@pytest.mark.parametrize("call, message", [
    (lambda x: F.max_pool2d(x, 2, padding=2), "half of kernel size"),
    (lambda x: F.avg_pool2d(x, (3, 1), padding=(1, 1)), "half of kernel size"),
    (lambda x: F.max_pool2d(x, (2, 9)), "too small"),
    (lambda x: F.avg_pool2d(x, 9), "too small"),
    (lambda x: F.max_pool2d(x.reshape(10, 5), 2), "4-D"),
    (lambda x: F.avg_pool2d(x, (2, 2, 2)), "kernel_size"),
    (lambda x: F.max_pool2d(x, 2, stride=0), "stride"),
    (lambda x: F.max_pool2d(x, 2, dilation=0), "dilation"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "divisor_override"),
    (lambda x: F.adaptive_avg_pool2d(x, (2,)), "output_size"),
    (lambda x: F.adaptive_avg_pool2d(x.reshape(10, 5), 2), "4-D"),
])
def test_pool2d_bad_arguments_raise_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(tg.Tensor(np.ones((1, 2, 5, 5))))


@needs_torch
@pytest.mark.parametrize("call", [
    lambda F, x: F.max_pool2d(x, 2, padding=2),
    lambda F, x: F.max_pool2d(x, (2, 9)),
    lambda F, x: F.avg_pool2d(x, (2, 2, 2)),
    lambda F, x: F.avg_pool2d(x, 2, divisor_override=0),
    lambda F, x: F.adaptive_avg_pool2d(x, (2,)),
])
def test_pool2d_rejects_what_torch_rejects(call):
    with pytest.raises(RuntimeError):
        call(TF, torch.ones((1, 2, 5, 5)))
    with pytest.raises(ValueError):
        call(F, tg.Tensor(np.ones((1, 2, 5, 5))))


# ---------------------------------------------------------------- a tiny LeNet
def _lenet(lib):
    n = lib.nn
    return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Conv2d(4, 6, 3), n.ReLU(),
                        n.AdaptiveAvgPool2d(2), n.Flatten(), n.Linear(6 * 2 * 2, 2))


def test_a_lenet_style_cnn_trains_and_its_state_dict_runs_in_torch():
    """Conv2d-ReLU-MaxPool2d-...-Flatten-Linear on 8x8 images (class 1 iff the bright square is in the top
    half): SGD lowers the loss, and torch's same model given our state_dict gives our outputs."""
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=32)
    images = 0.1 * rng.standard_normal((32, 1, 8, 8)).astype(np.float32)
    for i, top in enumerate(labels):
        r, c = (rng.integers(0, 2) if top else rng.integers(5, 7)), rng.integers(0, 7)
        images[i, 0, r : r + 2, c : c + 2] += 1.0
    model = _lenet(tg)
    opt = tg.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    losses = []
    for _ in range(15):
        loss = F.cross_entropy(model(tg.Tensor(images)), tg.Tensor(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0], losses

    torch_ = pytest.importorskip("torch")
    theirs = _lenet(torch_)
    state = model.state_dict()
    assert list(state) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch_.tensor(np.asarray(v.data)) for k, v in state.items()})
    out = model(tg.Tensor(images))
    _close(out.data, theirs(torch_.tensor(images)), tol=1e-5)


@needs_torch
@pytest.mark.parametrize("x, args", [
    (np.where(np.eye(3, dtype=bool)[::-1], -np.inf, 0.0)[None, None], (3, 1, 1, 2)),  # -inf in every window
    (np.full((1, 1, 3, 3), -np.inf), (2, 1, 1, 2)),  # no value above -inf anywhere
    (np.arange(12.0).reshape(1, 1, 3, 4) - 20, (2, 1, 1, 3)),  # the dilation steps over the input
])
def test_max_pool2d_windows_without_a_value_above_minus_inf_pick_torchs_index(x, args):
    """A window whose taps inside the input are all -inf keeps PyTorch's scan start (its first tap inside, per
    dimension), which gets the gradient."""
    ours, theirs = _leaf(x), _torch_leaf(x)
    (out, idx), (ref, ref_idx) = F.max_pool2d(ours, *args, return_indices=True), TF.max_pool2d(theirs, *args,
                                                                                               return_indices=True)
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    out.sum().backward()
    ref.sum().backward()  # every window here has a tap inside the input: torch's indices are real positions
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@needs_torch
def test_a_max_pool2d_window_of_padding_only_is_minus_inf_with_no_gradient():
    x = _leaf(np.array([[[[3.0]]]]))
    out, idx = F.max_pool2d(x, 2, 1, 1, 2, return_indices=True)
    ref, ref_idx = TF.max_pool2d(torch.tensor(x.data), 2, 1, 1, 2, return_indices=True)
    assert out.data.tolist() == ref.numpy().tolist() == [[[[-np.inf]]]]
    assert idx.data.tolist() == ref_idx.numpy().tolist()  # torch's index, past the 1 x 1 input
    out.sum().backward()  # (not torch's backward: it would add at that index, outside the input)
    assert x.grad.tolist() == [[[[0.0]]]]


@needs_torch
def test_max_pool2d_of_integers_pads_with_their_least_value():
    x = np.arange(16).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(F.max_pool2d(tg.Tensor(x), 2, 1, 1).data,
                                  TF.max_pool2d(torch.tensor(x), 2, 1, 1).numpy())


@needs_torch
@pytest.mark.parametrize("special", [np.inf, -np.inf, np.nan])
def test_adaptive_average_pools_keep_infinities_and_nan_in_their_own_windows(special):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 5, 7))
    x[0, 1, 2, 3] = special
    for ours, theirs in ((F.adaptive_avg_pool2d(tg.Tensor(x), (3, 4)), TF.adaptive_avg_pool2d(torch.tensor(x), (3, 4))),
                         (F.adaptive_avg_pool1d(tg.Tensor(x[0]), 3), TF.adaptive_avg_pool1d(torch.tensor(x[0]), 3))):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)


# ---------------------------------------------------------------- conv3d: the same ConvNd op over three dimensions
@needs_torch
@given(st.integers(1, 2), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
       st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)),
       st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 1)),
       st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)), st.booleans(), st.integers(0, 2**16))
def test_conv3d_matches_torch_values_and_gradients(groups, per_group, kernel, stride, padding, dilation, bias, seed):
    rng = np.random.default_rng(seed)
    C, O = groups * per_group, groups * 2
    size = tuple(dl * (k - 1) + 1 + rng.integers(0, 3) for k, dl in zip(kernel, dilation))
    x, w = rng.standard_normal((2, C, *size)), rng.standard_normal((O, per_group, *kernel))
    b = rng.standard_normal(O) if bias else None
    ours = [_leaf(a) for a in (x, w) + ((b,) if bias else ())]
    theirs = [_torch_leaf(a) for a in (x, w) + ((b,) if bias else ())]
    out = F.conv3d(ours[0], ours[1], ours[2] if bias else None, stride, padding, dilation, groups)
    ref = TF.conv3d(theirs[0], theirs[1], theirs[2] if bias else None, stride, padding, dilation, groups)
    _close(out.data, ref)
    _backward_both(out, ref, rng)
    for a, t in zip(ours, theirs):
        _close(a.grad, t.grad)


@needs_torch
def test_conv3d_module_state_dict_padding_modes_and_repr_match_torch():
    m = nn.Conv3d(2, 4, (3, 2, 3), stride=(1, 2, 1), padding=1, padding_mode="reflect", dtype=np.float64)
    tm = torch.nn.Conv3d(2, 4, (3, 2, 3), stride=(1, 2, 1), padding=1, padding_mode="reflect").double()
    tm.load_state_dict({k: torch.tensor(v.data) for k, v in m.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((2, 2, 4, 5, 6))
    assert repr(m) == repr(tm)
    _close(m(tg.Tensor(x)).data, tm(torch.tensor(x)))
    _close(m(tg.Tensor(x[0])).data, tm(torch.tensor(x[0])))  # unbatched (C, D, H, W)
    with pytest.raises(ValueError, match="conv3d: expected a 4-D"):
        F.conv3d(tg.Tensor(np.ones((2, 3, 4))), tg.Tensor(np.ones((1, 2, 1, 1, 1))))


@needs_torch
@pytest.mark.parametrize("shape", [(0, 4, 4), (2, 0, 4, 4), (1, 2, 0, 4), (3, 0, 4), (2, 3, 4, 0)])
@pytest.mark.parametrize("fn", ["adaptive_max_pool2d", "adaptive_avg_pool2d"])
def test_adaptive_pools2d_accept_and_refuse_empty_inputs_as_torch(shape, fn):
    try:
        expected = tuple(getattr(TF, fn)(torch.zeros(shape), 2).shape)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="non-zero size"):
            getattr(F, fn)(tg.Tensor(np.zeros(shape)), 2)
    else:
        assert getattr(F, fn)(tg.Tensor(np.zeros(shape)), 2).shape == expected


@needs_torch
@pytest.mark.parametrize("fn, args", [("max_pool2d", (2,)), ("avg_pool2d", (2,)), ("adaptive_max_pool2d", (2,)),
                                      ("adaptive_avg_pool2d", (2,)), ("max_pool1d", (2,)), ("avg_pool1d", (2,)),
                                      ("adaptive_max_pool1d", (2,)), ("adaptive_avg_pool1d", (2,))])
def test_pools_of_an_empty_batch_have_torchs_shape_and_a_gradient(fn, args):
    shape = (0, 1, 4, 4) if fn.endswith("2d") else (0, 1, 8)
    x = tg.Tensor(np.zeros(shape), requires_grad=True)
    out = getattr(F, fn)(x, *args)
    assert out.shape == tuple(getattr(TF, fn)(torch.zeros(shape), *args).shape)
    out.sum().backward()
    assert x.grad.shape == shape
