"""Checkpoints of the char model: one .npz via tinygrad_rnn's save/load (no pickle, atomic writes).

A checkpoint is a dict tagged ``kind="char_rnn"`` with a ``format_version``; it holds the model
configuration and weights, the vocabulary, and, for resuming, the optimizer state, data position,
carried hidden state, random generators and progress counters.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..common import UserError
from tinygrad_rnn import load, save

from .model import CharRNN
from .vocab import CharVocab

KIND = "char_rnn"
FORMAT_VERSION = 1


def save_checkpoint(payload: dict[str, Any], path: str | os.PathLike) -> None:
    """Write ``payload`` (plus the kind tag and format version) atomically to ``path``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save({"kind": KIND, "format_version": FORMAT_VERSION, **payload}, path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a char-model checkpoint; every problem becomes a UserError that says what to do."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"checkpoint {str(path)!r} does not exist; give the .npz written by `char-rnn train` "
                        "(by default checkpoints/char_rnn/last.npz or best.npz)")
    try:
        ckpt = load(path)
    except (ValueError, OSError) as err:
        raise UserError(f"checkpoint {str(path)!r} cannot be read: {_problem(err, path)}; use a checkpoint "
                        "written by `char-rnn train`, or retrain") from None
    if not isinstance(ckpt, dict) or "kind" not in ckpt:
        raise UserError(f"{str(path)!r} is not a char-rnn checkpoint (no model kind recorded)")
    if ckpt["kind"] != KIND:
        raise UserError(f"{str(path)!r} is a checkpoint of a {ckpt['kind']!r} model, not of the char model; "
                        "use a checkpoint written by `char-rnn train`")
    version = ckpt.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise UserError(f"checkpoint {str(path)!r} has format version {version!r}, this program reads "
                        f"up to {FORMAT_VERSION}; upgrade tinygrad-rnn")
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
        model.load_state_dict(ckpt["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise UserError(f"checkpoint {str(path)!r} does not hold a valid char model: {_one_line(err)}; it is corrupted "
                        "or from an incompatible version: use another one, or retrain") from None
    return model, vocab


def _one_line(err: BaseException, limit: int = 300) -> str:
    """An exception message on one line (a user error is reported as a single line), shortened."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _problem(err: BaseException, path: Path) -> str:
    """The loader's reason alone: its 'cannot load checkpoint PATH: ' prefix would repeat our own sentence."""
    text = _one_line(err)
    prefix = f"cannot load checkpoint {str(path)!r}: "
    return text[len(prefix):] if text.startswith(prefix) else text
