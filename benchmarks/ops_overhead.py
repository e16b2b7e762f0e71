"""Per-op overhead and large-op throughput of the engine, side by side with PyTorch when it is installed.

    python benchmarks/ops_overhead.py [--repeats 5]

1. Overhead: a chain of small elementwise ops on a (4, 4) tensor, forward + backward, in µs per op.
   At this size the arithmetic is free, so this is the Python cost of recording and walking the graph.
Ratios are other / ours: above 1 means tinygrad_rnn is faster.
2. Throughput: a (512, 512) @ (512, 512) matmul + tanh + sum, forward + backward, in ms; BLAS decides it.
"""
from __future__ import annotations

from timing import best_time, blas_threads, machine_line  # benchmarks/timing.py (this script's folder is on sys.path)

THREADS = blas_threads()  # before numpy is imported: without --threads, runs with 1 and with 2

import argparse  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_rnn import Tensor  # noqa: E402

CHAIN = 100  # ops per chain: x*w + b, tanh, repeated


def small_chain_ours(x0: np.ndarray, w0: np.ndarray) -> Callable[[], None]:
    def run() -> None:
        x = Tensor(x0, requires_grad=True)
        w = Tensor(w0, requires_grad=True)
        h = x
        for _ in range(CHAIN // 3):
            h = (h * w + 0.1).tanh()
        h.sum().backward()
    return run


def small_chain_numpy(x0: np.ndarray, w0: np.ndarray) -> Callable[[], None]:
    """The same chain with hand-written forward and backward in plain numpy: the floor for this work."""
    def run() -> None:
        hs = [x0]
        for _ in range(CHAIN // 3):
            hs.append(np.tanh(hs[-1] * w0 + 0.1))
        g = np.ones_like(x0)
        gw = np.zeros_like(w0)
        for k in range(len(hs) - 1, 0, -1):
            g = g * (1 - hs[k] ** 2)
            gw += g * hs[k - 1]
            g = g * w0
    return run


def large_ours(a0: np.ndarray, b0: np.ndarray) -> Callable[[], None]:
    def run() -> None:
        a = Tensor(a0, requires_grad=True)
        b = Tensor(b0, requires_grad=True)
        (a @ b).tanh().sum().backward()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS and torch threads (default: run 1 and 2)")
    args = parser.parse_args()
    print(machine_line(args.threads))
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((4, 4)).astype(np.float32)
    w0 = rng.standard_normal((4, 4)).astype(np.float32) * 0.5
    a0 = rng.standard_normal((512, 512)).astype(np.float32)
    b0 = rng.standard_normal((512, 512)).astype(np.float32) / 22

    ops_per_chain = 3 * (CHAIN // 3) + 1  # mul, add, tanh per link, plus the final sum
    ours_small = best_time(small_chain_ours(x0, w0), args.repeats) / ops_per_chain * 1e6
    numpy_small = best_time(small_chain_numpy(x0, w0), args.repeats) / ops_per_chain * 1e6
    ours_large = best_time(large_ours(a0, b0), args.repeats) * 1e3
    torch_small = torch_large = None
    try:
        import torch

        torch.set_num_threads(args.threads)

        def torch_small_run() -> None:
            x = torch.tensor(x0, requires_grad=True)
            w = torch.tensor(w0, requires_grad=True)
            h = x
            for _ in range(CHAIN // 3):
                h = torch.tanh(h * w + 0.1)
            h.sum().backward()

        def torch_large_run() -> None:
            a = torch.tensor(a0, requires_grad=True)
            b = torch.tensor(b0, requires_grad=True)
            torch.tanh(a @ b).sum().backward()

        torch_small = best_time(torch_small_run, args.repeats) / ops_per_chain * 1e6
        torch_large = best_time(torch_large_run, args.repeats) * 1e3
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("torch not installed: PyTorch columns skipped")

    print(f"\nsmall-op chain ({ops_per_chain} ops on (4, 4) float32), forward+backward, µs per op")
    print(f"  tinygrad_rnn        {ours_small:8.2f}")
    print(f"  hand-written numpy  {numpy_small:8.2f}   (numpy / ours = {numpy_small / ours_small:.2f}x)")
    if torch_small is not None:
        print(f"  pytorch             {torch_small:8.2f}   (torch / ours = {torch_small / ours_small:.2f}x)")
    print("\n(512x512) @ (512x512) -> tanh -> sum, forward+backward, ms")
    print(f"  tinygrad_rnn        {ours_large:8.2f}")
    if torch_large is not None:
        print(f"  pytorch             {torch_large:8.2f}   (torch / ours = {torch_large / ours_large:.2f}x)")


if __name__ == "__main__":
    main()
