"""Generating text from a trained CharRNN: prime, temperature, top-k, argmax, seeded and streamed."""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from tinygrad_rnn import no_grad

from ..common import sampling

from .model import CharRNN, State
from .vocab import CharVocab


def choose_next(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None, argmax: bool = False,
                rng: np.random.Generator | None = None) -> int:
    """Pick the next character id from logits (V,).

    The distribution is computed in float64 and drawn by inverse CDF on its own total, so float32
    probabilities that sum slightly past (or short of) 1 can never make sampling fail.
    ``top_k`` keeps the k largest logits (exactly k, ties broken by position); ``argmax`` is greedy.
    """
    if argmax:
        return sampling.argmax(logits)
    z = sampling.top_k_filter(sampling.scaled_logits(logits, temperature), top_k)
    return sampling.inverse_cdf(sampling.softmax_weights(z), rng if rng is not None else np.random.default_rng())


@no_grad()
def warm_up(model: CharRNN, ids: np.ndarray, state: State | None = None) -> State:
    """The state after reading ``ids`` (N,) with a batch of one (one forward call over all of them)."""
    state = model.init_state(1) if state is None else state
    if len(ids):
        _, state = model.hidden_states(np.asarray(ids).reshape(-1, 1), state)
    return state


def generate(model: CharRNN, vocab: CharVocab, prime: str = "", length: int = 200, temperature: float = 1.0,
             top_k: int | None = None, argmax: bool = False, seed: int | None = None,
             state: State | None = None, on_loop: Callable[[str], None] | None = None) -> Iterator[str]:
    """Yield ``length`` characters, one at a time, continuing ``prime``.

    The hidden state is warmed on ``prime`` (whose last character is the first input). With no prime
    the first input is a newline if the vocabulary has one, else its first character.
    Raises ValueError for a prime with characters outside the vocabulary (``vocab.missing`` names them).
    ``on_loop`` is called once with a one-line warning (``sampling.loop_warning``) if the sample falls into a
    degenerate loop (one character, or two alternating, ``sampling.LOOP_LENGTH`` times in a row) at
    temperature >= 0.5 without ``argmax``.
    """
    if length < 0:
        raise ValueError(f"length must be non-negative, got {length}")
    if not prime:
        prime = "\n" if "\n" in vocab else vocab.chars[0]
    ids = vocab.encode(prime)
    was_training = model.training
    model.eval()
    rng = np.random.default_rng(seed)
    loops = sampling.LoopDetector() if on_loop is not None and sampling.watches_for_loops(temperature, argmax) else None
    try:
        state = warm_up(model, ids[:-1], state)
        current = int(ids[-1])
        for _ in range(length):
            with no_grad():
                logits, state = model(np.array([[current]]), state)
            current = choose_next(logits.data[0, 0], temperature, top_k, argmax, rng)
            if loops is not None and loops.update(current):
                on_loop(sampling.loop_warning(tuple(vocab.chars[i] for i in loops.pattern), loops.min_length))
            yield vocab.chars[current]
    finally:
        model.train(was_training)
