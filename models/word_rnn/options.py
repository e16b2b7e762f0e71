"""The word model's architecture options beyond the tutorial (softmax, layers, dropout, embedding size, tying)
and the ``--tutorial`` preset: their checks, the model they build, and the helpers the trainer needs for them."""
from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any, Sequence

import numpy as np

from ..common import UserError
from .model import SOFTMAXES, WordRNNLM

# options that define the model; a resumed run takes them from its checkpoint and refuses a different value
ARCHITECTURE = ("softmax", "cutoffs", "num_layers", "dropout", "embedding_size", "tied", "tutorial",
                "evaluate_loss_after")
TUTORIAL_EVALUATE_LOSS_AFTER = 5  # train_with_sgd's default


def parse_cutoffs(text: str) -> list[int]:
    """``--cutoffs 400,2000`` → [400, 2000]."""
    try:
        cuts = [int(c) for c in text.replace(" ", "").split(",") if c]
    except ValueError:
        raise ValueError(f"expected increasing word counts separated by commas, e.g. 400,2000; got {text!r}") from None
    if not cuts:
        raise ValueError(f"expected increasing word counts separated by commas, e.g. 400,2000; got {text!r}")
    return cuts


def check_architecture(cfg: Any) -> None:
    """One-line UserErrors for options that cannot build a model (before any data is read)."""
    if cfg.softmax not in SOFTMAXES:
        raise UserError(f"--softmax must be one of {', '.join(SOFTMAXES)}, got {cfg.softmax!r}")
    if cfg.num_layers < 1:
        raise UserError(f"--num-layers must be >= 1, got {cfg.num_layers}")
    if not (math.isfinite(cfg.dropout) and 0.0 <= cfg.dropout < 1.0):
        raise UserError(f"--dropout must be in [0, 1), got {cfg.dropout}")
    if cfg.embedding_size is not None and cfg.embedding_size < 1:
        raise UserError(f"--embedding-size must be >= 1, got {cfg.embedding_size}")
    if cfg.cutoffs is not None and cfg.softmax != "adaptive":
        raise UserError("--cutoffs applies to --softmax adaptive only")
    if cfg.cutoffs is not None:
        c = list(cfg.cutoffs)
        if not c or c[0] < 1 or any(b <= a for a, b in zip(c, c[1:])):  # wrong whatever the vocabulary
            raise UserError(f"--cutoffs must be increasing integers of at least 1 (e.g. 400,2000), got "
                            f"{','.join(map(str, c))}")
        if c[-1] >= cfg.vocab_size:  # the vocabulary can only come out smaller: build_model checks its real size
            raise UserError(_cutoffs_message(c, cfg.vocab_size))
    if cfg.tied:
        if cfg.softmax != "full":
            raise UserError(f"--tied shares the embedding with the full softmax's output matrix; --softmax "
                            f"{cfg.softmax} has none: drop --tied or use --softmax full")
        if cfg.embedding_size is not None and cfg.embedding_size != cfg.hidden_size:
            raise UserError(f"--tied needs --embedding-size equal to --hidden-size ({cfg.embedding_size} != "
                            f"{cfg.hidden_size}); no projection is added: drop one of the options")


def check_tutorial(cfg: Any) -> None:
    """``--tutorial`` is the seed's ``train_with_sgd``: per-sentence SGD, halve-on-rise, the training-set loss."""
    if cfg.evaluate_loss_after < 1:
        raise UserError(f"--evaluate-loss-after must be >= 1, got {cfg.evaluate_loss_after}")
    if not cfg.tutorial:
        return
    wrong = [(flag, got, want) for flag, got, want in (
        ("--batch-size", cfg.batch_size, 1), ("--optimizer", cfg.optimizer, "sgd"), ("--schedule", cfg.schedule, "halve"),
        ("--val-fraction", cfg.val_fraction, 0.0), ("--max-sentences", cfg.max_sentences, None),
        ("--eval-every", cfg.eval_every, None), ("--clip", cfg.clip, None), ("--softmax", cfg.softmax, "full"),
        ("--cell", cfg.cell, "rnn"), ("--num-layers", cfg.num_layers, 1), ("--dropout", cfg.dropout, 0.0),
        ("--tied", cfg.tied, False)) if got != want]
    if wrong:
        flag, got, want = wrong[0]
        raise UserError(f"--tutorial is train_with_sgd exactly ({flag} {want if want is not None else 'unset'}); "
                        f"{flag} {got} contradicts it: drop {flag} or --tutorial")


def check_split_dir_options(cfg: Any, explicit: frozenset[str]) -> None:
    """A --data DIR brings its own validation file: a held-out fraction or the tutorial's training-set loss
    would contradict it."""
    if "val_fraction" in explicit and not cfg.tutorial:
        raise UserError(f"--val-fraction splits a single file; --data {cfg.data!r} has valid.txt for validation: "
                        "drop --val-fraction")
    if cfg.tutorial:
        raise UserError(f"--tutorial trains and evaluates on one set of sentences; --data {cfg.data!r} is a "
                        "train/valid/test directory: give its train.txt as --data, or drop --tutorial")


def target_counts(train_set: Sequence[np.ndarray], vocab_size: int) -> np.ndarray:
    """How often each word id is a target (predicted) in the training sentences: the class/adaptive layout."""
    if not train_set:
        return np.zeros(vocab_size, np.int64)
    return np.bincount(np.concatenate([np.asarray(s[1:]) for s in train_set]), minlength=vocab_size).astype(np.int64)


def build_model(cfg: Any, vocab_size: int, counts: np.ndarray, requested_vocab_size: int | None = None) -> WordRNNLM:
    """The model a training configuration asks for (a ValueError becomes a one-line UserError);
    ``requested_vocab_size``: the --vocab-size asked for, when the corpus clamped it to ``vocab_size``."""
    try:
        return WordRNNLM(vocab_size, cfg.hidden_size, cfg.bptt_truncate, cfg.cell, seed=cfg.seed,
                         dtype=np.dtype(cfg.dtype), num_layers=cfg.num_layers, dropout=cfg.dropout,
                         embedding_size=cfg.embedding_size, tied=cfg.tied, softmax=cfg.softmax,
                         word_counts=counts if cfg.softmax != "full" else None,
                         cutoffs=list(cfg.cutoffs) if cfg.cutoffs is not None else None)
    except ValueError as err:
        if cfg.cutoffs is not None and "cutoffs" in str(err):
            raise UserError(_cutoffs_message(cfg.cutoffs, vocab_size, requested_vocab_size)) from None
        raise UserError(str(err)) from None


def check_cutoffs_fit(cfg: Any, vocab_size: int, requested_vocab_size: int) -> None:
    """Once the vocabulary is built (before any warning about it, so that the error is the one line): --cutoffs
    below its real size, which a small corpus makes smaller than --vocab-size."""
    if cfg.softmax == "adaptive" and cfg.cutoffs is not None and list(cfg.cutoffs)[-1] >= vocab_size:
        raise UserError(_cutoffs_message(cfg.cutoffs, vocab_size, requested_vocab_size))


def _cutoffs_message(cutoffs: Any, vocab_size: int, requested: int | None = None) -> str:
    """The limit is the vocabulary's real size: the corpus's distinct tokens + UNKNOWN_TOKEN when fewer than asked."""
    size = (f"{vocab_size - 1}: this corpus has {vocab_size - 1} distinct tokens, so its vocabulary is {vocab_size} "
            f"rather than --vocab-size {requested}" if requested is not None and requested != vocab_size
            else f"{vocab_size - 1}")
    return (f"--cutoffs must be increasing integers between 1 and the vocabulary size - 1 ({size}), got "
            f"{','.join(map(str, cutoffs))}")


@contextlib.contextmanager
def eval_mode(model: WordRNNLM) -> Iterator[None]:
    """Dropout off for an evaluation, and the model's earlier mode back afterwards."""
    was = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was)


def in_order_plan(n: int) -> list[np.ndarray]:
    """One epoch of per-sentence steps in corpus order (train_with_sgd does not shuffle)."""
    return [np.array([i]) for i in range(n)]


def add_train_arguments(t: Any) -> None:
    """The ``word-rnn train`` options of this module (argparse defaults None: given and default told apart)."""
    import argparse

    def cutoffs(text: str) -> list[int]:
        try:
            return parse_cutoffs(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    t.add_argument("--softmax", choices=SOFTMAXES,
                   help="output layer: full (default, the tutorial's), class (about sqrt(V) frequency classes, "
                        "Mikolov et al. 2011) or adaptive (PyTorch's AdaptiveLogSoftmaxWithLoss); all exact")
    t.add_argument("--cutoffs", type=cutoffs, metavar="N1,N2",
                   help="--softmax adaptive: head and cluster boundaries in words ranked by frequency "
                        "(default about V/20,V/4)")
    t.add_argument("--num-layers", type=int, help="stacked recurrent layers (default 1)")
    t.add_argument("--dropout", type=float, help="dropout on embeddings, between layers and before the output "
                                                 "(default 0)")
    t.add_argument("--embedding-size", type=int, help="word embedding size (default: --hidden-size, the tutorial's)")
    t.add_argument("--tied", action="store_true", default=None,
                   help="tie the output matrix to the embedding (Press & Wolf 2017); needs --softmax full and "
                        "--embedding-size equal to --hidden-size")
    t.add_argument("--tutorial", action="store_true", default=None,
                   help="the seed tutorial's train_with_sgd exactly: per-sentence SGD in corpus order (no "
                        "shuffling), no validation split, the loss on the whole training set before training and "
                        "every --evaluate-loss-after epochs, the lr halved when it rose")
    t.add_argument("--evaluate-loss-after", type=int,
                   help=f"--tutorial: evaluate every N epochs (default {TUTORIAL_EVALUATE_LOSS_AFTER}, the tutorial's)")


TRAIN_OPTIONS = ("softmax", "cutoffs", "num_layers", "dropout", "embedding_size", "tied", "tutorial",
                 "evaluate_loss_after")
