"""``word-rnn score --tokens``: each word of a sentence with its −log p, the most surprising marked."""
from __future__ import annotations

from ..common.surprisal import token_table
from .model import WordRNNLM
from .vocab import SENTENCE_END, SPECIAL_TOKENS, Vocabulary


def token_surprisal(model: WordRNNLM, vocab: Vocabulary, tokens: list[str]) -> list[float]:
    """−log p (nats) of each token and of the end of the sentence (len(tokens) + 1 values)."""
    ids = vocab.encode(tokens)
    return [float(v) for v in model.token_losses(ids[:-1], ids[1:])]


def tokens_view(model: WordRNNLM, vocab: Vocabulary, tokens: list[str], top: int = 3) -> str:
    """The table of ``token_table`` for one tokenized sentence (out-of-vocabulary words noted)."""
    nats = token_surprisal(model, vocab, tokens)
    notes = ["(as UNKNOWN_TOKEN)" if t not in vocab.word_to_index or t in SPECIAL_TOKENS else "" for t in tokens]
    return token_table(list(tokens) + [SENTENCE_END], nats, top, notes + [""])
