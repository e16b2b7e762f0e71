"""Vanishing gradients, measured: how much the loss at step t still depends on the hidden state k steps back.

Definition. Run a recurrent model over a sequence x_0 .. x_{T−1} from a zero state, h_t its (top-layer)
hidden state after reading x_t, and L_t = −log p(y_t | x_≤t) the cross-entropy of the prediction made
from h_t. For every distance k = 0..K

    G(k) = mean over sequences b and positions t >= k of  ‖∂L_t / ∂h_{t−k}‖₂

(``count[k]`` says how many (t, b) pairs entered the mean). ∂L_t/∂h_s is the gradient that reaches h_s
through the computation graph: for an LSTM the cell state c_s is a separate path, so it is the
sensitivity of L_t to a change of h_s alone. It is the true gradient whatever truncation training used.

How. A model supplies an *unroll*: the sequence run one step at a time through the library's cells
(``nn.RNNCell``/``LSTMCell``/``GRUCell`` with the checkpoint's weights), so each h_t is a Tensor of the
graph, on which ``retain_grad()`` keeps its gradient. One backward per target t would cost T backwards;
instead each (t, b) gets a column of its own in one batch of N = Σ_b T_b copies, whose loss counts
only position t, and a single backward of the summed losses gives, in column n, ∂L_{t(n)}/∂h_s for
every s at once (the copies do not interact). The arithmetic is still O(T²) per sequence.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_rnn import Tensor, cat, nn

# ids (T, N) -> the top-layer hidden state after each step, T Tensors (N, H)
Unroll = Callable[[np.ndarray], list[Tensor]]
# hidden (N, H), targets (N,) -> the SUM of the N cross-entropies (a scalar Tensor)
SummedLoss = Callable[[Tensor, np.ndarray], Tensor]

_CELL_OF = {"RNN": nn.RNNCell, "LSTM": nn.LSTMCell, "GRU": nn.GRUCell}


class UnsupportedModel(ValueError):
    """The model has a layout the per-step unroll does not cover (the message says which)."""


def cells_of(layer: nn.Module) -> list[nn.Module]:
    """Per-layer cells holding copies of an ``nn.RNN``/``nn.LSTM``/``nn.GRU``'s weights (layer 0 first)."""
    kind = type(layer).__name__
    if kind not in _CELL_OF or not isinstance(layer, (nn.RNN, nn.LSTM, nn.GRU)):
        raise UnsupportedModel(f"no per-step cell for a {kind} layer")
    if layer.bidirectional:
        raise UnsupportedModel("a bidirectional layer has no single past to measure")
    cells = []
    for k in range(layer.num_layers):
        w_ih = getattr(layer, f"weight_ih_l{k}").data
        kwargs: dict[str, Any] = {"bias": layer.bias, "dtype": w_ih.dtype}
        if kind == "RNN":
            kwargs["nonlinearity"] = layer.nonlinearity
        cell = _CELL_OF[kind](w_ih.shape[1], layer.hidden_size, **kwargs)
        for name in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if layer.bias else ()):
            np.copyto(getattr(cell, name).data, getattr(layer, f"{name}_l{k}").data)
        cells.append(cell)
    return cells


def unroll_cells(cells: Sequence[nn.Module], inputs: Sequence[Tensor]) -> list[Tensor]:
    """Run ``inputs`` (T Tensors (N, I)) through stacked ``cells`` from a zero state, one step at a time.

    Returns the top cell's hidden state after each step: T Tensors (N, H). No dropout (an eval pass)."""
    states: list[Any] = [None] * len(cells)
    tops = []
    for x in inputs:
        for i, cell in enumerate(cells):
            states[i] = cell(x, states[i])
            x = states[i][0] if isinstance(cell, nn.LSTMCell) else states[i]
        tops.append(x)
    return tops


@dataclass
class GradientFlow:
    """``mean_norm[k]`` = G(k) of the module docstring over ``count[k]`` (t, sequence) pairs, k = 0..K."""

    label: str
    mean_norm: np.ndarray
    count: np.ndarray

    @property
    def distances(self) -> np.ndarray:
        return np.arange(len(self.mean_norm))


def gradient_flow(unroll: Unroll, summed_loss: SummedLoss, inputs: np.ndarray, targets: np.ndarray,
                  lengths: Sequence[int] | None = None, max_distance: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """(mean ‖∂L_t/∂h_{t−k}‖ (K+1,), pairs counted (K+1,)) for k = 0..K over the B sequences of ``inputs``.

    inputs, targets: (T, B) int arrays, column b a sequence; ``lengths[b]`` of its positions are real (the
    rest is padding, never read: default all T). A distance no pair reaches has mean NaN and count 0.
    """
    inputs, targets = np.asarray(inputs), np.asarray(targets)
    if inputs.ndim != 2 or inputs.shape != targets.shape:
        raise ValueError(f"inputs and targets must be (T, B) of one shape, got {inputs.shape} and {targets.shape}")
    T, B = inputs.shape
    lengths = np.full(B, T) if lengths is None else np.asarray(lengths, dtype=np.int64)
    if max_distance < 0 or lengths.shape != (B,) or lengths.min(initial=1) < 1 or lengths.max(initial=0) > T:
        raise ValueError("max_distance must be >= 0 and every length in [1, T]")
    # one column per (t, b), ordered by t, so the columns of a target position are one slice
    t_of = np.concatenate([np.full(int((lengths > t).sum()), t) for t in range(int(lengths.max()))])
    b_of = np.concatenate([np.flatnonzero(lengths > t) for t in range(int(lengths.max()))])
    steps = int(t_of.max()) + 1
    hidden = unroll(inputs[:steps, b_of])
    for h in hidden:
        h.retain_grad()
    starts = np.searchsorted(t_of, np.arange(steps + 1))
    picked = cat([hidden[t][int(starts[t]):int(starts[t + 1])] for t in range(steps)], 0)
    summed_loss(picked, targets[t_of, b_of]).backward()

    K = int(max_distance)
    sums, count = np.zeros(K + 1), np.zeros(K + 1, dtype=np.int64)
    for s, h in enumerate(hidden):
        if h.grad is None:
            continue
        norms = np.linalg.norm(np.asarray(h.grad, dtype=np.float64), axis=1)
        k = t_of - s
        use = (k >= 0) & (k <= K)
        np.add.at(sums, k[use], norms[use])
        np.add.at(count, k[use], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, sums / np.maximum(count, 1), np.nan)
    return mean, count


def format_table(flows: Sequence[GradientFlow], every: int = 1) -> str:
    """The curves side by side: distance k, then G(k) of each flow (and the pairs averaged)."""
    K = max(len(f.mean_norm) for f in flows) - 1
    width = max([len(f.label) for f in flows] + [10])
    head = f"{'k':>4}  " + "  ".join(f"{f.label:>{width}}" for f in flows) + "  pairs"
    lines = [head]
    for k in range(K + 1):
        if k % every and k != K:
            continue
        cells = []
        for f in flows:
            v = f.mean_norm[k] if k < len(f.mean_norm) else math.nan
            cells.append(f"{v:>{width}.3e}" if math.isfinite(v) else f"{'-':>{width}}")
        pairs = max(int(f.count[k]) if k < len(f.count) else 0 for f in flows)
        lines.append(f"{k:>4}  " + "  ".join(cells) + f"  {pairs:>5}")
    return "\n".join(lines)


def plot_flows(path: str, flows: Sequence[GradientFlow], title: str) -> None:
    """A PNG of the curves on a log scale: a trained model solid, a label containing 'fresh' dashed."""
    from .plotting import plot_curves

    curves, colours = [], {}
    for f in flows:
        keep = np.isfinite(f.mean_norm) & (f.mean_norm > 0)
        colour = colours.setdefault(f.label.split(" (")[0], f"C{len(colours)}")  # a model and its fresh twin alike
        curves.append((f.distances[keep], f.mean_norm[keep], f.label, colour + ("--" if "fresh" in f.label else "-")))
    plot_curves(path, curves, xlabel="distance k (steps back)", ylabel="mean ‖∂L_t / ∂h_{t−k}‖",
                title=title, yscale="log")


# ------------------------------------------------------------------------------------ the commands
DESCRIPTION = ("For each target position t, L_t is the cross-entropy of the prediction at t; the command prints "
               "the mean over positions and sequences of the norm of dL_t/dh_(t-k) (h the top layer's hidden "
               "state) for k = 0..K, for each trained model and for a fresh, untrained one of the same "
               "configuration. The model is run step by step through the library's RNN/LSTM/GRU cells with "
               "the checkpoint's weights, the gradients read with Tensor.retain_grad().")


MAX_COST = 100_000  # length² x sequences: ~1 GB of graph for a 100-unit LSTM in float64


def add_arguments(parser: Any, program: str, default_dir: str, length: int, sequences: int, max_distance: int) -> None:
    """The options both models' ``gradflow`` share."""
    parser.add_argument("--checkpoint", metavar="CKPT", action="append",
                        help=f"a checkpoint written by `{program}`; repeat to compare models (rnn vs gru vs lstm) "
                             f"(default {default_dir}/best.npz, else last.npz)")
    parser.add_argument("--data", metavar="FILE", help="text to measure on (default: the first checkpoint's "
                                                       "training text)")
    parser.add_argument("--length", type=int, default=length, metavar="T", help="steps per sequence (default %(default)s)")
    parser.add_argument("--sequences", type=int, default=sequences, metavar="B", help="sequences averaged over (default %(default)s)")
    parser.add_argument("--max-distance", type=int, default=max_distance, metavar="K", help="largest distance k (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the fresh models' initialisation (default %(default)s)")
    parser.add_argument("--plot", metavar="FILE.png", help="also write the curves as a PNG (needs matplotlib)")
    parser.add_argument("--every", type=int, default=1, metavar="N", help="print every N-th distance in the table (default %(default)s)")


def check_arguments(args: Any) -> None:
    """One-line errors for impossible sizes (and a missing matplotlib) before any work."""
    from .errors import UserError
    from .plotting import plot_path, require_matplotlib

    for name in ("length", "sequences", "every"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    if args.max_distance < 0:
        raise UserError(f"--max-distance must be >= 0, got {args.max_distance}")
    if args.length ** 2 * args.sequences > MAX_COST:
        # every (t, sequence) pair is a column of one graph of --length steps: memory grows as T² x B
        raise UserError(f"--length {args.length} and --sequences {args.sequences} need one backward pass over "
                        f"{args.length ** 2 * args.sequences:,} (length² x sequences) hidden states; keep that at "
                        f"most {MAX_COST:,}")
    if args.plot:
        require_matplotlib()
        args.plot = plot_path(args.plot)


def labels(names: Sequence[str], paths: Sequence[str]) -> list[str]:
    """``names`` (e.g. the cells), with the checkpoint path added where two would be the same."""
    return [n if names.count(n) == 1 else f"{n} {p}" for n, p in zip(names, paths)]


def report(flows: Sequence[GradientFlow], args: Any, what: str, program: str, notes: Sequence[str] = (),
           out: Callable[[str], None] = print) -> None:
    """Print the table (and the ratio that summarises each curve), write --plot."""
    K = args.max_distance
    out(f"mean |dL_t/dh_(t-k)| over {what}")
    out(format_table(flows, args.every))
    for f in flows:
        ok = np.isfinite(f.mean_norm)
        last = int(np.flatnonzero(ok)[-1]) if ok.any() else 0
        if last > 0 and f.mean_norm[0] > 0:
            out(f"  {f.label}: G({last}) / G(0) = {f.mean_norm[last] / f.mean_norm[0]:.2e}")
    for note in notes:
        out(note)
    if args.plot:
        plot_flows(args.plot, flows, f"{program}: gradient reaching h_(t-k), k = 0..{K}")
        out(f"plot: {args.plot}")
