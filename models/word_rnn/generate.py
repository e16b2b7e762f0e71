"""Sampling sentences from a trained model: SENTENCE_START → (prompt) → … → SENTENCE_END, never UNKNOWN_TOKEN."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Sequence

import numpy as np

from ..common.sampling import argmax, inverse_cdf, softmax_weights, top_k_filter
from .model import WordRNNLM
from .text import detokenize
from .vocab import Vocabulary


def generate_ids(model: WordRNNLM, vocab: Vocabulary, rng: np.random.Generator, temperature: float = 1.0,
                 min_length: int = 0, max_length: int = 100, prompt: Sequence[int] = (),
                 top_k: int | None = None, greedy: bool = False) -> tuple[list[int], bool]:
    """Word ids of one sampled sentence (start/end and ``prompt`` excluded), and whether it reached the end token.

    ``prompt``: word ids fed after SENTENCE_START; the sentence continues them (``min_length`` and
    ``max_length`` count the new words). UNKNOWN_TOKEN and SENTENCE_START are never emitted: their
    probability is zeroed and the rest renormalised, which is the same as the tutorial's "resample until
    it is not UNKNOWN". Before ``min_length`` words the end token is zeroed the same way. ``top_k`` keeps
    the k likeliest words of each step; ``greedy`` takes the likeliest (no randomness). Works for every
    softmax through ``model.step_log_probs``.
    """
    state = None
    words: list[int] = []
    for token in [vocab.start_id, *prompt][:-1]:
        _, state = model.step_log_probs([token], state)
    token = ([vocab.start_id, *prompt])[-1]
    while len(words) < max_length:
        logp, state = model.step_log_probs([token], state)
        z = logp[0] / temperature
        z[vocab.unknown_id] = -np.inf
        z[vocab.start_id] = -np.inf
        if len(words) < min_length:
            z[vocab.end_id] = -np.inf
        if not np.isfinite(z).any():  # only forbidden tokens had probability: end the sentence
            return words, True
        z = top_k_filter(z, top_k)
        token = argmax(z) if greedy else inverse_cdf(softmax_weights(z), rng)
        if token == vocab.end_id:
            return words, True
        words.append(token)
    return words, False


def iter_sentences(model: WordRNNLM, vocab: Vocabulary, num: int = 5, seed: int | None = None,
                   temperature: float = 1.0, min_length: int = 1, max_length: int = 100,
                   prompt_tokens: Sequence[str] = (), top_k: int | None = None, greedy: bool = False) -> Iterator[str]:
    """``num`` detokenized sentences, one at a time (``generate`` streams them); one cut by ``max_length``
    ends with " …". ``prompt_tokens`` begin every sentence (as given; out-of-vocabulary ones are fed as
    UNKNOWN_TOKEN but printed as written)."""
    rng = np.random.default_rng(seed)
    model.eval()
    prompt = [int(i) for i in vocab.encode(prompt_tokens)[1:-1]] if prompt_tokens else []
    for _ in range(num):
        ids, finished = generate_ids(model, vocab, rng, temperature, min_length, max_length, prompt, top_k, greedy)
        text = detokenize(list(prompt_tokens) + vocab.decode(ids))
        yield text if finished else text + " …"


def generate_sentences(model: WordRNNLM, vocab: Vocabulary, num: int = 5, seed: int | None = None,
                       temperature: float = 1.0, min_length: int = 1, max_length: int = 100) -> list[str]:
    """``num`` detokenized sentences (``iter_sentences`` as a list)."""
    return list(iter_sentences(model, vocab, num, seed, temperature, min_length, max_length))
