"""``char-rnn train --init-from CKPT``: a new run starting from the weights of CKPT's model.

Vocabulary rule: the model keeps its own vocabulary (its input columns and output rows are tied to it), so
the new text must be written in characters the checkpoint knows — a subset of its vocabulary; any other
character is refused, named, with one line. The model's configuration (cell, layers, hidden size, dropout,
dtype, init) comes from the checkpoint: a conflicting explicit flag is refused. Everything else is a new
run: a fresh optimizer state, iteration 0, the new text's own split, the given (or default) optimisation
options.
"""
from __future__ import annotations

import argparse
from typing import Any

from ..common import UserError
from ..common.init_from import refuse_model_conflicts, refuse_with_resume
from ..common.training import Conflict
from .checkpoint import load_checkpoint, model_from_checkpoint
from .train import TrainConfig, Trainer

MODEL_DEFINING = ("hidden_size", "num_layers", "cell", "dropout", "dtype", "init")


class InitFrom:
    """The checkpoint a run starts from, read and checked before the (possibly large) text is."""

    def __init__(self, args: argparse.Namespace, config: TrainConfig):
        refuse_with_resume(args.init_from, args.resume)
        self.path = args.init_from
        ckpt = load_checkpoint(self.path)
        self.model, self.vocab = model_from_checkpoint(ckpt, self.path)
        saved: dict[str, Any] = self.model.config()
        refuse_model_conflicts((Conflict(f"--{n.replace('_', '-')}", getattr(args, n), saved[n]) for n in MODEL_DEFINING
                                if getattr(args, n) is not None and getattr(args, n) != saved[n]), self.path)
        for name in MODEL_DEFINING:
            setattr(config, name, saved[name])

    def trainer(self, config: TrainConfig, text: str) -> Trainer:
        missing = self.vocab.missing(text)
        if missing:
            shown = ", ".join(repr(c) for c in missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise UserError(f"the text has {len(missing)} character(s) the model in {self.path!r} has no weights for "
                            f"({shown}); --init-from needs a text written in that model's {self.vocab.size} "
                            "characters: remove them from the text, or train a new model without --init-from")
        trainer = Trainer(config, text, self.vocab)
        trainer.model.load_state_dict(self.model.state_dict())  # in place: the flat optimizer buffer stays valid
        return trainer
