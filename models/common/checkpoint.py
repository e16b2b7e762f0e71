"""The checkpoint envelope both models share: a ``kind`` tag and a ``format_version`` around each model's
own payload (whose schema lives in that model's ``checkpoint.py``), written atomically through
``tinygrad_rnn.save`` (temporary file, fsync, ``os.replace``; never pickle), read back with every problem
reported as one line that says what to do."""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from tinygrad_rnn import load, save

from .errors import UserError, os_error_reason


def one_line(err: BaseException, limit: int = 300) -> str:
    """An exception message on one line (a user error is reported as a single line), shortened."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _problem(err: BaseException, path: Path) -> str:
    """The loader's reason alone: its 'cannot load checkpoint PATH: ' prefix would repeat our own sentence."""
    text = one_line(err)
    for shown in (str(path), os.fspath(path)):
        prefix = f"cannot load checkpoint {shown!r}: "
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def check_weights(saved: Any, expected: dict[str, Any], path: str | os.PathLike, section: str = "model") -> None:
    """Refuse, with one line naming the array, saved weights a model cannot use: a missing or extra entry,
    a wrong shape, a non-float dtype (integers would be silently cast), NaN or infinity. ``expected`` is
    the freshly built model's ``state_dict()``."""
    import numpy as np

    where = f"checkpoint {str(path)!r}"
    if not isinstance(saved, dict):
        raise UserError(f"{where} has no {section!r} arrays; it is corrupted, use another one")
    missing = [k for k in expected if k not in saved]
    extra = [k for k in saved if k not in expected]
    if missing or extra:
        what = f"lacks {missing[0]!r}" if missing else f"has an unknown array {extra[0]!r}"
        raise UserError(f"{where} {what} in {section!r}; it is corrupted or from another model, use another one")
    for name, want in expected.items():
        got = np.asarray(saved[name])
        want = np.asarray(want.data if hasattr(want, "data") else want)
        if got.shape != want.shape:
            raise UserError(f"{where}: array {section}.{name} has shape {got.shape}, the model's configuration "
                            f"needs {want.shape}; it is corrupted, use another one")
        if got.dtype.kind != "f":
            raise UserError(f"{where}: array {section}.{name} holds {got.dtype} values, not floating point; "
                            "it is corrupted, use another one")
        if not np.isfinite(got).all():
            raise UserError(f"{where}: array {section}.{name} holds NaN or infinite values; the model it holds "
                            "is unusable, use another checkpoint (an earlier last.npz or best.npz) or retrain")


def save_envelope(payload: dict[str, Any], path: str | os.PathLike, kind: str, version: int) -> None:
    """Write ``{kind, format_version, **payload}`` atomically to ``path``, creating its directory."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save({"kind": kind, "format_version": version, **payload}, path)
    except OSError as err:
        raise UserError(f"cannot write checkpoint {str(path)!r} ({os_error_reason(err)}); check that its "
                        "directory is writable, or choose another --out") from None


def load_envelope(path: str | os.PathLike, kind: str, max_version: int, program: str = "char-rnn train",
                  default_dir: str | None = None) -> dict[str, Any]:
    """Read a checkpoint written by ``save_envelope(..., kind, version <= max_version)``.

    Missing, unreadable, not-a-checkpoint, other-kind and newer-version files are one-line UserErrors
    naming the file once; ``program`` is the command that writes the right files.
    """
    path = Path(path)
    tool = program.split()[0]
    if not path.exists():
        where = f" (by default {default_dir}/best.npz or last.npz)" if default_dir else ""
        raise UserError(f"checkpoint {str(path)!r} does not exist; give a .npz written by `{program}`{where}")
    if not path.is_file():  # a directory, a FIFO (reading it would block), a device
        raise UserError(f"checkpoint {str(path)!r} is not a regular file; give a .npz written by `{program}`")
    try:
        ckpt = load(path)
    except (ValueError, OSError, pickle.UnpicklingError) as err:  # (the last: a whole-module file, refused by load)
        raise UserError(f"checkpoint {str(path)!r} cannot be read: {_problem(err, path)}; use a checkpoint "
                        f"written by `{program}`, or retrain") from None
    if not isinstance(ckpt, dict) or "kind" not in ckpt:
        raise UserError(f"{str(path)!r} is not a {tool} checkpoint (no model kind recorded); use a checkpoint "
                        f"written by `{program}`")
    if ckpt["kind"] != kind:
        raise UserError(f"{str(path)!r} is not a {tool} checkpoint (it holds a {ckpt['kind']!r} model); use the "
                        f"tool that wrote it, or a checkpoint written by `{program}`")
    version = ckpt.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UserError(f"checkpoint {str(path)!r} has no valid format version ({version!r}); it is corrupted, "
                        "use another one")
    if version > max_version:
        raise UserError(f"checkpoint {str(path)!r} has format version {version}, this program reads up to "
                        f"{max_version}; upgrade tinygrad-rnn")
    return ckpt
