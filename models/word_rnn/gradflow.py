"""``word-rnn gradflow``: ‖∂L_t/∂h_{t−k}‖ against k for trained word models and fresh ones of the same config.

The model is unrolled one step at a time (see ``models.common.gradflow``): its embedding feeds
``nn.RNNCell``s for the tutorial's tanh RNN (with an identity ``weight_ih``: the embedding row *is* U x_t,
and no biases) or ``nn.GRUCell``/``nn.LSTMCell`` copies of its recurrent layer. The sequences are whole
sentences (those long enough to reach distance K first), each from the zero state training starts from.
The gradient is the true one, whatever ``bptt_truncate`` training used.
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np

import tinygrad_rnn.nn.functional as F
from tinygrad_rnn import Tensor, nn

from ..common import UserError
from ..common import gradflow as gf
from . import data as wdata
from .evaluation import training_sentences
from .model import WordRNNLM
from .vocab import Vocabulary, encode_sentences


def _check_layout(model: WordRNNLM) -> None:
    if model.softmax == "full" and not isinstance(getattr(model, "output", None), nn.Linear):
        raise gf.UnsupportedModel("its output layer is not a plain linear softmax")
    names = {name for name, _ in model.named_parameters()}
    if model.cell == "rnn":
        want = {"embedding.weight", "weight_hh"} | ({"weight_ih"} if model.embedding_size != model.hidden_size else set())
        want |= {f"weight_{k}_l{layer}" for layer in range(1, model.num_layers) for k in ("ih", "hh")}
        if {n for n in names if not n.startswith("output.")} != want:
            raise gf.UnsupportedModel(f"unknown tanh-RNN layout ({', '.join(sorted(names))})")
    elif not all(n.startswith(("embedding.", "output.", "rnn.")) for n in names):
        raise gf.UnsupportedModel(f"unknown {model.cell} layout ({', '.join(sorted(names))})")


def _tanh_cells(model: WordRNNLM) -> list[nn.RNNCell]:
    """The tutorial recurrence as bias-free ``nn.RNNCell``s, one per layer: layer 0 reads the embedding row
    through the identity (it *is* U x_t), or through ``weight_ih`` when the embedding size differs."""
    H, E, dtype = model.hidden_size, model.embedding_size, model.weight_hh.data.dtype
    cells = []
    for layer in range(model.num_layers):
        first = layer == 0
        cell = nn.RNNCell(E if first else H, H, bias=False, dtype=dtype)
        w_ih = (np.eye(H, dtype=dtype) if E == H else model.weight_ih.data) if first else \
            getattr(model, f"weight_ih_l{layer}").data
        np.copyto(cell.weight_ih.data, w_ih)
        np.copyto(cell.weight_hh.data, (model.weight_hh if first else getattr(model, f"weight_hh_l{layer}")).data)
        cells.append(cell)
    return cells


def unroll_for(model: WordRNNLM) -> gf.Unroll:
    """ids (T, N) → h_t (N, H) of the top layer after each step, through per-step cells holding the model's
    weights."""
    _check_layout(model)
    cells = _tanh_cells(model) if model.cell == "rnn" else gf.cells_of(model.rnn)

    def unroll(ids: np.ndarray) -> list[Tensor]:
        return gf.unroll_cells(cells, [model.embedding(row) for row in np.asarray(ids, dtype=np.int64)])
    return unroll


def summed_loss_for(model: WordRNNLM) -> gf.SummedLoss:
    """hidden (N, H), targets (N,) → Σ −log p(target) through the model's output layer (any softmax)."""
    def summed_loss(hidden: Tensor, targets: np.ndarray) -> Tensor:
        targets = np.asarray(targets)
        if model.softmax != "full":
            return -model._target_log_probs(hidden, targets)[0].sum()
        return F.linear_cross_entropy(hidden, model.output.weight, model.output.bias, targets, reduction="sum")
    return summed_loss


def fresh_like(model: WordRNNLM, seed: int = 0) -> WordRNNLM:
    """An untrained model of the same configuration (the trainer's initialisation, seeded), in float64."""
    counts = model.word_counts if model.softmax != "full" else None  # the same class/adaptive layout
    return WordRNNLM(**model.config(), word_counts=counts, seed=seed).double()


def pick_sentences(encoded: Sequence[np.ndarray], length: int, count: int, max_distance: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs (T, B), targets (T, B), lengths (B,)) of ``count`` sentences cut to ``length`` predictions:
    sentences reaching distance ``max_distance`` first (spread over the corpus), then the longest others."""
    usable = [i for i, s in enumerate(encoded) if len(s) >= 2]
    if not usable:
        raise UserError("no sentence has a word to predict")
    reach = min(max_distance + 1, length)
    long_enough = [i for i in usable if len(encoded[i]) - 1 >= reach]
    if len(long_enough) >= count:
        chosen = [long_enough[j] for j in np.unique(np.linspace(0, len(long_enough) - 1, count).astype(int))]
    else:
        rest = sorted(set(usable) - set(long_enough), key=lambda i: -len(encoded[i]))
        chosen = long_enough + rest[:count - len(long_enough)]
    lengths = np.array([min(len(encoded[i]) - 1, length) for i in chosen])
    T = int(lengths.max())
    inputs = np.zeros((T, len(chosen)), dtype=np.int64)
    targets = np.zeros((T, len(chosen)), dtype=np.int64)
    for b, i in enumerate(chosen):
        n = lengths[b]
        inputs[:n, b], targets[:n, b] = encoded[i][:n], encoded[i][1:n + 1]
    return inputs, targets, lengths


def measure(model: WordRNNLM, inputs: np.ndarray, targets: np.ndarray, lengths: np.ndarray,
            max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    return gf.gradient_flow(unroll_for(model), summed_loss_for(model), inputs, targets, lengths, max_distance)


def _sentences(data: str | None, ckpt: dict[str, Any], vocab: Vocabulary, column: str | None,
               csv: bool | None) -> tuple[list[list[str]], str]:
    """Tokenized sentences of --data (tokenized as the checkpoint's run did), else its training sentences."""
    if data is not None:
        lowercase = bool((ckpt.get("settings") or {}).get("lowercase", False))
        return wdata.load_corpus(data, column, lowercase, csv).sentences, data
    sentences, why = training_sentences(ckpt, vocab)
    if sentences is None:
        raise UserError(f"no --data given and {why}; pass --data FILE")
    return sentences, "the training sentences"


def gradflow_command(args: argparse.Namespace) -> int:
    from ..common.training import default_checkpoint
    from .checkpoint import DEFAULT_OUT, load_checkpoint, restore_model

    gf.check_arguments(args)
    paths = args.checkpoint or [default_checkpoint(DEFAULT_OUT, "word-rnn train")]
    models = [(p, ckpt, *restore_model(ckpt, p)) for p, ckpt in ((p, load_checkpoint(p)) for p in paths)]
    # the first checkpoint's text for all (so the curves compare models, not texts), each in its own vocabulary
    sentences, source = _sentences(args.data, models[0][1], models[0][3], args.column, args.csv)
    labels = gf.labels([m.cell for _, _, m, _ in models], [str(p) for p, _, _, _ in models])
    flows, picked = [], 0
    for label, (path, _, model, vocab) in zip(labels, models):
        inputs, targets, lengths = pick_sentences(encode_sentences(vocab, sentences), args.length, args.sequences,
                                                  args.max_distance)
        try:
            trained = measure(model.double(), inputs, targets, lengths, args.max_distance)
            fresh = measure(fresh_like(model, args.seed), inputs, targets, lengths, args.max_distance)
        except (gf.UnsupportedModel, TypeError) as err:
            raise UserError(f"gradflow cannot unroll {str(path)!r}: {err}") from None
        flows += [gf.GradientFlow(f"{label} (trained)", *trained), gf.GradientFlow(f"{label} (fresh)", *fresh)]
        picked = len(lengths)
    gf.report(flows, args, f"{picked} sentence(s) of {source}, up to {args.length} predicted tokens each (words and the end)", "word-rnn")
    return 0


def add_parser(sub: Any) -> None:
    """Register ``word-rnn gradflow``."""
    g = sub.add_parser("gradflow", help="measure vanishing gradients: |dL_t/dh_(t-k)| against the distance k",
                       description=gf.DESCRIPTION + " Sequences: whole sentences, each from a zero state.")
    gf.add_arguments(g, "word-rnn train", "checkpoints/word_rnn", length=40, sequences=16, max_distance=20)
    g.add_argument("--column", help="CSV column of --data (default: the first)")
    g.add_argument("--csv", action="store_true", default=None, help="read --data as CSV whatever its name")
