"""Exports for PyTorch: a directory any PyTorch user can load without this project installed.

``OUTDIR/model.safetensors``  the weights only, named ``MODULE.PARAM`` with PyTorch's names and layouts, so each
                             module's slice loads with ``torch.nn.X.load_state_dict(strict=True)``;
``OUTDIR/config.json``       sizes, cell, layers, dtype, the modules (torch class and constructor arguments),
                             what every tensor is, which tensors our training held fixed, the forward pass;
``OUTDIR/vocab.json``        id -> symbol;
``OUTDIR/check.safetensors`` a few input sequences (``ids``, (T, B) int64) and the logits our model computes for
                             them (``logits``, (T, B, V)): a PyTorch program verifies its loading against them
                             without needing this project (``examples/continue_in_pytorch.py`` does);
``OUTDIR/README.md``         how to load it.

Each model says how its weights map onto torch modules (``models/<model>/export.py``: one function from the
checkpoint to a list of ``ModuleSpec``); this module writes the directory.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_rnn import save_safetensors
from tinygrad_rnn.serialization import atomic_write

from .card import card_lines
from .errors import UserError, os_error_reason

EXPORT_FORMAT = "tinygrad_rnn-export/1"
FILES = ("model.safetensors", "config.json", "vocab.json", "check.safetensors", "README.md")
RECURRENT = ("RNN", "LSTM", "GRU")


TORCH_RNN_CLASS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # our cell name -> its torch.nn module
GATE_NOTES = {"rnn": "", "lstm": " (gates i, f, g, o stacked)", "gru": " (gates r, z, n stacked)"}


def add_export_parser(sub: Any, program: str) -> None:
    """``PROGRAM export CKPT OUTDIR [--overwrite]`` (both models: the same options)."""
    x = sub.add_parser("export", help="write a checkpoint's model for PyTorch (safetensors + config.json)",
                       description="Write OUTDIR/model.safetensors (PyTorch names and layouts), config.json, "
                                   "vocab.json, check.safetensors and README.md (how to load it).")
    x.add_argument("checkpoint", metavar="CKPT", help=f"a .npz written by `{program} train`")
    x.add_argument("outdir", metavar="OUTDIR", help="a new (or empty) directory for the export")
    x.add_argument("--overwrite", action="store_true", help="replace the export files of a non-empty OUTDIR")


@dataclass
class ModuleSpec:
    """One torch module of an export: ``torch.nn.<torch_class>(**kwargs)`` named ``name``.

    ``tensors``: the module's own parameter names (``weight_ih_l0``) -> (array in PyTorch's layout, what it is).
    ``frozen``: parameter names our training holds fixed (a continuation should too, to stay the same model).
    """

    name: str
    torch_class: str
    kwargs: dict[str, Any]
    tensors: dict[str, tuple[np.ndarray, str]]
    frozen: tuple[str, ...] = ()

    def constructor(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"torch.nn.{self.torch_class}({args})"


@dataclass
class ExportPlan:
    """Everything an export directory holds, assembled by a model's ``export.py``.

    ``input``: "one_hot" (the first module reads one-hot vectors of the ids, as (T, B, V) floats) or "ids"
    (the first module is an ``nn.Embedding`` reading the (T, B) ids). The modules then run in order,
    time-major (``batch_first=False``), recurrent ones returning ``(output, state)``; the last gives logits.
    """

    kind: str
    model: dict[str, Any]
    dtype: str
    input: str
    modules: list[ModuleSpec]
    vocab: dict[str, Any]
    check_ids: np.ndarray
    check_logits: np.ndarray
    notes: list[str] = field(default_factory=list)  # the mapping, in sentences (README and config.json)
    card: dict[str, Any] | None = None  # the run's results card, when the checkpoint has one
    source: str = ""

    def state_dict(self) -> dict[str, np.ndarray]:
        return {f"{m.name}.{k}": np.ascontiguousarray(a, dtype=self.dtype) for m in self.modules
                for k, (a, _) in m.tensors.items()}


def check_export_dir(outdir: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse, before any work, an OUTDIR that is a file or already holds something (unless ``overwrite``)."""
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise UserError(f"OUTDIR {str(out)!r} is a file, not a directory; give a new directory for the export")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise UserError(f"OUTDIR {str(out)!r} is not empty; pass --overwrite to replace its export files, or give "
                        "a new directory")
    return out


def check_state(kind: str, state: dict[str, Any], expected: set[str]) -> None:
    """A checkpoint whose weights are not exactly the ones the mapping knows cannot be exported faithfully."""
    names = set(state)
    if names != expected:
        odd = sorted(names - expected) or sorted(expected - names)
        raise UserError(f"cannot export this {kind} model: its weights ({odd[0]!r} ...) do not match the layout "
                        "the export knows; export a checkpoint written by this version's trainer")


def check_sequences(vocab_size: int, length: int = 24, count: int = 3, first: int | None = None) -> np.ndarray:
    """(length, count) int64 ids drawn with a fixed seed (the first row ``first`` if given)."""
    ids = np.random.default_rng(12345).integers(0, vocab_size, size=(length, count), dtype=np.int64)
    if first is not None:
        ids[0] = first
    return ids


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _write_bytes(path: Path, data: bytes) -> None:
    atomic_write(os.fspath(path), lambda f: f.write(data), what="export file")


def config_of(plan: ExportPlan) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "kind": plan.kind,
        "source_checkpoint": plan.source,
        "model": plan.model,
        "dtype": plan.dtype,
        "input": plan.input,
        "time_major": True,
        "modules": [{"name": m.name, "class": f"torch.nn.{m.torch_class}", "kwargs": m.kwargs,
                     "tensors": {f"{m.name}.{k}": {"shape": list(a.shape), "what": what}
                                 for k, (a, what) in m.tensors.items()},
                     "frozen": [f"{m.name}.{k}" for k in m.frozen]} for m in plan.modules],
        "mapping": plan.notes,
        "check": {"file": "check.safetensors", "ids": list(plan.check_ids.shape),
                  "logits": list(plan.check_logits.shape)},
        "card": plan.card,
    }


def readme_of(plan: ExportPlan) -> str:
    recurrent = next(m.name for m in plan.modules if m.torch_class in RECURRENT)
    # .eval(): the logits of the original model at inference (no dropout); .train() to go on training
    build = "\n".join(f"{m.name} = {m.constructor()}.to(torch.{plan.dtype}).eval()" for m in plan.modules)
    load = "\n".join(f"{m.name}.load_state_dict(part(\"{m.name}\"), strict=True)" for m in plan.modules)
    freeze = "\n".join(f"{name}.requires_grad_(False)" for m in plan.modules for name in
                       (f"{m.name}.{k}" for k in m.frozen)) or "# (nothing is held fixed)"
    first, *rest = [m.name for m in plan.modules]
    if plan.input == "one_hot":
        forward = (f"x = torch.nn.functional.one_hot(ids, {plan.model['vocab_size']}).to(torch.{plan.dtype})"
                   f"  # (T, B, V)\n")
        chain = [first, *rest]
    else:
        forward = f"x = {first}(ids)  # (T, B, H)\n"
        chain = rest
    for name in chain:
        forward += (f"x, state = {name}(x)  # time-major (T, B, H); state = h_n (or (h_n, c_n))\n"
                    if name == recurrent else f"x = {name}(x)\n")
    tensors = "\n".join(f"| `{m.name}.{k}` | {tuple(a.shape)} | `torch.nn.{m.torch_class}` `{m.name}` | {what} |"
                        for m in plan.modules for k, (a, what) in m.tensors.items())
    notes = "\n".join(f"- {n}" for n in plan.notes)
    card = ""
    if plan.card:
        card = "\n## The run that trained it\n\n" + "\n".join(f"- {k}: {v}" for k, v in card_lines(plan.card)) + "\n"
    return f"""# {plan.kind} export

Exported from `{plan.source}` by `{plan.kind.replace('_', '-')} export`. Weights only: `model.safetensors`
(PyTorch names and layouts), `config.json` (sizes and the modules), `vocab.json` (id -> symbol),
`check.safetensors` (input ids and the logits the original model gives for them).

## Load it into PyTorch

```python
import torch
from safetensors.torch import load_file   # or: tinygrad_rnn.load_safetensors + torch.from_numpy

state = load_file("model.safetensors")
def part(prefix):  # one module's slice of the file, under the module's own parameter names
    return {{k[len(prefix) + 1:]: v for k, v in state.items() if k.startswith(prefix + ".")}}

{build}
{load}
{freeze}  # held fixed by the original training: freeze it to go on training the same model

ids = torch.tensor([[0], [1], [2]])  # (T, B) int64 ids from vocab.json, time-major
{forward}logits = x  # (T, B, V)
```

Check the loading: `check.safetensors` holds `ids` (T, B) and the original `logits` (T, B, V);
`examples/continue_in_pytorch.py OUTDIR` compares them with PyTorch's and continues training (also under
`torchrun --nproc_per_node N`).

## Tensors

| name | shape | loaded by | what |
|---|---|---|---|
{tensors}

## Mapping

{notes}
{card}"""


def write_export(plan: ExportPlan, outdir: str | os.PathLike, overwrite: bool = False) -> list[Path]:
    """Write the export directory (each file atomically); returns the files written."""
    out = check_export_dir(outdir, overwrite)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / name for name in FILES]
        save_safetensors(plan.state_dict(), paths[0], metadata={"format": EXPORT_FORMAT, "kind": plan.kind})
        _write_bytes(paths[1], _json(config_of(plan)))
        _write_bytes(paths[2], _json(plan.vocab))
        save_safetensors({"ids": np.asarray(plan.check_ids, dtype=np.int64),
                          "logits": np.asarray(plan.check_logits, dtype=plan.dtype)}, paths[3],
                         metadata={"format": EXPORT_FORMAT})
        _write_bytes(paths[4], readme_of(plan).encode("utf-8"))
    except OSError as err:
        raise UserError(f"cannot write the export to {str(out)!r} ({os_error_reason(err)}); choose another "
                        "OUTDIR") from None
    return paths
