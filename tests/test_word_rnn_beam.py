"""Beam search against brute-force enumeration of every sentence a tiny model can say, and the generate
options (--prompt, --top-k, --argmax, --beam) through the CLI."""
import itertools

import numpy as np
import pytest

from models.word_rnn.beam import beam_search
from models.word_rnn.model import WordRNNLM

START, END, UNK = 0, 1, 4  # vocabulary: start, end, two words, unknown
WORDS = (2, 3)


def _sentence_log_prob(model, prefix, words):
    ids = np.asarray(list(prefix) + list(words) + [END])
    return -float(model.token_losses(ids[:-1], ids[1:])[len(prefix) - 1:].sum())


def _enumerate(model, prefix, max_length, min_length):
    scored = []
    for n in range(min_length, max_length + 1):
        for words in itertools.product(WORDS, repeat=n):
            scored.append((_sentence_log_prob(model, prefix, words), list(words)))
    return sorted(scored, key=lambda s: -s[0])


@pytest.mark.parametrize("softmax", ["full", "class", "adaptive"])
@pytest.mark.parametrize("prefix", [[START], [START, 3, 2]])
def test_a_wide_beam_finds_the_exact_best_sentences(softmax, prefix):
    counts = np.array([0, 9, 5, 4, 1]) if softmax != "full" else None
    model = WordRNNLM(5, 4, None, seed=7, dtype=np.float64, softmax=softmax, word_counts=counts)
    model.weight_hh.data *= 3.0  # a history that matters
    max_length, min_length = 4, 1
    want = _enumerate(model, prefix, max_length, min_length)[:6]
    got = beam_search(model, prefix, END, (START, UNK), beam=2 ** max_length, num=6, max_length=max_length,
                      min_length=min_length)
    assert [h.words for h in got] == [w for _, w in want]
    np.testing.assert_allclose([h.log_prob for h in got], [s for s, _ in want], rtol=1e-10)
    assert all(h.finished for h in got)


def test_a_narrow_beam_returns_true_log_probs_best_first():
    model = WordRNNLM(5, 4, None, seed=8, dtype=np.float64)
    got = beam_search(model, [START], END, (START, UNK), beam=2, num=2, max_length=6)
    assert len(got) == 2 and got[0].log_prob >= got[1].log_prob
    for h in got:
        assert h.log_prob == pytest.approx(_sentence_log_prob(model, [START], h.words), rel=1e-10)
        assert START not in h.words and UNK not in h.words


def test_unfinished_sentences_are_flagged_when_none_ended():
    model = WordRNNLM(5, 4, None, seed=8, dtype=np.float64)
    got = beam_search(model, [START], END, (START, UNK, END), beam=3, num=3, max_length=2)
    assert got and not any(h.finished for h in got) and all(len(h.words) == 2 for h in got)
