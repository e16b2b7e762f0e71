"""The remaining small torch.nn pieces: Hardswish ... Softmax2d, the channel and alpha dropouts, RMSNorm,
GroupNorm, Bilinear, EmbeddingBag, nn.Buffer and the RNN base-class names.

Values and gradients are compared with torch (same inputs and weights) for varying shapes, and checked
against finite differences in float64; the modules' state_dict keys are torch's."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import (
    torch, TF, needs_torch, close as _close, away_from as _away_from, against_torch as _against_torch
)


def _rng(seed=0):
    return np.random.default_rng(seed)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)

# ---------------------------------------------------------------- activations
ACTIVATIONS = [
    ("hardswish", F.hardswish, lambda x: TF.hardswish(x), [-3, 3]),
    ("hardsigmoid", F.hardsigmoid, lambda x: TF.hardsigmoid(x), [-3, 3]),
    ("hardshrink", F.hardshrink, lambda x: TF.hardshrink(x), [-0.5, 0.5]),
    ("hardshrink_1", lambda x: F.hardshrink(x, 1.0), lambda x: TF.hardshrink(x, 1.0), [-1, 1]),
    ("softshrink", F.softshrink, lambda x: TF.softshrink(x), [-0.5, 0.5]),
    ("softshrink_0.2", lambda x: F.softshrink(x, 0.2), lambda x: TF.softshrink(x, 0.2), [-0.2, 0.2]),
    ("tanhshrink", F.tanhshrink, lambda x: TF.tanhshrink(x), []),
    ("rrelu_eval", F.rrelu, lambda x: TF.rrelu(x), [0]),
]


def _tol(name):
    return 1e-7 if name == "hardsigmoid" else 1e-10  # torch's hardsigmoid backward scales by 1/6 in float32


@needs_torch
@pytest.mark.parametrize("name,ours,theirs,kinks", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@given(shape=shapes)
def test_activations_match_torch(name, ours, theirs, kinks, shape):
    a = _rng(len(shape)).normal(scale=3, size=shape)
    _against_torch(ours, theirs, [a], tol=_tol(name))


@needs_torch
@pytest.mark.parametrize("name,ours,theirs,kinks", ACTIVATIONS[:5], ids=[a[0] for a in ACTIVATIONS[:5]])
def test_activation_gradients_at_the_kinks_are_torchs(name, ours, theirs, kinks):
    a = np.array([k + d for k in kinks for d in (-1e-9, 0.0, 1e-9)] + [0.0])
    _against_torch(ours, theirs, [a], tol=_tol(name))


@pytest.mark.parametrize("name,ours,theirs,kinks", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_finite_differences(name, ours, theirs, kinks):
    a = _away_from(_rng(2).normal(scale=3, size=(3, 5)), kinks)
    assert gradcheck(ours, [tg.tensor(a, requires_grad=True)])


def test_rrelu_training_draws_slopes_from_the_library_generator():
    a = _rng(3).normal(size=(4, 50))
    tg.manual_seed(7)
    y1 = F.rrelu(tg.tensor(a), 0.1, 0.3, training=True).data
    tg.manual_seed(7)
    y2 = nn.RReLU(0.1, 0.3)(tg.tensor(a)).data
    np.testing.assert_array_equal(y1, y2)
    neg = a <= 0
    slopes = y1[neg] / a[neg]
    assert np.all((slopes >= 0.1) & (slopes <= 0.3)) and np.unique(slopes).size > 10
    np.testing.assert_array_equal(y1[~neg], a[~neg])
    x = tg.tensor(a, requires_grad=True)  # the gradient is each element's own slope
    tg.manual_seed(7)
    F.rrelu(x, 0.1, 0.3, training=True).sum().backward()
    np.testing.assert_allclose(x.grad[neg], slopes)
    m = nn.RReLU(0.1, 0.3).eval()
    np.testing.assert_allclose(m(tg.tensor(a)).data, np.where(a > 0, a, 0.2 * a))


@needs_torch
def test_softmax2d_matches_torch_and_needs_3_or_4_dims():
    for shape in [(2, 3, 4, 5), (3, 2, 2)]:
        _against_torch(F.softmax2d, lambda x: torch.nn.Softmax2d()(x), [_rng(4).normal(size=shape)])
    with pytest.raises(ValueError, match="3-D or 4-D"):
        nn.Softmax2d()(tg.ones(2, 3))


@needs_torch
@pytest.mark.parametrize("name,args", [("Hardswish", ()), ("Hardsigmoid", ()), ("Hardshrink", (0.3,)),
                                       ("Softshrink", ()), ("Tanhshrink", ()), ("RReLU", (0.1, 0.2)),
                                       ("Softmax2d", ())])
def test_activation_modules_repr_and_values_match_torch(name, args):
    ours, theirs = getattr(nn, name)(*args).eval(), getattr(torch.nn, name)(*args).eval()
    assert repr(ours) == repr(theirs)
    a = _rng(5).normal(size=(2, 3, 4))
    _close(ours(tg.tensor(a)).data, theirs(torch.tensor(a)), 1e-12)


def test_softshrink_rejects_a_negative_lambda():
    with pytest.raises(ValueError, match="lambd"):
        nn.Softshrink(-1.0)
    with pytest.raises(ValueError, match="lambd"):
        F.softshrink(tg.ones(2), -0.1)


# ---------------------------------------------------------------- dropouts
@pytest.mark.parametrize("cls,shape,batch_dims", [(nn.Dropout1d, (6, 40, 5), 2), (nn.Dropout1d, (40, 5), 1),
                                                  (nn.Dropout2d, (6, 40, 3, 2), 2), (nn.Dropout2d, (40, 3, 2), 2),
                                                  (nn.Dropout2d, (6, 40, 5), 2), (nn.Dropout3d, (3, 40, 2, 2, 2), 2)])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(cls, shape, batch_dims):
    m = cls(0.4)
    tg.manual_seed(0)
    x = tg.tensor(_rng(6).uniform(1, 2, size=shape), requires_grad=True)
    y = m(x)
    ratio = (y.data / x.data).reshape(shape[:batch_dims] + (-1,))
    assert np.all(np.isclose(ratio, 0) | np.isclose(ratio, 1 / 0.6))
    np.testing.assert_allclose(ratio.min(axis=-1), ratio.max(axis=-1))  # one draw per channel
    assert 0.2 < np.mean(ratio[..., 0] == 0) < 0.6
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.data / x.data)
    assert m.eval()(x) is x


def test_channel_dropout_errors_and_extremes():
    with pytest.raises(ValueError, match="2-D or 3-D"):
        nn.Dropout1d()(tg.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="3-D or 4-D"):
        F.dropout2d(tg.ones(2, 3))
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout2d(1.5)
    np.testing.assert_array_equal(F.dropout1d(tg.ones(2, 3, 4), 1.0).data, 0)
    x = tg.ones(2, 3, 4)
    assert F.dropout1d(x, 0.0) is x


@needs_torch
def test_channel_dropout_modules_repr_match_torch():
    for name in ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]:
        assert repr(getattr(nn, name)(0.3)) == repr(getattr(torch.nn, name)(0.3))


def test_alpha_dropout_keeps_selu_statistics_and_eval_is_identity():
    tg.manual_seed(1)
    a = _rng(7).standard_normal((400, 500))
    y = nn.AlphaDropout(0.2)(tg.tensor(a)).data
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    alpha = 1.7580993408473766
    scale = 1 / np.sqrt((alpha ** 2 * 0.2 + 1) * 0.8)
    dropped = np.isclose(y, alpha * scale * 0.2 - alpha * scale)
    assert 0.19 < dropped.mean() < 0.21
    np.testing.assert_allclose(y[~dropped], scale * a[~dropped] + alpha * scale * 0.2)
    x = tg.tensor(a)
    assert nn.AlphaDropout(0.2).eval()(x) is x and F.alpha_dropout(x, 0.2) is x  # F's default: not training
    np.testing.assert_array_equal(F.alpha_dropout(x, 1.0, training=True).data, 0)


def test_alpha_dropout_gradient_and_feature_variant():
    tg.manual_seed(2)
    x = tg.tensor(_rng(8).standard_normal((4, 30, 5)), requires_grad=True)
    y = nn.FeatureAlphaDropout(0.5)(x)
    y.sum().backward()
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * 0.5 + 1) * 0.5)
    kept = x.grad[:, :, 0] > 0
    np.testing.assert_allclose(x.grad, np.where(kept[..., None], a, 0.0) * np.ones(x.shape))
    assert 0.25 < kept.mean() < 0.75
    with pytest.raises(ValueError, match="at least 2"):
        F.feature_alpha_dropout(tg.ones(3), 0.5, training=True)


# ---------------------------------------------------------------- RMSNorm / GroupNorm
@needs_torch
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), k=st.integers(1, 3),
       eps=st.sampled_from([None, 1e-5]), affine=st.booleans())
def test_rms_norm_matches_torch(shape, k, eps, affine):
    k = min(k, len(shape))
    ns = tuple(shape[-k:])
    a = _rng(9).normal(size=shape)
    w = _rng(10).normal(size=ns)
    if affine:
        _against_torch(lambda x, w: F.rms_norm(x, ns, w, eps), lambda x, w: TF.rms_norm(x, ns, w, eps), [a, w])
    else:
        _against_torch(lambda x: F.rms_norm(x, ns, eps=eps), lambda x: TF.rms_norm(x, ns, eps=eps), [a])


@needs_torch
def test_rms_norm_module_matches_torch_in_float32_with_the_dtype_epsilon():
    ours, theirs = nn.RMSNorm([3, 4]), torch.nn.RMSNorm([3, 4])
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    ours.weight.data[...] = _rng(11).normal(size=(3, 4))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    a = (_rng(12).normal(size=(2, 3, 4)) * 1e-4).astype(np.float32)  # small: eps = finfo(float32).eps matters
    y = ours(tg.tensor(a))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, theirs(torch.tensor(a)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert list(nn.RMSNorm(3, elementwise_affine=False).state_dict()) == []


def test_rms_norm_finite_differences_and_shape_error():
    a, w = _rng(13).normal(size=(3, 4)), _rng(14).normal(size=(4,))
    assert gradcheck(lambda x, w: F.rms_norm(x, 4, w, 1e-3),
                     [tg.tensor(a, requires_grad=True), tg.tensor(w, requires_grad=True)])
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.RMSNorm(5)(tg.ones(2, 4))


@needs_torch
@given(n=st.integers(1, 3), groups=st.integers(1, 3), per=st.integers(1, 3),
       spatial=st.lists(st.integers(1, 3), max_size=2), affine=st.booleans())
def test_group_norm_matches_torch(n, groups, per, spatial, affine):
    C = groups * per
    if n * per * int(np.prod(spatial)) == 1:
        return  # torch refuses one value per group (ours normalizes it to 0)
    a = _rng(15).normal(size=(n, C, *spatial))
    w, b = _rng(16).normal(size=C), _rng(17).normal(size=C)
    if affine:
        _against_torch(lambda x, w, b: F.group_norm(x, groups, w, b, 1e-3),
                       lambda x, w, b: TF.group_norm(x, groups, w, b, 1e-3), [a, w, b], tol=1e-8)
    else:
        _against_torch(lambda x: F.group_norm(x, groups), lambda x: TF.group_norm(x, groups), [a], tol=1e-8)


@needs_torch
def test_group_norm_module_state_dict_repr_and_errors():
    for kw in [{}, {"affine": False}, {"bias": False}]:
        ours, theirs = nn.GroupNorm(2, 6, **kw), torch.nn.GroupNorm(2, 6, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(nn.GroupNorm(3, 6, eps=1e-3)) == repr(torch.nn.GroupNorm(3, 6, eps=1e-3))
    a = _rng(18).normal(size=(2, 6, 5)).astype(np.float32)
    _close(nn.GroupNorm(3, 6)(tg.tensor(a)).data, torch.nn.GroupNorm(3, 6)(torch.tensor(a)), 1e-5)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"\(N, 6, \*\)"):
        nn.GroupNorm(3, 6)(tg.ones(2, 4, 3))
    assert gradcheck(lambda x: F.group_norm(x, 2), [tg.tensor(a[:, :4].astype(np.float64), requires_grad=True)])


# ---------------------------------------------------------------- Bilinear
@needs_torch
@given(lead=st.lists(st.integers(1, 3), max_size=2), in1=st.integers(1, 4), in2=st.integers(1, 4),
       out=st.integers(1, 4), bias=st.booleans())
def test_bilinear_matches_torch(lead, in1, in2, out, bias):
    a1, a2 = _rng(19).normal(size=(*lead, in1)), _rng(20).normal(size=(*lead, in2))
    w, b = _rng(21).normal(size=(out, in1, in2)), _rng(22).normal(size=out)
    if bias:
        _against_torch(F.bilinear, TF.bilinear, [a1, a2, w, b])
    else:
        _against_torch(F.bilinear, TF.bilinear, [a1, a2, w])


@needs_torch
def test_bilinear_module_layout_init_and_errors():
    tg.manual_seed(0)
    ours, theirs = nn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == (5, 3, 4) and ours.weight.dtype == np.float32
    assert np.abs(ours.weight.data).max() <= 1 / np.sqrt(3) and np.abs(ours.bias.data).max() <= 1 / np.sqrt(3)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    a1, a2 = _rng(23).normal(size=(2, 3)).astype(np.float32), _rng(24).normal(size=(2, 4)).astype(np.float32)
    _close(ours(tg.tensor(a1), tg.tensor(a2)).data, theirs(torch.tensor(a1), torch.tensor(a2)), 1e-5)
    assert list(nn.Bilinear(2, 2, 2, bias=False).state_dict()) == ["weight"]
    with pytest.raises(ValueError, match="bilinear"):
        ours(tg.ones(2, 3), tg.ones(2, 3))
    assert gradcheck(F.bilinear, [tg.tensor(_rng(25).normal(size=s), requires_grad=True)
                                  for s in [(2, 3), (2, 2), (4, 3, 2), (4,)]])


# ---------------------------------------------------------------- EmbeddingBag
def _bags(rng, V, B, max_len):
    lengths = rng.integers(0, max_len + 1, size=B)
    ids = rng.integers(0, V, size=int(lengths.sum()))
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return ids, offsets


@needs_torch
@given(V=st.integers(1, 6), B=st.integers(1, 5), max_len=st.integers(0, 4),
       mode=st.sampled_from(["sum", "mean", "max"]), pad=st.sampled_from([None, 0, -1]),
       last=st.booleans(), seed=st.integers(0, 1000))
def test_embedding_bag_1d_with_offsets_matches_torch(V, B, max_len, mode, pad, last, seed):
    rng = _rng(seed)
    ids, offsets = _bags(rng, V, B, max_len)
    if last:
        offsets = np.append(offsets, len(ids))
    w = rng.normal(size=(V, 3))
    W, Wt = tg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    y = F.embedding_bag(ids, W, offsets, mode=mode, padding_idx=pad, include_last_offset=last)
    yt = TF.embedding_bag(torch.tensor(ids), Wt, torch.tensor(offsets), mode=mode, padding_idx=pad,
                          include_last_offset=last)
    _close(y.data, yt, 1e-12)
    up = rng.normal(size=y.shape)
    y.backward(up)
    yt.backward(torch.tensor(up))
    _close(W.grad, Wt.grad, 1e-12)


@needs_torch
@given(B=st.integers(1, 4), N=st.integers(1, 4), mode=st.sampled_from(["sum", "mean", "max"]),
       seed=st.integers(0, 1000))
def test_embedding_bag_2d_input_matches_torch(B, N, mode, seed):
    rng = _rng(seed)
    ids, w = rng.integers(0, 5, size=(B, N)), rng.normal(size=(5, 2))
    W, Wt = tg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    y, yt = F.embedding_bag(ids, W, mode=mode), TF.embedding_bag(torch.tensor(ids), Wt, mode=mode)
    _close(y.data, yt, 1e-12)
    y.backward(np.ones(y.shape))
    yt.backward(torch.ones(yt.shape, dtype=torch.float64))
    _close(W.grad, Wt.grad, 1e-12)


@needs_torch
@given(seed=st.integers(0, 1000), two_d=st.booleans(), pad=st.sampled_from([None, 1]))
def test_embedding_bag_per_sample_weights_match_torch(seed, two_d, pad):
    rng = _rng(seed)
    if two_d:
        ids, offsets = rng.integers(0, 4, size=(3, 4)), None
    else:
        ids, offsets = _bags(rng, 4, 4, 3)
    w, psw = rng.normal(size=(4, 3)), rng.normal(size=ids.shape)
    off = None if offsets is None else torch.tensor(offsets)
    _against_torch(lambda W, p: F.embedding_bag(ids, W, offsets, mode="sum", per_sample_weights=p, padding_idx=pad),
                   lambda W, p: TF.embedding_bag(torch.tensor(ids), W, off, mode="sum", per_sample_weights=p,
                                                 padding_idx=pad), [w, psw], tol=1e-12)


def test_embedding_bag_finite_differences_and_empty_bags():
    rng = _rng(26)
    ids, offsets = np.array([0, 2, 2, 3, 1]), np.array([0, 0, 3, 3])  # bags 0 and 2 are empty
    for mode in ["sum", "mean"]:
        y = F.embedding_bag(ids, tg.tensor(rng.normal(size=(4, 2))), offsets, mode=mode)
        np.testing.assert_array_equal(y.data[[0, 2]], 0)
    w = _away_from(rng.normal(size=(4, 3)), [])
    psw = rng.normal(size=5)
    assert gradcheck(lambda W, p: F.embedding_bag(ids, W, offsets, mode="sum", per_sample_weights=p),
                     [tg.tensor(w, requires_grad=True), tg.tensor(psw, requires_grad=True)])
    for mode in ["mean", "max"]:
        assert gradcheck(lambda W: F.embedding_bag(ids, W, offsets, mode=mode), [tg.tensor(w, requires_grad=True)])


@needs_torch
def test_embedding_bag_module_state_dict_repr_sparse_and_errors():
    tg.manual_seed(0)
    ours = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2)
    theirs = torch.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(nn.EmbeddingBag(5, 2)) == repr(torch.nn.EmbeddingBag(5, 2))
    np.testing.assert_array_equal(ours.weight.data[2], 0)
    assert ours.weight.dtype == np.float32
    ids, offsets = np.array([1, 2, 4, 4, 9]), np.array([0, 2])
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    _close(ours(ids, offsets).data, theirs(torch.tensor(ids), torch.tensor(offsets)), 1e-6)
    bag = nn.EmbeddingBag.from_pretrained(ours.weight.data.astype(np.float64), freeze=False, mode="max", sparse=True)
    bag(tg.tensor(ids), tg.tensor(offsets)).sum().backward()
    assert isinstance(bag.weight.grad, tg.RowSparseGrad)
    dense = nn.EmbeddingBag.from_pretrained(ours.weight.data.astype(np.float64), freeze=False, mode="max")
    dense(ids, offsets).sum().backward()
    np.testing.assert_array_equal(bag.weight.grad.to_dense(), dense.weight.grad)
    with pytest.raises(ValueError, match="max_norm"):
        nn.EmbeddingBag(5, 2, max_norm=1.0)
    with pytest.raises(ValueError, match="offsets must be None"):
        ours(np.zeros((2, 2), dtype=np.int64), np.array([0, 1]))
    with pytest.raises(ValueError, match="needs 1-D offsets"):
        ours(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"offsets\[0\] must be 0"):
        ours(np.array([1, 2]), np.array([1]))
    with pytest.raises(ValueError, match="only supported for mode='sum'"):
        nn.EmbeddingBag(5, 2)(np.array([[1, 2]]), per_sample_weights=np.ones((1, 2)))
    with pytest.raises(ValueError, match="out of range"):
        ours(np.array([[10]]))
    with pytest.raises(ValueError, match="mode"):
        nn.EmbeddingBag(5, 2, mode="median")


# ---------------------------------------------------------------- nn.Buffer and the RNN base classes
def test_assigning_a_buffer_registers_it_like_pytorch():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.running = nn.Buffer(tg.zeros(2))
            self.scratch = nn.Buffer(tg.ones(3), persistent=False)
            self.plain = tg.ones(1)  # a plain Tensor attribute is not a buffer (as in PyTorch)

    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["running", "scratch"]
    assert list(net.state_dict()) == ["running", "lin.weight", "lin.bias"]  # own state first, as in PyTorch
    assert "running" not in dict(net.named_parameters()) and not net.running.requires_grad
    assert isinstance(net.running, tg.Tensor)
    net.running = tg.tensor([1.0, 2.0])  # reassigning a buffer keeps it a buffer
    np.testing.assert_array_equal(net.state_dict()["running"].numpy(), [1.0, 2.0])
    assert nn.Buffer().shape == (0,) and nn.Buffer().dtype == np.float32
    data = tg.tensor([1.0, 2.0])
    b = nn.Buffer(data)
    b.data[0] = 5
    assert data.data[0] == 5  # shares the array, as PyTorch's detach does


@needs_torch
def test_buffer_state_dict_matches_torch():
    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Buffer(tg.zeros(2))
            self.b = nn.Buffer(tg.zeros(2), persistent=False)

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Buffer(torch.zeros(2))
            self.b = torch.nn.Buffer(torch.zeros(2), persistent=False)

    assert list(Ours().state_dict()) == list(Theirs().state_dict())
    assert [n for n, _ in Ours().named_buffers()] == [n for n, _ in Theirs().named_buffers()]


def test_rnn_base_class_names():
    assert all(isinstance(m, nn.RNNBase) for m in (nn.LSTM(2, 3), nn.GRU(2, 3), nn.RNN(2, 3)))
    assert all(isinstance(m, nn.RNNCellBase) for m in (nn.GRUCell(2, 3), nn.LSTMCell(2, 3), nn.RNNCell(2, 3)))
    assert not isinstance(nn.GRUCell(2, 3), nn.RNNBase) and not isinstance(nn.LSTM(2, 3), nn.RNNCellBase)
    assert nn.modules.rnn.RNNBase is nn.RNNBase and nn.modules.rnn.RNNCellBase is nn.RNNCellBase
