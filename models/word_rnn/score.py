"""The language model as a scoring tool: per-sentence log-probability, loss per predicted token (each word and
the sentence's end), perplexity and out-of-vocabulary count, and a whole file's perplexity."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


from ..common import UserError

from .model import WordRNNLM
from .splits import user_tokens
from .vocab import Vocabulary
from .wording import perplexity


@dataclass
class SentenceScore:
    text: str
    tokens: list[str]
    log_prob: float  # natural log of p(sentence), end token included
    per_token_loss: float  # −log_prob / number of predicted tokens (words + end)
    perplexity: float
    oov: list[str]  # words mapped to UNKNOWN_TOKEN
    token_nats: list[float]  # −log p of each token and of the sentence end (len(tokens) + 1 values)


def score_tokens(model: WordRNNLM, vocab: Vocabulary, tokens: Sequence[str], text: str = "") -> SentenceScore:
    ids = vocab.encode(tokens)
    losses = model.token_losses(ids[:-1], ids[1:])
    total = float(losses.sum())
    per = total / len(losses)
    oov = [t for t in tokens if vocab.is_oov(t)]
    return SentenceScore(text, list(tokens), -total, per, perplexity(per), oov, [float(v) for v in losses])


def score_sentences(model: WordRNNLM, vocab: Vocabulary, sentences: Sequence[str], lowercase: bool,
                    pretokenized: bool = False) -> list[SentenceScore]:
    """Each string is one sentence (word-tokenized as in training, not split further; split on whitespace
    for a model trained on a --data DIR)."""
    scores = []
    for i, s in enumerate(sentences):
        tokens = user_tokens(s, vocab, lowercase, pretokenized)
        if not tokens:
            raise UserError(f"sentence {i + 1} is empty; give at least one word to score")
        scores.append(score_tokens(model, vocab, tokens, s))
    return scores


def corpus_perplexity(model: WordRNNLM, vocab: Vocabulary, sentences: Sequence[Sequence[str]]) -> dict[str, float]:
    """Mean loss per predicted token (each word and each sentence's end: the tutorial's calculate_loss) and
    perplexity of tokenized sentences; ``tokens`` counts those predicted tokens, ``oov_rate`` is per word."""
    import numpy as np

    from .train import evaluate  # batched by length; the same numbers as sentence by sentence

    encoded = [vocab.encode(s) for s in sentences]
    loss, tokens = evaluate(model, encoded, np.arange(len(encoded)))
    oov = sum(vocab.count_oov(s) for s in sentences)
    words = sum(len(s) for s in sentences)
    return {"sentences": len(sentences), "tokens": tokens, "loss": loss, "perplexity": perplexity(loss),
            "oov": oov, "oov_rate": oov / max(words, 1)}
