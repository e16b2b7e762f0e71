"""The spine both showcase models share.

``errors`` (one-line user errors, exit codes), ``cli`` (one-line argparse errors, deprecated aliases),
``signals`` (SIGINT/SIGTERM/SIGHUP → save and stop), ``checkpoint`` (the kind/version envelope, atomic
writes), ``training`` (optimizer factory, budget, progress bar, --out layout, resume conflicts),
``sampling`` (temperature, top-k, argmax, inverse CDF), ``plotting`` (--plot), ``corpora`` (reading text,
the built-in stdlib corpora), ``card`` (the results card in every checkpoint, ``info``), ``export`` (the
PyTorch export directory), ``init_from`` (``--init-from``'s shared refusals).
"""
from .corpora import check_recorded_data, read_text_file, stdlib_docstring_corpus, stdlib_source_corpus, stdlib_source_files
from .errors import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_USER_ERROR, UserError, run_cli

__all__ = ["UserError", "run_cli", "EXIT_USER_ERROR", "EXIT_INTERRUPTED", "EXIT_CHECK_FAILED", "read_text_file",
           "stdlib_source_files", "stdlib_source_corpus", "stdlib_docstring_corpus", "check_recorded_data"]
