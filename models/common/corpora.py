"""Reading the user's text and the built-in corpora (the Python standard library's own files).

The built-in corpora exist on every machine that runs this package, so nothing is ever downloaded.
"""
from __future__ import annotations

import ast
import os
import shlex
import stat
import sysconfig
from pathlib import Path
from typing import Iterator

from .errors import UserError

# byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one)
BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _guess_8bit(raw: bytes) -> str:
    """The likely single-byte encoding of text that is not UTF-8: Windows-1252 when its 0x80-0x9f
    punctuation (curly quotes, dashes) appears, else Latin-1."""
    return "WINDOWS-1252" if any(0x80 <= b <= 0x9F for b in raw) else "LATIN1"


def check_recorded_data(path: str | os.PathLike, checkpoint: str | os.PathLike) -> None:
    """A resumed run reads the text its checkpoint recorded (no --data given): if that is gone, say so in those
    terms, not as if the user had mistyped a --data path."""
    if not Path(path).exists():
        raise UserError(f"the text this run was trained on, {str(path)!r} (recorded in {str(checkpoint)!r}), "
                        "does not exist any more; pass --data with the same text (moved or restored) to resume")


def read_text_file(path: str | os.PathLike, option: str = "--data") -> str:
    """Read a text file, raising UserError for a missing, non-regular, empty, binary or undecodable file.

    UTF-8 is expected; a UTF-8, UTF-16 or UTF-32 byte-order mark is honoured (the mark itself is dropped).
    Line ends become ``\n`` (universal newlines).
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"data file {str(path)!r} does not exist; check the path given to {option}")
    if path.is_dir():
        raise UserError(f"data path {str(path)!r} is a directory; give a UTF-8 text file to {option}")
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # /dev/zero, a FIFO, a socket: reading could never end or would block
        kind = ("a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
                else "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        raise UserError(f"data path {str(path)!r} is {kind}, not a regular file; give a UTF-8 text file to {option}")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UserError(f"data file {str(path)!r} cannot be read ({err.strerror or err}); check its permissions") from None
    encoding = next((enc for mark, enc in BOMS if raw.startswith(mark)), None)
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as err:
            name = encoding.replace("-sig", "").upper()
            raise UserError(f"data file {str(path)!r} starts with a {name} byte-order mark but is not valid "
                            f"{name} (byte {err.start}); re-save it as UTF-8") from None
        text = text.lstrip("\ufeff")
    else:
        if b"\x00" in raw:
            raise UserError(f"data file {str(path)!r} looks binary (it contains NUL bytes); give a UTF-8 text "
                            "file (UTF-16/32 text needs its byte-order mark)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            source = _guess_8bit(raw)
            raise UserError(
                f"data file {str(path)!r} is not valid UTF-8 (byte {err.start}: {raw[err.start:err.start + 1]!r}; "
                f"it looks like {source}); convert it, e.g. `iconv -f {source} -t UTF-8 {shlex.quote(str(path))} "
                f"> converted.txt`, and pass converted.txt"
            ) from None
    if not text.strip():
        raise UserError(f"data file {str(path)!r} is empty; give a file with some text in it")
    # Windows (\r\n) and old Mac (\r) line ends read as \n, as Python's text files do: the same text trains the
    # same model whatever machine saved it, and no sample is full of carriage returns
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
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
