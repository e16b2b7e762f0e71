"""Choosing the next token from a model's logits, shared by ``char-rnn sample`` and ``word-rnn generate``.

Everything is computed in float64 and drawn by inverse CDF on the distribution's own total, so float32
probabilities that sum slightly past (or short of) 1 can never make sampling fail (``np.random.choice``
would raise).
"""
from __future__ import annotations

import math

import numpy as np

from .errors import UserError


def check_temperature(temperature: float, option: str = "--temperature") -> float:
    """The one rule both CLIs apply: a positive, finite number (UserError naming ``option`` otherwise)."""
    if not (math.isfinite(temperature) and temperature > 0):
        raise UserError(f"{option} must be a positive finite number, got {temperature}")
    return temperature


def scaled_logits(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``logits / temperature`` as a flat float64 array (ValueError for a temperature that is not > 0)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    return np.asarray(logits, dtype=np.float64).reshape(-1) / temperature


def top_k_filter(logits: np.ndarray, k: int | None) -> np.ndarray:
    """Keep the ``k`` largest logits (exactly k, ties broken by position), the rest become -inf."""
    z = np.asarray(logits)
    if k is None or k >= z.size:
        return z
    if k < 1:
        raise ValueError(f"top_k must be at least 1, got {k}")
    keep = np.argpartition(z, -k)[-k:]
    masked = np.full_like(z, -np.inf)
    masked[keep] = z[keep]
    return masked


def softmax_weights(logits: np.ndarray) -> np.ndarray:
    """``exp(logits - max)``: the softmax before normalisation (its largest entry is 1)."""
    z = np.asarray(logits, dtype=np.float64)
    return np.exp(z - z.max())


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` in float64."""
    e = softmax_weights(scaled_logits(logits, temperature))
    return e / e.sum()


def argmax(logits: np.ndarray) -> int:
    """The likeliest index (greedy decoding)."""
    return int(np.argmax(np.asarray(logits, dtype=np.float64).reshape(-1)))


def inverse_cdf(weights: np.ndarray, rng: np.random.Generator) -> int:
    """Draw an index with probability proportional to the non-negative ``weights`` (need not sum to 1)."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    total = cdf[-1]
    if not np.isfinite(total) or total <= 0:
        raise ValueError("cannot sample: the probabilities are not positive and finite")
    return int(min(np.searchsorted(cdf, rng.random() * total, side="right"), len(cdf) - 1))


# ------------------------------------------------------------------------------------------- degenerate loops
LOOP_LENGTH = 40  # symbols of one repeated symbol or two-symbol cycle before a sample is called degenerate
LOOP_MIN_TEMPERATURE = 0.5  # below it (and with greedy decoding) repetition is what the user asked for


class LoopDetector:
    """Watches generated symbols for a degenerate loop: one symbol repeated, or a two-symbol cycle
    (``a b a b ...``), for at least ``min_length`` symbols in a row.

    ``update(symbol)`` returns True exactly once per detector: on the symbol that completes the first such
    run (after that it stays quiet, so a caller warns once). ``pattern`` is the repeated unit then.
    """

    def __init__(self, min_length: int = LOOP_LENGTH):
        if min_length < 2:
            raise ValueError(f"min_length must be at least 2, got {min_length}")
        self.min_length = int(min_length)
        self._last: list = []  # the two latest symbols, oldest first
        self._run = 0  # length of the longest suffix with period 2 (which includes period 1)
        self.pattern: tuple | None = None

    def update(self, symbol) -> bool:
        if self.pattern is not None:
            return False
        self._run = self._run + 1 if len(self._last) == 2 and symbol == self._last[0] else len(self._last[-1:]) + 1
        self._last = (self._last + [symbol])[-2:]
        if self._run >= self.min_length:
            a, b = self._last
            self.pattern = (a,) if a == b else (a, b)
            return True
        return False


def watches_for_loops(temperature: float, argmax: bool = False) -> bool:
    """Whether a sample drawn this way should be watched: a loop at temperature >= 0.5 is the model's doing."""
    return not argmax and temperature >= LOOP_MIN_TEMPERATURE


def loop_warning(pattern: tuple, min_length: int = LOOP_LENGTH, hint: str = "train longer or lower --lr") -> str:
    """The one-line warning for a detected loop (``pattern`` from LoopDetector)."""
    shown = " ".join(repr(s) for s in pattern)
    what = f"repeats {shown}" if len(pattern) == 1 else f"cycles between {shown}"
    return (f"warning: the sample {what} for {min_length}+ symbols in a row, a sign of an undertrained or "
            f"saturated model; {hint}")
