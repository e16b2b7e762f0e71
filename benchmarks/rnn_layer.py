"""Recurrent layers, forward + backward: fused op vs per-step composition vs PyTorch, in one process.

    python benchmarks/rnn_layer.py [--rounds 7] [--threads N] [--dtype float32] [--layers rnn,lstm,gru]
                                   [--sizes default|grid] [--composed]

Without ``--threads`` the script runs twice, with 1 and with 2 BLAS threads (a subprocess each: numpy's
BLAS thread count is fixed when numpy is imported), and torch gets the same count.

For each size (T, B, H, L) (input size I = H, L layers): x (T, B, I) and h0 (L, B, H) require grad,
the layer runs forward, then backward from a fixed random upstream gradient of the output; every
parameter gradient, dx and dh0 are computed. The implementations alternate in rounds; reported are the
median and the best round in µs per forward+backward, and torch/fused of the medians (> 1: ours faster).

* fused:    ``nn.LSTM(fused=True)`` — one autograd node per layer, hand-derived BPTT in numpy
* composed: ``nn.LSTM(fused=False)`` — one cell step of Tensor ops per time step (``--composed``)
* torch:    ``torch.nn.LSTM`` (if importable)
(likewise RNN and GRU)
"""
from __future__ import annotations

from timing import blas_threads, clock_for, interleaved_rounds, machine_line  # benchmarks/timing.py

THREADS = blas_threads()  # before numpy is imported

import argparse  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_rnn import Tensor, manual_seed, nn  # noqa: E402

# (T, B, H, layers): batch 1, 32, 50; H 100-256; T 25-50; 1-2 layers; (50, 50, 128, 2) is char-rnn's
# default LSTM configuration
SIZES = {
    "default": [(25, 1, 100, 1), (25, 32, 100, 1), (50, 50, 128, 2), (50, 32, 256, 1), (25, 50, 256, 2),
                (50, 1, 256, 2)],
    "grid": [(T, B, H, L) for T in (25, 50) for B in (1, 32, 50) for H in (100, 128, 256) for L in (1, 2)],
}
LAYERS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def ours(kind: str, fused: bool, x0: np.ndarray, h00: np.ndarray, g: np.ndarray, L: int, state: dict,
         dtype) -> Callable[[], None]:
    T, B, H = g.shape
    layer = getattr(nn, LAYERS[kind])(x0.shape[2], H, L, fused=fused, dtype=dtype)
    layer.load_state_dict(state)

    def run() -> None:
        x = Tensor(x0, requires_grad=True)
        h0 = Tensor(h00, requires_grad=True)
        layer.zero_grad()
        out, _ = layer(x, (h0, h0) if kind == "lstm" else h0)
        out.backward(g)

    return run


def theirs(kind: str, torch, x0: np.ndarray, h00: np.ndarray, g: np.ndarray, L: int, state: dict) -> Callable[[], None]:
    T, B, H = g.shape
    layer = getattr(torch.nn, LAYERS[kind])(x0.shape[2], H, L).to(getattr(torch, str(x0.dtype)))
    layer.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    gt = torch.from_numpy(g)

    def run() -> None:
        x = torch.from_numpy(x0).requires_grad_()
        h0 = torch.from_numpy(h00).requires_grad_()
        layer.zero_grad(set_to_none=True)
        out, _ = layer(x, (h0, h0) if kind == "lstm" else h0)
        out.backward(gt)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS and torch threads (default: run 1 and 2)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--layers", default="rnn,lstm,gru", help="comma-separated subset of rnn,lstm,gru")
    parser.add_argument("--sizes", choices=sorted(SIZES), default="default")
    parser.add_argument("--composed", action="store_true", help="also time the per-step composition (slow)")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    kinds = [k for k in args.layers.split(",") if k]
    if any(k not in LAYERS for k in kinds):
        parser.error(f"--layers takes a comma-separated subset of {','.join(LAYERS)}, got {args.layers!r}")
    print(f"layer forward + backward (dx, dh0, all weights), {args.dtype}, {args.rounds} alternating rounds; "
          + machine_line(args.threads) + ("" if torch else "; torch not installed"))
    header = (f"{'layer':>5} {'T':>3} {'B':>3} {'H':>4} {'L':>2} | {'fused µs':>17} {'torch µs':>17} "
              f"{'composed µs':>12} | {'torch/fused':>11} {'composed/fused':>14}")
    print(header + "\n" + " " * 23 + "|  median    best    median    best")
    print("-" * len(header))
    clock = clock_for(args.threads)
    for kind, (T, B, H, L) in ((k, size) for k in kinds for size in SIZES[args.sizes]):
        rng = np.random.default_rng(0)
        x0 = rng.standard_normal((T, B, H)).astype(dtype)
        h00 = rng.standard_normal((L, B, H)).astype(dtype) * 0.1
        g = rng.standard_normal((T, B, H)).astype(dtype)
        manual_seed(0)
        state = getattr(nn, LAYERS[kind])(H, H, L, dtype=dtype).state_dict()
        fns = [ours(kind, True, x0, h00, g, L, state, dtype)]
        if torch:
            fns.append(theirs(kind, torch, x0, h00, g, L, state))
        if args.composed:
            fns.append(ours(kind, False, x0, h00, g, L, state, dtype))
        rounds = interleaved_rounds(fns, args.rounds, clock=clock)
        med = [float(np.median(r)) for r in rounds]
        best = [min(r) for r in rounds]
        t_torch = (med[1], best[1]) if torch else (float("nan"),) * 2
        t_comp = med[-1] if args.composed else float("nan")
        print(f"{kind:>5} {T:>3} {B:>3} {H:>4} {L:>2} | {med[0] * 1e6:>8.0f} {best[0] * 1e6:>8.0f} "
              f"{t_torch[0] * 1e6:>8.0f} {t_torch[1] * 1e6:>8.0f} {t_comp * 1e6:>12.0f} | "
              f"{t_torch[0] / med[0]:>11.2f} {t_comp / med[0]:>14.2f}", flush=True)
    print("ratios > 1 mean the fused op is faster (ratios of medians)")


if __name__ == "__main__":
    main()
