"""The surprisal view: which symbols a language model did not expect.

The surprisal of a symbol is −log p(symbol | what came before): in nats for words (``word-rnn score
--tokens``), in bits for characters (``char-rnn eval --show``). A terminal gets ANSI colours; a pipe or
file gets plain text with the surprising characters in brackets, so the output stays readable anywhere.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# character surprisal bands in bits: below 1 bit the model all but knew the character
BANDS = (1.0, 3.0, 6.0)
_BAND_COLOURS = ("\x1b[32m", "", "\x1b[33m", "\x1b[1;31m")  # green, plain, yellow, bold red
_RESET = "\x1b[0m"
_UNSCORED = "\x1b[2m"  # dim: a character with no prediction (the first one, or one the model never saw)
DEFAULT_MARK_BITS = 6.0


def top_k_positions(values: Sequence[float], k: int) -> list[int]:
    """Positions of the ``k`` largest values, largest first (ties: the earlier position first)."""
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    order = np.argsort(-np.asarray(values, dtype=np.float64), kind="stable")
    return [int(i) for i in order[:k]]


def token_table(tokens: Sequence[str], nats: Sequence[float], top: int = 3, notes: Sequence[str] | None = None) -> str:
    """One line per token: the token, its −log p in nats, and ``<- most surprising #r`` on the ``top`` largest.

    ``notes`` (one per token, may be empty strings) are appended, e.g. "(out of vocabulary)"."""
    if len(tokens) != len(nats):
        raise ValueError(f"{len(tokens)} tokens but {len(nats)} surprisals")
    rank = {pos: r + 1 for r, pos in enumerate(top_k_positions(nats, top))}
    width = max([len(t) for t in tokens] + [5])
    lines = [f"    {'token':<{width}}  -log p (nats)"]
    for i, (tok, value) in enumerate(zip(tokens, nats)):
        line = f"    {tok:<{width}}  {value:>8.3f}"
        if notes and notes[i]:
            line += f"  {notes[i]}"
        if i in rank:
            line += f"  <- most surprising #{rank[i]}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def _band(bits: float) -> int:
    return int(np.searchsorted(BANDS, bits, side="right"))


def _visible(ch: str) -> str:
    return {"\n": "\u21b5\n", "\t": "\u2192\t"}.get(ch, ch)


def render_characters(text: str, bits: Sequence[float], ansi: bool, mark_bits: float = DEFAULT_MARK_BITS) -> str:
    """``text`` with each character shown by its surprisal ``bits`` (same length; NaN = not scored).

    ``ansi``: colour by band (green < 1 bit, plain < 3, yellow < 6, bold red above; dim = not scored).
    Otherwise every character above ``mark_bits`` is wrapped in [ ] (a marked newline shows as [↵]
    before the line break). See ``legend`` for the line that explains it.
    """
    if len(text) != len(bits):
        raise ValueError(f"{len(text)} characters but {len(bits)} surprisals")
    out = []
    for ch, b in zip(text, bits):
        if ansi:
            if math.isnan(b):
                out.append(f"{_UNSCORED}{ch}{_RESET}")
                continue
            colour = _BAND_COLOURS[_band(b)]
            out.append(f"{colour}{ch}{_RESET}" if colour else ch)
        elif not math.isnan(b) and b > mark_bits:
            shown = _visible(ch)
            out.append(f"[{shown[0]}]{shown[1:]}")
        else:
            out.append(ch)
    return "".join(out)


def legend(ansi: bool, mark_bits: float = DEFAULT_MARK_BITS) -> str:
    """The line that says how ``render_characters`` marked the text."""
    if ansi:
        lo, mid, hi = BANDS
        return (f"surprisal: {_BAND_COLOURS[0]}< {lo:g} bit{_RESET}, < {mid:g} bits, {_BAND_COLOURS[2]}< {hi:g} bits{_RESET}, "
                f"{_BAND_COLOURS[3]}>= {hi:g} bits{_RESET}, {_UNSCORED}not scored{_RESET}")
    return f"surprisal: [x] = more than {mark_bits:g} bits (the model gave x less than 1/{2 ** mark_bits:g}); " \
           "\u21b5 = a marked newline"
