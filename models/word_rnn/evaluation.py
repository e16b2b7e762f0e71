"""What ``word-rnn eval`` scores (:func:`eval_sentences`) and what it prints beside the model's perplexity:
trivial models of the same text.

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
from .splits import is_split_dir, pretokenized, read_lines, read_split
from .vocab import Vocabulary, encode_sentences
from .wording import perplexity



def eval_sentences(data: str | None, split: str | None, settings: dict[str, Any], column: str | None,
                   csv_format: bool | None, vocab: Vocabulary | None = None,
                   fingerprint: str | None = None) -> tuple[list[list[str]], str]:
    """The sentences ``word-rnn eval`` scores and how to name them.

    ``--data DIR``: ``DIR/{split}.txt`` (default test). ``--data FILE``: the whole file, or with ``--split
    train|valid`` the part of the checkpoint's own split (same seed and --val-fraction; the file must be the one
    trained on: with the checkpoint's ``vocab`` and training-data ``fingerprint`` another text is refused).
    Without --data: the checkpoint's training data.
    """
    lowercase = bool(settings.get("lowercase", False))
    if data is None:
        if split is None:
            raise UserError("give --data FILE|DIR to evaluate on, or --split to evaluate the checkpoint's own data")
        _refuse_csv_options(column, csv_format, "without --data, eval reads the checkpoint's own training data as it "
                                                "was read", " (or name a CSV file with --data)")
        data = settings.get("data")
        column, csv_format = settings.get("column"), settings.get("csv")
    elif is_split_dir(data):
        _refuse_csv_options(column, csv_format, f"--data {data!r} is a train/valid/test directory of text files, "
                                                "read one sentence per line")
    elif split is None and pretokenized(settings) and Path(data).is_file():
        _refuse_csv_options(column, csv_format, "this model was trained on --data DIR, so a file is read as its "
                                                "text files are, one sentence per line")
    if is_split_dir(data):
        split = split or "test"
        return read_split(data, split, lowercase), f"{data}/{split}.txt"
    if split is None and pretokenized(settings) and data is not None and Path(data).is_file():
        # a model trained on a split directory reads any file as those are read: one sentence per line, words
        # split on whitespace (--data DIR/test.txt gives what --split test gives)
        return read_lines(data, lowercase), data
    corpus = wdata.load_corpus(data, column, lowercase, csv_format)
    name = data if data is not None else "the built-in corpus"
    if split is None:
        return corpus.sentences, name
    if split == "test":
        raise UserError(f"{name} is a single file: it has train and valid parts only (the checkpoint's split); "
                        "--split test needs --data DIR with test.txt")
    whole = f"--data {name} alone to evaluate the whole of this one" if data is not None else "--data FILE"
    other = UserError(f"{name} is not the text the checkpoint was trained on (it changed since, or is another "
                      f"file), so it has no {split} part of the checkpoint's split; give --split with that text, or "
                      f"{whole}")
    try:
        train_idx, val_idx = wdata.split_indices(len(corpus.sentences), float(settings.get("val_fraction", 0.05)),
                                                 int(settings.get("seed", 0)))
    except UserError:  # too short for the split the checkpoint's run made of its own text
        raise other from None
    if vocab is not None and fingerprint is not None and fingerprint != wdata.fingerprint(
            encode_sentences(vocab, [corpus.sentences[i] for i in train_idx])):
        raise other
    idx = train_idx if split == "train" else val_idx
    if not len(idx):
        raise UserError("the checkpoint's run held out no validation sentences (--val-fraction 0); use --split train")
    return [corpus.sentences[i] for i in idx], f"{name} ({split} part of the checkpoint's split)"


def _refuse_csv_options(column: str | None, csv_format: bool | None, why: str, other: str = "") -> None:
    """--column and --csv choose how a CSV file is read; where no CSV is read they would be silently ignored."""
    given = [flag for flag, value in (("--column", column), ("--csv", csv_format)) if value is not None]
    if given:
        verb, pronoun = ("applies", "it") if len(given) == 1 else ("apply", "them")
        raise UserError(f"{' and '.join(given)} {verb} to a CSV --data file; {why}: drop {pronoun}{other}")


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
    """Print the model's figure and the baselines' on tokenized ``sentences``; returns nats per predicted token
    (each word and the sentence's end, the unit of the model's loss above the table)."""
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
        out(f"  {name:<{width}}  perplexity {perplexity(nats):8.1f}  {nats:.4f} nats/token")
    if train_set is None:
        out(f"note: {why}, so the baselines were counted on the evaluated sentences (which flatters them)")
    return {"model": model_loss, "unigram": uni, "bigram": bi}
