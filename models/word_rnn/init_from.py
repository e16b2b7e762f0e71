"""``word-rnn train --init-from CKPT``: a new run starting from the weights of CKPT's model.

Vocabulary rule: the model keeps its own vocabulary (its embedding and output rows are tied to it), and so
do the text settings it was built with (``--lowercase``). Words of the new text outside that vocabulary are
read as ``UNKNOWN_TOKEN``, as they are for any text the model scores; the run reports how many there are.
The model's configuration (vocabulary size, hidden size, cell, dtype, and whatever else the model's
``config()`` records) comes from the checkpoint: a conflicting explicit flag is refused with one line.
``--bptt-truncate`` is a training choice and may be given; left out, the checkpoint's is used. Everything
else is a new run: fresh optimizer and schedule state, counters from 0, the new text's own split.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..common.init_from import refuse_model_conflicts, refuse_with_resume
from ..common.training import Conflict
from .checkpoint import load_checkpoint, restore_model

TRAINING_CHOICES = ("bptt_truncate",)  # in the model's config, but free to change for the new run
MODEL_OPTIONS = ("num_layers", "dropout", "embedding_size", "tied", "softmax")  # train options the model holds


class _ModelConflict(Conflict):
    """A flag against the model's own value: a switch reads "trained without --lowercase" (``Conflict`` words it
    for "the checkpoint's run (...)", which after "the model in CKPT" would read "(run (trained ...))")."""

    def shown_given(self) -> str:
        if isinstance(self.given, (list, tuple)):  # --cutoffs as it was typed
            return f"{self.option} {','.join(map(str, self.given))}"
        return super().shown_given()

    def shown_saved(self) -> str:
        if isinstance(self.given, bool) or isinstance(self.saved, bool):
            return f"trained {'with' if self.saved else 'without'} {self.option}"
        if isinstance(self.saved, (list, tuple)):
            return ",".join(map(str, self.saved))
        return super().shown_saved()


class InitFrom:
    """The checkpoint a run starts from, read and checked before the corpus is."""

    def __init__(self, cfg: Any, explicit: frozenset[str]):
        refuse_with_resume(cfg.init_from, cfg.resume)
        self.path = cfg.init_from
        obj = load_checkpoint(self.path)
        self.model, self.vocab = restore_model(obj, self.path)
        known = {f.name for f in fields(cfg)}
        saved: dict[str, Any] = {k: v for k, v in obj["config"].items() if k in known}
        for name in MODEL_OPTIONS:  # config() leaves out the tutorial's values: a --tied is refused all the same
            saved.setdefault(name, getattr(self.model, name))
        saved.setdefault("cutoffs", None)  # (a model without the adaptive softmax)
        saved["dtype"] = str(obj.get("dtype", "float32"))
        saved["lowercase"] = bool(obj["settings"].get("lowercase", False))
        requested = obj["settings"].get("requested_vocab_size")
        conflicts = []
        for name, value in saved.items():
            if name in TRAINING_CHOICES or name not in explicit:
                continue
            given = getattr(cfg, name)
            if name == "vocab_size" and given == requested:
                continue  # the size the original run asked for, clamped to its corpus
            if given != value:
                conflicts.append(_ModelConflict(f"--{name.replace('_', '-')}", given, value))
        refuse_model_conflicts(conflicts, self.path)
        for name, value in saved.items():
            if name not in TRAINING_CHOICES or name not in explicit:
                setattr(cfg, name, value)
        self.model.bptt_truncate = cfg.bptt_truncate

    def oov_note(self, sentences: list[list[str]]) -> str:
        words = sum(len(s) for s in sentences)
        oov = sum(self.vocab.count_oov(s) for s in sentences)
        share = 100.0 * oov / max(words, 1)
        return (f"starting from the weights of {self.path} (a new run: fresh optimizer state, counters from 0); "
                f"{oov:,} of the new text's {words:,} words ({share:.1f}%) are outside its vocabulary of "
                f"{len(self.vocab):,} and read as UNKNOWN_TOKEN")
