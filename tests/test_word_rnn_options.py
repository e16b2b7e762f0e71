"""The word model past the tutorial: class/adaptive softmax, layers, dropout, embedding size, tying, the
one-step log-probabilities generation uses, checkpoints of each, and the options' one-line errors."""
import numpy as np
import pytest

from tinygrad_rnn.gradcheck import gradcheck
from models.word_rnn.checkpoint import load_checkpoint, restore_model, save_checkpoint
from models.word_rnn.model import PAD, WordRNNLM, default_cutoffs
from models.word_rnn.vocab import Vocabulary

V, H = 23, 6
COUNTS = np.random.default_rng(0).integers(0, 50, V)


def _model(**kw):
    kw.setdefault("dtype", np.float64)
    if kw.get("softmax", "full") != "full":
        kw.setdefault("word_counts", COUNTS)
    return WordRNNLM(V, H, kw.pop("bptt_truncate", None), kw.pop("cell", "rnn"), seed=kw.pop("seed", 3), **kw)


def _batch(seed=0, T=5, B=3):
    rng = np.random.default_rng(seed)
    x, y = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    y[3:, 0] = PAD
    return x, y


VARIANTS = [dict(softmax="class"), dict(softmax="class", output_bias=True), dict(softmax="adaptive"), dict(softmax="adaptive", cutoffs=[3, 9, 15]),
            dict(num_layers=2), dict(embedding_size=4), dict(tied=True), dict(cell="gru", num_layers=2),
            dict(cell="lstm", embedding_size=5, softmax="class"), dict(num_layers=3, softmax="adaptive", bptt_truncate=2)]


@pytest.mark.parametrize("kw", VARIANTS, ids=str)
def test_every_variant_is_a_normalised_model_whose_losses_agree(kw):
    model = _model(**kw)
    x, y = _batch()
    logp, _ = model.step_log_probs(x[0])
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=1e-12)
    # the log-probabilities of the whole sequence (forward) give the per-token losses and the loss
    out = model(x).data
    full = out - np.log(np.exp(out).sum(-1, keepdims=True))
    want = np.where(y == PAD, 0.0, -np.take_along_axis(full, np.where(y == PAD, 0, y)[..., None], -1)[..., 0])
    np.testing.assert_allclose(model.token_losses(x, y), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.loss(x, y, divisor=1).item(), want.sum(), rtol=1e-10)


@pytest.mark.parametrize("kw", VARIANTS, ids=str)
def test_stepping_one_word_at_a_time_continues_the_state(kw):
    model = _model(**kw)
    ids = np.random.default_rng(1).integers(0, V, (6, 2))
    whole = model(ids).data
    state = None
    for t in range(len(ids)):
        scores, state = model.step(ids[t], state)
        np.testing.assert_allclose(scores, whole[t], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(softmax="class"), dict(softmax="class", output_bias=True), dict(softmax="adaptive"),
                                dict(num_layers=2, embedding_size=4),
                                dict(tied=True)], ids=str)
def test_gradients_by_finite_differences(kw):
    model = _model(**kw)
    x, y = _batch(2, T=4, B=2)
    params = [p for p in model.parameters() if p.data.size]  # (an adaptive tail of H // 16 = 0 units is empty)

    def objective(*ps):
        return model.loss(x, y)
    assert gradcheck(objective, params, max_elements=12)


def test_tied_weights_are_one_parameter_and_survive_a_checkpoint(tmp_path):
    model = _model(tied=True)
    assert model.output.weight is model.embedding.weight
    assert len(list(model.parameters())) == 2
    vocab = Vocabulary(["SENTENCE_START", "SENTENCE_END"] + [f"w{i}" for i in range(V - 3)] + ["UNKNOWN_TOKEN"])
    save_checkpoint(tmp_path / "t.npz", model, vocab, {})
    back, _ = restore_model(load_checkpoint(tmp_path / "t.npz"))
    assert back.output.weight is back.embedding.weight
    np.testing.assert_array_equal(back.embedding.weight.data, model.embedding.weight.data)


@pytest.mark.parametrize("kw", VARIANTS, ids=str)
def test_checkpoint_round_trip_gives_the_same_model(tmp_path, kw):
    model = _model(dropout=0.3, **kw)
    vocab = Vocabulary(["SENTENCE_START", "SENTENCE_END"] + [f"w{i}" for i in range(V - 3)] + ["UNKNOWN_TOKEN"])
    save_checkpoint(tmp_path / "m.npz", model, vocab, {})
    back, _ = restore_model(load_checkpoint(tmp_path / "m.npz"))
    assert back.config() == model.config() and not back.training
    x, y = _batch(4)
    model.eval()
    np.testing.assert_array_equal(back.token_losses(x, y), model.token_losses(x, y))


def test_the_class_softmax_has_no_biases_unless_asked_and_older_checkpoints_keep_theirs(tmp_path, monkeypatch):
    assert _model(softmax="class").output.bias is None and _model(softmax="class").output.class_bias is None
    # a class-softmax checkpoint written before the bias-free default: its config has no "output_bias" key
    old = _model(softmax="class", output_bias=True)
    cfg = old.config()
    assert cfg.pop("output_bias") is True
    monkeypatch.setattr(old, "config", lambda: cfg)
    vocab = Vocabulary(["SENTENCE_START", "SENTENCE_END"] + [f"w{i}" for i in range(V - 3)] + ["UNKNOWN_TOKEN"])
    save_checkpoint(tmp_path / "old.npz", old, vocab, {})
    back, _ = restore_model(load_checkpoint(tmp_path / "old.npz"))
    np.testing.assert_array_equal(back.output.bias.data, old.output.bias.data)
    np.testing.assert_array_equal(back.output.class_bias.data, old.output.class_bias.data)
    x, y = _batch(4)
    np.testing.assert_array_equal(back.token_losses(x, y), old.token_losses(x, y))


def test_dropout_acts_in_training_only():
    model = _model(dropout=0.5, num_layers=2)
    x, y = _batch(5)
    model.eval()
    a, b = model.loss(x, y).item(), model.loss(x, y).item()
    assert a == b
    model.train()
    assert model.loss(x, y).item() != a


def test_the_default_model_is_the_tutorial_model():
    model = WordRNNLM(50, 7, seed=4)
    assert sorted(model.state_dict()) == ["embedding.weight", "output.weight", "weight_hh"]
    assert model.config() == {"vocab_size": 50, "hidden_size": 7, "bptt_truncate": 4, "cell": "rnn"}
    # extra options draw after the tutorial's weights: the same seed gives the same U and V
    other = WordRNNLM(50, 7, seed=4, num_layers=2)
    np.testing.assert_array_equal(other.embedding.weight.data, model.embedding.weight.data)
    np.testing.assert_array_equal(other.output.weight.data, model.output.weight.data)


def test_adaptive_head_holds_the_most_frequent_words():
    model = _model(softmax="adaptive")
    head = set(np.argsort(-COUNTS, kind="stable")[:model.cutoffs[0]].tolist())
    assert set(model._order[:model.cutoffs[0]].tolist()) == head
    assert default_cutoffs(8000) == [400, 2000] and default_cutoffs(4) == [1]


@pytest.mark.parametrize("kw, message", [
    (dict(tied=True, softmax="class"), "full softmax"),
    (dict(tied=True, embedding_size=4), "embedding_size == hidden_size"),
    (dict(softmax="nope"), "softmax must be"),
    (dict(output_bias=True), "option of the class softmax"),
    (dict(num_layers=0), "num_layers"),
])
def test_bad_options_raise(kw, message):
    with pytest.raises(ValueError, match=message):
        _model(**kw)
