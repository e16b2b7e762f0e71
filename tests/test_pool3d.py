"""3-D pooling: F.max_pool3d / nn.MaxPool3d, F.avg_pool3d / nn.AvgPool3d, F.adaptive_avg_pool3d /
nn.AdaptiveAvgPool3d, F.adaptive_max_pool3d / nn.AdaptiveMaxPool3d (one implementation with the 2-D pools).
Values, flat ``(d * H + h) * W + w`` indices and input gradients are checked against torch (float64) over random
kernels, strides, paddings, dilations, ceil_mode, divisors, output sizes, batched and unbatched inputs with NaN
and -inf entries; the edge windows, module reprs and errors against torch's; gradients against finite
differences without torch."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import torch, TF, needs_torch, close as _close, leaf as _leaf, torch_leaf as _torch_leaf


def _triple_or_int(draw, values):
    """An int or a (d, h, w) triple drawn from ``values`` (a strategy of ints)."""
    return draw(st.one_of(values, st.tuples(values, values, values)))


def _specials(x, rng, draw):
    """``x`` with up to two NaN and up to three -inf entries (each as hypothesis draws)."""
    for value, most in ((np.nan, 2), (-np.inf, 3)):
        x.flat[rng.integers(0, x.size, draw(st.integers(0, most)))] = value
    return x


def _backward_both(out, ref, rng):
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))


@st.composite
def max_pool_cases(draw):
    k = draw(st.tuples(*[st.integers(1, 3)] * 3))
    dilation = draw(st.tuples(*[st.integers(1, 2)] * 3))
    # at least one window's span per dimension, so every window has a tap inside (torch's backward would
    # write past the input for one that has none)
    size = tuple(dl * (kk - 1) + 1 + draw(st.integers(0, 3)) for kk, dl in zip(k, dilation))
    return dict(shape=draw(st.sampled_from([(), (2,)])) + (draw(st.integers(1, 2)),) + size,
                kernel_size=k if draw(st.booleans()) or len(set(k)) > 1 else k[0],
                stride=draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(*[st.integers(1, 3)] * 3))),
                padding=tuple(draw(st.integers(0, kk // 2)) for kk in k), dilation=dilation,
                ceil_mode=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@needs_torch
@given(max_pool_cases(), st.data())
def test_max_pool3d_values_indices_and_gradients_match_torch(case, data):
    rng = np.random.default_rng(case.pop("seed"))
    x = _specials(rng.standard_normal(case.pop("shape")).round(1), rng, data.draw)  # rounded: tied maxima
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, idx = F.max_pool3d(ours, return_indices=True, **case)
    ref, ref_idx = TF.max_pool3d(theirs, return_indices=True, **case)
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)


@st.composite
def avg_pool_cases(draw):
    k = draw(st.tuples(*[st.integers(1, 3)] * 3))
    return dict(shape=draw(st.sampled_from([(), (2,)])) + (2,) + tuple(kk + draw(st.integers(0, 3)) for kk in k),
                kernel_size=k, stride=draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(*[st.integers(1, 3)] * 3))),
                padding=_triple_or_int(draw, st.integers(0, min(k) // 2)),
                ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                divisor_override=draw(st.one_of(st.none(), st.integers(1, 5))), seed=draw(st.integers(0, 2**16)))


@needs_torch
@given(avg_pool_cases())
def test_avg_pool3d_values_and_gradients_match_torch(case):
    rng = np.random.default_rng(case.pop("seed"))
    x = rng.standard_normal(case.pop("shape"))
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, ref = F.avg_pool3d(ours, **case), TF.avg_pool3d(theirs, **case)
    assert out.shape == tuple(ref.shape)
    _close(out.data, ref)
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)


@needs_torch
@pytest.mark.parametrize("kw", [
    dict(kernel_size=(3, 2, 3), stride=(2, 3, 2), padding=(1, 1, 1), count_include_pad=False),
    dict(kernel_size=(2, 3, 2), stride=2, padding=(0, 1, 1), ceil_mode=True),  # ceil_mode's last windows clipped
    dict(kernel_size=3, stride=(1, 2, 3), padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=2, stride=2, padding=1, ceil_mode=True, divisor_override=3),
])
def test_avg_pool3d_divisors_at_the_edges_match_torch(kw):
    """Windows clipped by the padding (count_include_pad=False) or by ceil_mode differ in each dimension; a
    ceil_mode window that would start in the right padding is dropped."""
    x = np.random.default_rng(8).standard_normal((2, 3, 5, 6, 7))
    out, ref = F.avg_pool3d(tg.Tensor(x), **kw), TF.avg_pool3d(torch.tensor(x), **kw)
    assert out.shape == tuple(ref.shape)
    _close(out.data, ref)


_out_sizes = st.one_of(st.integers(1, 6), st.tuples(*[st.one_of(st.none(), st.integers(1, 6))] * 3))


@needs_torch
@given(st.tuples(*[st.integers(1, 6)] * 3), _out_sizes, st.booleans(), st.integers(0, 2**16))
def test_adaptive_avg_pool3d_matches_torch_for_any_output_size(size, out_size, unbatched, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(((3,) if unbatched else (2, 3)) + size)
    ours, theirs = _leaf(x), _torch_leaf(x)
    out, ref = F.adaptive_avg_pool3d(ours, out_size), TF.adaptive_avg_pool3d(theirs, out_size)
    assert out.shape == tuple(ref.shape)
    _close(out.data, ref)
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)
    layer = nn.AdaptiveAvgPool3d(out_size)
    assert repr(layer) == repr(torch.nn.AdaptiveAvgPool3d(out_size))
    _close(layer(tg.Tensor(x)).data, ref)


@needs_torch
@given(st.tuples(*[st.integers(1, 6)] * 3), _out_sizes, st.booleans(), st.integers(0, 2**16), st.data())
def test_adaptive_max_pool3d_matches_torch_values_indices_and_gradients(size, out_size, unbatched, seed, data):
    rng = np.random.default_rng(seed)
    x = _specials(rng.standard_normal(((3,) if unbatched else (2, 3)) + size).round(1), rng, data.draw)
    ours, theirs = _leaf(x), _torch_leaf(x)
    (out, idx), (ref, ref_idx) = (F.adaptive_max_pool3d(ours, out_size, return_indices=True),
                                  TF.adaptive_max_pool3d(theirs, out_size, return_indices=True))
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    _backward_both(out, ref, rng)
    _close(ours.grad, theirs.grad)
    layer = nn.AdaptiveMaxPool3d(out_size, return_indices=True)
    assert repr(layer) == repr(torch.nn.AdaptiveMaxPool3d(out_size, return_indices=True))
    np.testing.assert_array_equal(layer(tg.Tensor(x))[1].data, ref_idx.numpy())


@needs_torch
@pytest.mark.parametrize("x, args", [
    (np.full((1, 1, 3, 3, 3), -np.inf), (2, 1, 1, 2)),  # no value above -inf anywhere
    (np.where(np.arange(27).reshape(1, 1, 3, 3, 3) % 2 == 0, -np.inf, 1.0), (3, 2, 1, 1)),
    (np.arange(24.0).reshape(1, 1, 2, 3, 4) - 30, (2, 1, 1, (1, 2, 3), True)),  # the dilation steps over the input
])
def test_max_pool3d_windows_without_a_value_above_minus_inf_pick_torchs_index(x, args):
    """A window whose taps inside the input are all -inf keeps PyTorch's scan start (its first tap inside, per
    dimension), which gets the gradient."""
    ours, theirs = _leaf(x), _torch_leaf(x)
    (out, idx), (ref, ref_idx) = (F.max_pool3d(ours, *args, return_indices=True),
                                  TF.max_pool3d(theirs, *args, return_indices=True))
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@needs_torch
def test_a_max_pool3d_window_of_padding_only_is_minus_inf_with_no_gradient():
    x = _leaf(np.array([[[[[3.0]]]]]))
    out, idx = F.max_pool3d(x, 2, 1, 1, 2, return_indices=True)
    ref, ref_idx = TF.max_pool3d(torch.tensor(x.data), 2, 1, 1, 2, return_indices=True)
    assert out.data.tolist() == ref.numpy().tolist() == [[[[[-np.inf]]]]]
    assert idx.data.tolist() == ref_idx.numpy().tolist()  # torch's index, past the 1 x 1 x 1 input
    out.sum().backward()  # (not torch's backward: it would add at that index, outside the input)
    assert x.grad.tolist() == [[[[[0.0]]]]]


def test_max_pool3d_picks_the_first_of_tied_maxima_in_row_major_order():
    x = np.zeros((1, 1, 2, 2, 2))
    x[0, 0, 0, 1, 1] = x[0, 0, 1, 0, 0] = 5.0  # flat positions 3 and 4
    out, idx = F.max_pool3d(_leaf(x), 2, return_indices=True)
    assert idx.data.tolist() == [[[[[3]]]]]


@needs_torch
def test_pool3d_modules_match_torch_reprs_and_outputs():
    x = np.random.default_rng(7).standard_normal((2, 3, 6, 7, 8)).astype(np.float32)
    pairs = [(nn.MaxPool3d(3, 2, 1), torch.nn.MaxPool3d(3, 2, 1)),
             (nn.MaxPool3d((2, 3, 1), dilation=(2, 1, 1), ceil_mode=True),
              torch.nn.MaxPool3d((2, 3, 1), dilation=(2, 1, 1), ceil_mode=True)),
             (nn.AvgPool3d(4, padding=2, count_include_pad=False), torch.nn.AvgPool3d(4, padding=2,
                                                                                     count_include_pad=False)),
             (nn.AvgPool3d((2, 1, 3), stride=1, divisor_override=3), torch.nn.AvgPool3d((2, 1, 3), stride=1,
                                                                                       divisor_override=3)),
             (nn.AdaptiveAvgPool3d(1), torch.nn.AdaptiveAvgPool3d(1)),
             (nn.AdaptiveAvgPool3d((None, 4, 3)), torch.nn.AdaptiveAvgPool3d((None, 4, 3))),
             (nn.AdaptiveMaxPool3d((2, None, 5)), torch.nn.AdaptiveMaxPool3d((2, None, 5)))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        for inp in (x, x[0]):  # batched and unbatched
            out = ours(tg.Tensor(inp))
            assert out.dtype == np.float32
            _close(out.data, theirs(torch.tensor(inp)), tol=1e-6)
    out, idx = nn.MaxPool3d(2, return_indices=True)(tg.Tensor(x))
    np.testing.assert_array_equal(idx.data, torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(x))[1].numpy())
    assert nn.modules.pooling.MaxPool3d is nn.MaxPool3d and nn.modules.pooling.AdaptiveAvgPool3d is nn.AdaptiveAvgPool3d


_BAD = [
    (lambda F, x: F.max_pool3d(x, 2, padding=2), "half of kernel size"),
    (lambda F, x: F.avg_pool3d(x, (3, 1, 3), padding=(1, 1, 1)), "half of kernel size"),
    (lambda F, x: F.max_pool3d(x, (2, 2, 9)), "too small"),
    (lambda F, x: F.avg_pool3d(x, 9), "too small"),
    (lambda F, x: F.avg_pool3d(x, (2, 2)), "kernel_size"),
    (lambda F, x: F.max_pool3d(x, 2, stride=(1, 1)), "stride"),
    (lambda F, x: F.avg_pool3d(x, 2, divisor_override=0), "divisor_override"),
    (lambda F, x: F.adaptive_avg_pool3d(x, (2, 2)), "output_size"),
    (lambda F, x: F.adaptive_max_pool3d(x, (2, 2, 2, 2)), "output_size"),
    (lambda F, x: F.max_pool3d(x[0, 0], 2), "5-D"),
    (lambda F, x: F.adaptive_avg_pool3d(x[0, 0], 2), "5-D"),
]


@pytest.mark.parametrize("call, message", _BAD)
def test_pool3d_bad_arguments_raise_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(F, tg.Tensor(np.ones((1, 2, 5, 5, 5))))


@needs_torch
@pytest.mark.parametrize("call", [call for call, _ in _BAD])
def test_pool3d_rejects_what_torch_rejects(call):
    with pytest.raises(RuntimeError):
        call(TF, torch.ones((1, 2, 5, 5, 5)))
    with pytest.raises(ValueError):
        call(F, tg.Tensor(np.ones((1, 2, 5, 5, 5))))


@needs_torch
@pytest.mark.parametrize("shape", [(0, 4, 4, 4), (2, 0, 4, 4, 4), (1, 2, 0, 4, 4), (3, 0, 4, 4), (2, 3, 4, 4, 0),
                                   (0, 1, 4, 4, 4)])
@pytest.mark.parametrize("fn", ["max_pool3d", "avg_pool3d", "adaptive_max_pool3d", "adaptive_avg_pool3d"])
def test_pools3d_accept_and_refuse_empty_inputs_as_torch(shape, fn):
    """An empty batch pools to an empty batch (with a gradient); an empty channel or spatial dimension is refused,
    except an unbatched input's empty channels by the adaptive pools, as torch."""
    kw = {} if fn.startswith("adaptive") else {"padding": 1}  # padding: so an empty size is not "too small"
    try:
        expected = tuple(getattr(TF, fn)(torch.zeros(shape), 2, **kw).shape)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="non-zero size|positive length"):
            getattr(F, fn)(tg.Tensor(np.zeros(shape)), 2, **kw)
    else:
        x = tg.Tensor(np.zeros(shape), requires_grad=True)
        out = getattr(F, fn)(x, 2, **kw)
        assert out.shape == expected
        out.sum().backward()
        assert x.grad.shape == shape


@needs_torch
@pytest.mark.parametrize("shape", [(2, 0, 4, 4), (0, 4, 4), (2, 3, 0, 4), (0, 1, 4, 4)])
@pytest.mark.parametrize("fn", ["max_pool2d", "avg_pool2d"])
def test_pools2d_refuse_an_empty_channel_or_spatial_dimension_as_torch(shape, fn):
    """(The 2-D pools share the 3-D check; before it they returned empty channels, or crashed on an empty H.)"""
    try:
        expected = tuple(getattr(TF, fn)(torch.zeros(shape), 2, padding=1).shape)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="positive length"):
            getattr(F, fn)(tg.Tensor(np.zeros(shape)), 2, padding=1)
    else:
        assert getattr(F, fn)(tg.Tensor(np.zeros(shape)), 2, padding=1).shape == expected


@needs_torch
def test_max_pool3d_of_integers_pads_with_their_least_value():
    x = np.arange(27).reshape(1, 1, 3, 3, 3) - 100
    np.testing.assert_array_equal(F.max_pool3d(tg.Tensor(x), 2, 1, 1).data,
                                  TF.max_pool3d(torch.tensor(x, dtype=torch.float64), 2, 1, 1).numpy())
    # the 1-D max pool runs the same scan (before, its -inf padding overflowed an integer input)
    np.testing.assert_array_equal(F.max_pool1d(tg.Tensor(x[0, 0, 0]), 2, 1, 1).data,
                                  TF.max_pool1d(torch.tensor(x[0, 0, 0], dtype=torch.float64), 2, 1, 1).numpy())


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool3d(x, 3, 2, 1, 2, ceil_mode=True),
    lambda x: F.max_pool3d(x, (2, 3, 1), (1, 2, 1), (1, 0, 0)),
    lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool3d(x, (2, 3, 2), 1, (1, 1, 0), divisor_override=4),
    lambda x: F.adaptive_avg_pool3d(x, (3, None, 2)),
    lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)),
])
def test_pool3d_gradients_match_finite_differences(fn):
    """Standard normal inputs: no tied maxima, so the max pools are differentiable there."""
    x = _leaf(np.random.default_rng(6).standard_normal((2, 1, 5, 4, 5)))
    assert gradcheck(fn, [x])
