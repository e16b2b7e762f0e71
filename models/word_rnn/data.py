"""From a corpus to training data: tokenized sentences (cached for the built-in corpus), the
train/validation split, and the per-epoch batch plan (bucketed by length, right-padded)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..common import UserError, stdlib_docstring_corpus

from . import text as wtext
from .model import PAD
from .splits import SPLITS, is_split_dir, read_split

DEFAULT_CORPUS_CHARS = 2_000_000
DEFAULT_CORPUS_NAME = "prose of the Python standard library's docstrings (built-in default corpus)"


@dataclass
class Corpus:
    sentences: list[list[str]]
    description: str  # where the text came from and how sentences were split
    valid: list[list[str]] | None = None  # --data DIR: valid.txt (then no split of ``sentences`` is made)
    test: list[list[str]] | None = None  # --data DIR: test.txt

    @property
    def pretokenized(self) -> bool:
        return self.valid is not None


def _cache_dir() -> Path:
    root = os.environ.get("WORD_RNN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "tinygrad_rnn"


def prose_paragraphs(text: str) -> list[str]:
    """The paragraphs of docstring text that read as English prose.

    Doctest sessions, indented code blocks and symbol-heavy tables are dropped: as "sentences" they are
    hundreds of tokens of repeated code, and one such sentence gives per-sentence SGD a step large
    enough to wreck the model.
    """
    keep = []
    for para in re.split(r"\n\s*\n", text):
        lines = [line for line in para.splitlines() if line.strip()]
        if not lines:
            continue
        if any(line.lstrip().startswith((">>>", "...", "$ ", "%", "|", "+--", "===", "---")) for line in lines):
            continue
        if any(line.startswith((" ", "\t")) for line in lines):
            continue
        body = "".join(lines)
        if sum(c.isalpha() or c.isspace() for c in body) < 0.85 * len(body):
            continue
        keep.append(para)
    return keep


def _remove_dead_cache_temps(directory: Path) -> None:
    """Remove the ``word_rnn_stdlib_*.tmp<PID>`` files of writers that were killed mid-write (their PID is gone)."""
    for tmp in directory.glob("word_rnn_stdlib_*.tmp*"):
        pid = tmp.suffix.removeprefix(".tmp")
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # a live process is writing it
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError, OSError):
            continue
        try:
            tmp.unlink()
        except OSError:
            pass


def _valid_cache(cached: object) -> bool:
    """A cache file holds ``{"sentences": [[token, ...], ...], "description": str}`` and nothing else will do."""
    if not isinstance(cached, dict) or not isinstance(cached.get("description"), str):
        return False
    sentences = cached.get("sentences")
    return (isinstance(sentences, list) and bool(sentences)
            and all(isinstance(s, list) and all(isinstance(t, str) for t in s) for s in sentences))


def default_corpus(lowercase: bool, max_chars: int | None = None, use_cache: bool = True) -> Corpus:
    """Sentences of the standard library's docstrings, tokenized once and cached as JSON (tokenizing
    2 MB with NLTK takes ~10 s); the cache key covers Python, NLTK, the size and the casing."""
    import nltk

    max_chars = DEFAULT_CORPUS_CHARS if max_chars is None else max_chars
    key = json.dumps([sys.version, sysconfig.get_paths()["stdlib"], nltk.__version__, max_chars, lowercase, 2])
    path = _cache_dir() / f"word_rnn_stdlib_{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if use_cache and path.exists():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if _valid_cache(cached):
                return Corpus(cached["sentences"], cached["description"])
        except (OSError, ValueError):
            pass  # a damaged cache (unreadable, not JSON, or JSON of another shape) is rebuilt below
    docs = [" ".join(p.split()) for p in prose_paragraphs(stdlib_docstring_corpus(max_chars))]
    sentences, origin = wtext.tokenize_documents(docs, lowercase=lowercase)
    corpus = Corpus(sentences, f"{DEFAULT_CORPUS_NAME}; sentences by {origin}")
    if use_cache:
        _remove_dead_cache_temps(path.parent)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"sentences": sentences, "description": corpus.description}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # caching is only a speed-up
    return corpus


def load_corpus(data: str | None, column: str | None = None, lowercase: bool = False,
                csv_format: bool | None = None) -> Corpus:
    """Tokenized sentences of ``data`` (text or CSV, or a directory of train/valid/test.txt), or of the
    built-in corpus when ``data`` is None."""
    if data is None:
        if column is not None:
            raise UserError("--column needs --data with a CSV file")
        return default_corpus(lowercase)
    if is_split_dir(data):
        if column is not None or csv_format:
            raise UserError(f"--data {data!r} is a corpus directory of .txt files; drop --column/--csv")
        train, valid, test = (read_split(data, split, lowercase) for split in SPLITS)
        return Corpus(train, f"{data} (train.txt, valid.txt, test.txt: one sentence per line, split on whitespace)",
                      valid, test)
    key = _file_key(data, column, lowercase, csv_format)
    if key is not None and key == _last_file[0]:
        return _last_file[1]
    docs = wtext.read_documents(data, column=column, csv_format=csv_format)
    sentences, origin = wtext.tokenize_documents(docs, lowercase=lowercase)
    if not sentences:
        raise UserError(f"no sentences with words were found in {data!r}")
    corpus = Corpus(sentences, f"{data}; sentences by {origin}")
    if key is not None:
        _last_file[:] = [key, corpus]
    return corpus


# the last file tokenized, with what it was read with: eval reads the evaluated split and then the training
# sentences its baselines are counted on from one file, and tokenizing a novel takes seconds
_last_file: list[Any] = [None, None]


def _file_key(data: str, *options: Any) -> tuple | None:
    """What identifies a tokenized file: its real path, size and modification time and the reading options."""
    try:
        st = os.stat(data)
    except OSError:
        return None
    return (os.path.realpath(data), st.st_size, st.st_mtime_ns, *options) if os.path.isfile(data) else None


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train, validation) sentence indices; validation gets round(n * fraction), at least 1."""
    if not 0.0 <= val_fraction < 1.0:
        raise UserError(f"--val-fraction must be in [0, 1), got {val_fraction}")
    n_val = 0 if val_fraction == 0 else max(1, int(round(n * val_fraction)))
    if n - n_val < 1 or (val_fraction > 0 and n < 2):
        raise UserError(
            f"the corpus has {n} sentence(s): too few for a validation split of {val_fraction:g} "
            "(need at least one training and one validation sentence); use more text or --val-fraction 0"
        )
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def fingerprint(encoded: Sequence[np.ndarray]) -> str:
    """A hash of the encoded training data, so --resume can refuse different data."""
    h = hashlib.sha256()
    for ids in encoded:
        h.update(np.asarray(ids, dtype=np.int64).tobytes())
        h.update(b"|")
    return h.hexdigest()


def epoch_plan(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of sentence indices for one epoch.

    Batch size 1: a random permutation (the tutorial's per-sentence SGD). Larger: shuffle, sort each
    window of 50 batches by length (similar lengths share a batch, so little padding), cut into batches
    and shuffle the batch order.
    """
    n = len(lengths)
    perm = rng.permutation(n)
    if batch_size == 1:
        return [perm[i:i + 1] for i in range(n)]
    window = 50 * batch_size
    batches: list[np.ndarray] = []
    for start in range(0, n, window):
        chunk = perm[start:start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def pack_plan(plan: list[np.ndarray]) -> dict[str, np.ndarray]:
    return {"indices": np.concatenate(plan).astype(np.int64) if plan else np.zeros(0, np.int64),
            "sizes": np.asarray([len(b) for b in plan], dtype=np.int64)}


def unpack_plan(packed: dict[str, np.ndarray]) -> list[np.ndarray]:
    indices, sizes = np.asarray(packed["indices"]), np.asarray(packed["sizes"])
    return np.split(indices, np.cumsum(sizes)[:-1]) if len(sizes) else []


def make_batch(encoded: Sequence[np.ndarray], idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time-major inputs (T, B) and targets (T, B); shorter sentences are right-padded with target PAD.

    A batch of one is returned as (T,) arrays, the tutorial's single-sentence step.
    """
    if len(idx) == 1:
        ids = encoded[int(idx[0])]
        return ids[:-1], ids[1:]
    seqs = [encoded[int(i)] for i in idx]
    T = max(len(s) for s in seqs) - 1
    x = np.zeros((T, len(seqs)), dtype=np.int64)
    y = np.full((T, len(seqs)), PAD, dtype=np.int64)
    for b, s in enumerate(seqs):
        x[:len(s) - 1, b] = s[:-1]
        y[:len(s) - 1, b] = s[1:]
    return x, y
