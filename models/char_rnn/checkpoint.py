"""Checkpoints of the char model: one .npz via tinygrad_rnn's save/load (no pickle, atomic writes).

A checkpoint is a dict tagged ``kind="char_rnn"`` with a ``format_version``; it holds the model
configuration and weights, the vocabulary, and, for resuming, the optimizer state, data position,
carried hidden state, random generators and progress counters.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..common import UserError
from ..common.checkpoint import check_weights, load_envelope, one_line, save_envelope

from .model import CharRNN
from .vocab import CharVocab

KIND = "char_rnn"
FORMAT_VERSION = 1
DEFAULT_OUT = "checkpoints/char_rnn"


def save_checkpoint(payload: dict[str, Any], path: str | os.PathLike) -> None:
    """Write ``payload`` (plus the kind tag and format version) atomically to ``path``."""
    save_envelope(payload, path, KIND, FORMAT_VERSION)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a char-model checkpoint; every problem becomes a UserError that says what to do."""
    ckpt = load_envelope(path, KIND, FORMAT_VERSION, program="char-rnn train", default_dir=DEFAULT_OUT)
    for key in ("model_config", "model", "vocab"):
        if key not in ckpt:
            raise UserError(f"checkpoint {str(path)!r} is incomplete (no {key!r}); it is corrupted, use another one")
    return ckpt


def model_from_checkpoint(ckpt: dict[str, Any], path: str | os.PathLike = "checkpoint") -> tuple[CharRNN, CharVocab]:
    """Rebuild the model and vocabulary stored in a loaded checkpoint."""
    try:
        vocab = CharVocab.from_dict(ckpt["vocab"])
        cfg = dict(ckpt["model_config"])
        model = CharRNN(cfg["vocab_size"], cfg["hidden_size"], cfg["num_layers"], cfg["cell"], cfg["dropout"],
                        dtype=np.dtype(cfg["dtype"]), init=cfg.get("init"))
        if model.vocab_size != vocab.size:
            raise ValueError(f"the model has {model.vocab_size} characters but the vocabulary {vocab.size}")
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise UserError(f"checkpoint {str(path)!r} does not hold a valid char model: {one_line(err)}; it is corrupted "
                        "or from an incompatible version: use another one, or retrain") from None
    check_weights(ckpt["model"], model.state_dict(), path)
    try:
        model.load_state_dict(ckpt["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise UserError(f"checkpoint {str(path)!r} does not hold a valid char model: {one_line(err)}; it is corrupted "
                        "or from an incompatible version: use another one, or retrain") from None
    return model, vocab

