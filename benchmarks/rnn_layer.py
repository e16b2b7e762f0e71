"""Recurrent layers, forward + backward: fused op vs per-step composition vs PyTorch, in one process.

    python benchmarks/rnn_layer.py [--repeats 7] [--threads N] [--dtype float32] [--layers rnn,lstm,gru]

The tanh RNN layer (``rnn``) is the one the issue asks for; ``lstm`` and ``gru`` use the same setup.

For each size (T, B, H) (input size I = H): x (T, B, I) and h0 (1, B, H) require grad, the layer
runs forward, then backward from a fixed random upstream gradient of the output; every parameter
gradient, dx and dh0 are computed. Reported: best-of-repeats µs per forward+backward, and ratios.

* fused:    ``nn.RNN(fused=True)``  — one autograd node per layer, hand-derived BPTT in numpy
* composed: ``nn.RNN(fused=False)`` — one cell step of Tensor ops per time step
* torch:    ``torch.nn.RNN`` (if importable), with ``torch.set_num_threads`` equal to ``--threads``
(likewise LSTM and GRU)

numpy's BLAS thread count cannot be changed from inside the process without extra packages, so
``--threads`` defaults to what numpy's BLAS uses: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else the
CPU count. For an exact match run e.g. ``OPENBLAS_NUM_THREADS=1 python benchmarks/rnn_layer.py --threads 1``.
"""
from __future__ import annotations

import argparse
import os
from typing import Callable

import numpy as np

from tinygrad_rnn import Tensor, manual_seed, nn
from timing import best_time  # benchmarks/timing.py (this script's folder is on sys.path)

SIZES = [(25, 1, 100), (50, 32, 256)]


LAYERS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def ours(kind: str, fused: bool, x0: np.ndarray, h00: np.ndarray, g: np.ndarray, state: dict, dtype) -> Callable[[], None]:
    T, B, H = g.shape
    layer = getattr(nn, LAYERS[kind])(x0.shape[2], H, fused=fused, dtype=dtype)
    layer.load_state_dict(state)

    def run() -> None:
        x = Tensor(x0, requires_grad=True)
        h0 = Tensor(h00, requires_grad=True)
        layer.zero_grad()
        out, _ = layer(x, (h0, h0) if kind == "lstm" else h0)
        out.backward(g)

    return run


def theirs(kind: str, torch, x0: np.ndarray, h00: np.ndarray, g: np.ndarray, state: dict) -> Callable[[], None]:
    T, B, H = g.shape
    layer = getattr(torch.nn, LAYERS[kind])(x0.shape[2], H).to(getattr(torch, str(x0.dtype)))
    layer.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    gt = torch.from_numpy(g)

    def run() -> None:
        x = torch.from_numpy(x0).requires_grad_()
        h0 = torch.from_numpy(h00).requires_grad_()
        layer.zero_grad(set_to_none=True)
        out, _ = layer(x, (h0, h0) if kind == "lstm" else h0)
        out.backward(gt)

    return run


def default_threads() -> int:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=default_threads(), help="torch.set_num_threads (default: numpy's BLAS threads)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--layers", default="rnn,lstm,gru", help="comma-separated subset of rnn,lstm,gru")
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
    print(f"layer forward + backward (dx, dh0, all weights), {args.dtype}, best of {args.repeats}; "
          f"torch threads = {args.threads}" + ("" if torch else "; torch not installed"))
    header = f"{'layer':>5} {'T':>3} {'B':>3} {'H':>4} | {'fused µs':>10} {'composed µs':>12} {'torch µs':>10} | {'composed/fused':>14} {'torch/fused':>11}"
    print(header)
    print("-" * len(header))
    for kind, (T, B, H) in ((k, size) for k in kinds for size in SIZES):
        rng = np.random.default_rng(0)
        x0 = rng.standard_normal((T, B, H)).astype(dtype)
        h00 = rng.standard_normal((1, B, H)).astype(dtype) * 0.1
        g = rng.standard_normal((T, B, H)).astype(dtype)
        manual_seed(0)
        state = getattr(nn, LAYERS[kind])(H, H, dtype=dtype).state_dict()
        t_fused = best_time(ours(kind, True, x0, h00, g, state, dtype), args.repeats)
        t_comp = best_time(ours(kind, False, x0, h00, g, state, dtype), args.repeats)
        t_torch = best_time(theirs(kind, torch, x0, h00, g, state), args.repeats) if torch else float("nan")
        print(f"{kind:>5} {T:>3} {B:>3} {H:>4} | {t_fused * 1e6:>10.1f} {t_comp * 1e6:>12.1f} {t_torch * 1e6:>10.1f} | "
              f"{t_comp / t_fused:>14.2f} {t_torch / t_fused:>11.2f}")
    print("ratios > 1 mean the fused op is faster")


if __name__ == "__main__":
    main()
