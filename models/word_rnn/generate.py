"""Sampling sentences from a trained model: SENTENCE_START → … → SENTENCE_END, never UNKNOWN_TOKEN."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..common.sampling import inverse_cdf, softmax
from .model import WordRNNLM
from .text import detokenize
from .vocab import Vocabulary


def generate_ids(model: WordRNNLM, vocab: Vocabulary, rng: np.random.Generator, temperature: float = 1.0,
                 min_length: int = 0, max_length: int = 100) -> tuple[list[int], bool]:
    """Word ids of one sampled sentence (start/end excluded), and whether it reached the end token.

    UNKNOWN_TOKEN and SENTENCE_START are never emitted: their probability is zeroed and the rest
    renormalised, which is the same as the tutorial's "resample until it is not UNKNOWN". Before
    ``min_length`` words the end token is zeroed the same way. ``max_length`` stops a runaway sentence.
    """
    state = None
    token = vocab.start_id
    words: list[int] = []
    while len(words) < max_length:
        logits, state = model.step([token], state)
        p = softmax(logits[0], temperature)
        p[vocab.unknown_id] = 0.0
        p[vocab.start_id] = 0.0
        if len(words) < min_length:
            p[vocab.end_id] = 0.0
        if p.sum() <= 0:  # only forbidden tokens had probability: end the sentence
            return words, True
        token = inverse_cdf(p, rng)
        if token == vocab.end_id:
            return words, True
        words.append(token)
    return words, False


def iter_sentences(model: WordRNNLM, vocab: Vocabulary, num: int = 5, seed: int | None = None,
                   temperature: float = 1.0, min_length: int = 1, max_length: int = 100) -> Iterator[str]:
    """``num`` detokenized sentences, one at a time (``generate`` streams them); one cut by ``max_length``
    ends with " …"."""
    rng = np.random.default_rng(seed)
    for _ in range(num):
        ids, finished = generate_ids(model, vocab, rng, temperature, min_length, max_length)
        text = detokenize(vocab.decode(ids))
        yield text if finished else text + " …"


def generate_sentences(model: WordRNNLM, vocab: Vocabulary, num: int = 5, seed: int | None = None,
                       temperature: float = 1.0, min_length: int = 1, max_length: int = 100) -> list[str]:
    """``num`` detokenized sentences (``iter_sentences`` as a list)."""
    return list(iter_sentences(model, vocab, num, seed, temperature, min_length, max_length))
