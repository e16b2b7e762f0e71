"""F.interpolate (nearest, nearest-exact, linear, bilinear, trilinear, bicubic, area), the deprecated F.upsample*,
nn.Upsample / UpsamplingNearest2d / UpsamplingBilinear2d, and F.pixel_shuffle / pixel_unshuffle with their layers.

Values and input gradients are checked against torch (float64) over random ranks, sizes, scale factors,
recompute_scale_factor and align_corners; float32 to float32 rounding; errors against torch's; gradients against
finite differences without torch, also where torch's backward disagrees with its own forward (see
``test_gradient_is_the_forward_s_transpose_where_torch_s_backward_shortcuts``)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import torch, TF, needs_torch, close, leaf, torch_leaf, backward_both, raised

MODES = {3: ["nearest", "nearest-exact", "linear", "area"],
         4: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
         5: ["nearest", "nearest-exact", "trilinear", "area"]}


def _torch_backward_shortcuts(mode, shape, kw):
    """torch's nearest and bicubic backward kernels copy (or halve, nearest) the index when a dimension's output
    size equals (or doubles) its input's, even when a scale factor other than 1 (or 2) made the forward sample
    elsewhere: there torch's gradient is not its forward's; ours is (checked without torch below)."""
    if "scale_factor" not in kw or kw.get("recompute_scale_factor") or mode not in ("nearest", "bicubic"):
        return False
    factors = kw["scale_factor"]
    for n, f in zip(shape[2:], factors if isinstance(factors, tuple) else [factors] * (len(shape) - 2)):
        out = int(n * f)
        if (out == n and f != 1) or (mode == "nearest" and out == 2 * n and f != 2):
            return True
    return False


@st.composite
def interpolate_cases(draw):
    nd = draw(st.integers(3, 5))
    mode = draw(st.sampled_from(MODES[nd]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + tuple(draw(st.integers(1, 7)) for _ in range(nd - 2))
    kw = {}
    if draw(st.booleans()):
        sizes = tuple(draw(st.integers(1, 12)) for _ in range(nd - 2))
        kw["size"] = sizes if len(sizes) > 1 or draw(st.booleans()) else sizes[0]
    else:
        factors = tuple(draw(st.sampled_from([0.5, 0.7, 1.0, 1.3, 1.5, 2.0, 2.4, 3.0, 3.3])) for _ in range(nd - 2))
        factors = tuple(max(f, 1.0 / n) for f, n in zip(factors, shape[2:]))  # at least one output position
        kw["scale_factor"] = factors
        if mode == "area" or draw(st.booleans()):
            kw["recompute_scale_factor"] = True
    if mode in ("linear", "bilinear", "trilinear", "bicubic"):
        kw["align_corners"] = draw(st.booleans())
    return mode, shape, kw, draw(st.integers(0, 2**16))


@needs_torch
@given(interpolate_cases())
def test_interpolate_values_and_gradients_match_torch(case):
    mode, shape, kw, seed = case
    if _torch_backward_shortcuts(mode, shape, kw):
        kw["recompute_scale_factor"] = True  # the same output size, sampled with in / out
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    ours, theirs = leaf(x), torch_leaf(x)
    out, ref = F.interpolate(ours, mode=mode, **kw), TF.interpolate(theirs, mode=mode, **kw)
    assert out.shape == tuple(ref.shape)
    close(out.data, ref)
    backward_both(out, ref, rng)
    close(ours.grad, theirs.grad)


@needs_torch
@pytest.mark.parametrize("mode,shape,kw", [
    ("nearest", (1, 2, 10), dict(scale_factor=2.05)),          # 20 = 2 * 10 outputs, sampled with 1 / 2.05
    ("nearest", (1, 1, 7, 5), dict(scale_factor=(0.3, 1.7))),
    ("nearest", (2, 1, 3, 4, 5), dict(size=(7, 2, 5))),
    ("nearest-exact", (1, 2, 9), dict(scale_factor=1.7)),
    ("nearest-exact", (1, 1, 5, 6), dict(size=(11, 3))),
    ("bilinear", (1, 2, 4, 5), dict(scale_factor=(1.05, 0.7), align_corners=False)),  # H: in == out, copied
    ("linear", (1, 1, 6), dict(size=1, align_corners=True)),
    ("trilinear", (1, 1, 2, 3, 4), dict(scale_factor=2.5, align_corners=False)),
    ("bicubic", (1, 2, 5, 6), dict(size=(9, 4), align_corners=True)),
    ("bicubic", (1, 1, 3, 3), dict(scale_factor=3, align_corners=False)),
])
def test_interpolate_edge_cases_match_torch(mode, shape, kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    ours, theirs = leaf(x), torch_leaf(x)
    out, ref = F.interpolate(ours, mode=mode, **kw), TF.interpolate(theirs, mode=mode, **kw)
    close(out.data, ref)
    if not _torch_backward_shortcuts(mode, shape, kw):  # the values still are torch's
        backward_both(out, ref, rng)
        close(ours.grad, theirs.grad)


@needs_torch
@pytest.mark.parametrize("mode,shape,kw", [
    ("nearest", (2, 3, 5, 7), dict(scale_factor=(1.7, 0.6))),
    ("nearest-exact", (2, 3, 5, 7), dict(size=(9, 4))),
    ("bilinear", (2, 3, 5, 7), dict(scale_factor=1.9, align_corners=False)),
    ("bicubic", (2, 3, 5, 7), dict(size=(3, 12), align_corners=True)),
])
def test_interpolate_float32_matches_torch(mode, shape, kw):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    out, ref = F.interpolate(tg.tensor(x), mode=mode, **kw), TF.interpolate(torch.tensor(x), mode=mode, **kw)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,shape,kw", [
    ("nearest", (1, 1, 2), dict(scale_factor=1.31)),       # one output reads x[0] twice
    ("nearest", (1, 2, 10), dict(scale_factor=2.05)),
    ("bicubic", (1, 1, 4, 3), dict(scale_factor=(1.03, 1.2), align_corners=False)),
    ("bilinear", (1, 1, 3, 4), dict(size=(5, 7), align_corners=False)),
    ("trilinear", (1, 1, 2, 3, 2), dict(scale_factor=(1.5, 0.7, 2.0), align_corners=True)),
    ("nearest-exact", (1, 1, 4, 3, 5), dict(size=(3, 5, 2))),
])
def test_gradient_is_the_forward_s_transpose_where_torch_s_backward_shortcuts(mode, shape, kw):
    x = leaf(np.random.default_rng(2).standard_normal(shape))
    assert gradcheck(lambda t: F.interpolate(t, mode=mode, **kw), [x])


def test_nearest_of_uint8_is_a_gather():
    x = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)
    out = F.interpolate(tg.tensor(x), scale_factor=2)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.data, x.repeat(2, axis=2).repeat(2, axis=3))


@needs_torch
def test_deprecated_upsample_functions_match_torch():
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 4))
    cases = [(F.upsample, TF.upsample, dict(scale_factor=2, mode="bilinear")),
             (F.upsample_nearest, TF.upsample_nearest, dict(size=(5, 6))),
             (F.upsample_bilinear, TF.upsample_bilinear, dict(scale_factor=2))]
    for ours, theirs, kw in cases:
        with pytest.warns(UserWarning):
            out = ours(tg.tensor(x), **kw)
        with pytest.warns(UserWarning):
            ref = theirs(torch.tensor(x), **kw)
        close(out.data, ref)


@needs_torch
@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 5), dict(scale_factor=0.1)),
    ((1, 2, 5), dict(size=0)),
    ((1, 1, 4, 5), dict(size=(0, 3))),
    ((1, 1, 2, 4, 5), dict(size=(0, 3, 1))),
    ((1, 1, 0, 5), dict(size=(2, 2), mode="bilinear")),
    ((1, 0, 4, 5), dict(scale_factor=2, mode="bilinear")),
    ((1, 2, 5), dict(size=3, mode="foo")),
    ((2, 5), dict(size=3)),
    ((1, 1, 4, 5), dict(size=(3,), mode="bilinear")),
    ((1, 1, 4, 5), dict(scale_factor=(3,), mode="bilinear")),
    ((1, 1, 4, 5), dict(size=3, scale_factor=2)),
    ((1, 1, 4, 5), dict()),
    ((1, 1, 4, 5), dict(size=3, recompute_scale_factor=True)),
    ((1, 1, 4, 5), dict(size=(3.5, 2))),
    ((1, 1, 4, 5), dict(scale_factor=2, align_corners=False)),
    ((1, 1, 4, 5), dict(size=3, mode="linear")),
    ((1, 1, 4), dict(size=3, mode="bilinear")),
    ((1, 1, 4, 5), dict(size=3, mode="trilinear")),
    ((1, 2, 5), dict(size=3, mode="linear", antialias=True)),
    ((1, 2, 5), dict(size=3, mode="bicubic")),
    ((1, 2, 5, 4, 3), dict(size=3, mode="bicubic", align_corners=True)),
])
def test_interpolate_errors_match_torch(shape, kw):
    x = np.zeros(shape)
    ours = raised(lambda: F.interpolate(tg.tensor(x), **kw))
    kind, message = raised(lambda: TF.interpolate(torch.tensor(x), **kw))
    assert ours == (kind, message.replace("lanczos | ", ""))  # our list names the modes provided here


@needs_torch
@pytest.mark.parametrize("kw", [dict(size=(2, 2), align_corners=True), dict(size=(2, 2)), dict(),
                                dict(size=(2, 2), align_corners=True, antialias=True)])
def test_lanczos_without_antialias_is_refused_as_by_torch(kw):
    kw = {"mode": "lanczos", **kw}
    x = np.zeros((1, 1, 4, 5))
    assert raised(lambda: F.interpolate(tg.tensor(x), **kw)) == raised(lambda: TF.interpolate(torch.tensor(x), **kw))


def test_unsupported_requests_say_what_is_supported():
    x = tg.zeros(1, 1, 4, 5)
    for mode in ("bilinear", "bicubic", "lanczos"):
        with pytest.raises(NotImplementedError, match="antialias=False with the modes nearest"):
            F.interpolate(x, size=(2, 2), mode=mode, antialias=True)
    with pytest.raises(NotImplementedError, match="floating inputs"):
        F.interpolate(tg.zeros(1, 1, 4, dtype=tg.int64), size=2, mode="linear")


@needs_torch
@pytest.mark.parametrize("ours,theirs,shape", [
    (lambda: nn.Upsample(scale_factor=2), lambda: torch.nn.Upsample(scale_factor=2), (1, 2, 3, 4)),
    (lambda: nn.Upsample(size=(5, 3, 4), mode="trilinear", align_corners=True),
     lambda: torch.nn.Upsample(size=(5, 3, 4), mode="trilinear", align_corners=True), (1, 1, 2, 3, 2)),
    (lambda: nn.Upsample(scale_factor=(1.5,), mode="linear"),
     lambda: torch.nn.Upsample(scale_factor=(1.5,), mode="linear"), (2, 1, 4)),
    (lambda: nn.UpsamplingNearest2d(scale_factor=3), lambda: torch.nn.UpsamplingNearest2d(scale_factor=3),
     (1, 1, 2, 3)),
    (lambda: nn.UpsamplingBilinear2d(size=(4, 7)), lambda: torch.nn.UpsamplingBilinear2d(size=(4, 7)),
     (1, 2, 3, 3)),
])
def test_upsample_layers_match_torch(ours, theirs, shape):
    m, tm = ours(), theirs()
    assert repr(m) == repr(tm)
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    a, b = leaf(x), torch_leaf(x)
    out, ref = m(a), tm(b)
    close(out.data, ref)
    backward_both(out, ref, rng)
    close(a.grad, b.grad)


@st.composite
def shuffle_cases(draw):
    r = draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(), (2,), (2, 1)]))
    return r, lead, draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 99))


@needs_torch
@given(shuffle_cases())
def test_pixel_shuffle_and_unshuffle_match_torch(case):
    r, lead, c, h, w, seed = case
    rng = np.random.default_rng(seed)
    for ours_fn, theirs_fn, shape in ((F.pixel_shuffle, TF.pixel_shuffle, lead + (c * r * r, h, w)),
                                      (F.pixel_unshuffle, TF.pixel_unshuffle, lead + (c, h * r, w * r))):
        x = rng.standard_normal(shape)
        a, b = leaf(x), torch_leaf(x)
        out, ref = ours_fn(a, r), theirs_fn(b, r)
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        backward_both(out, ref, rng)
        close(a.grad, b.grad)
    x = rng.standard_normal(lead + (c * r * r, h, w))
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(tg.tensor(x), r), r).data, x)


@needs_torch
def test_pixel_shuffle_layers_match_torch():
    x = np.random.default_rng(5).standard_normal((2, 8, 3, 2))
    for ours, theirs in ((nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
                         (nn.PixelUnshuffle(1), torch.nn.PixelUnshuffle(1))):
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(tg.tensor(x)).data, theirs(torch.tensor(x)).numpy())


@needs_torch
@pytest.mark.parametrize("fn,shape,factor", [
    ("pixel_shuffle", (2, 3), 2), ("pixel_shuffle", (5, 2, 3), 2), ("pixel_shuffle", (4, 2, 3), 0),
    ("pixel_unshuffle", (4, 2, 3), 2), ("pixel_unshuffle", (4, 3, 2), 2), ("pixel_unshuffle", (4, 2, 3), -1),
    ("pixel_unshuffle", (2, 3), 2),
])
def test_pixel_shuffle_errors_match_torch(fn, shape, factor):
    x = np.zeros(shape)
    assert raised(lambda: getattr(F, fn)(tg.tensor(x), factor)) == raised(lambda: getattr(TF, fn)(torch.tensor(x),
                                                                                                   factor))
