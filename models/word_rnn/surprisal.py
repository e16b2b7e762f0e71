"""``word-rnn score --tokens``: each word of a sentence with its −log p, the most surprising marked."""
from __future__ import annotations

from ..common.surprisal import token_table
from .score import SentenceScore
from .vocab import SENTENCE_END, Vocabulary


def tokens_view(score: SentenceScore, vocab: Vocabulary, top: int = 3) -> str:
    """The table of ``token_table`` for one scored sentence (out-of-vocabulary words noted)."""
    notes = ["(as UNKNOWN_TOKEN)" if vocab.is_oov(t) else "" for t in score.tokens]
    return token_table(list(score.tokens) + [SENTENCE_END], score.token_nats, top, notes + [""])
