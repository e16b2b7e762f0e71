"""The training-loop skeleton both trainers share: the optimizer factory, the run budget, the progress
bar, the ``--out DIR`` layout (``last.npz``, ``best.npz``) and its checks, and the resume-conflict check.

What each loop does in one step, how it evaluates and what its checkpoints hold stay with its model.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from tinygrad_rnn import optim

from .errors import UserError

DTYPES = ("float32", "float64")
LAST, BEST = "last.npz", "best.npz"
CHECKPOINT_FILES = (LAST, BEST)
MAX_TIME_HELP = ("stop after this many seconds of training in this session (reading and preparing the corpus "
                 "does not count); a checkpoint is saved")

# Adagrad's two published rules: PyTorch's (eps 1e-10 outside the square root, the library default) and
# min-char-rnn's `p -= lr * g / sqrt(mem + 1e-8)`
ADAGRAD_RULES: dict[str, dict[str, Any]] = {
    "pytorch": {},
    "min-char-rnn": {"eps": 1e-8, "eps_inside_sqrt": True},
}


def make_optimizer(name: str, params: Sequence[Any], lr: float, adagrad: str = "pytorch") -> optim.Optimizer:
    """``sgd | adagrad | adam | rmsprop`` over ``params``; ``adagrad`` picks the Adagrad rule (ADAGRAD_RULES)."""
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr, **ADAGRAD_RULES[adagrad])
    if name == "adam":
        return optim.Adam(params, lr=lr)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; choose sgd, adagrad, adam or rmsprop")


# ------------------------------------------------------------------------------------------- budget
class Budget:
    """When a run stops: ``max_time`` seconds of this session (counted from ``start()``, which a trainer
    calls once its data are ready, so corpus preparation never counts), a total of ``max_count``
    iterations/sentences (counted from the run's beginning, also across a resume) and ``epochs``.

    ``reason(count, epoch)`` is the name of the limit reached (``"max-time"``, ``count_name``, ``"epochs"``)
    or None; the checks come in that order of cheapness and are the same in both trainers.
    """

    def __init__(self, max_time: float | None = None, max_count: int | None = None, epochs: int | None = None,
                 count_name: str = "max-iters") -> None:
        self.max_time, self.max_count, self.epochs, self.count_name = max_time, max_count, epochs, count_name
        self.started = time.perf_counter()

    def start(self) -> None:
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def time_left(self) -> float | None:
        return None if self.max_time is None else max(0.0, self.max_time - self.elapsed())

    def reason(self, count: int, epoch: int = 0) -> str | None:
        if self.epochs is not None and epoch >= self.epochs:
            return "epochs"
        if self.max_count is not None and count >= self.max_count:
            return self.count_name
        if self.max_time is not None and self.elapsed() >= self.max_time:
            return "max-time"
        return None

    @property
    def unbounded(self) -> bool:
        return self.max_time is None and self.max_count is None and self.epochs is None


# ------------------------------------------------------------------------------------------- progress
class _Lines:
    """A file for tqdm that prints each refresh as its own line: a log file or a CI console gets a readable
    status line every ``mininterval`` seconds instead of a stream of carriage-return frames."""

    def __init__(self, file: Any) -> None:
        self.file = file

    def write(self, s: str) -> None:
        line = s.replace("\r", "").rstrip()
        if line:
            self.file.write(line + "\n")

    def flush(self) -> None:
        self.file.flush()


def progress_bar(total: int | None, initial: int = 0, unit: str = "it", quiet: bool = False,
                 file: Any = None, **kwargs: Any):
    """A tqdm bar on stderr (``quiet`` disables it). On a terminal it redraws in place twice a second; when
    stderr is not a terminal it writes plain status lines, one every 30 seconds."""
    from tqdm import tqdm

    file = file if file is not None else sys.stderr
    tty = bool(getattr(file, "isatty", lambda: False)())
    options: dict[str, Any] = {"mininterval": 0.5, "dynamic_ncols": True} if tty else {"mininterval": 30.0,
                                                                                        "ncols": 100}
    options.update(kwargs)
    return tqdm(total=total, initial=initial, unit=unit, disable=quiet, file=file if tty else _Lines(file),
                **options)


# ------------------------------------------------------------------------------------------- --out DIR
def checkpoint_paths(out: str | os.PathLike) -> tuple[Path, Path]:
    """``(DIR/last.npz, DIR/best.npz)``: the last state of a run (to resume) and its best model by validation."""
    out = Path(out)
    return out / LAST, out / BEST


def out_dir(out: str | None, resume: str | None, default: str) -> Path:
    """Where a run writes: ``--out`` if given, else next to the ``--resume`` checkpoint, else ``default``."""
    if out is not None:
        return Path(out)
    if resume is not None:
        return Path(resume).parent
    return Path(default)


def check_out_dir(out: str | os.PathLike, resume: str | None, overwrite: bool) -> None:
    """Refuse, before any work, an ``--out`` that cannot hold checkpoints or holds another run's."""
    out = Path(out)
    for part in (out, *out.parents):
        if part.exists():
            if not part.is_dir():
                if part == out:
                    raise UserError(f"--out {str(out)!r} is a file, not a directory; pass a directory for the "
                                    "checkpoints with --out DIR")
                raise UserError(f"--out {str(out)!r} cannot be created: {str(part)!r} is a file; pass another "
                                "--out DIR")
            if not os.access(part, os.W_OK | os.X_OK):
                raise UserError(f"--out {str(out)!r} is not writable ({str(part)!r} does not allow it); pass "
                                "another --out DIR")
            break
    if resume and overwrite:
        raise UserError("--resume continues a run and --overwrite replaces one; give only one of them")
    if overwrite or (resume and out.resolve() == Path(resume).resolve().parent):
        return  # resuming writes on into its own directory
    if any((out / name).exists() for name in CHECKPOINT_FILES):
        raise UserError(f"{out} already holds checkpoints of an earlier run; pass --resume {out / LAST} to "
                        "continue it, --overwrite to replace them, or another --out")


def default_checkpoint(directory: str, program: str) -> str:
    """The model a reading command loads when given no ``--checkpoint``: the run's best, else its last."""
    best, last = Path(directory) / BEST, Path(directory) / LAST
    for path in (best, last):
        if path.exists():
            return str(path)
    raise UserError(f"no --checkpoint given and neither {best} nor {last} exists; train a model first with "
                    f"`{program}`, or pass --checkpoint CKPT")


# ------------------------------------------------------------------------------------------- resume
NOT_RECORDED = object()  # a Conflict.saved for an option the checkpoint does not record


@dataclass
class Conflict:
    """An option given with ``--resume`` whose value differs from the one the checkpoint's run used."""

    option: str  # the flag, e.g. "--lr"
    given: Any
    saved: Any = NOT_RECORDED

    def shown_given(self) -> str:
        return self.option if isinstance(self.given, bool) else f"{self.option} {_show(self.given)}"

    def shown_saved(self) -> str:
        if self.saved is NOT_RECORDED:
            return "(none recorded)"
        if isinstance(self.given, bool) or isinstance(self.saved, bool):
            return f"run (trained {'with' if self.saved else 'without'} {self.option})"
        return _show(self.saved)


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return str(value)


def refuse_resume_conflicts(conflicts: Iterable[Conflict]) -> None:
    """One UserError listing every option that contradicts the checkpoint ("--lr 0.5 differs from the
    checkpoint's 0.1; drop it or start a new run"): a resumed run keeps its model and optimiser settings,
    so such an option would otherwise be silently ignored."""
    conflicts = list(conflicts)
    if not conflicts:
        return
    options = ", ".join(c.shown_given() for c in conflicts)
    theirs = ", ".join(c.shown_saved() for c in conflicts)
    verb, pronoun = ("differs", "it") if len(conflicts) == 1 else ("differ", "them")
    raise UserError(f"{options} {verb} from the checkpoint's {theirs}; drop {pronoun} or start a new run "
                    "(a resumed run keeps the checkpoint's model and optimiser settings)")
