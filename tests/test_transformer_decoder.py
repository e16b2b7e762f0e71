"""nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer against torch: values and the gradients
of every parameter and of tgt/memory/src in float64 (1e-10) over post-/pre-norm, relu/gelu, batch_first, causal
and bool/float masks, key padding masks, with state_dicts moved both ways; state_dict keys; Transformer's
xavier init, shape checks and generate_square_subsequent_mask. Without torch: finite differences through a tiny
decoder layer, and a tiny Transformer that learns to copy."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import functional as F

TOL = 1e-10
T, S, N, E, H, FF = 4, 5, 3, 8, 2, 16

# torch's warning about a bool key padding mask next to a float attn_mask (both are supported)
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")


def _torch():
    return pytest.importorskip("torch")


def _close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours.data if isinstance(ours, tg.Tensor) else ours),
                               theirs.detach().numpy(), rtol=TOL, atol=TOL)


def _perturb_and_copy(ours, theirs):
    """torch's parameters, perturbed so every bias and norm weight is non-trivial, loaded into ours."""
    torch = _torch()
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(0.1 * torch.randn_like(p))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


def _masks(kind, rng):
    """Our mask kwargs for decoder-style calls; no query loses every key (torch's SDPA path and the explicit one
    differ there)."""
    out = {}
    if kind in ("causal", "all"):
        out["tgt_mask"] = np.triu(np.full((T, T), -np.inf), 1)
    if kind == "bool":
        out["tgt_mask"] = np.triu(np.ones((T, T), dtype=bool), 1)
        m = rng.random((T, S)) < 0.4
        m[:, 0] = False
        out["memory_mask"] = m
    if kind == "float":
        out["memory_mask"] = rng.standard_normal((T, S))
    if kind in ("padding", "all"):
        tpad = np.zeros((N, T), dtype=bool)
        tpad[1, 3:] = tpad[2, 2:] = True  # tgt key 0 always takes part (with the causal mask too)
        mpad = np.zeros((N, S), dtype=bool)
        mpad[0, 4:] = mpad[2, 1:] = True
        out["tgt_key_padding_mask"], out["memory_key_padding_mask"] = tpad, mpad
    return out


def _to_torch(kw):
    torch = _torch()
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


def _leaves(arrays):
    torch = _torch()
    return ([tg.Tensor(a.copy(), requires_grad=True) for a in arrays],
            [torch.tensor(a.copy(), requires_grad=True) for a in arrays])


def _check_backward(model, tmod, out, tout, ours_in, theirs_in, rng):
    torch = _torch()
    _close(out, tout)
    w = rng.standard_normal(out.shape)
    (out * tg.Tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        _close(a.grad, b.grad)
    ours, theirs = dict(model.named_parameters()), dict(tmod.named_parameters())
    assert list(ours) == list(theirs)
    for name, p in ours.items():
        assert p.grad is not None, name
        _close(p.grad, theirs[name].grad)


def _build_decoder(kind, act, norm_first, batch_first, dropout=0.0):
    torch = _torch()
    kw = dict(dim_feedforward=FF, dropout=dropout, activation=act, norm_first=norm_first, batch_first=batch_first)
    theirs = torch.nn.TransformerDecoderLayer(E, H, dtype=torch.float64, **kw)
    ours = nn.TransformerDecoderLayer(E, H, dtype=np.float64, **kw)
    if kind == "decoder":
        theirs = torch.nn.TransformerDecoder(theirs, 2, norm=torch.nn.LayerNorm(E, dtype=torch.float64))
        ours = nn.TransformerDecoder(ours, 2, norm=nn.LayerNorm(E, dtype=np.float64))
    _perturb_and_copy(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("kind", ["layer", "decoder"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("act", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask", ["none", "causal", "bool", "float", "padding", "all"])
def test_decoder_values_and_every_gradient_match_torch(kind, norm_first, act, batch_first, mask):
    torch = _torch()
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    model, tmod = _build_decoder(kind, act, norm_first, batch_first)
    tshape, mshape = ((N, T, E), (N, S, E)) if batch_first else ((T, N, E), (S, N, E))
    (tgt, mem), (ttgt, tmem) = _leaves([rng.standard_normal(tshape), rng.standard_normal(mshape)])
    kw = _masks(mask, rng)
    if kind == "layer" and "tgt_mask" in kw and kw["tgt_mask"].dtype != np.bool_:
        kw["tgt_is_causal"] = True  # the layer takes the hint as given (the decoder detects it)
    out, tout = model(tgt, mem, **kw), tmod(ttgt, tmem, **_to_torch(kw))
    _check_backward(model, tmod, out, tout, [tgt, mem], [ttgt, tmem], rng)


def _build_transformer(norm_first, batch_first, act="relu", dropout=0.0):
    torch = _torch()
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF, dropout=dropout,
              activation=act, batch_first=batch_first, norm_first=norm_first)
    theirs = torch.nn.Transformer(dtype=torch.float64, **kw)
    ours = nn.Transformer(dtype=np.float64, **kw)
    _perturb_and_copy(ours, theirs)
    return ours, theirs


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("act", ["relu", "gelu"])
@pytest.mark.parametrize("masks", ["none", "all"])
def test_transformer_values_and_every_gradient_match_torch(norm_first, batch_first, act, masks):
    torch = _torch()
    torch.manual_seed(2)
    rng = np.random.default_rng(3)
    model, tmod = _build_transformer(norm_first, batch_first, act)
    sshape, tshape = ((N, S, E), (N, T, E)) if batch_first else ((S, N, E), (T, N, E))
    (src, tgt), (tsrc, ttgt) = _leaves([rng.standard_normal(sshape), rng.standard_normal(tshape)])
    kw = {}
    if masks == "all":
        kw = _masks("all", rng)
        kw["src_mask"] = rng.random((S, S)) < 0.3
        np.fill_diagonal(kw["src_mask"], False)
        spad = np.zeros((N, S), dtype=bool)
        spad[1, 2:] = True
        kw["src_key_padding_mask"] = spad
        kw["memory_key_padding_mask"] = spad  # padded source positions stay hidden from the decoder
    out, tout = model(src, tgt, **kw), tmod(tsrc, ttgt, **_to_torch(kw))
    assert out.shape == tshape
    _check_backward(model, tmod, out, tout, [src, tgt], [tsrc, ttgt], rng)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_unbatched_inputs_match_torch():
    torch = _torch()
    torch.manual_seed(4)
    rng = np.random.default_rng(5)
    model, tmod = _build_transformer(True, False, "gelu")
    (src, tgt), (tsrc, ttgt) = _leaves([rng.standard_normal((S, E)), rng.standard_normal((T, E))])
    mpad = np.zeros(S, dtype=bool)
    mpad[3:] = True
    kw = dict(tgt_mask=np.triu(np.ones((T, T), dtype=bool), 1), src_key_padding_mask=mpad,
              memory_key_padding_mask=mpad)
    out, tout = model(src, tgt, **kw), tmod(tsrc, ttgt, **_to_torch(kw))
    assert out.shape == (T, E)
    _check_backward(model, tmod, out, tout, [src, tgt], [tsrc, ttgt], rng)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("kind", ["layer", "decoder", "transformer"])
def test_eval_mode_with_dropout_matches_torch_and_state_dict_moves_to_torch(kind):
    """Ours initialised by us, its state_dict loaded into torch; in eval mode dropout=0.1 does nothing."""
    torch = _torch()
    tg.manual_seed(6)
    rng = np.random.default_rng(7)
    if kind == "transformer":
        ours = nn.Transformer(E, H, 2, 2, FF, dropout=0.1, dtype=np.float64)
        theirs = torch.nn.Transformer(E, H, 2, 2, FF, dropout=0.1, dtype=torch.float64)
    else:
        ours = nn.TransformerDecoderLayer(E, H, FF, dropout=0.1, dtype=np.float64)
        theirs = torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.1, dtype=torch.float64)
        if kind == "decoder":
            ours, theirs = nn.TransformerDecoder(ours, 3), torch.nn.TransformerDecoder(theirs, 3)
    for p in ours.parameters():
        p.data += 0.1 * rng.standard_normal(p.shape)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v.data)) for k, v in ours.state_dict().items()})
    ours.eval(), theirs.eval()
    a, b = rng.standard_normal((S if kind == "transformer" else T, N, E)), rng.standard_normal((T if kind ==
                                                                                               "transformer" else S, N, E))
    (x, y), (tx, ty) = _leaves([a, b])
    _check_backward(ours, theirs, ours(x, y), theirs(tx, ty), [x, y], [tx, ty], rng)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", ["layer", "decoder", "transformer"])
def test_state_dict_keys_and_shapes_are_torchs(bias, kind):
    torch = _torch()
    if kind == "transformer":
        ours, theirs = nn.Transformer(16, 4, 2, 1, bias=bias), torch.nn.Transformer(16, 4, 2, 1, bias=bias)
    else:
        ours, theirs = nn.TransformerDecoderLayer(16, 4, bias=bias), torch.nn.TransformerDecoderLayer(16, 4, bias=bias)
        if kind == "decoder":
            ours = nn.TransformerDecoder(ours, 2, norm=nn.LayerNorm(16))
            theirs = torch.nn.TransformerDecoder(theirs, 2, norm=torch.nn.LayerNorm(16))
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


@pytest.mark.parametrize("dtype", [None, "float64"])
def test_generate_square_subsequent_mask_is_torchs(dtype):
    torch = _torch()
    ours = nn.Transformer.generate_square_subsequent_mask(5, dtype=None if dtype is None else tg.float64)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=None if dtype is None else torch.float64)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(0).shape == (0, 0)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_shape_errors_are_torchs():
    torch = _torch()
    ours, theirs = nn.Transformer(E, H, 1, 1, FF, dtype=np.float64), torch.nn.Transformer(E, H, 1, 1, FF,
                                                                                          dtype=torch.float64)
    bf_ours = nn.Transformer(E, H, 1, 1, FF, batch_first=True, dtype=np.float64)
    bf_theirs = torch.nn.Transformer(E, H, 1, 1, FF, batch_first=True, dtype=torch.float64)
    rng = np.random.default_rng(8)
    cases = [
        (ours, theirs, (S, 2, E), (T, 3, E), {}),  # batch sizes differ
        (bf_ours, bf_theirs, (2, S, E), (3, T, E), {}),
        (ours, theirs, (S, N, E + 2), (T, N, E), {}),  # src features != d_model
        (ours, theirs, (S, N, E), (T, N, E - 2), {}),
        (ours, theirs, (S, N, E), (T, N, E), {"memory_mask": np.zeros((T, T))}),  # (T, S) expected
        (ours, theirs, (S, N, E), (T, N, E), {"tgt_mask": np.zeros((S, S))}),
        (ours, theirs, (S, N, E), (T, N, E), {"tgt_is_causal": True}),  # a hint without a mask
    ]
    for o, t, sshape, tshape, kw in cases:
        a, b = rng.standard_normal(sshape), rng.standard_normal(tshape)
        with pytest.raises(Exception) as theirs_err:
            t(torch.tensor(a), torch.tensor(b), **_to_torch(kw))
        with pytest.raises(type(theirs_err.value)) as ours_err:
            o(tg.Tensor(a), tg.Tensor(b), **kw)
        # torch prints a shape as torch.Size([4, 4]), this library as (4, 4)
        assert str(ours_err.value) == re.sub(r"torch\.Size\(\[(.*?)\]\)", r"(\1)", str(theirs_err.value))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerDecoderLayer(E, H, activation="tanh")


def test_defaults_and_xavier_init_are_torchs():
    tg.manual_seed(9)
    model = nn.Transformer(32, 4, 2, 2, 64)
    assert (model.d_model, model.nhead, model.batch_first) == (32, 4, False)
    layer = model.decoder.layers[0]
    assert (layer.linear1.out_features, layer.dropout.p, layer.norm3.eps, layer.multihead_attn.batch_first,
            layer.norm_first, layer.activation) == (64, 0.1, 1e-5, False, False, F.relu)
    assert isinstance(model.encoder.norm, nn.LayerNorm) and isinstance(model.decoder.norm, nn.LayerNorm)
    # every >1-d parameter re-drawn xavier-uniform after the deep copies: the layers no longer start equal,
    # and linear1 (64, 32) fills its bound sqrt(6 / 96) = 0.25, beyond Linear's own 1 / sqrt(32) = 0.177
    w0, w1 = model.decoder.layers[0].linear1.weight.data, model.decoder.layers[1].linear1.weight.data
    assert not np.array_equal(w0, w1)
    assert 0.2 < np.abs(w0).max() <= 0.25
    np.testing.assert_array_equal(model.encoder.layers[0].self_attn.in_proj_bias.data, 0.0)
    np.testing.assert_array_equal(model.decoder.norm.weight.data, 1.0)
    # a plain decoder keeps deep copies that start equal, as torch's
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 3)
    assert dec.layers[0].linear1.weight is not dec.layers[1].linear1.weight
    np.testing.assert_array_equal(dec.layers[0].linear1.weight.data, dec.layers[2].linear1.weight.data)
    assert dec.norm is None and "layers.2.multihead_attn.in_proj_weight" in dec.state_dict()
    assert nn.TransformerDecoderLayer(8, 2, activation="gelu").activation is F.gelu
    custom = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1)
    assert nn.Transformer(8, 2, custom_encoder=custom, num_decoder_layers=1).encoder is custom


def test_decoder_layer_passes_finite_differences():
    """No torch needed: the gradients of tgt, memory and every parameter of a tiny pre-norm decoder layer, with a
    bool causal mask and padding masks, against central differences."""
    tg.manual_seed(10)
    rng = np.random.default_rng(11)
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, activation="gelu", norm_first=True, dtype=np.float64)
    for p in layer.parameters():
        p.data += 0.1 * rng.standard_normal(p.shape)  # non-trivial norm weights and biases
    tgt = tg.Tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mem = tg.Tensor(rng.standard_normal((4, 2, 4)), requires_grad=True)
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    mpad = np.array([[False, False, False, True], [False, True, True, True]])
    params = list(layer.parameters())

    def fn(t, m, *_):
        return layer(t, m, tgt_mask=causal, memory_key_padding_mask=mpad)

    assert tg.gradcheck(fn, [tgt, mem, *params], eps=1e-6, atol=1e-7, rtol=1e-5)


def test_tiny_transformer_learns_to_copy():
    """No torch needed: teacher-forced copy of 4 tokens (a start token, a causal tgt mask); the loss falls from
    about log(vocab) to a small fraction of it."""
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    vocab, length, batch, d = 6, 4, 32, 16
    bos = vocab  # one extra embedding row for the start token

    class Copier(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab + 1, d)
            self.pos = nn.Embedding(length, d)
            self.transformer = nn.Transformer(d, 2, 1, 1, 32, dropout=0.0, batch_first=True)
            self.out = nn.Linear(d, vocab)

        def forward(self, src, tgt_in):
            pos = self.pos(tg.Tensor(np.arange(length)))
            mask = nn.Transformer.generate_square_subsequent_mask(length)
            h = self.transformer(self.emb(src) + pos, self.emb(tgt_in) + pos, tgt_mask=mask)
            return self.out(h)

    model = Copier()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        seq = rng.integers(0, vocab, (batch, length))
        tgt_in = np.concatenate([np.full((batch, 1), bos), seq[:, :-1]], axis=1)
        logits = model(tg.Tensor(seq), tg.Tensor(tgt_in))
        loss = F.cross_entropy(logits.reshape(-1, vocab), tg.Tensor(seq.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert losses[0] > 0.8 * np.log(vocab)
    assert np.mean(losses[-5:]) < 0.1 * losses[0]
