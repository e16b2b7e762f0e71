"""Save-and-stop on SIGINT, SIGTERM and SIGHUP, shared by both trainers.

The first signal only sets a flag; the training loop checks it between steps, so the checkpoint it then
saves never holds a half-done update. A second signal (while the run is saving, say) aborts at once with
KeyboardInterrupt, which ``run_cli`` turns into "interrupted" and exit code 130. Outside the main thread
Python cannot install handlers, so there the guard installs none and signals keep their usual effect. A
signal the process inherited as ignored (``nohup``'s SIGHUP, SIGINT in a script's background job) stays
ignored before, during and after training alike.
"""
from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from .errors import leaving

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
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "StopOnSignal":
        if threading.current_thread() is threading.main_thread():
            for sig in self.signals:
                # a signal the process was started ignoring stays ignored, as it was before training began:
                # `nohup` ignores SIGHUP so that a run outlives its terminal, and a script's background job
                # ignores SIGINT (the shell's rule for jobs that Ctrl-C must not reach)
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.done:  # the run's work is on disk and it is reporting: nothing is left to abort
            return
        if self.requested:  # a second signal: give up at once, even in the middle of saving
            raise KeyboardInterrupt
        self.requested = True
        self.signum = signum

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
