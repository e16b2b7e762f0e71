"""WordRNNLM (on tinygrad_rnn.nn) against the numpy tutorial model: losses, gradients, SGD trajectories."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn.optim.sgd import SGD
from models.word_rnn.model import WordRNNLM
from models.word_rnn.reference import RNNNumpy


def _pair(vocab, hidden, k, seed):
    model = WordRNNLM(vocab, hidden, bptt_truncate=k, seed=seed, dtype=np.float64)
    p = model.to_reference()
    ref = RNNNumpy(p["U"], p["V"], p["W"] * 2.0, bptt_truncate=k)  # scaled W: truncation matters
    model.load_reference(ref.U, ref.V, ref.W)
    return model, ref


def _grads(model):
    return {"U": model.embedding.weight.grad.T, "V": model.output.weight.grad, "W": model.weight_hh.grad}


@settings(max_examples=15)
@given(vocab=st.integers(2, 12), hidden=st.integers(1, 8), length=st.integers(1, 14),
       k=st.one_of(st.none(), st.integers(0, 12)), seed=st.integers(0, 2**16))
def test_model_gradients_equal_reference_bptt(vocab, hidden, length, k, seed):
    model, ref = _pair(vocab, hidden, k, seed)
    ids = np.random.default_rng(seed).integers(0, vocab, size=length + 1)
    x, y = ids[:-1], ids[1:]
    loss = model.loss(x, y)
    loss.backward()
    want_loss = ref.sentence_loss(x, y)
    assert abs(loss.item() - want_loss) <= 1e-9 * want_loss
    for name, want in zip("UVW", ref.bptt(x, y)):
        got = _grads(model)[name]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * max(np.abs(want).max(), 1e-300))
    np.testing.assert_allclose(model.token_losses(x, y).sum(), want_loss, rtol=1e-9)


def test_initial_loss_is_log_vocab_size():
    model = WordRNNLM(8000, 100, seed=0)  # float32, tutorial initialisation
    rng = np.random.default_rng(1)
    sents = [rng.integers(0, 8000, size=n + 1) for n in rng.integers(5, 30, size=40)]
    total = sum(model.loss(s[:-1], s[1:]).item() for s in sents)
    per_word = total / sum(len(s) - 1 for s in sents)
    assert abs(per_word - np.log(8000)) / np.log(8000) < 0.01


@pytest.mark.parametrize("k", [None, 0, 4])
def test_sgd_steps_give_the_same_parameters(k):
    model, ref = _pair(30, 7, k, seed=3)
    opt = SGD(model.parameters(), lr=0.005)
    rng = np.random.default_rng(4)
    for _ in range(25):
        ids = rng.integers(0, 30, size=int(rng.integers(2, 12)))
        x, y = ids[:-1], ids[1:]
        opt.zero_grad()
        model.loss(x, y).backward()
        opt.step()
        ref.sgd_step(x, y, 0.005)
    got = model.to_reference()
    for name in "UVW":
        np.testing.assert_allclose(got[name], getattr(ref, name), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gated_cells_gradient_matches_random_direction_difference(cell):
    model = WordRNNLM(9, 5, bptt_truncate=None, cell=cell, seed=1, dtype=np.float64)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 9, size=(6, 2))
    Y = rng.integers(0, 9, size=(6, 2))
    Y[4:, 1] = -100  # padding
    params = list(model.parameters())
    model.loss(X, Y).backward()
    dirs = [rng.standard_normal(p.shape) for p in params]
    analytic = sum(float((p.grad * d).sum()) for p, d in zip(params, dirs))
    eps = 1e-6

    def shifted(sign):
        for p, d in zip(params, dirs):
            p.data += sign * eps * d
        val = model.loss(X, Y).item()
        for p, d in zip(params, dirs):
            p.data -= sign * eps * d
        return val

    numeric = (shifted(1) - shifted(-1)) / (2 * eps)
    assert abs(analytic - numeric) <= 1e-6 * max(1.0, abs(numeric))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_step_continues_the_sequence_like_forward(cell):
    model = WordRNNLM(11, 6, seed=2, dtype=np.float64, cell=cell, bptt_truncate=4 if cell == "rnn" else None)
    ids = np.array([0, 3, 5, 7, 2])
    full = model(ids).data
    state = None
    for t, tok in enumerate(ids):
        logits, state = model.step([tok], state)
        # the carried state is a tuple of arrays for every cell, as in the char model
        assert isinstance(state, tuple) and all(isinstance(s, np.ndarray) and s.shape == (1, 1, 6) for s in state)
        assert len(state) == (2 if cell == "lstm" else 1)
        np.testing.assert_allclose(logits[0], full[t], rtol=1e-10)


def test_bad_configs():
    with pytest.raises(ValueError, match="cell"):
        WordRNNLM(10, 4, cell="transformer")
    with pytest.raises(ValueError, match="rnn' only"):
        WordRNNLM(10, 4, bptt_truncate=4, cell="gru")
    with pytest.raises(ValueError, match=">= 0"):
        WordRNNLM(10, 4, bptt_truncate=-2)


@pytest.mark.parametrize("clip", [None, 0.5])
@pytest.mark.parametrize("batch", [1, 3])
def test_sparse_embedding_sgd_equals_dense_step(clip, batch):
    """The trainer's step with the embedding's row-sparse gradient (nn.Embedding(sparse=True)) gives
    bit-identical parameters to the dense autograd + SGD step."""
    from models.word_rnn import data as wdata
    from models.word_rnn.train import TrainStep

    rng = np.random.default_rng(7)
    a, b = WordRNNLM(50, 6, 4, seed=1), WordRNNLM(50, 6, 4, seed=1)
    b.embedding.sparse = True
    dense = TrainStep(a, SGD(a.parameters(), lr=0.1), clip)
    sparse = TrainStep(b, SGD(b.parameters(), lr=0.1), clip)
    enc = [rng.integers(0, 50, int(rng.integers(3, 12))) for _ in range(30)]
    for i in range(0, 30, batch):
        x, y = wdata.make_batch(enc, np.arange(i, min(i + batch, 30)))
        assert dense(x, y) == sparse(x, y)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.array_equal(a.embedding.weight.data, WordRNNLM(50, 6, 4, seed=1).embedding.weight.data)
