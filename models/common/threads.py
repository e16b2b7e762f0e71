"""How many BLAS threads the trainers use: one by default, unless the environment says otherwise.

numpy's BLAS (OpenBLAS) reads its thread count from the environment once, when numpy is imported; it
cannot be changed afterwards without threadpoolctl (not a dependency). So :func:`configure_blas_threads`
must run before anything imports numpy: the ``python -m models.char_rnn`` / ``models.word_rnn`` entry
points call it first thing. After numpy is imported it changes nothing and says so.

Why one: at the models' sizes (hidden 100-256, batch 1-50) a second BLAS thread saves little of a
step, and on a machine shared with other work a spinning second thread costs more than it gains
(benchmarks/rnn_layer.py and benchmarks/char_rnn.py print both counts side by side; see the README's
speed section). ``OPENBLAS_NUM_THREADS=2 python -m models.char_rnn train ...`` overrides it.
"""
from __future__ import annotations

import os
import sys
from typing import MutableMapping

__all__ = ["THREAD_VARS", "DEFAULT_BLAS_THREADS", "configure_blas_threads", "blas_threads_line", "chosen_blas_threads_line"]

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
DEFAULT_BLAS_THREADS = 1
_chosen: tuple[int | None, str] | None = None  # what configure_blas_threads() decided for this process


def configure_blas_threads(environ: MutableMapping[str, str] | None = None,
                           default: int = DEFAULT_BLAS_THREADS) -> tuple[int | None, str]:
    """Pick the BLAS thread count: the user's (any of ``THREAD_VARS`` set) or ``default``.

    Returns ``(count, source)``: count None when it is unknown (numpy was imported before this call and
    no variable is set, so BLAS chose by itself), source one of "environment", "default" or
    "numpy already imported". Sets the variables only when none is set and numpy is not imported yet.
    """
    global _chosen
    if environ is None:
        _chosen = configure_blas_threads(os.environ, default)
        return _chosen
    for var in THREAD_VARS:
        value = environ.get(var, "").strip()
        if value:
            return (int(value) if value.isdigit() else None), "environment"
    if "numpy" in sys.modules:
        return None, "numpy already imported"
    for var in THREAD_VARS:
        environ[var] = str(default)
    return default, "default"


def blas_threads_line(count: int | None, source: str) -> str:
    """One line for the trainers' output naming the thread count and how to change it."""
    if source == "environment":
        return f"BLAS threads: {count if count is not None else 'as set'} (from the environment)"
    if source == "default":
        return f"BLAS threads: {count} (the default; set OPENBLAS_NUM_THREADS=2 before starting to change it)"
    return "BLAS threads: chosen by the BLAS library (numpy was imported before the default could be set)"


def chosen_blas_threads_line() -> str:
    """The trainers' line: the count this process's entry point chose (or what can be told after the fact)."""
    return blas_threads_line(*(_chosen or configure_blas_threads(dict(os.environ))))
