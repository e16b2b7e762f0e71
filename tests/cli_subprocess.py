"""Running a model CLI in a subprocess, as a user's shell or a service manager does (for the signal tests)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def default_stop_signals() -> None:
    """A child's SIGINT, SIGTERM and SIGHUP at their defaults (for ``preexec_fn``)."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)


def signal_after_first_checkpoint(module: str, argv: list[str], out: Path, sig: str,
                                  wait: float = 90) -> tuple[int, str, str]:
    """Start ``python -m module *argv``, send ``sig`` once ``out/last.npz`` exists (training is under way),
    and return ``(exit code, stdout, stderr)``. The process never outlives the call."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # the stop signals at their defaults, as a shell leaves them for a foreground command (a job started in
    # the background of a script, as this test run may be, inherits SIGINT ignored, and ignored it stays)
    proc = subprocess.Popen([sys.executable, "-m", module, *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_stop_signals)
    try:
        deadline = time.monotonic() + wait
        while not (out / "last.npz").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"no checkpoint within {wait:g} s"
            time.sleep(0.05)
        proc.send_signal(getattr(signal, sig))
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, stdout, stderr


def run_with_signal_plan(tool: str, plan: str, argv: list[str], timeout: float = 120) -> tuple[int, str, str]:
    """Run ``char-rnn`` or ``word-rnn`` (``tool``: "char" or "word") with ``argv`` through tests/signal_driver.py,
    which sends the process the real signals of ``plan`` at exact moments of the run (see its docstring); returns
    ``(exit code, stdout, stderr)``, the driver's closing ``signal-driver: ...`` line removed from stderr once
    checked: every trigger of the plan must have fired."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "signal_driver.py"), tool, plan, *argv], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout, preexec_fn=default_stop_signals)
    lines = proc.stderr.splitlines(keepends=True)
    n = plan.count(",") + 1 if plan else 0
    if proc.returncode >= 0:  # (a process killed by its signal ran no exit handler)
        assert lines and lines[-1] == f"signal-driver: {n} of {n} fired\n", proc.stderr
        lines = lines[:-1]
    return proc.returncode, proc.stdout, "".join(lines)
