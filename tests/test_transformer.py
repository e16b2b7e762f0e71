"""nn.TransformerEncoderLayer and nn.TransformerEncoder against torch: values and the gradients of every
parameter and of src in float64 (1e-10) over post-/pre-norm, relu/gelu/a callable, batch_first, bool/float/causal
src masks and key padding masks, with state_dicts moved both ways; state_dict names and shapes; deep-copied
layers; and a tiny encoder classifier that trains."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import functional as F

TOL = 1e-10
S, N, E, H, FF = 5, 3, 8, 2, 12


def _torch():
    return pytest.importorskip("torch")


def _close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours.data if isinstance(ours, tg.Tensor) else ours),
                               theirs.detach().numpy(), rtol=TOL, atol=TOL)


def _activations(name):
    torch = _torch()
    if name == "callable":  # any unary callable, here tanh-approximated gelu
        return (lambda x: F.gelu(x, approximate="tanh"),
                lambda x: torch.nn.functional.gelu(x, approximate="tanh"))
    return name, name


def _build(kind, act, norm_first, batch_first, dropout=0.0, bias=True):
    """Ours and torch's (layer, or a 2-layer encoder with a final norm), float64, ours holding torch's
    parameters perturbed so that every bias and norm weight is non-trivial."""
    torch = _torch()
    ours_act, theirs_act = _activations(act)
    kw = dict(dim_feedforward=FF, dropout=dropout, norm_first=norm_first, batch_first=batch_first, bias=bias)
    theirs = torch.nn.TransformerEncoderLayer(E, H, activation=theirs_act, dtype=torch.float64, **kw)
    ours = nn.TransformerEncoderLayer(E, H, activation=ours_act, dtype=np.float64, **kw)
    if kind == "encoder":
        theirs = torch.nn.TransformerEncoder(theirs, 2, norm=torch.nn.LayerNorm(E, dtype=torch.float64),
                                             enable_nested_tensor=False)
        ours = nn.TransformerEncoder(ours, 2, norm=nn.LayerNorm(E, dtype=np.float64), enable_nested_tensor=False)
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(0.1 * torch.randn_like(p))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _masks(kind, rng, batch_first):
    """(our kwargs, torch's kwargs) for one mask kind; no query loses every key (torch's SDPA path and the
    explicit one differ there)."""
    torch = _torch()
    out = {}
    if kind in ("bool", "both"):
        m = rng.random((S, S)) < 0.4
        np.fill_diagonal(m, False)
        out["mask"] = m
    elif kind == "float":
        out["mask"] = rng.standard_normal((S, S))
    elif kind == "causal":
        out["mask"] = np.triu(np.full((S, S), -np.inf), 1)
    if kind in ("padding", "both"):
        pad = np.zeros((N, S), dtype=bool)
        pad[1, 3:] = pad[2, 1:] = True  # key 0 always takes part
        out["pad"] = pad
    return out


def _run(model, tmod, masks, src_np, w_np, is_layer):
    """Forward and backward of (out * w).sum() on both sides; returns ours, theirs, their src leaf."""
    torch = _torch()
    src, tsrc = tg.Tensor(src_np.copy(), requires_grad=True), torch.tensor(src_np.copy(), requires_grad=True)
    mk = "src_mask" if is_layer else "mask"
    ours_kw = {mk: masks.get("mask"), "src_key_padding_mask": masks.get("pad")}
    theirs_kw = {k: None if v is None else torch.tensor(v) for k, v in ours_kw.items()}
    out, tout = model(src, **ours_kw), tmod(tsrc, **theirs_kw)
    (out * tg.Tensor(w_np)).sum().backward()
    (tout * torch.tensor(w_np)).sum().backward()
    return out, tout, src, tsrc


@pytest.mark.parametrize("kind", ["layer", "encoder"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("act", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal", "padding", "both"])
def test_values_and_every_gradient_match_torch(kind, norm_first, act, batch_first, mask):
    torch = _torch()
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    model, tmod = _build(kind, act, norm_first, batch_first)
    shape = (N, S, E) if batch_first else (S, N, E)
    src_np, w_np = rng.standard_normal(shape), rng.standard_normal(shape)
    out, tout, src, tsrc = _run(model, tmod, _masks(mask, rng, batch_first), src_np, w_np, kind == "layer")
    _close(out, tout)
    _close(src.grad, tsrc.grad)
    theirs = dict(tmod.named_parameters())
    ours = dict(model.named_parameters())
    assert ours.keys() == theirs.keys()
    for name, p in ours.items():
        _close(p.grad, theirs[name].grad)


@pytest.mark.parametrize("kind", ["layer", "encoder"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_eval_mode_with_dropout_matches_torch_and_state_dict_moves_to_torch(kind, norm_first):
    """Ours initialised by us, its state_dict loaded into torch; in eval mode dropout=0.1 does nothing."""
    torch = _torch()
    tg.manual_seed(3)
    rng = np.random.default_rng(4)
    ours = nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, norm_first=norm_first, dtype=np.float64)
    theirs = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, norm_first=norm_first, dtype=torch.float64)
    if kind == "encoder":
        ours = nn.TransformerEncoder(ours, 3)
        theirs = torch.nn.TransformerEncoder(theirs, 3, enable_nested_tensor=False)
    for p in ours.parameters():
        p.data += 0.1 * rng.standard_normal(p.shape)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v.data)) for k, v in ours.state_dict().items()})
    ours.eval(), theirs.eval()
    src_np, w_np = rng.standard_normal((S, N, E)), rng.standard_normal((S, N, E))
    masks = _masks("both", rng, False)
    out, tout, src, tsrc = _run(ours, theirs, masks, src_np, w_np, kind == "layer")
    _close(out, tout)
    _close(src.grad, tsrc.grad)


def test_unbatched_src_matches_torch():
    torch = _torch()
    torch.manual_seed(5)
    model, tmod = _build("encoder", "gelu", True, False)
    src_np = np.random.default_rng(6).standard_normal((S, E))
    causal = np.triu(np.ones((S, S), dtype=bool), 1)
    out = model(tg.Tensor(src_np), mask=causal)
    _close(out, tmod(torch.tensor(src_np), mask=torch.tensor(causal)))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", ["layer", "encoder"])
def test_state_dict_keys_and_shapes_are_torchs(bias, kind):
    torch = _torch()
    ours = nn.TransformerEncoderLayer(16, 4, bias=bias)
    theirs = torch.nn.TransformerEncoderLayer(16, 4, bias=bias)
    if kind == "encoder":
        ours = nn.TransformerEncoder(ours, 2, norm=nn.LayerNorm(16))
        theirs = torch.nn.TransformerEncoder(theirs, 2, norm=torch.nn.LayerNorm(16), enable_nested_tensor=False)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert ours.state_dict()["layers.0.linear1.weight" if kind == "encoder" else "linear1.weight"].shape \
        == (2048, 16)  # PyTorch's default dim_feedforward


def test_defaults_and_errors_are_torchs():
    layer = nn.TransformerEncoderLayer(8, 2)
    assert (layer.linear1.out_features, layer.dropout.p, layer.norm1.eps, layer.self_attn.batch_first,
            layer.norm_first, layer.activation) == (2048, 0.1, 1e-5, False, False, F.relu)
    assert nn.TransformerEncoderLayer(8, 2, activation="gelu").activation is F.gelu
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_encoder_layers_are_deep_copies():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    enc = nn.TransformerEncoder(layer, 3)
    assert len(enc.layers) == 3 and isinstance(enc.layers, nn.ModuleList)
    a, b = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert a is not b and a is not layer.linear1.weight
    np.testing.assert_array_equal(a.data, b.data)  # the same start, as in PyTorch
    a.data += 1.0  # ... but not shared
    assert not np.array_equal(a.data, b.data)
    assert "layers.2.self_attn.in_proj_weight" in enc.state_dict() and enc.norm is None


def test_tiny_encoder_classifier_trains():
    tg.manual_seed(0)
    rng = np.random.default_rng(0)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.TransformerEncoder(
                nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2)
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            return self.head(self.encoder(x).mean(dim=1))

    x = rng.standard_normal((16, 6, 8)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)  # a label the mean pool can see
    model = Classifier()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(8):
        loss = F.cross_entropy(model(tg.Tensor(x)), tg.Tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert losses[-1] < losses[0]
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("hint", [None, True, False])
def test_causal_mask_detection_is_torchs(hint):
    torch = _torch()
    from torch.nn.modules.transformer import _detect_is_causal_mask as theirs

    from tinygrad_rnn.nn.transformer import _detect_is_causal_mask as ours
    causal = np.triu(np.full((S, S), -np.inf), 1)
    almost = causal.copy()
    almost[0, 1] = 0.0
    for mask in (None, causal, almost, causal[:4, :4]):
        tmask = None if mask is None else torch.tensor(mask)
        assert ours(mask, hint, S) == theirs(tmask, hint, S)


def test_dropout_acts_in_training_only():
    tg.manual_seed(7)
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.5)
    x = tg.Tensor(np.random.default_rng(8).standard_normal((S, N, E)).astype(np.float32))
    train_a, train_b = layer(x).data, layer(x).data
    layer.eval()
    assert not np.allclose(train_a, train_b)  # fresh masks each call
    np.testing.assert_array_equal(layer(x).data, layer(x).data)
