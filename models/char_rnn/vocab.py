"""The character vocabulary: the sorted set of characters of a text, and the id of each.

Ids are positions in the sorted list, so the same text always gives the same ids on every machine
(min-char-rnn used ``list(set(data))``, whose order changes between Python runs).
"""
from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

FORMAT = "char_vocab/1"


class UnknownCharactersError(ValueError):
    """Raised by ``encode`` when the text holds characters the vocabulary does not know."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        shown = ", ".join(repr(c) for c in missing[:10]) + (" ..." if len(missing) > 10 else "")
        super().__init__(f"{len(missing)} character(s) not in the vocabulary: {shown}")


class CharVocab:
    """Maps characters to ids ``0..size-1`` (sorted by code point) and back.

    >>> v = CharVocab.from_text("hello")
    >>> v.chars, v.encode("hole").tolist(), v.decode([3, 1])
    ('ehlo', [1, 3, 2, 0], 'oh')
    """

    def __init__(self, chars: Iterable[str]):
        unique = sorted(set(chars))
        if not unique:
            raise ValueError("a vocabulary needs at least one character")
        if any(len(c) != 1 for c in unique):
            raise ValueError("vocabulary entries must be single characters")
        self.chars: str = "".join(unique)
        self._index: dict[str, int] = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> "CharVocab":
        return cls(text)

    @property
    def size(self) -> int:
        return len(self.chars)

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char: object) -> bool:
        return char in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharVocab) and other.chars == self.chars

    def __repr__(self) -> str:
        return f"CharVocab(size={self.size})"

    def missing(self, text: str) -> list[str]:
        """The characters of ``text`` that are not in the vocabulary, sorted, each once."""
        return sorted(set(text).difference(self._index))

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``text`` as an int64 array of shape ``(len(text),)``."""
        index = self._index
        try:
            return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError:
            raise UnknownCharactersError(self.missing(text)) from None

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """The text spelled by ``ids`` (any iterable of ints in ``[0, size)``)."""
        chars = self.chars
        return "".join(chars[int(i)] for i in np.asarray(ids).reshape(-1))

    def to_dict(self) -> dict:
        """A plain dict for checkpoints: the code points as an int array (no pickle, any character)."""
        return {"format": FORMAT, "codepoints": np.array([ord(c) for c in self.chars], dtype=np.int64)}

    @classmethod
    def from_dict(cls, state: Mapping) -> "CharVocab":
        """Inverse of ``to_dict``; raises ValueError for anything that is not such a dict."""
        if not isinstance(state, Mapping) or state.get("format") != FORMAT or "codepoints" not in state:
            raise ValueError("not a character vocabulary (missing format tag or code points)")
        points = np.asarray(state["codepoints"])
        if points.ndim != 1 or points.size == 0 or not np.issubdtype(points.dtype, np.integer):
            raise ValueError("character vocabulary code points must be a non-empty 1-D int array")
        if points.min() < 0 or points.max() > 0x10FFFF or len(np.unique(points)) != points.size:
            raise ValueError("character vocabulary code points are out of range or repeated")
        return cls(chr(int(p)) for p in points)
