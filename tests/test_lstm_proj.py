"""``nn.LSTM(proj_size=P)``: PyTorch's LSTM with projections (h = W_hr (o * tanh c), P wide; c stays H wide).

Oracles: PyTorch itself when installed (same state_dict in float64: outputs, h_n, c_n and every gradient), and
central finite differences (tinygrad_rnn's gradcheck, no torch needed).
"""
from __future__ import annotations

import numpy as np
import pytest

from tinygrad_rnn import Tensor, gradcheck, nn
from tinygrad_rnn.nn.utils.rnn import pack_padded_sequence

I, H, P, B, T = 3, 5, 2, 3, 4
LENGTHS = [4, 2, 3]  # the packed batch: unsorted, so the states come back in the original order


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _layer(num_layers: int, bidirectional: bool, batch_first: bool = False, dropout: float = 0.0, **kw) -> nn.LSTM:
    return nn.LSTM(I, H, num_layers, batch_first=batch_first, dropout=dropout, bidirectional=bidirectional,
                   proj_size=P, dtype=np.float64, **kw)


def _torch_twin(torch, m: nn.LSTM):
    t = torch.nn.LSTM(I, H, m.num_layers, batch_first=m.batch_first, dropout=m.dropout,
                      bidirectional=m.bidirectional, proj_size=m.proj_size).double()
    sd = m.state_dict()
    assert list(sd) == list(t.state_dict())  # same names in the same order
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    return t


def _run(lib, m, mode: str, x: np.ndarray, states: tuple[np.ndarray, np.ndarray] | None, packed_cls):
    """Run m on x in ``mode``; returns (output as a padded/plain tensor, h_n, c_n, leaf tensors)."""
    x_t = lib(x)
    leaves = [x_t]
    hx = None
    if states is not None:
        hx = tuple(lib(s) for s in states)
        leaves += list(hx)
    if mode == "packed":
        out, (h_n, c_n) = m(packed_cls(x_t, LENGTHS, enforce_sorted=False), hx)
        return out.data, h_n, c_n, leaves
    out, (h_n, c_n) = m(x_t, hx)
    return out, h_n, c_n, leaves


def _inputs(mode: str, num_layers: int, bidirectional: bool, with_state: bool):
    rng = _rng(1)
    D = 2 if bidirectional else 1
    x_shape = {"plain": (T, B, I), "batch_first": (B, T, I), "unbatched": (T, I), "packed": (T, B, I)}[mode]
    state_batch = () if mode == "unbatched" else (B,)
    x = rng.standard_normal(x_shape)
    states = None
    if with_state:
        states = (rng.standard_normal((num_layers * D,) + state_batch + (P,)),
                  rng.standard_normal((num_layers * D,) + state_batch + (H,)))
    return x, states


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mode", ["plain", "batch_first", "unbatched", "packed"])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("fused", [True, False])
def test_matches_torch_outputs_states_and_every_gradient(num_layers, bidirectional, mode, with_state, fused):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence as torch_pack

    m = _layer(num_layers, bidirectional, batch_first=mode == "batch_first", fused=fused)
    t = _torch_twin(torch, m)
    x, states = _inputs(mode, num_layers, bidirectional, with_state)

    def tg_leaf(a):
        return Tensor(a, requires_grad=True)

    def torch_leaf(a):
        return torch.tensor(a, requires_grad=True)

    ours = _run(tg_leaf, m, mode, x, states, pack_padded_sequence)
    theirs = _run(torch_leaf, t, mode, x, states, torch_pack)
    D = 2 if bidirectional else 1
    assert ours[0].shape[-1] == D * P and ours[1].shape[-1] == P and ours[2].shape[-1] == H
    rng = _rng(2)
    loss_ours, loss_theirs = 0.0, 0.0
    for a, b in zip(ours[:3], theirs[:3]):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(a.shape)  # a random direction: a backward that drops a term shows up
        loss_ours = loss_ours + (a * Tensor(w)).sum()
        loss_theirs = loss_theirs + (b * torch.tensor(w)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    named = dict(t.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad, named[name].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_dropout_between_layers_matches_torch(bidirectional):
    """p=1 makes the draws irrelevant: layer 2 sees zeros (D*P wide), the last layer's output is not dropped."""
    torch = pytest.importorskip("torch")
    m = _layer(2, bidirectional, dropout=1.0)
    t = _torch_twin(torch, m)
    x = _rng(3).standard_normal((T, B, I))
    out, (h_n, c_n) = m(Tensor(x))
    t_out, (t_h, t_c) = t(torch.tensor(x))
    for a, b in [(out, t_out), (h_n, t_h), (c_n, t_c)]:
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert np.abs(out.numpy()).max() > 0  # the top layer's output is kept
    m.eval()
    t.eval()
    np.testing.assert_allclose(m(Tensor(x))[0].numpy(), t(torch.tensor(x))[0].detach().numpy(), rtol=1e-10)


def test_parameters_shapes_order_and_repr_match_torch():
    torch = pytest.importorskip("torch")
    for kw in [dict(num_layers=2, bidirectional=True), dict(num_layers=2, bias=False), dict()]:
        m = nn.LSTM(I, H, proj_size=P, **kw)
        t = torch.nn.LSTM(I, H, proj_size=P, **kw)
        assert [(k, v.shape) for k, v in m.named_parameters()] == [(k, tuple(v.shape)) for k, v in t.named_parameters()]
        assert repr(m) == repr(t)
        # a torch state_dict loads here strictly, and back
        m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
        t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})


def test_shapes_and_positional_proj_size_without_torch():
    m = nn.LSTM(I, H, 2, True, False, 0.0, True, P)  # PyTorch's positional order: proj_size is eighth
    assert m.proj_size == P
    assert m.weight_hr_l1_reverse.shape == (P, H) and m.weight_hh_l0.shape == (4 * H, P)
    assert m.weight_ih_l1.shape == (4 * H, 2 * P)
    out, (h_n, c_n) = m(Tensor(np.zeros((T, B, I))))
    assert out.shape == (T, B, 2 * P) and h_n.shape == (4, B, P) and c_n.shape == (4, B, H)
    assert "proj_size" not in repr(nn.LSTM(I, H))


@pytest.mark.parametrize("mode", ["plain", "packed"])
def test_gradcheck_input_states_and_parameters(mode):
    m = _layer(2, True)
    x, states = _inputs(mode, 2, True, with_state=True)
    leaves = [Tensor(a, requires_grad=True) for a in (x, *states)]
    params = list(m.parameters())

    def fn(x, h0, c0, *_params):
        if mode == "packed":
            out, (h_n, c_n) = m(pack_padded_sequence(x, LENGTHS, enforce_sorted=False), (h0, c0))
            out = out.data
        else:
            out, (h_n, c_n) = m(x, (h0, c0))
        return out.sum(axis=-1).reshape(-1).sum() + (h_n * h_n).sum() + c_n.sum() + out.reshape(-1)[:5].sum()

    assert gradcheck(fn, leaves + params, max_elements=12)


def test_errors():
    with pytest.raises(ValueError, match="proj_size should be a positive integer or zero to disable projections"):
        nn.LSTM(I, H, proj_size=-1)
    for bad in (H, H + 1):
        with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
            nn.LSTM(I, H, proj_size=bad)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(I, H, proj_size=P)
    m = _layer(1, False)
    x = Tensor(np.zeros((T, B, I)))
    with pytest.raises(ValueError, match=rf"h0 must have shape \(1, {B}, {P}\)"):
        m(x, (Tensor(np.zeros((1, B, H))), Tensor(np.zeros((1, B, H)))))
    with pytest.raises(ValueError, match=rf"c0 must have shape \(1, {B}, {H}\)"):
        m(x, (Tensor(np.zeros((1, B, P))), Tensor(np.zeros((1, B, P)))))


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("which", ["weight_norm", "parametrizations"])
def test_weight_norm_of_the_projection_keeps_the_layers_output(fused, which):
    # weight_norm starts at g = ||v||, so w = g v / ||v|| is the weight it replaced: the same output (torch: the same)
    lstm = nn.LSTM(3, 4, proj_size=2, fused=fused, dtype=np.float64)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    before = lstm(x)[0].numpy()
    normed = nn.utils.weight_norm if which == "weight_norm" else nn.utils.parametrizations.weight_norm
    normed(lstm, "weight_hr_l0")
    out, (h, _) = lstm(x)
    assert out.shape == (5, 2, 2) and h.shape == (1, 2, 2)
    np.testing.assert_allclose(out.numpy(), before, rtol=1e-12, atol=1e-14)
