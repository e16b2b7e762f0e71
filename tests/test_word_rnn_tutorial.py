"""``word-rnn train --tutorial`` is the seed tutorial's train_with_sgd: same losses, same learning rates, same
weights (to round-off) as the published numpy loop run on the same sentences from the same start."""
import io

import numpy as np
import pytest

from models.common import UserError
from models.word_rnn import data as wdata
from models.word_rnn.model import WordRNNLM
from models.word_rnn.reference import RNNNumpy, train_with_sgd
from models.word_rnn.train import TrainConfig, train
from models.word_rnn.vocab import Vocabulary, encode_sentences

TEXT = "\n\n".join(["The cat saw the dog. The dog saw a cat.", "A man met the dog at noon.",
                    "The cat met a man. It was late.", "A dog and a cat saw the man again.",
                    "It was a dog. The man was late at noon."])


# (evaluate_loss_after, lr, epochs, tolerance): at lr 0.05 the two agree to 1e-12; lr 0.5 makes the loss rise
# (so the halving rule acts) but also amplifies the round-off of a different summation order (1e-16 per
# step) to ~1e-10 in three epochs: same loop, same arithmetic, a chaotic trajectory
@pytest.mark.parametrize("every, lr, epochs, tol", [(1, 0.5, 3, 1e-8), (2, 0.05, 6, 1e-12)])
def test_tutorial_equals_train_with_sgd(tmp_path, every, lr, epochs, tol):
    path = tmp_path / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    cfg = TrainConfig(data=str(path), vocab_size=15, hidden_size=5, dtype="float64", tutorial=True, val_fraction=0.0,
                      epochs=epochs, evaluate_loss_after=every, lr=lr, out=str(tmp_path / "out"), quiet=True, seed=2)
    result = train(cfg, out=io.StringIO())

    sentences = wdata.load_corpus(str(path)).sentences
    vocab = Vocabulary.build(sentences, 15)
    encoded = encode_sentences(vocab, sentences)
    start = WordRNNLM(len(vocab), 5, 4, seed=2, dtype=np.float64).to_reference()
    ref = RNNNumpy(start["U"], start["V"], start["W"], bptt_truncate=4)
    record = train_with_sgd(ref, [s[:-1] for s in encoded], [s[1:] for s in encoded], lr, epochs, every)

    history = result["history"]
    assert [h["sentences"] for h in history] == [r[0] for r in record]
    np.testing.assert_allclose([h["loss"] for h in history], [r[1] for r in record], rtol=tol)
    if every == 1:
        assert len({r[2] for r in record}) > 1, "the test should see the learning rate halved"
    got = result["model"].to_reference()
    for name in "UVW":
        np.testing.assert_allclose(got[name], getattr(ref, name), rtol=tol, atol=tol)


def test_tutorial_refuses_options_it_does_not_have(tmp_path):
    with pytest.raises(UserError, match="--batch-size"):
        train(TrainConfig(tutorial=True, val_fraction=0.0, batch_size=4, out=str(tmp_path / "o")), out=io.StringIO())
