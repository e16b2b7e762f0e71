"""The console scripts ``char-rnn`` and ``word-rnn`` (and ``python -m models.char_rnn`` / ``models.word_rnn``).

They live outside the two model packages because those import numpy on import, and the BLAS thread
default (``common.threads``) must be set before numpy is first imported. Each first catches the stop
signals (``catch_stop_signals_early``): the imports take a large part of a second, and a SIGTERM then would
otherwise end the process silently.
"""
from __future__ import annotations

from .common.errors import catch_stop_signals_early
from .common.threads import configure_blas_threads


def char_rnn() -> int:
    """``char-rnn``: the exit code of ``models.char_rnn.cli.main``."""
    catch_stop_signals_early()
    configure_blas_threads()
    from .char_rnn.cli import main
    return main()


def word_rnn() -> int:
    """``word-rnn``: the exit code of ``models.word_rnn.cli.main``."""
    catch_stop_signals_early()
    configure_blas_threads()
    from .word_rnn.cli import main
    return main()
