"""Beam search over sentences: the K most probable sentences a word model gives (optionally after a prompt).

A hypothesis is a sentence so far and its log-probability ``log p(w_1..w_n | start, prompt)``; a finished
sentence also includes ``log p(SENTENCE_END | ...)``, so scores are the model's log-probabilities of whole
sentences, comparable across lengths. There is no length normalisation: longer sentences are less probable,
exactly as the model says. Length handling: at most ``max_length`` new words (a sentence that has not ended by
then is dropped, not cut), and SENTENCE_END is not allowed before ``min_length`` words. UNKNOWN_TOKEN and
SENTENCE_START are never emitted (as in sampling).

Each step extends every live hypothesis by every word (one batched model step), moves the extensions that
end the sentence to the finished list, and keeps the ``beam`` best of the others. The search stops when no
live hypothesis can beat the K-th best finished sentence (log-probabilities only fall as words are added)
or at ``max_length``. With a beam at least as wide as the number of distinct prefixes nothing is pruned and
the result is the exact K best (the tests check this against enumeration); a narrower beam is the usual
approximation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .model import State, WordRNNLM


@dataclass
class Hypothesis:
    words: list[int]  # ids of the new words (prompt and end token excluded)
    log_prob: float  # natural log of the sentence's probability (end token included when finished)
    finished: bool


def _select(state: State, rows: np.ndarray) -> State:
    """The state of hypotheses ``rows`` (states are (num_layers, B, H))."""
    return tuple(s[:, rows] for s in state)


def prime(model: WordRNNLM, prefix: Sequence[int]) -> tuple[np.ndarray, State]:
    """Feed ``prefix`` (start token first) and return the log-probabilities (V,) of the next word and the state."""
    state = None
    logp = None
    for token in prefix:
        logp, state = model.step_log_probs([token], state)
    return logp[0], state


def beam_search(model: WordRNNLM, prefix: Sequence[int], end_id: int, forbidden: Sequence[int] = (),
                beam: int = 5, num: int | None = None, max_length: int = 30, min_length: int = 1) -> list[Hypothesis]:
    """The ``num`` (default ``beam``) most probable sentences after ``prefix``, best first.

    ``prefix``: ids fed before the search (SENTENCE_START, then any prompt). ``forbidden``: ids never emitted.
    Returns finished sentences; if none finished within ``max_length`` words, the best unfinished ones
    (``finished=False``) so the caller can say so.
    """
    if beam < 1 or max_length < 1 or min_length < 0:
        raise ValueError("beam and max_length must be >= 1 and min_length >= 0")
    num = beam if num is None else num
    model.eval()
    logp, state = prime(model, prefix)
    live_words: list[list[int]] = [[]]
    live_scores = np.zeros(1)
    live_logp = logp[None, :]
    finished: list[Hypothesis] = []
    blocked = np.asarray(list(forbidden), dtype=np.int64)
    for length in range(max_length + 1):  # the last pass only ends sentences of max_length words
        cand = live_scores[:, None] + live_logp  # (live, V)
        if len(blocked):
            cand[:, blocked] = -np.inf
        if length >= min_length:
            for i, score in enumerate(cand[:, end_id]):
                if np.isfinite(score):
                    finished.append(Hypothesis(list(live_words[i]), float(score), True))
        cand[:, end_id] = -np.inf
        finished.sort(key=lambda h: -h.log_prob)
        del finished[num:]
        if length == max_length:
            break
        flat = cand.reshape(-1)
        k = min(beam, int(np.isfinite(flat).sum()))
        if k == 0:
            break
        best = np.argpartition(-flat, k - 1)[:k]
        best = best[np.argsort(-flat[best], kind="stable")]
        if len(finished) >= num and flat[best[0]] <= finished[-1].log_prob:
            break  # no live hypothesis can still beat the num-th finished sentence
        rows, words = np.divmod(best, cand.shape[1])
        live_words = [live_words[r] + [int(w)] for r, w in zip(rows, words)]
        live_scores = flat[best]
        live_logp, state = model.step_log_probs(words, _select(state, rows))
    if finished:
        return finished
    return [Hypothesis(w, float(s), False) for w, s in zip(live_words, live_scores)][:num]
