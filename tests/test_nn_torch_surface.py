"""nn and optim additions for PyTorch programs: losses, LayerNorm, containers, buffers, device moves, repr,
init functions, bidirectional/relu recurrent layers, AdamW and the schedulers. torch, when installed, is the
oracle (same weights in, same numbers out); without it the tests that need it are skipped."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn

from torch_reference import torch, needs_torch, close as _close
rng = np.random.default_rng(0)


def _both(array, requires_grad=True):
    return tg.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", ["nll", "ce", "ce_weight", "ce_smooth", "ce_smooth_weight", "ce_3d", "mse", "bce",
                                  "bce_pos"])
def test_losses_match_torch(case, reduction):
    logits = rng.normal(size=(5, 4))
    targets = np.array([0, 3, -100, 1, 3])
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    x, xt = _both(logits)
    if case == "nll":
        ours = nn.NLLLoss(reduction=reduction)(nn.LogSoftmax(dim=1)(x), tg.tensor(targets))
        theirs = torch.nn.NLLLoss(reduction=reduction)(torch.nn.LogSoftmax(dim=1)(xt), torch.tensor(targets))
    elif case.startswith("ce"):
        kw = dict(reduction=reduction, ignore_index=-100)
        if "weight" in case:
            kw_o, kw_t = dict(kw, weight=tg.tensor(weight)), dict(kw, weight=torch.tensor(weight))
        else:
            kw_o = kw_t = kw
        smooth = 0.2 if "smooth" in case else 0.0
        if case == "ce_3d":  # (N, C, d) logits with (N, d) targets
            x, xt = _both(rng.normal(size=(2, 4, 3)))
            t3 = np.array([[0, 1, -100], [3, 2, 1]])
            ours = nn.CrossEntropyLoss(**kw_o)(x, tg.tensor(t3))
            theirs = torch.nn.CrossEntropyLoss(**kw_t)(xt, torch.tensor(t3))
        else:
            ours = nn.CrossEntropyLoss(label_smoothing=smooth, **kw_o)(x, tg.tensor(targets))
            theirs = torch.nn.CrossEntropyLoss(label_smoothing=smooth, **kw_t)(xt, torch.tensor(targets))
    elif case == "mse":
        y = rng.normal(size=(5, 4))
        ours, theirs = nn.MSELoss(reduction=reduction)(x, tg.tensor(y)), torch.nn.MSELoss(reduction=reduction)(xt, torch.tensor(y))
    else:
        y = rng.uniform(size=(5, 4))
        pw = np.array([1.0, 2.0, 0.5, 3.0]) if case == "bce_pos" else None
        ours = nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=None if pw is None else tg.tensor(pw))(x, tg.tensor(y))
        theirs = torch.nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=None if pw is None else torch.tensor(pw))(
            xt, torch.tensor(y))
    _close(ours.data, theirs, tol=1e-12)
    up = rng.normal(size=ours.shape)
    ours.backward(up)
    theirs.backward(torch.tensor(up))
    _close(x.grad, xt.grad, tol=1e-12)


@needs_torch
def test_functional_forms_match_torch():
    a = rng.normal(size=(3, 5))
    x, xt = _both(a)
    F, TF = tg.F, torch.nn.functional
    pairs = [
        (F.gelu(x), TF.gelu(xt)), (F.gelu(x, approximate="tanh"), TF.gelu(xt, approximate="tanh")),
        (F.layer_norm(x, (5,)), TF.layer_norm(xt, (5,))), (F.pad(x, (1, 2, 0, 1), value=0.5), TF.pad(xt, (1, 2, 0, 1), value=0.5)),
        (F.softmax(x, dim=0), TF.softmax(xt, dim=0)), (F.log_softmax(x, 1), TF.log_softmax(xt, 1)),
    ]
    for ours, theirs in pairs:
        _close(ours.data, theirs, tol=1e-12)
    oh = F.one_hot(tg.tensor([0, 2, 1]), 4)
    np.testing.assert_array_equal(oh.data, TF.one_hot(torch.tensor([0, 2, 1]), 4).numpy())
    assert oh.dtype == np.int64 and F.one_hot(tg.tensor([0, 2])).shape == (2, 3)


def test_embedding_padding_idx_and_both_argument_orders():
    emb = nn.Embedding(5, 3, padding_idx=0)
    assert (emb.weight.data[0] == 0).all() and "padding_idx=0" in repr(emb)
    ids = tg.tensor([[0, 2], [2, 4]])
    emb(ids).sum().backward()
    assert (emb.weight.grad[0] == 0).all() and (emb.weight.grad[2] == 2).all()
    w = tg.randn(5, 3)
    np.testing.assert_array_equal(tg.F.embedding(ids, w).data, tg.F.embedding(w, ids).data)  # PyTorch's and ours
    assert tg.F.embedding(ids, w).shape == (2, 2, 3)


@needs_torch
def test_layer_norm_module_matches_torch():
    a = rng.normal(size=(2, 3, 4))
    x, xt = _both(a)
    ours, theirs = nn.LayerNorm(4, dtype=np.float64), torch.nn.LayerNorm(4).double()
    ours.weight.data[...] = rng.normal(size=4)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    yo, yt = ours(x), theirs(xt)
    _close(yo.data, yt, tol=1e-12)
    yo.sum().backward()
    yt.sum().backward()
    _close(x.grad, xt.grad, 1e-10)
    _close(ours.weight.grad, theirs.weight.grad, 1e-10)


@needs_torch
def test_repr_tree_matches_torch():
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = lib.nn.Embedding(10, 4)
                self.rnn = lib.nn.LSTM(4, 8, num_layers=2, batch_first=True, bidirectional=True)
                self.drop = lib.nn.Dropout(0.3)
                self.head = lib.nn.Sequential(lib.nn.Linear(16, 3), lib.nn.LogSoftmax(dim=1))
        return Net()

    assert repr(build(tg)) == repr(build(torch))


def test_containers_buffers_and_device_moves():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Identity()})
            self.extra = nn.ParameterList([tg.zeros(3), nn.Parameter(tg.ones(2))])
            self.register_buffer("mask", tg.ones(2, 2))
            self.register_buffer("scratch", tg.zeros(1), persistent=False)

    m = M()
    assert list(m.heads.keys()) == ["a", "b"] and isinstance(m.heads["b"], nn.Identity)
    assert [p.shape for p in m.extra] == [(3,), (2,)] and all(p.requires_grad for p in m.extra)
    keys = list(m.state_dict())
    assert keys == ["extra.0", "extra.1", "mask", "heads.a.weight", "heads.a.bias"] or set(keys) == {
        "extra.0", "extra.1", "mask", "heads.a.weight", "heads.a.bias"}
    assert "scratch" not in keys and [n for n, _ in m.named_buffers()] == ["mask", "scratch"]
    assert len(list(m.parameters())) == 4 and not m.mask.requires_grad
    state = m.state_dict()
    state["mask"] = np.full((2, 2), 7.0)
    m.load_state_dict(state)
    assert (m.mask.data == 7).all()
    assert m.to("cpu") is m and m.cpu() is m and m.to(tg.device("cpu"), dtype=tg.float64) is m
    assert m.heads["a"].weight.dtype == np.float64 and m.mask.dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        m.cuda()
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to("cuda:0")
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "M" and "Linear" in seen
    assert [type(c).__name__ for c in m.children()] == ["ModuleDict", "ParameterList"]
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    assert nn.Flatten()(tg.zeros(2, 3, 4)).shape == (2, 12)


def test_init_functions():
    w = nn.Parameter(tg.zeros(6, 4))
    nn.init.orthogonal_(w)
    np.testing.assert_allclose(w.data.T @ w.data, np.eye(4), atol=1e-6)
    wide = tg.zeros(3, 7)
    nn.init.orthogonal_(wide, gain=2.0)
    np.testing.assert_allclose(wide.data @ wide.data.T, 4 * np.eye(3), atol=1e-5)
    big = tg.zeros(400, 300, dtype=tg.float64)
    nn.init.xavier_normal_(big)
    assert abs(big.data.std() - np.sqrt(2 / 700)) < 0.003
    nn.init.kaiming_normal_(big, nonlinearity="relu")
    assert abs(big.data.std() - np.sqrt(2 / 300)) < 0.003
    nn.init.kaiming_uniform_(big, mode="fan_out")
    assert abs(big.data.max() - np.sqrt(6 / 400)) < 0.003
    assert nn.init.calculate_gain("tanh") == 5 / 3


@needs_torch
@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("fused", [True, False])
def test_bidirectional_layers_match_torch(cell, fused):
    kw = dict(num_layers=2, bidirectional=True, batch_first=True)
    if cell == "RNN":
        kw["nonlinearity"] = "relu"
    ours = getattr(nn, cell)(3, 4, dtype=np.float64, fused=fused, **kw)
    theirs = getattr(torch.nn, cell)(3, 4, **kw).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})  # same keys (..._reverse)
    ours.flatten_parameters()
    theirs.flatten_parameters()
    x, xt = _both(rng.normal(size=(2, 5, 3)))
    h0 = rng.normal(size=(4, 2, 4))
    state = (tg.tensor(h0), tg.tensor(h0 * 0.5)) if cell == "LSTM" else tg.tensor(h0)
    state_t = (torch.tensor(h0), torch.tensor(h0 * 0.5)) if cell == "LSTM" else torch.tensor(h0)
    (out, h), (out_t, h_t) = ours(x, state), theirs(xt, state_t)
    assert out.shape == (2, 5, 8)
    _close(out.data, out_t, 1e-12)
    _close((h[0] if cell == "LSTM" else h).data, h_t[0] if cell == "LSTM" else h_t, 1e-12)
    up = rng.normal(size=out.shape)
    out.backward(up)
    out_t.backward(torch.tensor(up))
    _close(x.grad, xt.grad, 1e-11)
    for name, p in theirs.named_parameters():
        _close(dict(ours.named_parameters())[name].grad, p.grad, 1e-11)


@needs_torch
def test_adamw_matches_torch():
    a = rng.normal(size=(3, 2))
    p, pt = nn.Parameter(tg.tensor(a)), torch.nn.Parameter(torch.tensor(a))
    opt, opt_t = tg.optim.AdamW([p], lr=0.05), torch.optim.AdamW([pt], lr=0.05)
    for _ in range(5):
        for o, q, lib in ((opt, p, tg), (opt_t, pt, torch)):
            o.zero_grad(set_to_none=True)
            ((q * q).sum() + q.sum()).backward()
            o.step()
    _close(p.data, pt, tol=1e-12)
    assert opt.param_groups[0]["weight_decay"] == 0.01


@needs_torch
@pytest.mark.parametrize("name,kw", [("MultiStepLR", dict(milestones=[2, 4, 4], gamma=0.5)),
                                     ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e)),
                                     ("CosineAnnealingLR", dict(T_max=3, eta_min=0.01))])
def test_schedulers_match_torch(name, kw):
    p, pt = nn.Parameter(tg.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt, opt_t = tg.optim.SGD([p], lr=0.1), torch.optim.SGD([pt], lr=0.1)
    s, s_t = getattr(tg.optim.lr_scheduler, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(opt_t, **kw)
    for _ in range(10):
        opt.step()
        opt_t.step()
        s.step()
        s_t.step()
        assert s.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12)
    s.load_state_dict(s.state_dict())


def test_lambda_lr_state_dict_leaves_out_the_function():
    opt = tg.optim.SGD([nn.Parameter(tg.zeros(1))], lr=1.0)
    s = tg.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (e + 1))
    s.step()
    state = s.state_dict()
    assert "lr_lambdas" not in state and state["last_epoch"] == 1
    s.load_state_dict(state)
    s.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("fused", [True, False])
def test_one_promotion_rule_in_ops_and_layers(fused):
    """float32 op float64 -> float64 (the wider float wins; Python numbers take the tensor's dtype), in ops and
    in every layer alike; gradients come back in each parameter's own dtype."""
    x32, x64 = tg.ones(2, 3), tg.ones(2, 3, dtype=tg.float64)
    assert (x32 + x64).dtype == np.float64 and (x32 * 2.5).dtype == np.float32 and (x32 @ x64.t()).dtype == np.float64
    layers = [nn.Linear(3, 4), nn.RNN(3, 4, fused=fused), nn.LSTM(3, 4, fused=fused), nn.GRU(3, 4, fused=fused),
              nn.RNNCell(3, 4), nn.LayerNorm(3)]
    for layer in layers:
        x = tg.ones(5, 2, 3, dtype=tg.float64, requires_grad=True) if isinstance(layer, (nn.RNN, nn.LSTM, nn.GRU)) \
            else tg.ones(2, 3, dtype=tg.float64, requires_grad=True)
        out = layer(x)
        out = out[0] if isinstance(out, tuple) else out
        assert out.dtype == np.float64, type(layer).__name__
        out.sum().backward()
        assert all(p.grad.dtype == np.float32 for p in layer.parameters()) and x.grad.dtype == np.float64


@pytest.mark.parametrize("cell", ["RNN-relu", "RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("fused", [True, False])
def test_bidirectional_layers_gradcheck_and_fused_equals_composed(cell, fused):
    """Without torch too: every input, state and parameter of a 2-layer bidirectional layer against central
    differences, and the fused layer equal to the per-step composition."""
    name, _, nonlin = cell.partition("-")
    kw = dict(num_layers=2, bidirectional=True, dtype=np.float64, **({"nonlinearity": nonlin} if nonlin else {}))
    tg.manual_seed(4)
    m = getattr(nn, name)(2, 3, fused=fused, **kw)
    r = np.random.default_rng(5)
    x = tg.tensor(r.normal(size=(3, 2, 2)), requires_grad=True)
    h0 = tg.tensor(r.normal(size=(4, 2, 3)), requires_grad=True)
    c0 = tg.tensor(r.normal(size=(4, 2, 3)), requires_grad=True)

    def fn(*_, layer=m):
        out, h_n = layer(x, (h0, c0) if name == "LSTM" else h0)
        h_n = h_n[0] if name == "LSTM" else h_n
        return tg.cat([out.reshape(-1), h_n.reshape(-1)])

    assert tg.gradcheck(fn, [x, h0, *([c0] if name == "LSTM" else []), *m.parameters()])
    other = getattr(nn, name)(2, 3, fused=not fused, **kw)
    other.load_state_dict(m.state_dict())
    np.testing.assert_allclose(fn().data, fn(layer=other).data, rtol=1e-12, atol=1e-12)
