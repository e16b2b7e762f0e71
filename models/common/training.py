"""The training-loop skeleton both trainers share: the optimizer factory, the run budget, the progress
bar, the ``--out DIR`` layout (``last.npz``, ``best.npz``) and its checks, and the resume-conflict check.

What each loop does in one step, how it evaluates and what its checkpoints hold stay with its model.
"""
from __future__ import annotations

import errno
import math
import os
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Sequence

from tinygrad_rnn import optim

from .errors import UserError, os_error_reason

DTYPES = ("float32", "float64")
LAST, BEST = "last.npz", "best.npz"
PREVIOUS_BEST = "best.previous.npz"  # an earlier run's best, kept by an --overwrite run until it has one as good
CHECKPOINT_FILES = (LAST, BEST, PREVIOUS_BEST)
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


# ------------------------------------------------------------------------------------------- memory
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def physical_memory() -> int | None:
    """This machine's RAM in bytes (None where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PB"


def check_memory(vocab_size: int, hidden_size: int, num_layers: int, cell: str, itemsize: int,
                 tokens_per_step: int, hint: str = "--hidden-size") -> None:
    """Refuse, before allocating anything, a model whose parameters (with their gradients and optimizer
    state, about four copies) and one step's activations would not fit in this machine's memory."""
    gates = GATES.get(cell, 4)
    params = vocab_size * hidden_size * 2 + vocab_size
    width = vocab_size
    for _ in range(max(num_layers, 1)):
        params += gates * hidden_size * (width + hidden_size + 2)
        width = hidden_size
    activations = tokens_per_step * (gates * hidden_size * 3 * max(num_layers, 1) + 2 * vocab_size)
    need = (4 * params + activations) * itemsize
    ram = physical_memory()
    if ram is not None and need > ram:
        raise UserError(f"this model needs about {_size(need)} of memory ({params:,} parameters, with their "
                        f"gradients, optimizer state and one step's activations) but the machine has {_size(ram)}; "
                        f"use a smaller {hint}")


# ------------------------------------------------------------------------------------------- budget
def check_max_time(seconds: float | None) -> None:
    """The one --max-time rule of both trainers: a positive, finite number of seconds (leave it out for no limit)."""
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        raise UserError(f"--max-time must be a positive finite number of seconds (leave it out for no time limit), "
                        f"got {seconds}")



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
        self.started = False

    def write(self, s: str) -> None:
        line = s.replace("\r", "").rstrip()
        if not line:
            return
        if not self.started:  # tqdm's frame at creation ("0it [00:00, ?it/s]"): no news in a log
            self.started = True
            return
        self.file.write(line + "\n")

    def flush(self) -> None:
        self.file.flush()


def progress_bar(total: int | None, initial: int = 0, unit: str = "it", quiet: bool = False,
                 file: Any = None, **kwargs: Any):
    """A tqdm bar on stderr (``quiet`` disables it, as does a ``total`` already reached: a run with nothing to
    do shows no "0it [00:00, ?it/s]"). On a terminal it redraws in place twice a second; when stderr is not a
    terminal it writes plain status lines, one every 30 seconds."""
    from tqdm import tqdm

    file = file if file is not None else sys.stderr
    tty = bool(getattr(file, "isatty", lambda: False)())
    options: dict[str, Any] = {"mininterval": 0.5, "dynamic_ncols": True} if tty else {"mininterval": 30.0,
                                                                                        "ncols": 100}
    options.update(kwargs)
    nothing_to_do = total is not None and total <= initial
    return tqdm(total=total, initial=initial, unit=unit, disable=quiet or nothing_to_do,
                file=file if tty else _Lines(file),
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


def _probe_writable(directory: Path) -> str | None:
    """None if a file can really be created in ``directory`` (a read-only mount, /proc or a full disk fail
    here, whatever the permission bits say; root passes every access() check), else the reason, named by the
    errno ("Read-only file system" for a read-only mount, where access() would only say no)."""
    try:
        _write_test_file(directory)
    except OSError as err:
        return os_error_reason(err)
    return None


def _write_test_file(directory: Path) -> None:
    with tempfile.TemporaryFile(dir=directory, prefix=".write-test-"):
        pass


def check_out_dir(out: str | os.PathLike, resume: str | None, overwrite: bool,
                  read_resume: Callable[[str], Any] | None = None) -> None:
    """Refuse, before any work, an ``--out`` that cannot hold checkpoints or holds another run's.

    ``read_resume(path)`` is the trainer's checkpoint reader: a ``--resume`` file that the refusals below would
    offer alternatives to is read first, so a file of the other tool (or a corrupt one) is named as that, not
    answered with suggestions that would fail the same way."""
    out = Path(out)
    for part in (out, *out.parents):
        if part.exists():
            if not part.is_dir():
                if part == out:
                    raise UserError(f"--out {str(out)!r} is a file, not a directory; pass a directory for the "
                                    "checkpoints with --out DIR")
                raise UserError(f"--out {str(out)!r} cannot be created: {str(part)!r} is a file; pass another "
                                "--out DIR")
            # the probe first: its errno tells a read-only file system from missing permissions
            reason = _probe_writable(part) or (None if os.access(part, os.W_OK | os.X_OK)
                                               else os.strerror(errno.EACCES))
            if reason:
                raise UserError(f"--out {str(out)!r} is not writable ({str(part)!r}: {reason}); pass "
                                "another --out DIR")
            break
    if resume and overwrite:
        raise UserError("--resume continues a run and --overwrite replaces one; give only one of them")
    if resume and out.resolve() == Path(resume).resolve().parent:
        last = out / LAST
        if last.exists() and last.resolve() != Path(resume).resolve():
            if read_resume is not None:
                read_resume(resume)  # its own UserError first (another tool's checkpoint, a corrupt file)
            # e.g. --resume OUT/best.npz: going on from it would replace the run's further-trained last.npz
            raise UserError(f"--resume {resume} would write over {last}, the same run's latest checkpoint; to go on "
                            f"from {Path(resume).name}, pass a new --out DIR (or --resume {last} to continue the run)")
        return  # resuming writes on into its own directory
    if overwrite:
        return
    if any((out / name).exists() for name in CHECKPOINT_FILES):
        raise UserError(earlier_run_message(out))


def earlier_run_message(out: Path) -> str:
    """Why a new run refuses ``out`` and what works instead: only a file that is there is offered to --resume
    (a directory left with best.npz alone, or only best.previous.npz, has no last.npz to continue)."""
    if (out / LAST).exists():
        return (f"{out} already holds checkpoints of an earlier run; pass --resume {out / LAST} to continue it, "
                "--overwrite to replace them, or another --out")
    if (out / BEST).exists():
        return (f"{out} already holds checkpoints of an earlier run (its best.npz, no last.npz); pass --resume "
                f"{out / BEST} to continue from that model, --overwrite to replace it, or another --out")
    return (f"{out} holds {PREVIOUS_BEST}, the best model of an earlier run, and no {LAST} to resume; pass "
            f"--overwrite to replace it, or another --out (add --init-from {out / PREVIOUS_BEST} to start from "
            "its weights)")


def remove_orphaned_temps(paths: Iterable[Path]) -> list[Path]:
    """Delete the ``.NAME.<random>.tmp`` files that ``tinygrad_rnn.save`` leaves beside ``NAME`` only when its
    process was killed mid-write (``kill -9``); returns what was removed."""
    removed = []
    for path in paths:
        path = Path(path)
        if not path.parent.is_dir():
            continue
        for tmp in path.parent.glob(f".{path.name}.*.tmp"):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


class RunFiles:
    """The checkpoints of one training run, and what happens when writing them fails.

    * ``--overwrite`` removes nothing of the earlier run up front: its files (``stale``) stay until this run has
      written its own first checkpoint, so a run that fails early (a bad option, a divergence) leaves the user
      the earlier model. The earlier best model goes only when this run writes a best of its own: until then it
      is moved aside to ``best.previous.npz`` (one note line says so), so that reading commands, which take
      ``best.npz`` first, do not mistake it for this run's. It is deleted only once this run's ``best.npz`` is
      at least as good by the same measure: the best validation loss (``measure``) on the same held-out data.
      A run stopped early, whose best (char-rnn validates when stopped) is worse, or one validated on other
      data (not comparable), leaves it in place, and says so at its end (``previous_best_note``).
    * A save that fails (disk full, the directory gone read-only) does not stop training: one warning line on
      stderr, the state stays in memory, the next save point tries again, and the file it would have replaced
      is untouched (``tinygrad_rnn.save`` writes atomically). ``failing`` is the reason while it lasts.
    * A new best model that could not be written (``hold_best``, given a writer of a snapshot taken then, since
      training goes on changing the weights) is written to best.npz right after the next last.npz that is, so the
      two never disagree on the best value; if even the final save fails, it goes to the rescue directory beside
      last.npz (``final_failure``).
    * Temporary files a killed predecessor left beside the checkpoints are removed at the start.
    """

    def __init__(self, last: Path, best: Path, overwrite: bool = False, warn: Any = None,
                 extra: Sequence[Path] = (), measure: Callable[[Path], tuple[Hashable, float] | None] | None = None
                 ) -> None:
        """``measure(path)`` reads a checkpoint's ``(what its best value measures, that value)``, lower is better
        (None: it records none); two values compare only when what they measure is equal."""
        self.last, self.best = Path(last), Path(best)
        self.measure = measure
        self._previous_measure: tuple[Hashable, float] | None = None
        self.stale = [p for p in (self.last, self.best, *map(Path, extra)) if overwrite and p.exists()]
        self.written: set[Path] = set()
        # the earlier run's best, moved aside until this run has one (or left so by an earlier --overwrite run)
        aside = self._aside()
        self.previous_best: Path | None = aside if aside.exists() else None
        self.failing: str | None = None
        self.pending_best: Callable[[Path], None] | None = None  # see hold_best
        self.warn = warn or (lambda line: print(line, file=sys.stderr))
        remove_orphaned_temps((self.last, self.best))

    def hold_best(self, write: Callable[[Path], None] | None) -> None:
        """This session's best model, not written to best.npz (its save failed, or was put off): ``write(path)``
        writes it (from a snapshot: the weights change as training goes on); None when a newer best supersedes
        it. It is written after the next successful save of last.npz, or rescued by ``final_failure``."""
        self.pending_best = write

    def save(self, write: Any, path: Path) -> bool:
        """``write(path)``; False (after one warning line) if it raised a UserError/OSError, True otherwise.

        A saved last.npz is followed by the best model ``hold_best`` holds, if any."""
        path = Path(path)
        if path == self.best and self.best in self.stale:  # the earlier run's best goes aside before it is replaced
            self._move_previous_best()
            if self.best.exists():  # it could not be moved: this run's best waits rather than replace it
                self.warn(f"warning: could not keep the earlier run's best model aside ({self.best} stays); this "
                          "run's best model is saved once it can be")
                return False
            self.stale.remove(self.best)
        try:
            write(path)
        except (UserError, OSError) as err:
            reason = str(err) if isinstance(err, UserError) else os_error_reason(err)
            if self.failing is None:
                kept = (f"{path} keeps its previous save" if path.exists() and path not in self.stale
                        else "nothing of this run is saved yet")
                self.warn(f"warning: {reason}; training goes on with its state in memory and saving is retried "
                          f"at the next save point ({kept})")
            self.failing = reason
            return False
        recovered = self.failing is not None
        if recovered:
            self.warn(f"saved {path} again after the failed save(s)")
        self.failing = None
        self.written.add(path)
        for old in self.stale:  # this run has a checkpoint of its own now: the earlier run's may go
            if old in self.written:
                continue
            if old == self.best:
                self._move_previous_best()
                continue
            try:
                old.unlink(missing_ok=True)
            except OSError:
                pass
        # an earlier best that could not be moved aside stays stale: this run's best may not replace it
        self.stale = [self.best] if self.best in self.stale and self.best.exists() else []
        if path == self.best and self.previous_best is not None and self._as_good_as_previous() is True:
            try:  # replaced by a best of this run's own that is at least as good
                self.previous_best.unlink(missing_ok=True)
            except OSError:
                pass
            self.previous_best = None
        if path == self.last and self.pending_best is not None:
            pending = self.pending_best
            if self.save(pending, self.best):  # (a failure keeps it pending: warned, retried at the next save)
                self.pending_best = None
                if recovered:
                    self.warn(f"saved {self.best} too: the run's best model, which the failed save(s) had not written")
        elif path == self.best:
            self.pending_best = None
        return True

    def _measured(self, path: Path) -> tuple[Hashable, float] | None:
        if self.measure is None:
            return None
        try:
            found = self.measure(path)
        except (UserError, KeyError, TypeError, ValueError, OSError):
            return None
        if found is None or found[1] is None or not math.isfinite(float(found[1])):
            return None
        return found[0], float(found[1])

    def _as_good_as_previous(self) -> bool | None:
        """Whether this run's best.npz is at least as good as the kept best.previous.npz; None: not comparable
        (either records no best value, or they were validated on other data)."""
        if self.previous_best is None:
            return None
        if self._previous_measure is None:  # read once: the file does not change while this run goes on
            self._previous_measure = self._measured(self.previous_best)
        return self._at_least_as_good(self._measured(self.best), self._previous_measure)

    @staticmethod
    def _at_least_as_good(ours: tuple[Hashable, float] | None, theirs: tuple[Hashable, float] | None) -> bool | None:
        if ours is None or theirs is None or ours[0] != theirs[0]:
            return None
        return ours[1] <= theirs[1]

    def previous_best_note(self) -> str | None:
        """At the end of a run that saved a best model of its own: why the earlier run's is still kept, if it is."""
        if self.previous_best is None or self.best not in self.written or not self.previous_best.exists():
            return None
        why = ("this run's best model is not as good as it" if self._as_good_as_previous() is False
               else "it was validated on other data than this run's best model, so the two cannot be compared")
        return f"note: {self.previous_best} (the earlier run's best model) is kept: {why}; delete it when you no longer need it"

    def _aside(self) -> Path:
        return self.best.with_name(self.best.stem + ".previous" + (self.best.suffix or ".npz"))

    def _move_previous_best(self) -> None:
        """Move the earlier run's best.npz aside. If an earlier --overwrite already left a best.previous.npz, the
        better of the two by the same measure is kept there (the other goes); two that cannot be compared are
        both kept, the older under the next free ``best.previous.N.npz``."""
        aside = self._aside()
        if not self.best.exists():
            return
        if aside.exists():
            verdict = self._at_least_as_good(self._measured(self.best), self._measured(aside))
            try:
                if verdict is False:  # the one kept already is better: the overwritten run's best goes
                    self.best.unlink()
                    self.previous_best = aside
                    self.warn(f"note: {aside}, the best model of the earlier runs, stays (the overwritten run's "
                              f"best was not as good) until this run saves a best model at least as good")
                    return
                if verdict is None:  # not comparable: the older one is kept too, under a name of its own
                    older = self._free_aside()
                    os.replace(aside, older)
                    self.warn(f"note: {older} (an earlier run's best model, validated on other data) is kept")
                os.replace(self.best, aside)
            except OSError:
                return  # they stay where they were (save() then keeps this run's best back)
            self._previous_measure = None
        else:
            try:
                os.replace(self.best, aside)
            except OSError:
                return  # it stays where it was (save() then keeps this run's best back)
        self.previous_best = aside
        self.warn(f"note: the earlier run's best model is kept as {aside} until this run saves a best model at "
                  "least as good")

    def _free_aside(self) -> Path:
        n = 1
        while True:
            candidate = self.best.with_name(f"{self.best.stem}.previous.{n}{self.best.suffix or '.npz'}")
            if not candidate.exists():
                return candidate
            n += 1

    def final_failure(self, write: Any) -> UserError:
        """The error to raise when even the run's final save failed: the session's state is first written to a
        fresh temporary directory (another filesystem, often with room), with the session's unwritten best model
        (``hold_best``) beside it, and the line says where they went and the one command that puts them back."""
        reason = self.failing
        rescued = None
        try:
            rescued = Path(tempfile.mkdtemp(prefix="tinygrad-rnn-rescue-")) / self.last.name
            write(rescued)
        except (UserError, OSError):
            if rescued is not None:
                shutil.rmtree(rescued.parent, ignore_errors=True)
            rescued = None
        if rescued is not None and self.pending_best is not None:
            try:  # better than the best.npz on disk, and the rescued last.npz records its value
                self.pending_best(rescued.with_name(self.best.name))
            except (UserError, OSError):
                pass  # (written atomically: nothing is left of it; the training itself is still rescued)
        if rescued is not None:
            kept = "" if self.last_good() is None and not self.stale else f"; {self.kept_message()}"
            return UserError(f"the final checkpoint could not be written ({reason}); this session's training was "
                             f"saved to {rescued} instead{self._rescued_best(rescued)}: once {self.last.parent} can be "
                             f"written again (room, permissions), `{self._restore_command(rescued)}` and continue "
                             f"with --resume {self.last}{kept}")
        return UserError(f"the final checkpoint could not be written ({reason}); the training of this session is "
                         f"lost; {self.kept_message()}")

    def _rescued_best(self, rescued: Path) -> str:
        best = rescued.with_name(self.best.name)
        if not best.exists():
            return ""
        than = f", better than {self.best}," if self.best.exists() else ""
        return f" (and its best model{than} to {best})"

    def _restore_command(self, rescued: Path) -> str:
        """The shell command that moves the rescued files into place: last.npz alone, or last.npz and best.npz
        together; an earlier run's best that --overwrite has not yet set aside goes aside first, as the run would
        have done."""
        q = shlex.quote
        best = rescued.with_name(self.best.name)
        if not best.exists():
            return f"mv {q(str(rescued))} {q(str(self.last))}"
        steps = []
        if self.best in self.stale and self.best.exists():
            aside = self._aside() if not self._aside().exists() else self._free_aside()
            steps.append(f"mv {q(str(self.best))} {q(str(aside))}")
        if self.last.parent == self.best.parent:  # (the rescued files have the names they go back to)
            steps.append(f"mv {q(str(rescued))} {q(str(best))} {q(str(self.last.parent) + os.sep)}")
        else:
            steps += [f"mv {q(str(rescued))} {q(str(self.last))}", f"mv {q(str(best))} {q(str(self.best))}"]
        return " && ".join(steps)

    def last_good(self) -> Path | None:
        """The checkpoint a failed run leaves to resume from: this run's last.npz, or one it did not replace
        (resuming), never an earlier run's that ``--overwrite`` has not yet removed."""
        if self.last in self.written or (self.last.exists() and self.last not in self.stale):
            return self.last
        return None

    def kept_message(self) -> str:
        good = self.last_good()
        if good is not None:
            return f"the last good checkpoint is kept at {good}"
        if self.stale:
            return f"this run saved no checkpoint; the earlier run's files in {self.last.parent} are untouched"
        return "no checkpoint was saved"


def better_best(current: float | None, best_file: Path, read: Any) -> float | None:
    """The lower of ``current`` and the best value recorded in the run's own ``best.npz`` (``read(path)`` gives
    it, or raises): a checkpoint written before its run's last evaluation, or by an older version, may not
    know the best value so far, and a resumed run must never replace best.npz with a worse model."""
    if not Path(best_file).is_file():
        return current
    try:
        recorded = read(best_file)
    except (UserError, KeyError, TypeError, ValueError, OSError):
        return current
    if recorded is None or not math.isfinite(float(recorded)):
        return current
    return float(recorded) if current is None or float(recorded) < current else current


class SaveCadence:
    """When a trainer saves ``last.npz`` between its other save points: every ``count`` iterations/sentences
    and at least every ``minutes`` of training, so that a ``kill -9`` loses minutes of work, not an epoch."""

    def __init__(self, count: int | None = None, minutes: float | None = None) -> None:
        self.count, self.seconds = count, None if minutes is None else 60.0 * minutes
        self.last_save = time.perf_counter()

    def due(self, done: int, step: int = 1) -> bool:
        if self.count is not None and done // self.count != (done - step) // self.count:
            return True
        return self.seconds is not None and time.perf_counter() - self.last_save >= self.seconds

    def saved(self) -> None:
        self.last_save = time.perf_counter()


# ------------------------------------------------------------------------------------------- divergence
class DivergenceWatch:
    """A run that has diverged: its training loss per token stayed above twice the loss of a uniform guess
    over the vocabulary (``2 log V`` nats) for ``window`` steps in a row, or became NaN/inf. A model that
    predicts worse than uniform is never a run's best either (``better_than_uniform``)."""

    def __init__(self, vocab_size: int, window: int = 50, factor: float = 2.0) -> None:
        self.vocab_size, self.window = vocab_size, window
        self.uniform = math.log(max(vocab_size, 2))
        self.limit = factor * self.uniform
        self.run = 0

    def update(self, per_token: float) -> bool:
        """Record one step's loss per token; True once the run has diverged."""
        self.run = self.run + 1 if not (per_token <= self.limit) else 0
        return not math.isfinite(per_token) or self.run >= self.window

    @property
    def suspect(self) -> bool:
        """The last steps were above the limit: a periodic save now could replace a good checkpoint with a
        diverging model, so trainers put it off to their next save point (or to the end of the run)."""
        return self.run > 0

    def better_than_uniform(self, per_token: float) -> bool:
        return math.isfinite(per_token) and per_token < self.uniform

    def message(self, per_token: float, where: str) -> str:
        if not math.isfinite(per_token):
            return f"the training loss became {per_token} {where}: training diverged"
        return (f"the training loss stayed above {self.limit:.2f} nats per token (twice a uniform guess's "
                f"log {self.vocab_size} = {self.uniform:.2f}) for {self.window} steps in a row, {per_token:.4g} "
                f"{where}: training diverged")


def checkpoint_to_read(given: str | None, default_dir: str, program: str) -> str:
    """The checkpoint a reading command (sample, generate, eval, score...) loads: ``given``, or when it names a
    run's directory (``--checkpoint c1`` after ``--out c1``) that run's best, else its last; with no
    ``--checkpoint``, the same in ``default_dir``."""
    if given is None:
        return default_checkpoint(default_dir, program)
    if Path(given).is_dir() and any((Path(given) / name).exists() for name in (BEST, LAST)):
        return default_checkpoint(given, program)
    return given


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
    phrase = conflict_phrase(conflicts)
    if phrase is not None:
        options, verb, theirs, pronoun = phrase
        raise UserError(f"{options} {verb} from the checkpoint's {theirs}; drop {pronoun} or start a new run "
                        "(a resumed run keeps the checkpoint's model and optimiser settings)")


def conflict_phrase(conflicts: Iterable[Conflict]) -> tuple[str, str, str, str] | None:
    """(the options given, "differs"/"differ", the checkpoint's values, "it"/"them"), or None for no conflict."""
    conflicts = list(conflicts)
    if not conflicts:
        return None
    options = ", ".join(c.shown_given() for c in conflicts)
    theirs = ", ".join(c.shown_saved() for c in conflicts)
    verb, pronoun = ("differs", "it") if len(conflicts) == 1 else ("differ", "them")
    return options, verb, theirs, pronoun
