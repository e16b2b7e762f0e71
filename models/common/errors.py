"""User errors and exit codes shared by both command-line tools.

Every mistake a user can make (a missing file, a bad hyperparameter, a checkpoint of the wrong model)
is raised as a ``UserError`` and turned by ``run_cli`` into one line on stderr and a non-zero exit,
never a traceback. A closed stdout (``char-rnn sample | head``) is not an error: the output that
nobody reads any more is dropped (see ``PipeGuard``).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any, Callable, Sequence

EXIT_CHECK_FAILED = 1  # a check the user asked for (word-rnn gradcheck) found a problem
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C, SIGTERM or SIGHUP (after saving, when training)


class UserError(Exception):
    """A problem with the user's input: the message names it and says how to fix it."""


def os_error_reason(err: OSError) -> str:
    """Why a file operation failed, in the system's words for its errno ("Read-only file system", "No space left
    on device", "Permission denied"): the one wording of every message that reports a failed write."""
    if err.strerror:
        return err.strerror
    if err.errno:
        return os.strerror(err.errno)
    return " ".join(str(err).split()) or type(err).__name__


class StdoutClosed(Exception):
    """The reader of stdout went away (``| head``) and the command has nothing else to do."""


class PipeGuard:
    """Stands in for ``sys.stdout`` during a command: once the reader has gone away (BrokenPipeError, EPIPE)
    every later write is dropped instead of raising. ``stop_on_close`` (set by commands whose only job is
    their output, such as sampling) makes the first dropped write raise ``StdoutClosed``, which ``run_cli``
    turns into a quiet exit 0; a trainer leaves it unset and trains on, its output suppressed."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.closed_by_reader = False
        self.stop_on_close = False

    def _closed(self) -> None:
        if not self.closed_by_reader:
            self.closed_by_reader = True
            try:  # the interpreter's final flush of the real stdout must not complain either
                fd = os.open(os.devnull, os.O_WRONLY)
                os.dup2(fd, self.stream.fileno())
                os.close(fd)
            except (OSError, ValueError, AttributeError):
                pass
        if self.stop_on_close:
            raise StdoutClosed

    def write(self, s: str) -> int:
        if self.closed_by_reader:
            return self._closed() or len(s)
        try:
            return self.stream.write(s)
        except BrokenPipeError:
            self._closed()
            return len(s)

    def flush(self) -> None:
        if self.closed_by_reader:
            return self._closed()
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._closed()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def stop_when_stdout_closes() -> None:
    """Called by a command whose output is its whole point: a closed stdout ends it quietly."""
    if isinstance(sys.stdout, PipeGuard):
        sys.stdout.stop_on_close = True


# Set once run_cli is on its way out (its work saved or refused): a signal arriving then is ignored instead
# of raising KeyboardInterrupt inside the clean-up, where nothing would catch it and a traceback would end a
# run whose checkpoint is already on disk.
_leaving = False


def leaving() -> None:
    """The command's work is saved and it is only reporting: from now until ``run_cli`` returns, a stop signal
    is ignored (the trainers call this through ``StopOnSignal.saved``)."""
    global _leaving
    _leaving = True


# What run_cli prints when a stop signal ends a command (a str, or a function giving it at that moment): a
# trainer says what it had saved. run_cli resets it for every command.
_INTERRUPTED = "interrupted"
_interrupted_line: str | Callable[[], str] = _INTERRUPTED
_EARLY_LINE = "interrupted during start-up; nothing was done or saved"
_early_signal: int | None = None  # a stop signal caught by catch_stop_signals_early before run_cli took over


def interrupted_line(line: str | Callable[[], str]) -> None:
    """Set the line run_cli prints if a stop signal now ends the command (instead of a bare "interrupted")."""
    global _interrupted_line
    _interrupted_line = line


_signal_seen = False  # run_cli's handler raised KeyboardInterrupt in this command (see swallowed_stop_signal)


def _interrupt(signum: int, frame: Any) -> None:
    global _signal_seen
    if not _leaving:
        _signal_seen = True
        raise KeyboardInterrupt


def swallowed_stop_signal() -> bool:
    """Whether a stop signal has already raised KeyboardInterrupt in this command although it is still running:
    raised inside a ``__del__`` or a callback (a library's clean-up during the corpus preparation, say), the
    exception was printed and dropped. A trainer asks before it starts, and stops then."""
    return _signal_seen


def _early(signum: int, frame: Any) -> None:
    global _early_signal
    _early_signal = signum  # imports are under way: run_cli reports it once they are done


def _takeover(handler: Any) -> dict[int, Any]:
    """Install ``handler`` for SIGINT, SIGTERM and SIGHUP where each is at its default (or caught by ``_early``):
    an inherited SIG_IGN (nohup, a script's background job) stays. Main thread only. Returns the previous ones."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name, default in (("SIGINT", signal.default_int_handler), ("SIGTERM", signal.SIG_DFL),
                              ("SIGHUP", signal.SIG_DFL)):
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) in (default, None, _early):
                previous[sig] = signal.signal(sig, handler)
    return previous


def catch_stop_signals_early() -> None:
    """Called first thing by the console entry points, before the slow imports: a stop signal from then on is
    held until ``run_cli`` starts, which reports it as one line and exit 130, where it would otherwise have
    ended the process silently (SIGTERM, SIGHUP) or with a traceback (Ctrl-C)."""
    _takeover(_early)


def _stop_signals_interrupt() -> dict[int, Any]:
    """SIGINT, SIGTERM and SIGHUP act as Ctrl-C does outside a training loop (which installs its own
    save-and-stop handlers): one "interrupted" line and exit 130 instead of a silent death or a traceback."""
    return _takeover(_interrupt)


def run_cli(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> int:
    """Run ``main(argv)``; a UserError becomes one 'error: ...' line on stderr and exit code 2."""
    global _leaving, _interrupted_line, _early_signal, _signal_seen
    _leaving = False
    _signal_seen = False
    _interrupted_line = _INTERRUPTED
    saved_stdout = sys.stdout
    sys.stdout = guard = PipeGuard(saved_stdout)
    handlers = _stop_signals_interrupt()
    try:
        if _early_signal is not None:  # a stop signal during start-up: the command never began
            _early_signal = None
            _leaving = True
            print(_EARLY_LINE, file=sys.stderr)
            return EXIT_INTERRUPTED
        return int(main(argv) or 0)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except StdoutClosed:
        return 0
    except BrokenPipeError:  # written around the guard (a stream captured before it): the same quiet end
        guard.stop_on_close = False
        guard._closed()
        return 0
    except KeyboardInterrupt:
        _leaving = True  # a further signal must not interrupt this line
        line = _interrupted_line
        print(line() if callable(line) else line, file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("error: out of memory; use a smaller model (--hidden-size, --vocab-size, --batch-size) or a "
              "smaller corpus", file=sys.stderr)
        return EXIT_USER_ERROR
    finally:
        _leaving = True
        _signal_seen = False  # (it concerns this command only)
        if argv is None and threading.current_thread() is threading.main_thread():
            # the process is about to exit with its work done (or refused): a late Ctrl-C or SIGTERM must not
            # turn that into a death by signal during the interpreter's shutdown
            for sig in (signal.SIGINT, *handlers):
                signal.signal(sig, signal.SIG_IGN)
        else:
            for sig, previous in handlers.items():
                signal.signal(sig, previous)
            _leaving = False
        if sys.stdout is guard:
            sys.stdout = saved_stdout
        try:
            saved_stdout.flush()
        except (BrokenPipeError, ValueError):
            guard.stop_on_close = False
            guard._closed()
