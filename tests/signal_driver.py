"""Run ``char-rnn`` or ``word-rnn`` as its console script does, sending the process real signals at exact
moments of the run: the signal tests then depend on no timing.

    python tests/signal_driver.py char|word PLAN ARGS...

PLAN is a comma-separated list of triggers (or empty); each is armed once the one before it has fired:

* ``startup:SIG``: as soon as the entry point runs, before the slow imports;
* ``step:N:SIG``: right after the N-th training step of this session;
* ``write:NAME:SIG``: as a checkpoint file named NAME is about to be written;
* ``line:TEXT:SIG``: as the program writes a line containing TEXT (stdout or stderr).

Each trigger sends SIG with ``os.kill`` to this process, as ``kill`` or Ctrl-C would. The driver prints
``signal-driver: N of M fired`` on stderr when the process exits, so a test sees that its plan was carried out.
"""
from __future__ import annotations

import atexit
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

tool, plan, args = sys.argv[1], sys.argv[2], sys.argv[3:]
triggers = [spec.split(":") for spec in plan.split(",")] if plan else []
total = len(triggers)


def fire(kind: str, value: object) -> None:
    """Send the next trigger's signal if it is of ``kind`` and ``value`` matches it."""
    if not triggers or triggers[0][0] != kind:
        return
    spec = triggers[0]
    wanted = spec[1] if len(spec) == 3 else None
    matches = {"startup": lambda: True, "step": lambda: value == int(wanted), "write": lambda: value == wanted,
               "line": lambda: wanted in str(value)}[kind]
    if matches():
        triggers.pop(0)
        os.kill(os.getpid(), getattr(signal, spec[-1]))


atexit.register(lambda: sys.__stderr__.write(f"signal-driver: {total - len(triggers)} of {total} fired\n"))


class Tap:
    """A stream that fires ``line`` triggers on what is written through it."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        n = self.stream.write(text)
        self.stream.flush()
        fire("line", text)
        return n

    def __getattr__(self, name):
        return getattr(self.stream, name)


sys.stdout, sys.stderr = Tap(sys.stdout), Tap(sys.stderr)

from models import console  # noqa: E402  (only the light modules: the model packages come later)

real_configure = console.configure_blas_threads


def configure_then_hook(*a, **k):
    fire("startup", None)
    chosen = real_configure(*a, **k)  # numpy may be imported from here on
    import models.common.checkpoint as envelope
    real_save = envelope.save

    def save(obj, path, *sa, **sk):
        fire("write", Path(path).name)
        return real_save(obj, path, *sa, **sk)
    envelope.save = save
    if tool == "char":
        from models.char_rnn.train import Trainer
        real_step = Trainer.step

        def step(self):
            value = real_step(self)
            step.count += 1
            fire("step", step.count)
            return value
        step.count = 0
        Trainer.step = step
    else:
        from models.word_rnn import train as word_train

        class CountingStep(word_train.TrainStep):
            count = 0

            def __call__(self, x, y):
                value = super().__call__(x, y)
                CountingStep.count += 1
                fire("step", CountingStep.count)
                return value
        word_train.TrainStep = CountingStep
    return chosen


console.configure_blas_threads = configure_then_hook
sys.argv = [f"{tool}-rnn", *args]
sys.exit(console.char_rnn() if tool == "char" else console.word_rnn())
