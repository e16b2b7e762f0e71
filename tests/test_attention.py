"""Attention: scaled_dot_product_attention and nn.MultiheadAttention against torch (values, attention weights and
every gradient in float64 to 1e-10, over random shapes, heads, masks, batch_first, kdim/vdim, add_bias_kv and
add_zero_attn), against finite differences, torch's state_dict names/shapes/init, dropout, and a GRU encoder with
attention pooling that trains."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import gradcheck, nn
from tinygrad_rnn.nn.functional import multi_head_attention_forward, scaled_dot_product_attention

try:
    import torch
    TF = torch.nn.functional
except ImportError:  # torch is never a dependency
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
TOL = 1e-10


def _close(ours, theirs, tol=TOL):
    np.testing.assert_allclose(np.asarray(ours.data if isinstance(ours, tg.Tensor) else ours),
                               theirs.detach().numpy(), rtol=tol, atol=tol)


def _pair(a, grad=True):
    """The same float64 array as one of our leaves and one of torch's."""
    a = np.ascontiguousarray(a)
    return tg.Tensor(a.copy(), requires_grad=grad), torch.tensor(a.copy(), requires_grad=grad)


def _mha_pair(**kw):
    """Our MultiheadAttention and torch's, float64, ours loaded with torch's state_dict."""
    theirs = torch.nn.MultiheadAttention(**kw, dtype=torch.float64)
    with torch.no_grad():  # non-zero biases, so that every bias path shows
        for p in theirs.parameters():
            p.add_(0.1 * torch.randn_like(p))
    ours = nn.MultiheadAttention(**kw, dtype=np.float64)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


# ---------------------------------------------------------------- scaled_dot_product_attention
@st.composite
def sdpa_cases(draw):
    heads_q = draw(st.integers(1, 4))
    gqa = draw(st.booleans()) and heads_q % 2 == 0
    heads_kv = heads_q // 2 if gqa else draw(st.sampled_from([1, heads_q]))  # 1 broadcasts over query's heads
    n, L, S, E, Ev = (draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 5)),
                      draw(st.integers(1, 4)), draw(st.integers(1, 3)))
    mask = draw(st.sampled_from(["none", "bool", "float", "causal", "bool-broadcast"]))
    return dict(q=(n, heads_q, L, E), k=(n, heads_kv, S, E), v=(n, heads_kv, S, Ev), mask=mask, gqa=gqa,
                scale=draw(st.sampled_from([None, 0.3])), seed=draw(st.integers(0, 2**16)))


@needs_torch
@settings(max_examples=50)
@given(sdpa_cases())
def test_sdpa_values_and_gradients_match_torch(case):
    rng = np.random.default_rng(case["seed"])
    (q, tq), (k, tk), (v, tv) = (_pair(rng.standard_normal(case[n])) for n in "qkv")
    L, S = case["q"][2], case["k"][2]
    kw = dict(scale=case["scale"], enable_gqa=case["gqa"])
    ours_mask = theirs_mask = None
    if case["mask"] == "causal":
        kw["is_causal"] = True
    elif case["mask"] in ("bool", "bool-broadcast"):
        shape = (L, S) if case["mask"] == "bool-broadcast" else (case["q"][0], case["q"][1], L, S)
        m = rng.random(shape) < 0.6  # some rows lose every key: PyTorch gives them zeros
        ours_mask, theirs_mask = m, torch.tensor(m)
    elif case["mask"] == "float":
        ours_mask, theirs_mask = _pair(rng.standard_normal((L, S)))  # a learned bias gets its gradient
    out = scaled_dot_product_attention(q, k, v, attn_mask=ours_mask, **kw)
    ref = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=theirs_mask, **kw)
    assert out.shape == tuple(ref.shape)
    _close(out, ref)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for a, b in ((q, tq), (k, tk), (v, tv)) + (((ours_mask, theirs_mask),) if case["mask"] == "float" else ()):
        _close(a.grad, b.grad)


@needs_torch
def test_sdpa_row_with_no_key_is_zero_with_zero_gradients_as_torch():
    rng = np.random.default_rng(0)
    (q, tq), (k, tk), (v, tv) = (_pair(rng.standard_normal(s)) for s in ((3, 4), (5, 4), (5, 2)))
    m = np.ones((3, 5), dtype=bool)
    m[1] = False
    out = scaled_dot_product_attention(q, k, v, attn_mask=m)
    ref = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(m))
    _close(out, ref)
    assert np.all(out.data[1] == 0)
    out.sum().backward()
    ref.sum().backward()
    for a, b in ((q, tq), (k, tk), (v, tv)):
        assert np.isfinite(a.grad).all()
        _close(a.grad, b.grad)


def test_sdpa_passes_finite_differences():
    rng = np.random.default_rng(1)
    q, k, v = (tg.Tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    bias = tg.Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    gradcheck(lambda q, k, v, b: scaled_dot_product_attention(q, k, v, attn_mask=b), [q, k, v, bias])
    gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7), [q, k, v])


def test_sdpa_closed_form_and_errors():
    """One query over two keys: weights softmax(q.k / sqrt(E)); the errors name what is wrong."""
    q, k, v = np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[2.0], [4.0]])
    w = np.exp([1 / math.sqrt(2), 0.0])
    w /= w.sum()
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v).data, [[w @ [2.0, 4.0]]], rtol=1e-12)
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, attn_mask=np.array([[False, True]])).data,
                               [[4.0]])
    with pytest.raises(RuntimeError, match="is_causal"):
        scaled_dot_product_attention(q, k, v, attn_mask=np.ones((1, 2), bool), is_causal=True)
    with pytest.raises(TypeError, match="bool or floating"):
        scaled_dot_product_attention(q, k, v, attn_mask=np.ones((1, 2), np.int64))
    with pytest.raises(RuntimeError, match="multiple"):
        scaled_dot_product_attention(np.zeros((3, 1, 2)), np.zeros((2, 2, 2)), np.zeros((2, 2, 1)), enable_gqa=True)
    with pytest.raises(RuntimeError, match="broadcast"):
        scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 1, 2), bool))


def test_sdpa_dropout_is_always_applied():
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    np.testing.assert_array_equal(scaled_dot_product_attention(q, k, v, dropout_p=1.0).data, 0.0)
    assert not np.allclose(scaled_dot_product_attention(q, k, v, dropout_p=0.5).data,
                           scaled_dot_product_attention(q, k, v).data)


# ---------------------------------------------------------------- MultiheadAttention
@st.composite
def mha_cases(draw):
    heads, head_dim = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    E = heads * head_dim
    self_attn = draw(st.booleans())
    kdim, vdim = (None, None) if self_attn or draw(st.booleans()) else (draw(st.integers(1, 4)),
                                                                         draw(st.integers(1, 4)))
    return dict(
        module=dict(embed_dim=E, num_heads=heads, bias=draw(st.booleans()), add_bias_kv=draw(st.booleans()),
                    add_zero_attn=draw(st.booleans()), kdim=kdim, vdim=vdim, batch_first=draw(st.booleans())),
        self_attn=self_attn, batched=draw(st.booleans()), N=draw(st.integers(1, 3)), L=draw(st.integers(1, 4)),
        S=draw(st.integers(1, 4)), kpm=draw(st.sampled_from(["none", "bool", "float"])),
        attn=draw(st.sampled_from(["none", "bool2", "float2", "bool3", "float3"])),
        need_weights=draw(st.booleans()), average=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


def _mask(rng, kind, shape):
    """A bool mask (True = masked out) that keeps key 0 of every row, or a float mask (a leaf pair)."""
    if kind.startswith("bool"):
        m = rng.random(shape) < 0.4
        m[..., 0] = False
        return m, torch.tensor(m)
    return _pair(rng.standard_normal(shape))


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched")  # torch's note on a bool and a float mask together
@settings(max_examples=80)  # many flag combinations
@given(mha_cases())
def test_multihead_attention_matches_torch(case):
    """Outputs, weights and the gradients of every parameter, of query/key/value and of float masks."""
    torch.manual_seed(case["seed"])
    rng = np.random.default_rng(case["seed"])
    mod = case["module"]
    ours, theirs = _mha_pair(**mod)
    E, N, L, S, H = mod["embed_dim"], case["N"], case["L"], case["S"], mod["num_heads"]
    if case["self_attn"]:
        S = L
    lead_q, lead_k = ((N, L) if mod["batch_first"] else (L, N), (N, S) if mod["batch_first"] else (S, N)) \
        if case["batched"] else ((L,), (S,))
    q, tq = _pair(rng.standard_normal(lead_q + (E,)))
    if case["self_attn"]:
        (k, tk), (v, tv) = (q, tq), (q, tq)
    else:
        k, tk = _pair(rng.standard_normal(lead_k + (mod["kdim"] or E,)))
        v, tv = _pair(rng.standard_normal(lead_k + (mod["vdim"] or E,)))
    kw, tkw = {}, {}
    if case["kpm"] != "none":
        kw["key_padding_mask"], tkw["key_padding_mask"] = _mask(rng, case["kpm"], (N, S) if case["batched"] else (S,))
    if case["attn"] != "none":
        shape = (L, S) if case["attn"].endswith("2") else ((N * H if case["batched"] else H), L, S)
        kw["attn_mask"], tkw["attn_mask"] = _mask(rng, case["attn"], shape)
    floats = [(kw[n], tkw[n]) for n in kw if isinstance(kw[n], tg.Tensor)]
    opts = dict(need_weights=case["need_weights"], average_attn_weights=case["average"])
    out, w = ours(q, k, v, **kw, **opts)
    ref, tw = theirs(tq, tk, tv, **tkw, **opts)
    assert out.shape == tuple(ref.shape)
    _close(out, ref)
    if case["need_weights"]:
        assert w.shape == tuple(tw.shape)
        _close(w, tw)
    else:
        assert w is None and tw is None
    g = rng.standard_normal(out.shape)
    loss, tloss = (out * g).sum(), (ref * torch.tensor(g)).sum()
    if case["need_weights"]:
        gw = rng.standard_normal(w.shape)
        loss, tloss = loss + (w * gw).sum(), tloss + (tw * torch.tensor(gw)).sum()
    loss.backward()
    tloss.backward()
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, grads[name].grad)
    for a, b in [(q, tq)] + ([] if case["self_attn"] else [(k, tk), (v, tv)]) + floats:
        _close(a.grad, b.grad)


@needs_torch
@pytest.mark.parametrize("kw", [dict(), dict(bias=False), dict(kdim=3, vdim=5), dict(add_bias_kv=True),
                                dict(kdim=3, add_bias_kv=True, bias=False)])
def test_state_dict_names_shapes_and_init_are_torchs(kw):
    tg.manual_seed(0)
    ours, theirs = nn.MultiheadAttention(6, 3, **kw), torch.nn.MultiheadAttention(6, 3, **kw)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert ours.out_proj.weight.dtype == np.float32 and ours.head_dim == 2
    sd = ours.state_dict()
    for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
        if name in sd:  # xavier uniform: bound sqrt(6 / (fan_in + fan_out))
            w = sd[name].data
            assert 0.5 * math.sqrt(6 / sum(w.shape)) < np.abs(w).max() <= math.sqrt(6 / sum(w.shape))
    if "in_proj_bias" in sd:
        assert not sd["in_proj_bias"].data.any() and not sd["out_proj.bias"].data.any()
    assert isinstance(ours.out_proj, nn.Linear)
    assert (ours.bias_k is None) == (theirs.bias_k is None)
    # and back: torch's module given our state_dict
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})


@needs_torch
def test_fully_masked_rows_and_the_causal_hint_follow_torch():
    torch.manual_seed(0)
    ours, theirs = _mha_pair(embed_dim=4, num_heads=2)
    x, tx = _pair(np.random.default_rng(0).standard_normal((3, 2, 4)), grad=False)
    kpm = np.zeros((2, 3), dtype=bool)
    kpm[0] = True
    # the SDPA path (need_weights=False) gives zeros for a batch with no key, the explicit path NaN
    out, _ = ours(x, x, x, key_padding_mask=kpm, need_weights=False)
    ref, _ = theirs(tx, tx, tx, key_padding_mask=torch.tensor(kpm), need_weights=False)
    _close(out, ref)
    with np.errstate(invalid="ignore"):
        out, w = ours(x, x, x, key_padding_mask=kpm)
    assert np.isnan(w.data[0]).all() and np.isfinite(w.data[1]).all()
    # is_causal is a hint: with need_weights=False and no padding mask the causal mask replaces attn_mask
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    other = np.zeros((3, 3), dtype=bool)
    out, _ = ours(x, x, x, attn_mask=other, is_causal=True, need_weights=False)
    ref, _ = theirs(tx, tx, tx, attn_mask=torch.tensor(other), is_causal=True, need_weights=False)
    _close(out, ref)
    out2, _ = ours(x, x, x, attn_mask=causal, need_weights=False)
    _close(out2, ref)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        ours(x, x, x, is_causal=True)


@needs_torch
def test_dropout_zeros_weights_in_training_and_eval_matches_torch():
    torch.manual_seed(0)
    ours, theirs = _mha_pair(embed_dim=4, num_heads=2, dropout=0.5)
    x, tx = _pair(np.random.default_rng(0).standard_normal((6, 3, 4)), grad=False)
    _, w = ours(x, x, x, average_attn_weights=False)
    assert (w.data == 0).any() and w.data.max() > 1.0 / 6  # dropped, the rest scaled by 2
    ours.eval()
    theirs.eval()
    out, w = ours(x, x, x)
    ref, tw = theirs(tx, tx, tx)
    _close(out, ref)
    _close(w, tw)


def test_functional_form_and_shape_errors():
    tg.manual_seed(0)
    m = nn.MultiheadAttention(4, 2)
    x = tg.randn(3, 2, 4)
    out, w = multi_head_attention_forward(x, x, x, 4, 2, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0,
                                          m.out_proj.weight, m.out_proj.bias)
    mout, _ = m(x, x, x)
    np.testing.assert_array_equal(out.data, mout.data)
    assert out.shape == (3, 2, 4) and w.shape == (2, 3, 3)
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(x, x, x, attn_mask=np.zeros((3, 2), dtype=bool))
    with pytest.raises(AssertionError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=np.zeros(3, dtype=bool))
    with pytest.raises(AssertionError, match="bool and floating"):
        m(x, x, x, key_padding_mask=np.zeros((2, 3), dtype=np.int64))
    assert nn.modules.activation.MultiheadAttention is nn.MultiheadAttention


# ---------------------------------------------------------------- a model that uses it
class _AttentionPoolClassifier(nn.Module):
    """GRU encoder; one learned query attends over the padded outputs (a key padding mask); a linear head."""

    def __init__(self, vocab, hidden, classes):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.query = nn.Parameter(np.random.default_rng(0).standard_normal((1, 1, hidden)) * 0.1)
        self.attn = nn.MultiheadAttention(hidden, 2, batch_first=True)
        self.out = nn.Linear(hidden, classes)

    def forward(self, ids, pad):
        h, _ = self.rnn(self.emb(ids))
        query = self.query.expand(ids.shape[0], 1, h.shape[-1])
        pooled, w = self.attn(query, h, h, key_padding_mask=pad)
        return self.out(pooled.reshape(ids.shape[0], -1)), w


def test_gru_encoder_with_attention_pooling_trains():
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    B, T, V = 16, 7, 6
    ids = rng.integers(1, V, (B, T))
    lengths = rng.integers(3, T + 1, B)
    pad = np.arange(T)[None] >= lengths[:, None]
    ids[pad] = 0
    labels = (ids == 1).any(1).astype(np.int64)  # does token 1 occur?
    model = _AttentionPoolClassifier(V, 8, 2)
    opt = tg.optim.Adam(model.parameters(), lr=0.03)
    losses = []
    for _ in range(15):
        logits, w = model(tg.Tensor(ids), pad)
        loss = tg.F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert w.shape == (B, 1, T) and np.all(w.data[:, 0][pad] == 0)  # padding gets no weight
    assert model.attn.in_proj_weight.grad is not None and np.abs(model.query.grad).sum() > 0
    assert losses[-1] < 0.7 * losses[0], losses
