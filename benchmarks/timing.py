"""The rules every benchmark here uses: how to time (best of several repeats, each long enough to
measure) and with how many BLAS threads (each benchmark runs once per thread count, in a subprocess).

numpy's BLAS reads its thread count from the environment when numpy is imported, and cannot change it
afterwards without extra packages (threadpoolctl is not a dependency). So a benchmark calls
:func:`blas_threads` before importing numpy: with ``--threads N`` on its command line it sets the
environment for N threads and returns N; without, it re-runs itself once per count in ``(1, 2)`` with
``--threads N`` added, prints both runs, and exits.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Callable, Sequence

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
DEFAULT_THREAD_COUNTS = (1, 2)


def threads_arg(argv: Sequence[str]) -> int | None:
    """N of ``--threads N`` / ``--threads=N`` in ``argv``, else None (read before numpy is imported)."""
    for k, arg in enumerate(argv):
        if arg == "--threads" and k + 1 < len(argv):
            return int(argv[k + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return None


def blas_threads(counts: Sequence[int] = DEFAULT_THREAD_COUNTS) -> int:
    """Call before numpy is imported. Returns the BLAS thread count this process benchmarks with.

    ``--threads N`` in ``sys.argv``: sets OPENBLAS/OMP/MKL_NUM_THREADS to N (numpy then starts that many
    BLAS threads) and returns N. Otherwise runs this script once per count as a subprocess (same
    arguments plus ``--threads N``) and exits with the first failing status, or 0.
    """
    if "numpy" in sys.modules:
        raise RuntimeError("blas_threads() must run before numpy is imported")
    n = threads_arg(sys.argv[1:])
    if n is not None:
        for var in THREAD_VARS:
            os.environ[var] = str(n)
        return n
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        return 1
    status = 0
    for count in counts:
        print(f"===== BLAS threads = {count} =====", flush=True)
        proc = subprocess.run([sys.executable, sys.argv[0], *sys.argv[1:], "--threads", str(count)])
        status = status or proc.returncode
    sys.exit(status)


def machine_line(threads: int) -> str:
    """One line naming the thread count and the machine's load (the context every figure needs)."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"BLAS threads = {threads} (torch.set_num_threads({threads}) too); {os.cpu_count()} CPUs; load average {load}"


def best_time(fn: Callable[[], None], repeats: int, min_seconds: float = 0.2,
              clock: Callable[[], float] = time.perf_counter) -> float:
    """Best-of-``repeats`` seconds per call, each repeat running at least ``min_seconds``.

    The minimum is the least noisy estimate of the cost on a shared machine. ``clock=time.process_time``
    counts only this process's CPU time (for single-threaded work on a loaded machine).
    """
    fn()
    start = clock()
    fn()
    once = max(clock() - start, 1e-7)
    inner = max(1, int(min_seconds / once))
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for _ in range(inner):
            fn()
        best = min(best, (clock() - start) / inner)
    return best


def clock_for(threads: int) -> Callable[[], float]:
    """CPU time of this process for one thread (a loaded machine's neighbours then count less than in
    wall-clock time); wall-clock time for more (waiting BLAS threads spin, so CPU time would overcount)."""
    return time.process_time if threads == 1 else time.perf_counter


def interleaved_rounds(fns: Sequence[Callable[[], None]], rounds: int, min_seconds: float = 0.1,
                       clock: Callable[[], float] = time.perf_counter) -> list[list[float]]:
    """Seconds per call of each of ``fns`` in each of ``rounds`` alternating rounds (a change in the
    machine's load then hits all of them alike): one list of ``rounds`` figures per function."""
    inner = []
    for fn in fns:
        fn()
        start = clock()
        fn()
        inner.append(max(1, int(min_seconds / max(clock() - start, 1e-6))))
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            start = clock()
            for _ in range(inner[k]):
                fn()
            times[k].append((clock() - start) / inner[k])
    return times
