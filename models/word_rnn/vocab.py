"""The word vocabulary: the ``vocab_size - 1`` most frequent tokens plus the unknown token.

Token names follow the RNNNumpy tutorial: every sentence is wrapped in ``SENTENCE_START`` …
``SENTENCE_END`` and words outside the vocabulary become ``UNKNOWN_TOKEN``. The model reads
``x = ids[:-1]`` and predicts ``y = ids[1:]``.
"""
from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ..common import UserError

from .wording import plural

UNKNOWN_TOKEN = "UNKNOWN_TOKEN"
SENTENCE_START = "SENTENCE_START"
SENTENCE_END = "SENTENCE_END"
SPECIAL_TOKENS = (SENTENCE_START, SENTENCE_END, UNKNOWN_TOKEN)
MIN_VOCAB_SIZE = 4  # start, end, unknown and at least one real word


class VocabSizeWarning(UserWarning):
    """The requested vocabulary is larger than the corpus has distinct tokens."""


@dataclass
class Vocabulary:
    """Maps tokens to ids and back. ``index_to_word[i]`` is token ``i``; unknown words map to ``unknown_id``."""

    index_to_word: list[str]
    counts: list[int] = field(default_factory=list)  # corpus frequency of each kept token (0 for unknown)
    num_sentences: int = 0
    num_distinct: int = 0  # distinct tokens in the corpus, start/end included

    def __post_init__(self) -> None:
        self.word_to_index = {w: i for i, w in enumerate(self.index_to_word)}
        if len(self.word_to_index) != len(self.index_to_word):
            raise UserError("vocabulary has duplicate tokens; the checkpoint is corrupted")
        missing = [t for t in SPECIAL_TOKENS if t not in self.word_to_index]
        if missing:
            raise UserError(f"vocabulary lacks the special tokens {missing}; the checkpoint is corrupted")
        if not self.counts:
            self.counts = [0] * len(self.index_to_word)

    def __len__(self) -> int:
        return len(self.index_to_word)

    @property
    def unknown_id(self) -> int:
        return self.word_to_index[UNKNOWN_TOKEN]

    @property
    def start_id(self) -> int:
        return self.word_to_index[SENTENCE_START]

    @property
    def end_id(self) -> int:
        return self.word_to_index[SENTENCE_END]

    @classmethod
    def build(cls, sentences: Sequence[Sequence[str]], vocab_size: int) -> "Vocabulary":
        """The ``vocab_size - 1`` most frequent tokens (start/end always kept) plus UNKNOWN_TOKEN.

        Ties in frequency are broken alphabetically so the same corpus always gives the same ids.
        A ``vocab_size`` above the number of distinct tokens + 1 is clamped with a VocabSizeWarning.
        """
        if vocab_size < MIN_VOCAB_SIZE:
            raise UserError(f"vocab_size must be at least {MIN_VOCAB_SIZE} (start, end, unknown and one word); got {vocab_size}")
        if not sentences:
            raise UserError("the corpus has no sentences to build a vocabulary from")
        freq: Counter[str] = Counter()
        for s in sentences:
            freq.update(s)
        for t in SPECIAL_TOKENS:  # the literal strings in a text are ordinary unknown words, never markers
            freq.pop(t, None)
        freq[SENTENCE_START] = freq[SENTENCE_END] = len(sentences)
        distinct = len(freq)
        if vocab_size - 1 > distinct:
            warnings.warn(
                f"vocab_size {vocab_size} exceeds the corpus's {distinct} distinct tokens + unknown; "
                f"using vocab_size {distinct + 1}", VocabSizeWarning, stacklevel=2,
            )
            vocab_size = distinct + 1
        ranked = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = [SENTENCE_START, SENTENCE_END] + [
            w for w, _ in ranked if w not in (SENTENCE_START, SENTENCE_END)
        ][: vocab_size - 3]
        words = kept + [UNKNOWN_TOKEN]
        counts = [freq[w] for w in kept] + [0]
        return cls(words, counts, num_sentences=len(sentences), num_distinct=distinct)

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """``[start, ids of tokens…, end]`` as int64; unknown words become ``unknown_id``."""
        unk = self.unknown_id
        ids = [self.start_id] + [unk if t in SPECIAL_TOKENS else self.word_to_index.get(t, unk) for t in tokens]
        ids.append(self.end_id)
        return np.asarray(ids, dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.index_to_word[int(i)] for i in ids]

    def is_oov(self, token: str) -> bool:
        """Whether ``token`` is read as UNKNOWN_TOKEN (not in the vocabulary, or a special token's spelling)."""
        return token not in self.word_to_index or token in SPECIAL_TOKENS

    def count_oov(self, tokens: Iterable[str]) -> int:
        return sum(1 for t in tokens if self.is_oov(t))

    def least_frequent_kept(self) -> tuple[str, int]:
        """The rarest word in the vocabulary (special tokens aside) and its corpus count."""
        words = [(c, w) for w, c in zip(self.index_to_word, self.counts) if w not in SPECIAL_TOKENS]
        if not words:
            return ("", 0)
        count, word = min(words, key=lambda cw: (cw[0], -self.word_to_index[cw[1]]))
        return word, count

    def summary(self) -> str:
        word, count = self.least_frequent_kept()
        return (
            f"{plural(self.num_sentences, 'sentence')}, {plural(self.num_distinct, 'unique token')}; vocabulary of {len(self)} "
            f"(least frequent kept word: {word!r}, {count} times)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "index_to_word": list(self.index_to_word),
            "counts": np.asarray(self.counts, dtype=np.int64),
            "num_sentences": int(self.num_sentences),
            "num_distinct": int(self.num_distinct),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Vocabulary":
        try:
            words = [str(w) for w in d["index_to_word"]]
            counts = [int(c) for c in np.asarray(d["counts"]).tolist()]
            vocab = cls(words, counts, int(d["num_sentences"]), int(d["num_distinct"]))
        except (KeyError, TypeError, ValueError) as err:
            raise UserError(f"the checkpoint's vocabulary is malformed ({err}); the file is corrupted") from None
        if len(counts) != len(words):
            raise UserError("the checkpoint's vocabulary counts do not match its words; the file is corrupted")
        return vocab


def encode_sentences(vocab: Vocabulary, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """Each sentence as ``[start, …, end]`` ids."""
    return [vocab.encode(s) for s in sentences]


def training_pairs(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x = ids[:-1]`` (inputs) and ``y = ids[1:]`` (targets) of one encoded sentence."""
    return ids[:-1], ids[1:]
