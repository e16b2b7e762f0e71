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
