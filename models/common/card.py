"""The results card every checkpoint carries, and ``info``, which prints it.

A card says how the model in a checkpoint came to be: the command line, the seed, the data file and its
sha256, the split, how long it trained (iterations or epochs), the wall time and throughput (summed over
every session of the run, resumes included), and the best validation result with its units. It is stored
in the checkpoint as one JSON string under ``"card"`` (see ``read_card``; a flat ``{label: value}`` object, so any reader can
show it), rewritten at every save.

Checkpoints written before cards existed have none: ``info`` then prints what the checkpoint itself records
(each model's ``info.py`` knows where).
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

CARD_FORMAT = "results-card/1"
UNRECORDED = "not recorded (the run began before checkpoints carried a results card)"


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes (read in blocks: a corpus can be large).

    For a directory (``--data DIR`` with train/valid/test.txt) it is the sha256 of the lines
    ``<name> <sha256 of the file>`` of its files, in name order: it changes when any of them does."""
    path = Path(path)
    if path.is_dir():
        listing = "".join(f"{f.name} {file_sha256(f)}\n" for f in sorted(path.iterdir()) if f.is_file())
        return hashlib.sha256(listing.encode()).hexdigest()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def command_line(program: str, argv: Sequence[str] | None) -> str:
    """The command as a shell would take it back (``char-rnn train --data 'my file.txt' ...``)."""
    return shlex.join([program, *(argv or [])])


def read_card(ckpt: dict[str, Any]) -> dict[str, Any] | None:
    """The card of a loaded checkpoint, or None (an older checkpoint, or a card that does not parse).

    The char model keeps it at the top of its checkpoint, the word model in its ``training`` section (which
    its trainer writes as one dict); both are looked at."""
    if not isinstance(ckpt, dict):
        return None
    raw = ckpt.get("card")
    if raw is None and isinstance(ckpt.get("training"), dict):
        raw = ckpt["training"].get("card")
    if not isinstance(raw, str):
        return None
    try:
        card = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return card if isinstance(card, dict) else None


class RunCard:
    """The card of one run, kept by its trainer; ``json(...)`` renders it at each save.

    ``previous``: the card of the checkpoint a ``--resume`` continues (its wall time, units and commands
    carry on); ``started_from``: the checkpoint an ``--init-from`` run starts from; ``resumed_without_card``: the
    run continues a checkpoint written before cards existed (its first command and earlier time are unknown).
    """

    def __init__(self, command: str, seed: int, data: str, data_sha256: str | None, splits: str,
                 previous: dict[str, Any] | None = None, started_from: str | None = None,
                 resumed_without_card: bool = False):
        self.command, self.seed, self.data, self.data_sha256, self.splits = command, seed, data, data_sha256, splits
        self.previous = previous or {}
        if resumed_without_card and not self.previous:
            self.previous = {"command": UNRECORDED, "note": "sessions, wall time and throughput count from the "
                                                            "first session that wrote a card"}
        self.started_from = started_from if started_from is not None else self.previous.get("initialised from")
        self.t0 = time.perf_counter()  # built when training starts: this session's wall time counts from here

    def fields(self, trained: str, units_done: int, unit: str, best: str | None) -> dict[str, Any]:
        prev = self.previous
        session = time.perf_counter() - self.t0
        wall = float(prev.get("wall time (s)", 0.0) or 0.0) + session
        rate = units_done / wall if wall > 0 else 0.0
        sessions = int(prev.get("sessions", 0) or 0) + 1
        card = {
            "format": CARD_FORMAT,
            "command": prev.get("command", self.command),
            "last command": self.command if prev else None,
            "sessions": sessions,
            "seed": self.seed,
            "data": self.data,
            "data sha256": self.data_sha256,
            "split": self.splits,
            "initialised from": self.started_from,
            "trained": trained,
            "wall time (s)": round(wall, 3),
            "throughput": f"{rate:,.0f} {unit}/s (over the wall time of all sessions, evaluations included)",
            "best validation": best or "none yet",
            "note": prev.get("note"),
            "written": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }
        return {k: v for k, v in card.items() if v is not None}

    def json(self, trained: str, units_done: int, unit: str, best: str | None) -> str:
        return json.dumps(self.fields(trained, units_done, unit, best), ensure_ascii=False)


def _duration(seconds: Any) -> str:
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return str(seconds)
    if s < 60:
        return f"{s:.1f} s"
    minutes, s = divmod(s, 60)
    if minutes < 60:
        return f"{int(minutes)} min {s:.0f} s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)} h {int(minutes)} min"


def card_lines(card: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) rows of a card, in its order, wall time made readable."""
    rows = []
    for key, value in card.items():
        if key == "format":
            continue
        text = _duration(value) if key == "wall time (s)" else str(value)
        rows.append(("wall time" if key == "wall time (s)" else key, text))
    return rows


def print_info(path: str | os.PathLike, header: Iterable[tuple[str, str]], card: dict[str, Any] | None,
               fallback: Callable[[], Iterable[tuple[str, str]]], out: Callable[[str], None] = print) -> None:
    """One screen: the checkpoint and model rows, then the card (or, for an older checkpoint, ``fallback()``:
    what the checkpoint records without one)."""
    rows = [("checkpoint", str(Path(path)))] + list(header)
    if card is not None:
        rows += card_lines(card)
    else:
        rows.append(("results card", ("none (written before checkpoints carried one); what the checkpoint "
                                     "records:")))
        rows += list(fallback())
    width = max(len(label) for label, _ in rows)
    for label, text in rows:
        out(f"{label:<{width}}  {text}")


def add_info_parser(sub: Any, program: str) -> None:
    """``PROGRAM info CKPT`` (both models)."""
    i = sub.add_parser("info", help="print a checkpoint's results card (how its model was trained)")
    i.add_argument("checkpoint", metavar="CKPT", help=f"a .npz written by `{program} train`")
