"""User errors and exit codes shared by both command-line tools.

Every mistake a user can make (a missing file, a bad hyperparameter, a checkpoint of the wrong model)
is raised as a ``UserError`` and turned by ``run_cli`` into one line on stderr and a non-zero exit,
never a traceback.
"""
from __future__ import annotations

import sys
from typing import Callable, Sequence

EXIT_CHECK_FAILED = 1  # a check the user asked for (word-rnn gradcheck) found a problem
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C, SIGTERM or SIGHUP (after saving, when training)


class UserError(Exception):
    """A problem with the user's input: the message names it and says how to fix it."""


def run_cli(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> int:
    """Run ``main(argv)``; a UserError becomes one 'error: ...' line on stderr and exit code 2."""
    try:
        return int(main(argv) or 0)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


