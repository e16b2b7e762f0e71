"""Small helpers for the numbers the word-rnn commands print."""
from __future__ import annotations

import math


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 sentence``, ``2 sentences`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def perplexity(loss: float) -> float:
    """exp(loss), or inf when that overflows a float (loss above ~709 nats): never a clamped, finite-looking 1e304."""
    try:
        return math.exp(loss)
    except OverflowError:
        return math.inf
