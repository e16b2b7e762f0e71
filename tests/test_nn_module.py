"""Module machinery, Linear, Embedding, Dropout, init schemes and gradient clipping."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, gradcheck, nn

F64 = np.float64


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.rnn = nn.RNN(4, 5)
        self.head = nn.Linear(5, 3)
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3, bias=False)])
        self.note = "not a parameter"


# ---- Module ------------------------------------------------------------------------------------------
def test_registration_names_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "scale", "emb.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
        "head.weight", "head.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
    ]
    assert len(list(net.parameters())) == len(names)
    assert [n for n, _ in net.named_children()] == ["emb", "rnn", "head", "blocks"]
    assert list(net.children())[2] is net.head
    assert [n for n, _ in net.named_modules()] == ["", "emb", "rnn", "head", "blocks", "blocks.0", "blocks.1"]
    assert len(list(net.modules())) == 7
    assert net.note == "not a parameter" and "note" not in net.state_dict()
    assert all(p.requires_grad for p in net.parameters())
    assert net.blocks[1].bias is None and net.blocks[-1] is net.blocks[1] and len(net.blocks) == 2
    with pytest.raises(IndexError):
        net.blocks[2]


def test_reassignment_and_deletion_update_registration():
    net = Net()
    net.head = nn.Linear(5, 2)  # replaced module
    assert net.state_dict()["head.weight"].shape == (2, 5)
    net.head = None
    assert "head.weight" not in net.state_dict()
    with pytest.raises(TypeError, match="assign a Parameter"):
        net.scale = np.ones(1)
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError, match="no attribute 'scale'"):
        net.scale

    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Bad()


def test_shared_parameter_listed_once_but_saved_under_each_name():
    a = nn.Linear(3, 3)
    m = nn.Sequential(a, a)
    assert len(list(m.parameters())) == 2
    assert set(m.state_dict()) == {"0.weight", "0.bias", "1.weight", "1.bias"}


def test_zero_grad_train_eval_and_repr():
    net = Net()
    for p in net.parameters():
        p.grad = np.ones_like(p.data)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    text = repr(net)
    assert "(rnn): RNN(4, 5)" in text and "(head): Linear(in_features=5, out_features=3, bias=True)" in text
    assert "(0): Linear(in_features=3, out_features=3, bias=True)" in text
    assert "Embedding(10, 4)" in text and text.startswith("Net(") and text.endswith(")")
    assert repr(nn.Parameter(np.zeros(2))) == ("Parameter containing:\n"
                                               "tensor([0., 0.], dtype=torch.float64, requires_grad=True)")


def test_parameter_basics():
    p = nn.Parameter(np.zeros(3, dtype=np.float32))
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(np.zeros(3), requires_grad=False).requires_grad
    assert nn.Parameter([1.0, 2.0]).dtype == tg.get_default_dtype()
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(np.arange(3))


def test_state_dict_shares_the_parameters_as_in_pytorch_and_round_trips():
    """state_dict() values are detached Tensors over the parameters' arrays (an optimizer step shows in them, as
    in PyTorch); clone() or deepcopy keeps a snapshot; state_arrays() gives copies; loading copies in place."""
    import copy

    tg.manual_seed(0)
    a, b = Net(), Net()
    sd = a.state_dict()
    assert all(isinstance(v, Tensor) and not v.requires_grad for v in sd.values())
    snapshot = {k: v.clone() for k, v in sd.items()}
    deep = copy.deepcopy(sd)
    arrays = a.state_arrays()
    assert all(type(v) is np.ndarray for v in arrays.values())
    with tg.no_grad():
        a.head.weight += 1.0  # an in-place update, as an optimizer step makes
    np.testing.assert_array_equal(sd["head.weight"].numpy(), a.head.weight.data)
    for kept in (snapshot, deep, arrays):
        assert not np.allclose(np.asarray(kept["head.weight"]), a.head.weight.data)
    assert sd["head.weight"].size(0) == a.head.weight.shape[0]
    assert set(a.state_dict(keep_vars=True).values()) == set(a.parameters())
    weight_array = b.head.weight.data
    result = b.load_state_dict(snapshot)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.head.weight.data is weight_array  # copied in place: optimizers keep valid references
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), snapshot[k].numpy())


def test_load_state_dict_casts_dtype_and_accepts_tensors():
    m = nn.Linear(2, 2)
    m.load_state_dict({"weight": Tensor(np.eye(2)), "bias": [1, 2]})
    assert m.weight.dtype == np.float32
    np.testing.assert_array_equal(m.weight.data, np.eye(2))
    np.testing.assert_array_equal(m.bias.data, [1, 2])


def test_strict_loading_reports_every_problem_at_once_and_changes_nothing():
    m = Net()
    before = m.state_dict()
    bad = dict(before)
    del bad["head.bias"]
    del bad["rnn.weight_hh_l0"]
    bad["extra.weight"] = np.zeros(2)
    bad["head.weight"] = np.zeros((4, 4))
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict({**bad, "emb.weight": np.zeros((10, 4)) + 7})
    msg = str(info.value)
    for needle in ["missing keys: rnn.weight_hh_l0, head.bias", "unexpected keys: extra.weight",
                   "head.weight: shape (4, 4)", "(3, 5)"]:
        assert needle in msg
    for k, v in m.state_dict().items():  # nothing was half-loaded
        np.testing.assert_array_equal(v, before[k])
    # non-strict: key problems are returned, shape mismatches still raise
    bad["head.weight"] = before["head.weight"]
    result = m.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["rnn.weight_hh_l0", "head.bias"] and result.unexpected_keys == ["extra.weight"]
    with pytest.raises(RuntimeError, match="shape"):
        m.load_state_dict({"head.weight": np.zeros(3)}, strict=False)
    with pytest.raises(RuntimeError, match="dtype"):
        m.load_state_dict({**before, "scale": np.array(["x"])})


def test_to_dtype_converts_parameters_and_grads():
    m = nn.Linear(2, 3)
    m.weight.grad = np.ones((3, 2), np.float32)
    m.double()
    assert all(p.dtype == F64 for p in m.parameters()) and m.weight.grad.dtype == F64
    m.float()
    assert m.bias.dtype == np.float32
    with pytest.raises(TypeError, match="floating"):
        m.to(np.int32)


def test_default_dtype_and_dtype_argument():
    assert nn.Linear(2, 2).weight.dtype == np.float32
    assert nn.LSTM(2, 2, dtype=F64).weight_hh_l0.dtype == F64
    tg.set_default_dtype(F64)
    try:
        assert nn.GRUCell(2, 2).weight_ih.dtype == F64
        assert nn.Embedding(3, 2).weight.dtype == F64
    finally:
        tg.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="floating"):
        nn.Linear(2, 2, dtype=np.int64)


# ---- Linear, Embedding, Dropout ----------------------------------------------------------------------
@given(lead=st.lists(st.integers(1, 3), max_size=3), I=st.integers(1, 4), O=st.integers(1, 4),
       bias=st.booleans(), seed=st.integers(0, 2**31))
@settings(max_examples=15)
def test_linear_forward_and_gradcheck(lead, I, O, bias, seed):
    tg.manual_seed(seed)
    m = nn.Linear(I, O, bias=bias, dtype=F64)
    x = Tensor(np.random.default_rng(seed).normal(size=(*lead, I)), requires_grad=True)
    expected = x.data @ m.weight.data.T + (m.bias.data if bias else 0.0)
    np.testing.assert_allclose(m(x).data, expected, rtol=1e-13, atol=1e-13)
    assert gradcheck(lambda *_: m(x), [x, *m.parameters()])


def test_linear_shape_error():
    with pytest.raises(ValueError, match="last dimension is 3"):
        nn.Linear(3, 2)(np.zeros((4, 2), np.float32))


@given(V=st.integers(1, 6), D=st.integers(1, 4), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       seed=st.integers(0, 2**31))
@settings(max_examples=15)
def test_embedding_forward_and_row_gradient_vs_one_hot(V, D, shape, seed):
    tg.manual_seed(seed)
    r = np.random.default_rng(seed)
    emb = nn.Embedding(V, D, dtype=F64)
    ids = r.integers(0, V, size=shape)
    out = emb(ids)
    one_hot = np.eye(V)[ids]  # (..., V): an independent formulation of the lookup
    np.testing.assert_allclose(out.data, one_hot @ emb.weight.data, rtol=1e-14)
    g = r.normal(size=out.shape)
    (out * g).sum().backward()
    expected = one_hot.reshape(-1, V).T @ g.reshape(-1, D)  # repeated ids accumulate
    np.testing.assert_allclose(emb.weight.grad, expected, rtol=1e-12, atol=1e-14)
    assert gradcheck(lambda *_: emb(Tensor(ids)), [emb.weight])


def test_embedding_errors():
    emb = nn.Embedding(5, 2)
    with pytest.raises(ValueError, match="out of range"):
        emb(np.array([0, 5]))
    with pytest.raises(ValueError, match="out of range"):
        emb(np.array([-1]))
    with pytest.raises(TypeError, match="integer"):
        emb(np.array([0.0, 1.0]))


def test_dropout_scaling_mask_gradient_and_eval():
    tg.manual_seed(0)
    d = nn.Dropout(0.25)
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    y = d(x)
    kept = y.data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.data)  # gradient is the same scaled mask
    d.eval()
    assert d(x) is x
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).data, 0.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


def test_sequential_and_activations():
    m = nn.Sequential(nn.Linear(2, 3, dtype=F64), nn.Tanh(), nn.Linear(3, 1, dtype=F64), nn.Sigmoid())
    x = np.array([[0.5, -1.0]])
    h = np.tanh(x @ m[0].weight.data.T + m[0].bias.data)
    expected = 1 / (1 + np.exp(-(h @ m[2].weight.data.T + m[2].bias.data)))
    np.testing.assert_allclose(m(Tensor(x)).data, expected, rtol=1e-14)
    np.testing.assert_array_equal(nn.ReLU()(Tensor(np.array([-1.0, 2.0]))).data, [0.0, 2.0])


def test_sequential_from_an_ordered_dict_keeps_names_and_indexes_by_position():
    """PyTorch's Sequential(OrderedDict([...])): state_dict keys are the names, seq[i] is the i-th module,
    seq[a:b] a Sequential under the same names; add_module'd children index by position too."""
    from collections import OrderedDict

    first, act, last = nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)
    m = nn.Sequential(OrderedDict([("fc1", first), ("act", act), ("fc2", last)]))
    assert list(m.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert m[0] is first and m[-1] is last and m.fc2 is last
    tail = m[1:]
    assert isinstance(tail, nn.Sequential) and list(tail.state_dict()) == ["fc2.weight", "fc2.bias"]
    x = Tensor(np.ones((4, 2), np.float32))
    np.testing.assert_array_equal(m(x).data, last(act(first(x))).data)
    s = nn.Sequential()
    s.add_module("fc", first)
    assert s[0] is first and len(nn.ModuleList([first, last])[1:]) == 1
    with pytest.raises(IndexError, match="out of range for a Sequential of length 1"):
        s[1]


# ---- init ----------------------------------------------------------------------------------------------
def test_pytorch_default_bounds():
    tg.manual_seed(1)
    rnn = nn.RNN(30, 400)
    b = 1 / math.sqrt(400)
    for p in rnn.parameters():
        assert np.abs(p.data).max() <= b and np.abs(p.data).max() > 0.95 * b
    lin = nn.Linear(400, 30)
    b = 1 / math.sqrt(400)
    assert np.abs(lin.weight.data).max() <= b and np.abs(lin.bias.data).max() <= b
    assert abs(lin.weight.data.std() - b / math.sqrt(3)) < 0.05 * b
    emb = nn.Embedding(300, 100)
    assert abs(emb.weight.data.std() - 1.0) < 0.02


def test_tutorial_schemes():
    tg.manual_seed(2)
    rnn = nn.RNN(65, 100, scheme="min-char-rnn")
    assert abs(rnn.weight_hh_l0.data.std() - 0.01) < 0.001
    assert not rnn.bias_ih_l0.data.any() and not rnn.bias_hh_l0.data.any()
    word = nn.RNN(8000, 100, scheme="rnn-numpy")
    assert np.abs(word.weight_ih_l0.data).max() <= 1 / math.sqrt(8000)
    assert np.abs(word.weight_hh_l0.data).max() <= 1 / math.sqrt(100)
    assert np.abs(word.weight_hh_l0.data).max() > 0.9 / math.sqrt(100)
    emb = nn.Embedding(8000, 100, scheme="rnn-numpy")  # plays U^T: fan-in is the vocabulary size
    assert np.abs(emb.weight.data).max() <= 1 / math.sqrt(8000)
    head = nn.Linear(100, 8000)
    head.reset_parameters("rnn-numpy")
    assert np.abs(head.weight.data).max() <= 1 / math.sqrt(100) and not head.bias.data.any()
    with pytest.raises(ValueError, match="choose one of pytorch, min-char-rnn, rnn-numpy"):
        nn.LSTM(2, 2, scheme="xavier")


def test_seeding_is_reproducible_and_generator_argument():
    tg.manual_seed(5)
    a = nn.GRU(3, 4).state_dict()
    tg.manual_seed(5)
    b = nn.GRU(3, 4).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    m = nn.Linear(3, 3)
    m.reset_parameters(generator=np.random.default_rng(9))
    w = m.weight.data.copy()
    m.reset_parameters(generator=np.random.default_rng(9))
    np.testing.assert_array_equal(m.weight.data, w)


def test_init_fill_functions():
    t = nn.Parameter(np.empty((50, 40)))
    nn.init.uniform_(t, -2, 3)
    assert t.data.min() >= -2 and t.data.max() <= 3
    nn.init.normal_(t, 1.0, 0.1)
    assert abs(t.data.mean() - 1.0) < 0.01
    nn.init.zeros_(t)
    assert not t.data.any()
    nn.init.ones_(t)
    assert (t.data == 1).all()
    nn.init.xavier_uniform_(t)
    assert np.abs(t.data).max() <= math.sqrt(6 / 90)
    nn.init.kaiming_uniform_(t, a=math.sqrt(5))
    assert np.abs(t.data).max() <= 1 / math.sqrt(40)
    with pytest.raises(TypeError):
        nn.init.zeros_(np.zeros(3, dtype=np.int64))


# ---- gradient clipping ----------------------------------------------------------------------------------
@given(shapes=st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=2), min_size=1, max_size=4),
       max_norm=st.floats(0.01, 10), norm_type=st.sampled_from([1.0, 2.0, 3.0, math.inf]), seed=st.integers(0, 2**31))
@settings(max_examples=30)
def test_clip_grad_norm_matches_formula(shapes, max_norm, norm_type, seed):
    r = np.random.default_rng(seed)
    params = [nn.Parameter(np.zeros(s)) for s in shapes]
    grads = [r.normal(size=s) * 3 for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.copy()
    flat = np.concatenate([g.ravel() for g in grads])
    expected_total = np.abs(flat).max() if norm_type == math.inf else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    total = nn.utils.clip_grad_norm_(iter(params), max_norm, norm_type)  # a generator, as parameters() gives
    assert isinstance(total, Tensor) and total.shape == () and total.dtype == np.float64  # PyTorch's return type
    assert math.isclose(total.item(), expected_total, rel_tol=1e-12)
    coef = min(1.0, max_norm / (expected_total + 1e-6))
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad, g * coef, rtol=1e-12)


def test_clip_grad_norm_skips_missing_grads_and_does_not_write_into_shared_arrays():
    a, b, c = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2))
    shared = np.array([3.0, 4.0])
    a.grad = shared
    b.grad = shared
    assert nn.utils.clip_grad_norm_([a, b, c], 1.0).item() == pytest.approx(math.sqrt(50))
    np.testing.assert_array_equal(shared, [3.0, 4.0])
    np.testing.assert_allclose(a.grad, [3 / math.sqrt(50), 4 / math.sqrt(50)], rtol=1e-6)
    assert c.grad is None
    assert nn.utils.clip_grad_norm_([c], 1.0).item() == 0.0
    f32 = nn.Parameter(np.zeros(2, np.float32))
    f32.grad = np.array([3.0, 4.0], np.float32)
    norm = nn.utils.clip_grad_norm_([f32], 10.0)
    assert norm.dtype == np.float32 and f"{norm.item():.1f}" == "5.0"  # the gradients' dtype, as in PyTorch
    a.grad = np.array([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="nan"):
        nn.utils.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    p = nn.Parameter(np.zeros(4, dtype=np.float32))
    p.grad = np.array([-3.0, -0.5, 0.5, 3.0], dtype=np.float32)
    nn.utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, -0.5, 0.5, 1.0])
    assert p.grad.dtype == np.float32
    with pytest.raises(ValueError, match="non-negative"):
        nn.utils.clip_grad_value_(p, -1)


def test_apply_and_requires_grad_():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen[-1] == "Net" and seen.count("Linear") == 3
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    assert "head" in dir(net) and "scale" in dir(net)


def test_module_list_item_assignment_replaces_the_module_under_its_name():
    """``ml[i] = module`` as in PyTorch: the new module's parameters appear under index i, the old ones go."""
    seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    seq[-1] = nn.Linear(4, 5, bias=False)
    assert sorted(seq.state_dict()) == ["0.bias", "0.weight", "2.weight"]
    assert seq.state_dict()["2.weight"].shape == (5, 4)
    assert seq(np.ones((1, 3))).shape == (1, 5)
    with pytest.raises(IndexError):
        seq[3] = nn.Tanh()
