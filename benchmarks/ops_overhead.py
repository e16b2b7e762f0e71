"""Per-op overhead and large-op throughput of the engine, side by side with PyTorch when it is installed.

    python benchmarks/ops_overhead.py [--rounds 9] [--threads N]

Without ``--threads`` the script runs itself twice, with 1 and with 2 BLAS threads (numpy reads the thread
count when it is imported, so each count needs its own process); torch gets the same count.

1. Overhead: a chain of small elementwise ops on a (4, 4) tensor, forward + backward, in µs per op.
   At this size the arithmetic is almost free, so this is the Python cost of recording and walking the
   graph; the hand-written numpy forward and backward of the same chain is the floor.
2. Throughput: a (512, 512) @ (512, 512) matmul + tanh + sum, forward + backward, in ms; BLAS decides it.

The contenders alternate in rounds in one process; each round's time is the best of a few repeats, and the
median and best round are printed. The small chain is timed in CPU time of the process (time.process_time:
single-threaded work, and on a shared machine wall-clock time mostly measures the neighbours); the large
product in wall-clock time, as its BLAS threads are the point. Ratios are ours / theirs, so below 1 means tinygrad_rnn takes less time
(the per-op target of issue 13 is ours / torch <= 0.6).
"""
from __future__ import annotations

import os
import sys


def _threads_from_argv() -> str | None:
    # BLAS reads its thread count when numpy is imported, so this is decided before that import
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return None


THREADS = _threads_from_argv()
if THREADS is not None:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = THREADS

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_rnn import Tensor  # noqa: E402
from timing import best_time  # noqa: E402  (benchmarks/timing.py: this script's folder is on sys.path)

CHAIN = 100  # ops per chain: x*w + b, tanh, repeated
OPS_PER_CHAIN = 3 * (CHAIN // 3) + 1  # mul, add, tanh per link, plus the final sum


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


def torch_runs(torch, x0, w0, a0, b0) -> tuple[Callable[[], None], Callable[[], None]]:
    def small() -> None:
        x = torch.tensor(x0, requires_grad=True)
        w = torch.tensor(w0, requires_grad=True)
        h = x
        for _ in range(CHAIN // 3):
            h = torch.tanh(h * w + 0.1)
        h.sum().backward()

    def large() -> None:
        a = torch.tensor(a0, requires_grad=True)
        b = torch.tensor(b0, requires_grad=True)
        torch.tanh(a @ b).sum().backward()

    return small, large


def rounds_of(contenders: dict[str, Callable[[], None]], rounds: int, scale: float,
              clock: Callable[[], float] = time.perf_counter) -> dict[str, list[float]]:
    """Each contender's time per call (times ``scale``) in every round; contenders alternate within a round."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            times[name].append(best_time(fn, 3, min_seconds=0.1, clock=clock) * scale)
    return times


def report(title: str, unit: str, times: dict[str, list[float]]) -> None:
    ours = statistics.median(times["tinygrad_rnn"])
    print(f"\n{title}, {unit} (median of rounds; best in brackets)")
    for name, ts in times.items():
        med = statistics.median(ts)
        ratio = "" if name == "tinygrad_rnn" else f"   ours / {name} = {ours / med:.2f}x"
        print(f"  {name:<20} {med:8.2f}  [{min(ts):8.2f}]{ratio}")


def run_one(threads: str, rounds: int) -> None:
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((4, 4)).astype(np.float32)
    w0 = rng.standard_normal((4, 4)).astype(np.float32) * 0.5
    a0 = rng.standard_normal((512, 512)).astype(np.float32)
    b0 = rng.standard_normal((512, 512)).astype(np.float32) / 22
    small = {"tinygrad_rnn": small_chain_ours(x0, w0), "hand-written numpy": small_chain_numpy(x0, w0)}
    large = {"tinygrad_rnn": large_ours(a0, b0)}
    try:
        import torch

        torch.set_num_threads(int(threads))
        small["pytorch"], large["pytorch"] = torch_runs(torch, x0, w0, a0, b0)
        which = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        which = "torch not installed: PyTorch columns skipped"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"=== BLAS threads {threads}; {which}; load average {load} ({os.cpu_count()} CPUs)")
    report(f"small-op chain ({OPS_PER_CHAIN} ops on (4, 4) float32), forward+backward", "µs per op",
           rounds_of(small, rounds, 1e6 / OPS_PER_CHAIN, clock=time.process_time))
    report("(512x512) @ (512x512) -> tanh -> sum, forward+backward", "ms", rounds_of(large, max(3, rounds // 3), 1e3))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", help="BLAS (and torch) threads; default: run with 1 and with 2")
    args = parser.parse_args()
    if THREADS is not None:
        run_one(THREADS, args.rounds)
        return
    for threads in ("1", "2"):
        subprocess.run([sys.executable, __file__, "--threads", threads, "--rounds", str(args.rounds)], check=True)


if __name__ == "__main__":
    main()
