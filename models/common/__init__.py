"""The spine both showcase models share: user errors and exit codes, reading text and the built-in corpora."""
from .corpora import read_text_file, stdlib_docstring_corpus, stdlib_source_corpus, stdlib_source_files
from .errors import EXIT_INTERRUPTED, EXIT_USER_ERROR, UserError, run_cli

__all__ = ["UserError", "run_cli", "EXIT_USER_ERROR", "EXIT_INTERRUPTED", "read_text_file",
           "stdlib_source_files", "stdlib_source_corpus", "stdlib_docstring_corpus"]
