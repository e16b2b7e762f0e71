"""Reading the user's text and the built-in corpora (the Python standard library's own files).

The built-in corpora exist on every machine that runs this package, so nothing is ever downloaded.
"""
from __future__ import annotations

import ast
import os
import sysconfig
from pathlib import Path
from typing import Iterator

from .errors import UserError


def read_text_file(path: str | os.PathLike) -> str:
    """Read a UTF-8 text file, raising UserError for a missing, empty, binary or non-UTF-8 file."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"data file {str(path)!r} does not exist; check the path given to --data")
    if path.is_dir():
        raise UserError(f"data path {str(path)!r} is a directory; give a UTF-8 text file to --data")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise UserError(f"data file {str(path)!r} looks binary (it contains NUL bytes); give a UTF-8 text file")
    try:
        text = raw.decode("utf-8-sig")  # a BOM is an encoding mark, not a character of the text
    except UnicodeDecodeError as err:
        raise UserError(
            f"data file {str(path)!r} is not valid UTF-8 (byte {err.start}: {raw[err.start:err.start + 1]!r}); "
            "convert it, e.g. with `iconv -t UTF-8`"
        ) from None
    if not text.strip():
        raise UserError(f"data file {str(path)!r} is empty; give a file with some text in it")
    return text


def stdlib_source_files() -> list[Path]:
    """The Python standard library's own .py files, in a fixed (sorted) order.

    Every machine that runs this package has them, so they make a default corpus nobody downloads.
    Tests and vendored third-party packages are left out.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "dist-packages", "test", "tests", "idlelib", "lib2to3", "__pycache__"}
    files = [
        p for p in root.rglob("*.py")
        if not skip.intersection(p.relative_to(root).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def _read_utf8_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def stdlib_source_corpus(max_chars: int = 1_000_000) -> str:
    """Concatenated standard-library source code, capped at ``max_chars`` characters (the 'generate code' demo)."""
    parts: list[str] = []
    total = 0
    for path in stdlib_source_files():
        text = _read_utf8_or_none(path)
        if not text:
            continue
        parts.append(text)
        total += len(text)
        if total >= max_chars:
            break
    return "".join(parts)[:max_chars]


def _docstrings(source: str) -> Iterator[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def stdlib_docstring_corpus(max_chars: int = 2_000_000) -> str:
    """English prose from the standard library's docstrings, one docstring a paragraph, capped in size."""
    parts: list[str] = []
    total = 0
    for path in stdlib_source_files():
        source = _read_utf8_or_none(path)
        if not source:
            continue
        for doc in _docstrings(source):
            parts.append(doc.strip())
            total += len(doc) + 2
        if total >= max_chars:
            break
    return "\n\n".join(parts)[:max_chars]
