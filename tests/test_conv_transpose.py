"""Transposed convolutions: F.conv_transpose1d/2d/3d and nn.ConvTranspose1d/2d/3d. Values and gradients (input,
weight, bias) against torch over random shapes, strides, paddings, output paddings, dilations and groups;
forward(output_size=), the default init's fan, torch's checks; finite differences and a small conv
autoencoder that learns, without torch."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn, optim

from torch_reference import torch, TF, needs_torch, close, leaf, torch_leaf, backward_both


@st.composite
def transpose_cases(draw):
    d = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    ints = lambda lo, hi: st.lists(st.integers(lo, hi), min_size=d, max_size=d).map(tuple)  # noqa: E731
    k = draw(ints(1, 3 if d < 3 else 2))
    stride, dilation = draw(ints(1, 3)), draw(ints(1, 2))
    # output_padding below stride or dilation per dimension, as torch requires
    output_padding = tuple(draw(st.integers(0, max(s, dl) - 1)) for s, dl in zip(stride, dilation))
    size = draw(ints(1, 4 if d < 3 else 3))
    # padding that leaves at least one output position
    padding = tuple(draw(st.integers(0, max(0, ((n - 1) * s + dl * (kk - 1) + op) // 2)))
                    for n, s, dl, kk, op in zip(size, stride, dilation, k, output_padding))
    batch = draw(st.sampled_from([(), (1,), (2,)]))  # () is an unbatched (C, *size) input
    scalar = draw(st.booleans())  # every argument an int where all its entries agree, as callers write them
    squash = (lambda t: t[0] if scalar and len(set(t)) == 1 else t)
    return dict(d=d, shape=batch + (cin,) + size, weight=(cin, cout // groups) + k,
                kw=dict(stride=squash(stride), padding=squash(padding), output_padding=squash(output_padding),
                        groups=groups, dilation=squash(dilation)),
                bias=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@needs_torch
@settings(max_examples=150, deadline=None)
@given(transpose_cases())
def test_conv_transpose_values_and_gradients_match_torch(case):
    rng = np.random.default_rng(case["seed"])
    x, w = rng.standard_normal(case["shape"]), rng.standard_normal(case["weight"])
    b = rng.standard_normal(case["weight"][1] * case["kw"]["groups"]) if case["bias"] else None
    ours = [leaf(x), leaf(w)] + ([leaf(b)] if b is not None else [])
    theirs = [torch_leaf(x), torch_leaf(w)] + ([torch_leaf(b)] if b is not None else [])
    name = f"conv_transpose{case['d']}d"
    out = getattr(F, name)(ours[0], ours[1], ours[2] if b is not None else None, **case["kw"])
    ref = getattr(TF, name)(theirs[0], theirs[1], theirs[2] if b is not None else None, **case["kw"])
    assert out.shape == tuple(ref.shape)
    close(out.data, ref)
    backward_both(out, ref, rng)
    for a, t in zip(ours, theirs):
        close(a.grad, t.grad)


@needs_torch
@pytest.mark.parametrize("d", [1, 2, 3])
def test_ConvTranspose_module_matches_torch_with_its_state_dict(d):
    kw = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2, 1)[:d] if d > 1 else 1)
    ours = getattr(nn, f"ConvTranspose{d}d")(4, 6, 3, dtype=np.float64, **kw)
    theirs = getattr(torch.nn, f"ConvTranspose{d}d")(4, 6, 3, dtype=torch.float64, **kw)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(d).standard_normal((2, 4) + (3,) * d)
    a, t = leaf(x), torch_leaf(x)
    out, ref = ours(a), theirs(t)
    close(out.data, ref)
    backward_both(out, ref, np.random.default_rng(0))
    close(a.grad, t.grad)
    close(ours.weight.grad, theirs.weight.grad)
    close(ours.bias.grad, theirs.bias.grad)


@needs_torch
@pytest.mark.parametrize("output_size", [(11, 13), (12, 14), (2, 3, 12, 13), [11, 14]])
@pytest.mark.parametrize("unbatched", [False, True])
def test_ConvTranspose2d_output_size_picks_output_padding_as_torch(output_size, unbatched):
    ours = nn.ConvTranspose2d(4, 3, 3, stride=2, dtype=np.float64)
    theirs = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 6))
    if unbatched:
        x, output_size = x[0], (output_size[1:] if len(output_size) == 4 else output_size)
    out, ref = ours(tg.Tensor(x), output_size=output_size), theirs(torch.tensor(x), output_size=output_size)
    assert out.shape == tuple(ref.shape)
    close(out.data, ref)


@pytest.mark.parametrize("output_size, message", [
    ((13, 14), r"requested an output size of \(13, 14\), but valid sizes range from \[11, 13\] to \[12, 14\]"),
    ((10, 14), "valid sizes range"),
    ((12,), "for 4D input, output_size must have 2 or 4 elements"),
])
def test_ConvTranspose2d_output_size_out_of_range_raises(output_size, message):
    m = nn.ConvTranspose2d(4, 3, 3, stride=2)
    with pytest.raises(ValueError, match=message):
        m(tg.Tensor(np.zeros((2, 4, 5, 6), dtype=np.float32)), output_size=output_size)


def test_ConvTranspose_output_size_replaces_the_modules_output_padding():
    # torch checks output_padding in the functional call, so an output_size makes an invalid one harmless
    m = nn.ConvTranspose1d(2, 2, 3, output_padding=1)
    x = tg.Tensor(np.ones((1, 2, 4), dtype=np.float32))
    assert m(x, output_size=(6,)).shape == (1, 2, 6)
    with pytest.raises(ValueError, match="output padding must be smaller than either stride or dilation"):
        m(x)


@needs_torch
@pytest.mark.parametrize("cls, args, kw", [
    ("ConvTranspose2d", (64, 48, 5), {}),                 # fan_in = out * kH * kW = 1200
    ("ConvTranspose1d", (30, 200, 4), dict(groups=2)),    # out / groups * K = 400
    ("ConvTranspose3d", (21, 60, (2, 3, 4)), dict(groups=3)),  # 20 * 24 = 480
])
def test_ConvTranspose_default_init_uses_torchs_fan(cls, args, kw):
    ours = getattr(nn, cls)(*args, **kw)
    theirs = getattr(torch.nn, cls)(*args, **kw)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    fan_in = torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)[0]
    bound = 1 / math.sqrt(fan_in)
    w = ours.weight.data
    # uniform(±bound): std bound/sqrt(3); with >= 20,000 draws the std is within a few percent
    assert abs(w.std() / theirs.weight.detach().numpy().std() - 1) < 0.05
    assert abs(w.std() * math.sqrt(3) / bound - 1) < 0.05 and np.abs(w).max() <= bound
    assert np.abs(ours.bias.data).max() <= bound and ours.bias.data.std() > bound / 4


@needs_torch
@pytest.mark.parametrize("call, message", [
    (lambda f, x, w, T: f(x, w, stride=1, output_padding=1), "output padding must be smaller than either stride or"),
    (lambda f, x, w, T: f(x, w, stride=2, output_padding=(1, 2)), "output padding must be smaller"),
    (lambda f, x, w, T: f(x, w[:3]), "expects an input with 3 channels, got 4"),
    (lambda f, x, w, T: f(x, w, groups=3), "not divisible by groups 3"),
    (lambda f, x, w, T: f(x, w, padding=4), "output size per channel .* is too small"),
    (lambda f, x, w, T: f(x, w, padding=-1), "padding must be at least 0"),
    (lambda f, x, w, T: f(x, w, output_padding=-1, stride=2), "output_padding must be at least 0"),
    (lambda f, x, w, T: f(x, w, stride=0), "stride must be at least 1"),
    (lambda f, x, w, T: f(x, w, dilation=0), "dilation must be at least 1"),
    (lambda f, x, w, T: f(x, w, groups=0), "groups must be at least 1"),
    (lambda f, x, w, T: f(x, w, bias=T(np.zeros(4))), r"bias must have shape \(3,\)"),
    (lambda f, x, w, T: f(x, w[..., 0]), "weight must be 4-D"),
    (lambda f, x, w, T: f(x[0, 0], w), "expected a 3-D"),
])
def test_conv_transpose2d_rejects_what_torch_rejects(call, message):
    x, w = np.zeros((2, 4, 5, 6)), np.zeros((4, 3, 3, 3))
    with pytest.raises(RuntimeError):  # torch rejects it too
        call(TF.conv_transpose2d, torch.tensor(x), torch.tensor(w), torch.tensor)
    with pytest.raises(ValueError, match=message):
        call(F.conv_transpose2d, tg.Tensor(x), tg.Tensor(w), tg.Tensor)



@needs_torch
@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("size, kw", [
    (3, dict(stride=2, output_padding=1, groups=2)),
    (1, dict(padding=1)),  # an empty output: (1 - 1) - 2 + 1 + 1 = 0 positions
    (1, dict(padding=(1, 0, 0), stride=2, output_padding=(0, 1, 0))),  # the first dimension empty
    (0, dict()),  # an empty input size
])
def test_conv_transpose_of_an_empty_batch_matches_torch(d, size, kw):
    kw = {k: v[:d] if isinstance(v, tuple) else v for k, v in kw.items()}
    g = kw.get("groups", 1)
    rng = np.random.default_rng(d)
    arrays = [np.zeros((0, 4) + (size,) * d), rng.standard_normal((4, 6 // g) + (2,) * d), rng.standard_normal(6)]
    ours, theirs = [leaf(a) for a in arrays], [torch_leaf(a) for a in arrays]
    fn = f"conv_transpose{d}d"
    out, ref = getattr(F, fn)(*ours, **kw), getattr(TF, fn)(*theirs, **kw)
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    backward_both(out, ref, rng)
    for a, t in zip(ours, theirs):
        assert a.grad.shape == tuple(t.grad.shape)
        close(a.grad, t.grad)


@needs_torch
@pytest.mark.parametrize("d", [1, 2, 3])
def test_ConvTranspose_module_on_an_empty_batch_matches_torch(d):
    theirs = getattr(torch.nn, f"ConvTranspose{d}d")(2, 3, 2, padding=1, stride=2).double()
    ours = getattr(nn, f"ConvTranspose{d}d")(2, 3, 2, padding=1, stride=2, dtype=np.float64)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.zeros((0, 2) + (1,) * d)
    for output_size in (None, (1,) * d):  # output_padding 0 gives 0 positions, and output_size 1 picks 1
        out, ref = ours(leaf(x), output_size=output_size), theirs(torch_leaf(x), output_size=output_size)
        assert out.shape == tuple(ref.shape)
        out.sum().backward()
        ref.sum().backward()
        close(ours.weight.grad, theirs.weight.grad)
        close(ours.bias.grad, theirs.bias.grad)


@needs_torch
@pytest.mark.parametrize("x_shape, w_shape, kw, message", [
    ((1, 2, 1, 1), (2, 3, 2, 2), dict(padding=1), "output size per channel .* is too small"),  # an empty output
    ((0, 2, 1, 1), (2, 3, 1, 1), dict(padding=1), "output size per channel .* is too small"),  # below empty
    ((1, 2, 0, 3), (2, 3, 2, 2), dict(), "only a zero batch may be empty"),
    ((1, 0, 3, 3), (0, 3, 2, 2), dict(), "weight must not be empty"),
    ((1, 2, 3, 3), (2, 0, 2, 2), dict(), "weight must not be empty"),
    ((1, 2, 3, 3), (2, 3, 0, 2), dict(), "weight must not be empty"),
])
def test_conv_transpose2d_empty_cases_torch_rejects(x_shape, w_shape, kw, message):
    x, w = np.zeros(x_shape), np.zeros(w_shape)
    with pytest.raises(RuntimeError):  # torch rejects it too
        TF.conv_transpose2d(torch.tensor(x), torch.tensor(w), **kw)
    with pytest.raises(ValueError, match=message):
        F.conv_transpose2d(tg.Tensor(x), tg.Tensor(w), **kw)


def test_conv_transpose_string_padding_and_module_checks():
    with pytest.raises(TypeError, match="padding must be an int or a tuple"):
        F.conv_transpose1d(tg.Tensor(np.zeros((1, 2, 3))), tg.Tensor(np.zeros((2, 2, 2))), padding="same")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(4, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="in_channels 4 must be divisible by groups 3"):
        nn.ConvTranspose2d(4, 3, 3, groups=3)
    with pytest.raises(ValueError, match="out_channels 3 must be divisible by groups 2"):
        nn.ConvTranspose2d(4, 3, 3, groups=2)


def test_output_padding_below_the_dilation_is_allowed():
    # output_padding 1 >= stride 1 is fine when below the dilation 2: the extra position gets only the bias
    x, w, b = np.ones((1, 1, 3)), np.ones((1, 1, 2)), np.array([0.5])
    out = F.conv_transpose1d(tg.Tensor(x), tg.Tensor(w), tg.Tensor(b), output_padding=1, dilation=2)
    np.testing.assert_array_equal(out.data, [[[1.5, 1.5, 2.5, 1.5, 1.5, 0.5]]])


@pytest.mark.parametrize("d, kw", [
    (1, dict(stride=3, padding=1, output_padding=2)),
    (2, dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), dilation=(1, 2), groups=2)),
    (3, dict(stride=2, output_padding=(1, 0, 1), dilation=(1, 1, 2))),
])
def test_conv_transpose_gradients_match_finite_differences(d, kw):
    rng = np.random.default_rng(d)
    g = kw.get("groups", 1)
    x = leaf(rng.standard_normal((2, 4) + (3,) * d))
    w = leaf(rng.standard_normal((4, 6 // g) + (2,) * d))
    b = leaf(rng.standard_normal(6))
    fn = getattr(F, f"conv_transpose{d}d")
    assert gradcheck(lambda x, w, b: fn(x, w, b, **kw), [x, w, b], max_elements=40)


def test_conv_transpose_is_the_input_gradient_of_conv():
    # <conv(x), y> = <x, conv_transpose(y)>: the adjoint identity, with output_padding restoring x's size
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 4, 9, 8)), rng.standard_normal((6, 2, 3, 2))
    kw = dict(stride=(2, 3), padding=(1, 1), dilation=(1, 2), groups=2)
    cx = F.conv2d(tg.Tensor(x), tg.Tensor(w), **kw)
    y = rng.standard_normal(cx.shape)
    back = F.conv_transpose2d(tg.Tensor(y), tg.Tensor(w), output_padding=(0, 1), **kw)
    assert back.shape == x.shape
    np.testing.assert_allclose((cx.data * y).sum(), (x * back.data).sum(), rtol=1e-10)


def test_conv_autoencoder_learns():
    # 8x8 blobs through Conv2d (stride 2, down to 4x4) and ConvTranspose2d (stride 2, back up to 8x8)
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:8, :8]
    centres = rng.integers(1, 7, size=(32, 2))
    images = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 3.0)[:, None]
    model = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
                          nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1))
    opt = optim.Adam(model.parameters(), lr=0.02)
    x = tg.Tensor(images.astype(np.float32))
    losses = []
    for _ in range(150):
        loss = F.mse_loss(model(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert model(x).shape == x.shape
    assert losses[-1] < 0.1 * losses[0]
