"""Command-line conventions both tools share: argparse errors as one line (exit 2, via ``run_cli``) and
deprecated option spellings that keep working for one release with a one-line notice on stderr."""
from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence

from .errors import UserError


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    """``--version``: the program's name and the installed tinygrad_rnn's version."""
    from tinygrad_rnn import __version__
    parser.add_argument("--version", action="version", version=f"%(prog)s (tinygrad_rnn {__version__})")


class OneLineParser(argparse.ArgumentParser):
    """argparse that raises UserError (one line naming the option, exit 2 via run_cli) instead of printing
    the usage and exiting: ``--hidden-size x`` gives "argument --hidden-size: invalid int value: 'x'"."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{message} (see `{self.prog} --help`)")


def seed_value(text: str) -> int:
    """argparse type of every ``--seed``: numpy's generators take only non-negative integers."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def deprecation_notice(old: str, command: str, instead: str) -> str:
    return f"warning: {old} is deprecated for `{command}`; {instead}"


class DeprecatedFlag(argparse.Action):
    """A zero-argument alias of a store_true option: ``--no-progress`` sets ``quiet`` and records a notice."""

    def __init__(self, option_strings: Sequence[str], dest: str, command: str = "", instead: str = "",
                 **kwargs: Any) -> None:
        kwargs.setdefault("help", argparse.SUPPRESS)
        super().__init__(option_strings, dest, nargs=0, **kwargs)
        self.command, self.instead = command, instead

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        setattr(namespace, self.dest, True)
        note(namespace, deprecation_notice(option_string, self.command, self.instead))


def note(namespace: argparse.Namespace, message: str) -> None:
    """Record a deprecation notice on the parsed arguments (printed once parsing has succeeded)."""
    notes = getattr(namespace, "deprecations", None) or []
    if message not in notes:
        notes.append(message)
    namespace.deprecations = notes


def print_deprecations(namespace: argparse.Namespace, file: Any = None) -> None:
    for message in getattr(namespace, "deprecations", None) or []:
        print(message, file=file or sys.stderr)
