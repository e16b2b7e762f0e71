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


PRETOKENIZED_NOTE = ("note: this model was trained on --data DIR (one sentence per line, words split on whitespace): "
                     "its input is read the same way, so split punctuation off as its training text has it")


def pretokenized(settings: dict[str, Any]) -> bool:
    """Whether a checkpoint's model was trained on a split directory (its text is split on whitespace)."""
    return bool(settings.get("pretokenized", False))
