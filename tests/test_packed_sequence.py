"""Variable-length batches: ``nn.utils.rnn`` (pad / pack / unpack) and RNN/LSTM/GRU fed a PackedSequence.

Oracles, all independent of the code under test:
  * plain-numpy padding and packing written out below (the definition: step-major, longest first),
  * each sequence run alone through the unpacked layer (its output and its last state),
  * central finite differences in float64 (gradcheck),
  * PyTorch itself when installed (same results, same weights, same gradients).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, gradcheck, nn
from tinygrad_rnn.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence,
                                       pad_sequence, unpack_sequence, unpad_sequence)

F64 = np.float64
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
length_lists = st.lists(st.integers(1, 5), min_size=1, max_size=5)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---- plain-numpy references ----------------------------------------------------------------------------
def ref_pad(seqs: list[np.ndarray], batch_first: bool, value: float, side: str) -> np.ndarray:
    T = max(len(s) for s in seqs)
    out = np.full((len(seqs), T) + seqs[0].shape[1:], value, dtype=seqs[0].dtype)
    for b, s in enumerate(seqs):
        start = 0 if side == "right" else T - len(s)
        out[b, start:start + len(s)] = s
    return out if batch_first else out.swapaxes(0, 1)


def ref_pack(padded_tb: np.ndarray, lengths: list[int], order: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """(T, B, *) padded, the batch order longest first -> packed data and batch sizes."""
    rows, sizes = [], []
    for t in range(max(lengths)):
        running = [b for b in order if lengths[b] > t]
        sizes.append(len(running))
        rows += [padded_tb[t, b] for b in running]
    return np.stack(rows), sizes


def _order(lengths: list[int]) -> np.ndarray:
    return np.argsort(-np.asarray(lengths), kind="stable")


# ---- pad_sequence -----------------------------------------------------------------------------------------
@given(st.lists(st.integers(0, 4), min_size=1, max_size=4), st.booleans(), st.sampled_from(["right", "left"]),
       st.sampled_from([0.0, -1.5]))
def test_pad_sequence_matches_the_definition(lengths, batch_first, side, value):
    seqs = [_rng(i).standard_normal((n, 2)).astype(np.float32) for i, n in enumerate(lengths)]
    out = pad_sequence([Tensor(s) for s in seqs], batch_first=batch_first, padding_value=value, padding_side=side)
    np.testing.assert_array_equal(out.numpy(), ref_pad(seqs, batch_first, value, side))


def test_pad_sequence_of_scalar_steps_and_integer_ids():
    out = pad_sequence([tg.tensor([1, 2, 3]), tg.tensor([4])], batch_first=True)
    assert out.dtype == np.int64 and out.tolist() == [[1, 2, 3], [4, 0, 0]]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_gradcheck(batch_first, side):
    seqs = [Tensor(_rng(i).standard_normal((n, 2)), requires_grad=True) for i, n in enumerate([3, 1, 2])]
    assert gradcheck(lambda *s: pad_sequence(list(s), batch_first, 0.5, side), seqs)


def test_pad_sequence_bad_input():
    with pytest.raises(RuntimeError, match="empty list"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match="padding_side"):
        pad_sequence([tg.ones(2)], padding_side="up")
    with pytest.raises(ValueError, match=re.escape("sequence 1 has shape torch.Size([2, 4])")):
        pad_sequence([tg.ones(2, 3), tg.ones(2, 4)])


# ---- pack_padded_sequence / pad_packed_sequence -----------------------------------------------------------
@given(length_lists, st.booleans(), st.booleans(), st.sampled_from(["list", "numpy", "tensor"]))
def test_pack_then_pad_match_the_definition(lengths, sort, batch_first, kind):
    if sort:
        lengths = sorted(lengths, reverse=True)
    T, B = max(lengths) + 1, len(lengths)  # one step of padding beyond the longest
    x_tb = _rng(B).standard_normal((T, B, 3))
    x = x_tb.swapaxes(0, 1).copy() if batch_first else x_tb
    lens = {"list": lengths, "numpy": np.array(lengths), "tensor": tg.tensor(lengths)}[kind]
    packed = pack_padded_sequence(Tensor(x), lens, batch_first=batch_first, enforce_sorted=sort)
    data, sizes = ref_pack(x_tb, lengths, np.arange(B) if sort else _order(lengths))
    np.testing.assert_array_equal(packed.data.numpy(), data)
    assert packed.batch_sizes.tolist() == sizes and packed.batch_sizes.dtype == np.int64
    if sort:
        assert packed.sorted_indices is None and packed.unsorted_indices is None
    else:
        assert packed.sorted_indices.tolist() == _order(lengths).tolist()
        assert packed.unsorted_indices.numpy()[packed.sorted_indices.numpy()].tolist() == list(range(B))

    padded, out_lengths = pad_packed_sequence(packed, batch_first=batch_first, padding_value=9.0, total_length=T)
    assert out_lengths.dtype == np.int64 and out_lengths.tolist() == list(lengths)
    mask = np.arange(T)[:, None] < np.array(lengths)[None, :]  # (T, B)
    expect_tb = np.where(mask[..., None], x_tb, 9.0)
    np.testing.assert_array_equal(padded.numpy(), expect_tb.swapaxes(0, 1) if batch_first else expect_tb)
    assert pad_packed_sequence(packed)[0].shape[:2] == (max(lengths), B)  # time-major, the longest length


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("sort", [False, True])
def test_pack_and_pad_gradcheck(batch_first, sort):
    lengths = [4, 2, 2, 1] if sort else [2, 4, 1, 2]
    shape = (4, 4, 2)  # (B, T, 2) or (T, B, 2): four of each
    x = Tensor(_rng().standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda x: pack_padded_sequence(x, lengths, batch_first, sort).data, [x])
    data = Tensor(_rng(1).standard_normal((9, 2)), requires_grad=True)
    packed = pack_padded_sequence(Tensor(np.zeros(shape)), lengths, batch_first, sort)
    assert gradcheck(lambda d: pad_packed_sequence(packed._replace(data=d), batch_first, -2.0, 6)[0], [data])


def test_pack_padded_sequence_bad_input():
    x = tg.zeros(4, 3, 2)
    with pytest.raises(RuntimeError) as err:
        pack_padded_sequence(x, [1, 3, 2])
    assert "\n" not in str(err.value) and "`lengths` array must be sorted in decreasing order" in str(err.value)
    assert "enforce_sorted=False" in str(err.value)
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(x, [3, 2, 0])
    with pytest.raises(RuntimeError, match=r"batch_size=3"):
        pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="longer than the input's 4 steps"):
        pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(TypeError, match="integers"):
        pack_padded_sequence(x, [3.5, 2, 1])
    with pytest.raises(ValueError, match="total_length=2"):
        pad_packed_sequence(pack_padded_sequence(x, [3, 2, 1]), total_length=2)
    with pytest.raises(TypeError, match="PackedSequence"):
        pad_packed_sequence(x)


def test_packed_sequence_is_pytorchs_named_tuple():
    packed = pack_sequence([tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0, 5.0]), tg.tensor([6.0])],
                           enforce_sorted=False)
    assert isinstance(packed, tuple) and packed._fields == ("data", "batch_sizes", "sorted_indices",
                                                            "unsorted_indices")
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert data.tolist() == [3.0, 1.0, 6.0, 4.0, 2.0, 5.0] and batch_sizes.tolist() == [3, 2, 1]
    assert sorted_indices.tolist() == [1, 0, 2] and unsorted_indices.tolist() == [1, 0, 2]
    assert repr(packed).startswith("PackedSequence(data=")
    assert packed.double().data.dtype == np.float64 and packed.to(tg.float64).sorted_indices.tolist() == [1, 0, 2]
    assert packed.float() is packed and packed.cpu() is packed and not packed.is_cuda
    assert packed.long().data.dtype == np.int64
    built = PackedSequence(data, batch_sizes, tg.tensor([2, 0, 1]))  # unsorted_indices: the inverse
    assert built.unsorted_indices.tolist() == [1, 2, 0]


def test_unpad_and_unpack_give_back_the_sequences():
    seqs = [Tensor(_rng(i).standard_normal((n, 2))) for i, n in enumerate([2, 4, 1])]
    for got in (unpack_sequence(pack_sequence(seqs, enforce_sorted=False)),
                unpad_sequence(pad_sequence(seqs, batch_first=True), [2, 4, 1], batch_first=True),
                unpad_sequence(pad_sequence(seqs), tg.tensor([2, 4, 1]))):
        assert [g.shape for g in got] == [s.shape for s in seqs]
        for g, s in zip(got, seqs):
            np.testing.assert_array_equal(g.numpy(), s.numpy())


def test_reachable_by_pytorchs_paths():
    assert tg.nn.utils.rnn.pack_padded_sequence is pack_padded_sequence
    assert tg.nn.utils.clip_grad_norm_ is not None  # the old module's names stay where they were
    from tinygrad_rnn.nn.utils import FlatParameter, clip_grad_value_, flatten_parameters_  # noqa: F401


# ---- RNN/LSTM/GRU fed a PackedSequence ----------------------------------------------------------------------
def _layer(kind: str, bidirectional: bool, num_layers: int = 2, batch_first: bool = False, seed: int = 0,
           dtype=F64) -> nn.Module:
    tg.manual_seed(seed)
    return LAYERS[kind](3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                        dtype=dtype)


def _states(kind: str, n: int, B: int, rng: np.random.Generator):
    h = Tensor(rng.standard_normal((n, B, 4)), requires_grad=True)
    return (h, Tensor(rng.standard_normal((n, B, 4)), requires_grad=True)) if kind == "LSTM" else h


def _finals(kind: str, state) -> list[Tensor]:
    return list(state) if kind == "LSTM" else [state]


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("bidirectional", [False, True])
@given(lengths=length_lists)
def test_packed_layer_runs_each_sequence_as_if_alone(kind, bidirectional, lengths):
    """Oracle: the unpacked layer on each sequence alone (its own length, its own initial state)."""
    m = _layer(kind, bidirectional)
    rng = _rng(len(lengths))
    B, T, D = len(lengths), max(lengths), 2 if bidirectional else 1
    x = rng.standard_normal((T, B, 3))
    hx = _states(kind, 2 * D, B, rng)
    out, state = m(pack_padded_sequence(Tensor(x), lengths, enforce_sorted=False), hx)
    assert isinstance(out, PackedSequence)
    padded, _ = pad_packed_sequence(out)
    for b, n in enumerate(lengths):
        h_b = tuple(s[:, b:b + 1] for s in hx) if kind == "LSTM" else hx[:, b:b + 1]
        out_b, state_b = m(Tensor(x[:n, b:b + 1]), h_b)
        np.testing.assert_allclose(padded.numpy()[:n, b:b + 1], out_b.numpy(), rtol=1e-12, atol=1e-12)
        for got, want in zip(_finals(kind, state), _finals(kind, state_b)):
            np.testing.assert_allclose(got.numpy()[:, b:b + 1], want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_layer_gradcheck(kind, bidirectional):
    m = _layer(kind, bidirectional, seed=1)
    rng = _rng(1)
    lengths = [2, 3, 1]
    data = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    template = pack_padded_sequence(Tensor(np.zeros((3, 3, 3))), lengths, enforce_sorted=False)
    hx = _states(kind, 4 if bidirectional else 2, 3, rng)
    states = list(hx) if kind == "LSTM" else [hx]

    def fn(d, *s_and_params):
        s = s_and_params[:len(states)]
        out, state = m(template._replace(data=d), tuple(s) if kind == "LSTM" else s[0])
        return tg.cat([out.data.reshape(-1)] + [f.reshape(-1) for f in _finals(kind, state)])

    assert gradcheck(fn, [data, *states, *m.parameters()], max_elements=6)  # 6 random entries of each: fast


def test_packed_layer_checks_its_input():
    m = nn.LSTM(3, 4)
    bad = pack_sequence([tg.ones(2, 5), tg.ones(1, 5)])
    with pytest.raises(ValueError, match=re.escape("input_size=3, got torch.Size([3, 5])")):
        m(bad)
    with pytest.raises(ValueError, match="h0 must have shape"):
        m(pack_sequence([tg.ones(2, 3), tg.ones(1, 3)]), (tg.zeros(1, 3, 4), tg.zeros(1, 3, 4)))


def test_unpacked_path_is_unchanged_by_the_packed_branch():
    """All lengths equal: packing changes nothing, so the fused unpacked path must agree with the packed one."""
    m = _layer("GRU", True)
    x = Tensor(_rng().standard_normal((4, 3, 3)))
    out, h = m(x)
    pout, ph = m(pack_padded_sequence(x, [4, 4, 4]))
    np.testing.assert_allclose(pad_packed_sequence(pout)[0].numpy(), out.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ph.numpy(), h.numpy(), rtol=1e-12, atol=1e-12)


# ---- against PyTorch ----------------------------------------------------------------------------------------
def _copy_weights(ours: nn.Module, theirs) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("sort", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_layer_matches_torch(kind, sort, batch_first, bidirectional):
    torch = pytest.importorskip("torch")
    trnn = torch.nn.utils.rnn
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=batch_first)
    theirs = theirs.double()
    ours = _layer(kind, bidirectional, batch_first=batch_first)
    _copy_weights(ours, theirs)
    rng = _rng(7)
    lengths = [5, 3, 3, 1] if sort else [3, 5, 1, 3]
    D = 2 if bidirectional else 1
    x = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    h0 = [rng.standard_normal((2 * D, 4, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    x_t = torch.tensor(x, requires_grad=True)
    h_t = [torch.tensor(h, requires_grad=True) for h in h0]
    x_o = Tensor(x, requires_grad=True)
    h_o = [Tensor(h, requires_grad=True) for h in h0]
    out_t, s_t = theirs(trnn.pack_padded_sequence(x_t, torch.tensor(lengths), batch_first, sort),
                        tuple(h_t) if kind == "LSTM" else h_t[0])
    out_o, s_o = ours(pack_padded_sequence(x_o, tg.tensor(lengths), batch_first, sort),
                      tuple(h_o) if kind == "LSTM" else h_o[0])
    for a, b in zip(out_o, out_t):  # data, batch_sizes, sorted_indices, unsorted_indices
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    fin_t, fin_o = (list(s_t), list(s_o)) if kind == "LSTM" else ([s_t], [s_o])
    for a, b in zip(fin_o, fin_t):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    w_out = rng.standard_normal(out_t.data.shape)
    w_fin = [rng.standard_normal(f.shape) for f in fin_t]
    loss_t = (out_t.data * torch.tensor(w_out)).sum() + sum((f * torch.tensor(w)).sum() for f, w in zip(fin_t, w_fin))
    loss_o = (out_o.data * Tensor(w_out)).sum() + sum((f * Tensor(w)).sum() for f, w in zip(fin_o, w_fin))
    loss_t.backward()
    loss_o.backward()
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(np.asarray(ours_params[name].grad), p.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    for a, b in zip([x_o, *h_o], [x_t, *h_t]):
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@given(st.lists(st.integers(0, 4), min_size=1, max_size=4), st.booleans(), st.booleans())
def test_pad_and_pack_match_torch(lengths, batch_first, left):
    torch = pytest.importorskip("torch")
    trnn = torch.nn.utils.rnn
    seqs = [_rng(i).standard_normal((n, 2)).astype(np.float32) for i, n in enumerate(lengths)]
    side = "left" if left else "right"
    ours = pad_sequence([Tensor(s) for s in seqs], batch_first, 1.5, side)
    theirs = trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 1.5, side)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    kept = [s for s in seqs if len(s)]
    if kept:
        p_o = pack_sequence([Tensor(s) for s in kept], enforce_sorted=False)
        p_t = trnn.pack_sequence([torch.tensor(s) for s in kept], enforce_sorted=False)
        for a, b in zip(p_o, p_t):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        for a, b in zip(pad_packed_sequence(p_o, batch_first), trnn.pad_packed_sequence(p_t, batch_first)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_the_unsorted_error_is_torchs():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(3, 2), [1, 3])
    with pytest.raises(RuntimeError) as ours:
        pack_padded_sequence(tg.zeros(3, 2), [1, 3])
    assert str(ours.value) == str(theirs.value)


# ---- end to end: a classifier over variable-length sequences, one program for both libraries ----------------
VOCAB, EMB, HIDDEN, CLASSES = 11, 5, 6, 3


def _classifier_run(lib, state: dict | None, ids: np.ndarray, lengths: list[int], labels: np.ndarray, steps: int = 4):
    """The program a PyTorch tutorial writes; ``lib`` is torch or tinygrad_rnn. Returns the losses and weights."""
    nn_ = lib.nn

    class Classifier(nn_.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn_.Embedding(VOCAB, EMB)
            self.lstm = nn_.LSTM(EMB, HIDDEN, batch_first=True)
            self.fc = nn_.Linear(HIDDEN, CLASSES)

        def forward(self, ids, lengths):
            packed = nn_.utils.rnn.pack_padded_sequence(self.emb(ids), lengths, batch_first=True,
                                                        enforce_sorted=False)
            _, (h_n, _) = self.lstm(packed)
            return self.fc(h_n[-1])

    model = Classifier()
    if state is not None:
        model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    opt = lib.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn_.functional.cross_entropy(model(lib.tensor(ids), lib.tensor(lengths)), lib.tensor(labels))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # torch's state_dict holds tensors, ours numpy arrays
    return losses, {k: np.array(v.numpy() if hasattr(v, "numpy") else v) for k, v in model.state_dict().items()}


def _classifier_batch():
    rng = _rng(3)
    lengths = [4, 7, 2, 7, 5, 1]
    ids = np.zeros((len(lengths), max(lengths)), dtype=np.int64)
    for b, n in enumerate(lengths):
        ids[b, :n] = rng.integers(1, VOCAB, n)
    return ids, lengths, rng.integers(0, CLASSES, len(lengths))


def test_classifier_trains_with_tinygrad_rnn():
    ids, lengths, labels = _classifier_batch()
    tg.manual_seed(0)
    losses, _ = _classifier_run(tg, None, ids, lengths, labels, steps=8)
    assert losses[-1] < losses[0]


def test_classifier_trains_identically_under_torch():
    torch = pytest.importorskip("torch")
    ids, lengths, labels = _classifier_batch()
    torch.manual_seed(0)
    start = _classifier_run(torch, None, ids, lengths, labels, steps=0)[1]
    losses_t, end_t = _classifier_run(torch, start, ids, lengths, labels)
    losses_o, end_o = _classifier_run(tg, start, ids, lengths, labels)
    np.testing.assert_allclose(losses_o, losses_t, rtol=1e-5)
    assert end_o.keys() == end_t.keys()
    for k in end_t:
        np.testing.assert_allclose(end_o[k], end_t[k], rtol=1e-4, atol=1e-6, err_msg=k)
