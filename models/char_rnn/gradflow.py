"""``char-rnn gradflow``: ‖∂L_t/∂h_{t−k}‖ against k for trained char models and fresh ones of the same config.

The model is unrolled one step at a time through ``nn.RNNCell``/``LSTMCell``/``GRUCell`` copies of its
layers (see ``models.common.gradflow``); the sequences are windows of ``--length`` characters spread
evenly over the text, each read from a zero state.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_rnn import Tensor

from ..common import UserError, read_text_file
from ..common import gradflow as gf
from .evaluate import known_characters, training_text
from .model import CharRNN


def unroll_for(model: CharRNN) -> gf.Unroll:
    """ids (T, N) → the top layer's h_t (N, H) after each step, through per-step cells of the model's weights."""
    cells = gf.cells_of(model.rnn)
    eye = np.eye(model.vocab_size, dtype=model.dtype)

    def unroll(ids: np.ndarray) -> list[Tensor]:
        return gf.unroll_cells(cells, [Tensor(eye[row]) for row in np.asarray(ids)])
    return unroll


def summed_loss_for(model: CharRNN) -> gf.SummedLoss:
    """hidden (N, H), targets (N,) → Σ −log p(target) through the model's own output layer and loss."""
    def summed_loss(hidden: Tensor, targets: np.ndarray) -> Tensor:
        N, H = hidden.shape
        return model.sequence_loss(hidden.reshape(1, N, H), np.asarray(targets).reshape(1, N))
    return summed_loss


def fresh_like(model: CharRNN, seed: int = 0) -> CharRNN:
    """An untrained model of the same configuration, initialised as training would (seeded)."""
    cfg = dict(model.config())
    cfg["dtype"] = np.dtype(cfg["dtype"])
    return CharRNN(**cfg, generator=np.random.default_rng(seed))


def windows(ids: np.ndarray, length: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``count`` windows of ``length`` inputs (and their next-character targets) spread evenly over
    ``ids``: (T, B) inputs and targets."""
    if len(ids) < length + 1:
        raise UserError(f"the text has {len(ids)} usable characters, fewer than --length {length} + 1; "
                        "use a longer text or a smaller --length")
    starts = np.unique(np.linspace(0, len(ids) - length - 1, count).astype(np.int64))
    idx = starts[None, :] + np.arange(length)[:, None]
    return ids[idx], ids[idx + 1]


def measure(model: CharRNN, inputs: np.ndarray, targets: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean ‖∂L_t/∂h_{t−k}‖, pairs) for k = 0..max_distance over the (T, B) ``windows``."""
    model.eval()
    return gf.gradient_flow(unroll_for(model), summed_loss_for(model), inputs, targets, max_distance=max_distance)


def gradflow_command(args: argparse.Namespace) -> int:
    from ..common.training import default_checkpoint
    from .checkpoint import DEFAULT_OUT, load_checkpoint, model_from_checkpoint

    gf.check_arguments(args)
    paths = args.checkpoint or [default_checkpoint(DEFAULT_OUT, "char-rnn train")]
    loaded = []
    for path in paths:
        ckpt = load_checkpoint(path)
        model, vocab = model_from_checkpoint(ckpt, path)
        model.double()  # float64: the gradient of a fresh tanh RNN falls below float32's range within 30 steps
        loaded.append((path, ckpt, model, vocab))
    text, source = _text(args.data, loaded[0][1])
    flows, notes = [], []
    labels = gf.labels([f"{m.cell}" for _, _, m, _ in loaded], [str(p) for p, _, _, _ in loaded])
    for label, (path, _, model, vocab) in zip(labels, loaded):
        known = known_characters(text, vocab)
        if known.note():
            notes.append(f"{known.note()} ({path})")
        inputs, targets = windows(known.ids, args.length, args.sequences)
        try:
            trained = measure(model, inputs, targets, args.max_distance)
            fresh = measure(fresh_like(model, args.seed), inputs, targets, args.max_distance)
        except gf.UnsupportedModel as err:
            raise UserError(f"gradflow cannot unroll {path!r}: {err}") from None
        flows += [gf.GradientFlow(f"{label} (trained)", *trained), gf.GradientFlow(f"{label} (fresh)", *fresh)]
    gf.report(flows, args, f"{inputs.shape[1]} window(s) of {args.length} characters of {source}", "char-rnn", notes)
    return 0


def _text(data: str | None, ckpt: dict[str, Any]) -> tuple[str, str]:
    if data is not None:
        return read_text_file(data), data
    text, why = training_text(ckpt)
    if text is None:
        raise UserError(f"no --data given and {why}; pass --data FILE")
    source = (ckpt.get("data_source") or {}).get("path")
    return text, (Path(source).name if source else "the training text (stdlib source)")


def add_parser(sub: Any, formatter_class: Any) -> None:
    """Register ``char-rnn gradflow``."""
    g = sub.add_parser("gradflow", help="measure vanishing gradients: |dL_t/dh_(t-k)| against the distance k",
                       description=gf.DESCRIPTION + " Sequences: windows of --length characters spread evenly "
                                   "over the text, each read from a zero state.",
                       formatter_class=formatter_class)
    gf.add_arguments(g, "char-rnn train", "checkpoints/char_rnn", length=50, sequences=8, max_distance=40)
