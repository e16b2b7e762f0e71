"""``char-rnn eval``: bits and nats per character of any file, beside trivial baselines, and the surprisal view.

The file is read as the trainer reads its validation text: up to 32 contiguous streams, each from a zero
state, the hidden state carried across chunks. Characters the model never saw are skipped (neither read
nor predicted) and counted in one note line.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_rnn import no_grad

from ..common import UserError, read_text_file, stdlib_source_corpus
from ..common.baselines import bits, lzma_bits_per_char, unigram_nats
from ..common.surprisal import DEFAULT_MARK_BITS, legend, render_characters
from .data import eval_streams
from .model import CharRNN
from .train import text_fingerprint
from .vocab import CharVocab

CHUNK = 256  # steps per forward call (the state is carried between them)


@dataclass
class KnownText:
    """The characters of a text the vocabulary knows: their ids and where they stand in the text."""

    ids: np.ndarray  # (M,) int64
    positions: np.ndarray  # (M,) index of each in the original text
    skipped: int  # characters left out
    missing: list[str]  # the distinct characters left out, sorted

    def note(self) -> str | None:
        """The one line that reports the skipped characters (None if there were none)."""
        if not self.skipped:
            return None
        shown = ", ".join(repr(c) for c in self.missing[:8]) + (", ..." if len(self.missing) > 8 else "")
        return (f"note: {self.skipped:,} character(s) the model never saw ({len(self.missing)} distinct: {shown}) "
                "were skipped: neither read nor predicted")


def known_characters(text: str, vocab: CharVocab) -> KnownText:
    """Split ``text`` into the ids of the characters in ``vocab`` and the rest (skipped)."""
    missing = vocab.missing(text)
    if not missing:
        return KnownText(vocab.encode(text), np.arange(len(text)), 0, [])
    lost = set(missing)
    positions = np.fromiter((i for i, c in enumerate(text) if c not in lost), dtype=np.int64)
    kept = "".join(text[i] for i in positions)
    return KnownText(vocab.encode(kept), positions, len(text) - len(kept), missing)


@no_grad()
def stream_surprisal(model: CharRNN, ids: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
    """−log p (nats, float64) of every predicted character: (L − 1, B) for the (L, B) ``eval_streams(ids)``.

    Column 0 is the beginning of ``ids``: entry [i, 0] is the surprisal of ``ids[i + 1]``."""
    streams = eval_streams(ids)
    L, B = streams.shape
    was_training = model.training
    model.eval()
    out = np.empty((L - 1, B))
    state = model.init_state(B)
    try:
        for start in range(0, L - 1, chunk):
            stop = min(start + chunk, L - 1)
            logits, state = model(streams[start:stop], state)
            z = logits.data.astype(np.float64)
            z -= z.max(axis=-1, keepdims=True)
            log_norm = np.log(np.exp(z).sum(axis=-1))
            target = np.take_along_axis(z, streams[start + 1:stop + 1, :, None], axis=-1)[..., 0]
            out[start:stop] = log_norm - target
    finally:
        model.train(was_training)
    return out


def training_text(ckpt: dict[str, Any]) -> tuple[str | None, str]:
    """The training part of the text a checkpoint was trained on, if it can be found unchanged; else
    (None, why not). The vocabulary and split are the checkpoint's."""
    source = ckpt.get("data_source") or {}
    try:
        if source.get("path"):
            path = Path(source["path"])
            if not path.is_file():
                return None, f"its training text {str(path)!r} is not there any more"
            text = read_text_file(path)
        elif source.get("corpus_chars"):
            text = stdlib_source_corpus(int(source["corpus_chars"]))
        else:
            return None, "the checkpoint does not record its training text"
    except (UserError, OSError, ValueError) as err:
        return None, f"its training text cannot be read ({err})"
    if ckpt.get("text_sha256") and text_fingerprint(text) != ckpt["text_sha256"]:
        return None, "its training text has changed since training"
    val_fraction = float((ckpt.get("train_config") or {}).get("val_fraction", 0.0))
    return text[:len(text) - int(len(text) * val_fraction)], ""


def print_eval(ckpt: dict[str, Any], model: CharRNN, vocab: CharVocab, data: str, show: int,
               out: Callable[[str], None] = print, ansi: bool | None = None,
               mark_bits: float = DEFAULT_MARK_BITS) -> dict[str, float]:
    """Evaluate ``data`` (a file path) and print the report; returns its numbers (nats per character)."""
    text = read_text_file(data)
    known = known_characters(text, vocab)
    if len(known.ids) < 2:
        raise UserError(f"{data!r} has fewer than 2 characters the model knows; nothing to evaluate")
    nats = stream_surprisal(model, known.ids)
    streams = eval_streams(known.ids)
    targets = streams[1:].reshape(-1)
    model_nats = float(nats.mean())
    cfg = model.config()
    out(f"{data}: {len(text):,} characters, {targets.size:,} predicted (read as {streams.shape[1]} stream(s) "
        "from a zero state)")
    train_text, why = training_text(ckpt)
    base_ids = known_characters(train_text if train_text else text, vocab).ids
    uni = unigram_nats(base_ids, targets, vocab.size)
    lz = lzma_bits_per_char(text)
    rows = [(f"model ({cfg['cell']} x{cfg['num_layers']}, hidden {cfg['hidden_size']})", model_nats),
            ("unigram, add-one, counted on " + ("the training text" if train_text else "this file"), uni),
            ("lzma -9e of this file (header included)", lz * math.log(2))]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        out(f"  {name:<{width}}  {bits(value):7.4f} bits/char  {value:7.4f} nats/char")
    if not train_text:
        out(f"note: {why}, so the unigram was counted on the evaluated file")
    note = known.note()
    if note:
        out(note)
    if show:
        if ansi is None:  # colours for a terminal, unless the user opted out (https://no-color.org)
            ansi = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        show_surprisal(text, known, nats[:, 0], show, out, ansi, mark_bits)
    return {"model": model_nats, "unigram": uni, "lzma_bits": lz}


def show_surprisal(text: str, known: KnownText, first_stream: np.ndarray, n: int, out: Callable[[str], None],
                   ansi: bool, mark_bits: float = DEFAULT_MARK_BITS) -> None:
    """Print the first ``n`` characters of ``text`` marked by surprisal (``first_stream`` = nats of known.ids[1:])."""
    n = min(n, len(text))
    per_char = np.full(len(text), np.nan)
    scored = known.positions[1:1 + len(first_stream)]
    per_char[scored] = first_stream / math.log(2)
    out(f"--- the first {n:,} characters by surprisal ---")
    out(render_characters(text[:n], per_char[:n], ansi, mark_bits))
    out("--- " + legend(ansi, mark_bits))


def add_parser(sub: Any, formatter_class: Any) -> None:
    """Register ``char-rnn eval``."""
    e = sub.add_parser("eval", help="bits/char of any text file, beside unigram and lzma baselines",
                       description="Bits and nats per character of FILE under the model, read as validation is "
                                   "(up to 32 streams from a zero state), with what a trivial model gets on the "
                                   "same text: an add-one unigram (counted on the checkpoint's training text when "
                                   "it is still there) and lzma's compressed size.",
                       formatter_class=formatter_class)
    e.add_argument("--checkpoint", metavar="CKPT", help="a .npz written by `char-rnn train` (default "
                   "checkpoints/char_rnn/best.npz, else last.npz); a run's --out directory loads its best.npz, "
                   "else its last.npz")
    e.add_argument("--data", required=True, metavar="FILE", help="UTF-8 text file to evaluate")
    e.add_argument("--show", type=int, default=0, metavar="N", help="also print the first N characters coloured by "
                   "surprisal (bracket-marked when stdout is not a terminal)")
    # (default None: a --mark-bits given without --show is refused, not silently ignored)
    e.add_argument("--mark-bits", type=float, default=None, metavar="BITS",
                   help="with --show to a non-terminal: bracket the characters above BITS of surprisal "
                        f"(default {DEFAULT_MARK_BITS:g})")


def eval_command(args: argparse.Namespace) -> int:
    from ..common.errors import stop_when_stdout_closes
    from ..common.training import checkpoint_to_read
    from .checkpoint import DEFAULT_OUT, load_checkpoint, model_from_checkpoint

    stop_when_stdout_closes()
    if args.show < 0:
        raise UserError(f"--show must be >= 0, got {args.show}")
    if args.mark_bits is not None and not args.show:
        raise UserError("--mark-bits sets which characters --show N brackets; it does nothing without it: add "
                        "--show N (the first N characters by surprisal) or drop --mark-bits")
    args.mark_bits = DEFAULT_MARK_BITS if args.mark_bits is None else args.mark_bits
    if not (math.isfinite(args.mark_bits) and args.mark_bits >= 0):
        raise UserError(f"--mark-bits must be a number >= 0, got {args.mark_bits}")
    path = checkpoint_to_read(args.checkpoint, DEFAULT_OUT, "char-rnn train")
    ckpt = load_checkpoint(path)
    model, vocab = model_from_checkpoint(ckpt, path)
    print_eval(ckpt, model, vocab, args.data, args.show, mark_bits=args.mark_bits)
    return 0
