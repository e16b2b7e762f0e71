"""``--data DIR``: a corpus already split into ``train.txt``, ``valid.txt`` and ``test.txt``, the layout of
pytorch/examples' word_language_model (PTB, WikiText): one sentence (or line) per line, already tokenized, so
words are split on whitespace as that example does; blank lines are skipped. The vocabulary comes from
``train.txt`` alone; words of the other files that it lacks are UNKNOWN_TOKEN."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..common import UserError, read_text_file

SPLITS = ("train", "valid", "test")


def is_split_dir(data: str | None) -> bool:
    return data is not None and Path(data).is_dir()


def whitespace_tokens(line: str, lowercase: bool = False) -> list[str]:
    """The tokens of one line of a split directory (and of text scored or prompted for a model trained on one)."""
    return (line.lower() if lowercase else line).split()


def user_tokens(text: str, vocab: Any, lowercase: bool, pretokenized: bool) -> list[str]:
    """The tokens of a text a user gives (``score``, ``generate --prompt``), read as the model's training text
    was: whitespace-split for a model trained on a split directory, else the Treebank rules with inner
    periods split off where training's sentence splitting would have (``text.split_inner_periods``)."""
    from .text import split_inner_periods, tokenize_sentence

    if pretokenized:
        return whitespace_tokens(text, lowercase)
    return split_inner_periods(tokenize_sentence(text, lowercase), vocab.word_to_index)


def read_split(directory: str | Path, split: str, lowercase: bool = False) -> list[list[str]]:
    """Tokenized lines of ``DIR/{split}.txt``; UserError naming the file if it is missing or holds no words."""
    path = Path(directory) / f"{split}.txt"
    if not path.exists():
        raise UserError(f"--data {str(directory)!r} is a directory without {split}.txt; a corpus directory holds "
                        "train.txt, valid.txt and test.txt (one sentence per line)")
    return read_lines(path, lowercase)


def read_lines(path: str | Path, lowercase: bool = False) -> list[list[str]]:
    """Tokenized lines of a file of one sentence per line; UserError naming it if it holds no words."""
    sentences = [tokens for line in read_text_file(path).splitlines() if (tokens := whitespace_tokens(line, lowercase))]
    if not sentences:
        raise UserError(f"{str(path)!r} holds no words; give one sentence per line")
    return sentences


def pretokenized(settings: dict[str, Any]) -> bool:
    """Whether a checkpoint's model was trained on a split directory (its text is split on whitespace)."""
    return bool(settings.get("pretokenized", False))


def eval_sentences(data: str | None, split: str | None, settings: dict[str, Any], column: str | None,
                   csv_format: bool | None) -> tuple[list[list[str]], str]:
    """The sentences ``word-rnn eval`` scores and how to name them.

    ``--data DIR``: ``DIR/{split}.txt`` (default test). ``--data FILE``: the whole file, or with ``--split
    train|valid`` the part of the checkpoint's own split (same seed and --val-fraction; the file must be the one
    trained on). Without --data: the checkpoint's training data.
    """
    from . import data as wdata

    lowercase = bool(settings.get("lowercase", False))
    if data is None:
        if split is None:
            raise UserError("give --data FILE|DIR to evaluate on, or --split to evaluate the checkpoint's own data")
        data = settings.get("data")
        column, csv_format = settings.get("column"), settings.get("csv")
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
    train_idx, val_idx = wdata.split_indices(len(corpus.sentences), float(settings.get("val_fraction", 0.05)),
                                             int(settings.get("seed", 0)))
    idx = train_idx if split == "train" else val_idx
    if not len(idx):
        raise UserError("the checkpoint's run held out no validation sentences (--val-fraction 0); use --split train")
    return [corpus.sentences[i] for i in idx], f"{name} ({split} part of the checkpoint's split)"
