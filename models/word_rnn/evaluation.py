"""What ``word-rnn eval`` prints beside the model's perplexity: trivial models of the same text.

An add-one unigram and a Witten-Bell interpolated bigram (``models.common.baselines``) over the model's own
vocabulary (out-of-vocabulary words are UNKNOWN_TOKEN for them too), counted on the checkpoint's training
sentences when its data can still be read unchanged (same file, split and fingerprint), else on the
evaluated sentences themselves, which flatters them, and a note says so.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..common import UserError
from ..common.baselines import bigram_nats, unigram_nats
from . import data as wdata
from .vocab import Vocabulary, encode_sentences
from .wording import perplexity


def training_sentences(ckpt: dict[str, Any], vocab: Vocabulary) -> tuple[list[list[str]] | None, str]:
    """The tokenized training sentences of a checkpoint's run (checked against its fingerprint with the
    checkpoint's ``vocab``), or (None, why they cannot be had)."""
    settings = ckpt.get("settings") or {}
    data = settings.get("data")
    if data is not None and not (Path(data).is_file() or Path(data).is_dir()):
        return None, f"its training data {data!r} is not there any more"
    try:
        corpus = wdata.load_corpus(data, settings.get("column"), bool(settings.get("lowercase", False)),
                                   settings.get("csv"))
        if corpus.valid is not None:  # --data DIR: train.txt is the training set, whole
            train_idx = np.arange(len(corpus.sentences))
        else:
            train_idx, _ = wdata.split_indices(len(corpus.sentences), float(settings.get("val_fraction", 0.05)),
                                               int(settings.get("seed", 0)))
    except (UserError, OSError, ValueError, TypeError) as err:
        return None, f"its training data cannot be read ({err})"
    train_set = [corpus.sentences[i] for i in train_idx]
    recorded = (ckpt.get("training") or {}).get("fingerprint")
    if recorded is not None and recorded != wdata.fingerprint(encode_sentences(vocab, train_set)):
        return None, "its training data have changed since training"
    return train_set, ""


def print_baselines(ckpt: dict[str, Any], vocab: Vocabulary, sentences: Sequence[Sequence[str]],
                    model_loss: float, out: Callable[[str], None] = print) -> dict[str, float]:
    """Print the model's figure and the baselines' on tokenized ``sentences``; returns nats per word."""
    evaluated = encode_sentences(vocab, sentences)
    train_set, why = training_sentences(ckpt, vocab)
    counted_on = "the training sentences" if train_set is not None else "these sentences"
    base = encode_sentences(vocab, train_set) if train_set is not None else evaluated
    targets = np.concatenate([s[1:] for s in evaluated])
    uni = unigram_nats(np.concatenate([s[1:] for s in base]), targets, len(vocab))
    bi = bigram_nats(base, evaluated, len(vocab))
    rows = [("model", model_loss), (f"unigram, add-one (counted on {counted_on})", uni),
            ("bigram, Witten-Bell interpolated with that unigram", bi)]
    width = max(len(name) for name, _ in rows)
    for name, nats in rows:
        out(f"  {name:<{width}}  perplexity {perplexity(nats):8.1f}  {nats:.4f} nats/word")
    if train_set is None:
        out(f"note: {why}, so the baselines were counted on the evaluated sentences (which flatters them)")
    return {"model": model_loss, "unigram": uni, "bigram": bi}
