"""The char model's results card (what a run writes into its checkpoints) and ``char-rnn info CKPT``."""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..common.card import RunCard, command_line, file_sha256, print_info, read_card
from .checkpoint import load_checkpoint, model_from_checkpoint

LN2 = math.log(2)


def bits(nats: float) -> str:
    return f"{nats / LN2:.4f} bits/char ({nats:.4f} nats/char)"


def results_card(trainer: Any, args: argparse.Namespace, text_chars: int, previous: dict[str, Any] | None = None,
                 ) -> Callable[[], str]:
    """The card renderer the trainer calls at each save (``Trainer.card``); its wall time counts from now."""
    cfg = trainer.config
    if args.data is not None:
        data, sha = str(Path(args.data).resolve()), file_sha256(args.data)
    else:
        data = f"built-in corpus: the Python standard library's source ({text_chars:,} characters)"
        sha = trainer.text_sha256
    n_val = len(trainer.val_ids)
    split = (f"{text_chars - n_val:,} characters training, {n_val:,} validation (the last "
             f"{cfg.val_fraction:g} of the text)")
    card = RunCard(command_line("char-rnn", getattr(args, "argv", None)), cfg.seed, data, sha, split,
                   previous=previous, started_from=getattr(args, "init_from", None),
                   resumed_without_card=trainer.iteration > 0)

    def render() -> str:
        chars = trainer.iteration * cfg.seq_length * cfg.batch_size
        trained = (f"{trainer.iteration:,} iterations ({chars:,} characters in chunks of {cfg.seq_length} x "
                   f"{cfg.batch_size})")
        best = None if trainer.best_val is None else bits(trainer.best_val) + " on the validation split"
        return card.json(trained, chars, "chars", best)
    return render


def _recorded(ckpt: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """What an older checkpoint (without a card) records about its run."""
    tc, progress = ckpt.get("train_config") or {}, ckpt.get("progress") or {}
    source = ckpt.get("data_source") or {}
    if source.get("path"):
        yield "data", str(source["path"])
    elif source.get("corpus_chars"):
        yield "data", f"built-in stdlib source corpus (cap {int(source['corpus_chars']):,} characters)"
    if ckpt.get("text_sha256"):
        yield "text sha256", str(ckpt["text_sha256"])
    if tc:
        yield "seed", str(tc.get("seed"))
        yield "split", f"the last {tc.get('val_fraction')} of the text for validation"
        yield "optimisation", (f"{tc.get('optimizer')} lr {tc.get('lr')}, clip {tc.get('clip')}, chunks of "
                               f"{tc.get('seq_length')} x {tc.get('batch_size')}")
    if "iteration" in progress:
        yield "trained", f"{int(progress['iteration']):,} iterations"
    best = progress.get("best_val")
    yield "best validation", bits(float(best)) if best is not None else "not recorded"


def info_command(path: str, out: Callable[[str], None] = print) -> int:
    ckpt = load_checkpoint(path)
    model, vocab = model_from_checkpoint(ckpt, path)
    n = sum(p.data.size for p in model.trainable_parameters())  # as `train` counts them (a frozen bias is not)
    header = [("model", f"char_rnn: {model.cell} x{model.num_layers}, hidden {model.hidden_size}, vocabulary "
                        f"{vocab.size}, {model.dtype.name}, {n:,} parameters"
                        + (f", dropout {model.dropout:g}" if model.dropout else ""))]
    print_info(path, header, read_card(ckpt), lambda: _recorded(ckpt), out)
    return 0
