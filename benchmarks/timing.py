"""The one timing rule every benchmark here uses: best of several repeats, each long enough to measure."""
from __future__ import annotations

import time
from typing import Callable


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
