"""Save-and-stop on SIGINT, SIGTERM and SIGHUP, shared by both trainers.

The first signal only sets a flag; the training loop checks it between steps, so the checkpoint it then
saves never holds a half-done update. A second signal aborts at once with KeyboardInterrupt, which ``run_cli``
turns into one "interrupted" line and exit code 130, except inside ``deferred()`` (a checkpoint being
written: last.npz with the best.npz that goes with it) and once the loop has ended (``ending()``: the
run's closing validation and save), which always complete: what is on disk is consistent, and the run
ends with its usual "saved" line. Outside the main thread
Python cannot install handlers, so there the guard installs none and signals keep their usual effect. A
signal the process inherited as ignored (``nohup``'s SIGHUP, SIGINT in a script's background job) stays
ignored before, during and after training alike.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator

from .errors import leaving, swallowed_stop_signal

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class StopOnSignal:
    """``with StopOnSignal() as stop: ... if stop.requested: save and break``.

    ``signum`` names the signal that asked to stop (None until one arrives). The previous handlers are
    put back on exit.
    """

    def __init__(self, signals: tuple[int, ...] = STOP_SIGNALS) -> None:
        self.signals = signals
        self.requested = False
        self.done = False
        self.ended = False
        self._deferring = 0  # nesting depth of deferred()
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "StopOnSignal":
        if swallowed_stop_signal():  # a signal before training began, its KeyboardInterrupt lost on the way
            raise KeyboardInterrupt
        if threading.current_thread() is threading.main_thread():
            for sig in self.signals:
                # a signal the process was started ignoring stays ignored, as it was before training began:
                # `nohup` ignores SIGHUP so that a run outlives its terminal, and a script's background job
                # ignores SIGINT (the shell's rule for jobs that Ctrl-C must not reach)
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.done or self.ended:  # the run is saving and reporting how it ended: nothing is left to stop or abort
            return
        if self.requested:
            if self._deferring:  # a checkpoint being written: it completes first
                return
            raise KeyboardInterrupt  # a second signal: give up at once
        self.requested = True
        self.signum = signum

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """``with stop.deferred(): save...``: a signal arriving inside only asks the run to stop (as a first one
        does) and never aborts the block, so a checkpoint pair is never left half written."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1

    def ending(self) -> None:
        """The training loop has ended: the run's closing validation, final save and report complete whatever
        signal arrives now, and a signal no longer changes how it ended (a run that reached its budget exits 0)."""
        self.ended = True

    def saved(self) -> None:
        """The run has saved its final checkpoint: later signals are ignored while it reports and exits (a second
        Ctrl-C then would only have turned its one closing line into two)."""
        self.done = True
        leaving()

    def __exit__(self, *exc: Any) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    @property
    def name(self) -> str:
        """The signal's name (``SIGTERM``), or an empty string."""
        return signal.Signals(self.signum).name if self.signum is not None else ""
