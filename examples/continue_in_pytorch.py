"""Go on training a tinygrad_rnn model in plain PyTorch — in one process, or data-parallel on many.

    char-rnn export checkpoints/char_rnn/best.npz exported/        # or: word-rnn export ...
    python examples/continue_in_pytorch.py exported/ --data text.txt --steps 50
    torchrun --nproc_per_node 2 examples/continue_in_pytorch.py exported/ --data text.txt --steps 50

Needs torch (``safetensors`` is used when installed; without it the files are read here) and, to read the
text, the models package's own reader (``models/common/corpora.py``: pure Python, it imports neither numpy nor
tinygrad_rnn), so that the text is exactly the one the trainer read (a byte-order mark dropped, line ends made
``\n``). Nothing of tinygrad_rnn is imported: the export and a checkout (or ``pip install tinygrad-rnn``) can go
to any machine or cluster that runs PyTorch.

1. Loads the export into plain ``torch.nn`` modules (the classes and arguments ``config.json`` names), each
   with ``load_state_dict(strict=True)``, and freezes what the original training held fixed.
2. Checks the loading: the logits PyTorch computes for the input ids stored in ``check.safetensors`` must
   equal the logits the original model computed for them (stored beside them by ``export``) — to 1e-9 in
   float64, 2e-5 relative in float32. (Our own test also compares with the model computed afresh by the
   models package, so the stored logits are not taken on trust.)
3. Trains ``--steps`` steps with Adam on ``--data`` (default: the file the run was trained on, when its
   results card names one that exists here), cut into sequences of ``--seq-length`` tokens, each read from
   a zero state. Under ``torchrun`` every process takes its own share of the sequences and
   ``DistributedDataParallel`` (gloo backend, CPU) averages the gradients; rank 0 prints and saves.

Word models: ``--data`` is split into sentences and words with a simple rule (below), an approximation of the
NLTK tokenization the word model was trained with; words outside ``vocab.json`` become UNKNOWN_TOKEN.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F

_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "I64": torch.int64,
           "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}


def read_safetensors(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """A ``.safetensors`` file as tensors: ``safetensors.torch.load_file`` when installed, else read here
    (8-byte header length, JSON header, raw little-endian data)."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        return _read_safetensors(path)
    return load_file(os.fspath(path))


def _read_safetensors(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensor = torch.frombuffer(bytearray(data[begin:end]), dtype=_DTYPES[info["dtype"]]) if end > begin else \
            torch.empty(0, dtype=_DTYPES[info["dtype"]])
        out[name] = tensor.reshape(info["shape"])
    return out


class ExportedLM(torch.nn.Module):
    """The modules ``config.json`` lists, run in order, time-major: ids (T, B) -> logits (T, B, V).

    ``input == "one_hot"``: the first module reads one-hot vectors of the ids (the char model);
    ``"ids"``: it is an ``nn.Embedding`` (the word model). Recurrent modules return ``(output, state)``.
    """

    def __init__(self, config: dict[str, Any]):
        super().__init__()
        self.input = config["input"]
        self.vocab_size = int(config["model"]["vocab_size"])
        self.order = []
        for spec in config["modules"]:
            cls = getattr(torch.nn, spec["class"].rsplit(".", 1)[-1])
            self.add_module(spec["name"], cls(**spec["kwargs"]))
            self.order.append(spec["name"])

    def forward(self, ids: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        x = ids
        if self.input == "one_hot":
            x = F.one_hot(ids, self.vocab_size).to(next(self.parameters()).dtype)
        for name in self.order:
            module = getattr(self, name)
            if isinstance(module, torch.nn.RNNBase):
                x, state = module(x, state)
            else:
                x = module(x)
        return x, state


def load_export(outdir: str | os.PathLike) -> tuple[ExportedLM, dict[str, Any], dict[str, Any]]:
    """(model, config, vocab) of an export directory; the model's frozen tensors have requires_grad False."""
    outdir = Path(outdir)
    config = json.loads((outdir / "config.json").read_text(encoding="utf-8"))
    vocab = json.loads((outdir / "vocab.json").read_text(encoding="utf-8"))
    model = ExportedLM(config).to(getattr(torch, config["dtype"]))
    state = read_safetensors(outdir / "model.safetensors")
    for spec in config["modules"]:
        prefix = spec["name"] + "."
        part = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        getattr(model, spec["name"]).load_state_dict(part, strict=True)
        for name in spec["frozen"]:
            model.get_parameter(name).requires_grad_(False)
    return model, config, vocab


def check_logits(model: ExportedLM, outdir: str | os.PathLike) -> tuple[float, float, bool]:
    """(max |difference|, tolerance, ok) between PyTorch's logits and the stored ones for the stored ids."""
    check = read_safetensors(Path(outdir) / "check.safetensors")
    model.eval()  # the stored logits are the model's at inference: no dropout
    with torch.no_grad():
        logits, _ = model(check["ids"].long())
    expected = check["logits"]
    diff = float((logits - expected).abs().max())
    scale = max(1.0, float(expected.abs().max()))
    tol = (1e-9 if expected.dtype == torch.float64 else 2e-5) * scale
    return diff, tol, diff <= tol


# ------------------------------------------------------------------------------------------ data
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_WORD = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]")


def read_text(path: str | os.PathLike) -> str:
    """The text of ``path`` as the trainers read it: their own ``read_text_file`` (a UTF-8/16/32 byte-order mark
    dropped, Windows and old Mac line ends made ``\n``), so a char model finds the characters it was trained on.

    It comes from the checkout this script lives in, else from the installed package; a problem with the file
    is one ``error:`` line."""
    root = Path(__file__).resolve().parents[1]
    try:
        if (root / "models" / "common" / "corpora.py").is_file():  # a checkout: its trainers' reader
            if str(root) not in sys.path:
                sys.path.insert(0, str(root))
            from models.common import UserError, read_text_file
        else:
            from tinygrad_rnn_models.common import UserError, read_text_file
    except ImportError:
        raise SystemExit("error: reading the text needs the models package of tinygrad-rnn (its reader is pure "
                         "Python); run this script from a checkout, or `pip install tinygrad-rnn`") from None
    try:
        return read_text_file(path)
    except UserError as err:
        raise SystemExit(f"error: {err}") from None


def encode_text(text: str, vocab: dict[str, Any], source: str = "--data") -> list[int]:
    """One id stream: the characters (char model), or the sentences as SENTENCE_START words SENTENCE_END.

    ``source`` names the text in an error: ``--data``, or the run's own file when no --data was given."""
    index = {s: i for i, s in enumerate(vocab["id_to_symbol"])}
    if vocab["type"] == "char":
        missing = sorted(set(text) - index.keys())
        if missing:
            fix = ("use a text in the model's characters" if source == "--data" else
                   "the file has changed since the model was trained on it: pass --data FILE with a text in the "
                   "model's characters")
            raise SystemExit(f"error: {source} holds {len(missing)} character(s) the model has no id for "
                             f"(e.g. {missing[0]!r}); {fix}")
        return [index[c] for c in text]
    if vocab.get("lowercase"):
        text = text.lower()
    unk = index[vocab["unknown_token"]]
    ids: list[int] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in _SENTENCE_END.split(" ".join(paragraph.split())):
            words = _WORD.findall(sentence)
            if words:
                ids += [index[vocab["sentence_start"]], *(index.get(w, unk) for w in words),
                        index[vocab["sentence_end"]]]
    return ids


def sequences(ids: list[int], length: int, source: str = "--data") -> torch.Tensor:
    """(N, length + 1) windows of the stream, stepping by ``length`` (each target is the next input)."""
    t = torch.tensor(ids, dtype=torch.long)
    n = (len(t) - 1) // length
    if n < 1:
        raise SystemExit(f"error: {source} has {len(t)} tokens, fewer than one sequence of --seq-length {length} + 1; "
                         "use a longer text or a smaller --seq-length")
    return torch.stack([t[i * length:i * length + length + 1] for i in range(n)])


def default_data(config: dict[str, Any]) -> str | None:
    recorded = (config.get("card") or {}).get("data")
    return recorded if recorded and Path(recorded).is_file() else None


# ------------------------------------------------------------------------------------------ training
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Check an export against its stored logits, then continue training "
                                            "it in PyTorch (data-parallel under torchrun).")
    p.add_argument("outdir", help="a directory written by `char-rnn export` or `word-rnn export`")
    p.add_argument("--data", help="text to train on (default: the run's own data file, if it is here)")
    p.add_argument("--steps", type=int, default=20, help="optimisation steps (default 20; 0 = check only)")
    p.add_argument("--seq-length", type=int, default=25, help="tokens per training sequence (default 25)")
    p.add_argument("--batch-size", type=int, default=8, help="sequences per step and process (default 8)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (default 0.002)")
    p.add_argument("--clip", type=float, default=5.0, help="clip the gradient norm (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", help="write the trained weights here (rank 0; safetensors if installed, else torch.save)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the check and the training; returns {"check": (diff, tol, ok), "losses": [...], "world_size": N}."""
    args = parse_args(argv)
    distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
    if distributed:
        dist.init_process_group("gloo")
        torch.set_num_threads(1)  # N processes already share the cores
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    say = print if rank == 0 else (lambda *a, **k: None)
    torch.manual_seed(args.seed)
    model, config, vocab = load_export(args.outdir)
    diff, tol, ok = check_logits(model, args.outdir)
    say(f"check: PyTorch's logits vs the exported model's on {tuple(read_safetensors(Path(args.outdir) / 'check.safetensors')['ids'].shape)} "
        f"ids: max |difference| {diff:.3g} (tolerance {tol:.3g}, {config['dtype']}): {'OK' if ok else 'MISMATCH'}")
    result: dict[str, Any] = {"check": (diff, tol, ok), "losses": [], "world_size": world}
    if not ok:
        if distributed:
            dist.destroy_process_group()
        raise SystemExit(1)
    if args.steps > 0:
        data = args.data or default_data(config)
        if data is None:
            raise SystemExit("error: give the text to train on with --data FILE")
        source = "--data" if args.data else f"{data}, the model's own training text (no --data given),"
        seqs = sequences(encode_text(read_text(data), vocab, source), args.seq_length, source)
        mine = seqs[rank::world]  # this process's share of the sequences
        if len(mine) == 0:
            raise SystemExit(f"error: --data gives {len(seqs)} sequences, fewer than the {world} processes")
        net = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.Adam(params, lr=args.lr)
        generator = torch.Generator().manual_seed(args.seed + rank)
        say(f"training {args.steps} steps on {data}: {len(seqs):,} sequences of {args.seq_length} tokens, "
            f"{args.batch_size} per step on each of {world} process(es)")
        model.train()
        for step in range(1, args.steps + 1):
            batch = mine[torch.randint(len(mine), (args.batch_size,), generator=generator)].T  # (T + 1, B)
            logits, _ = net(batch[:-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[1:].reshape(-1))
            opt.zero_grad()
            loss.backward()  # DDP averages the gradients of all processes here
            torch.nn.utils.clip_grad_norm_(params, args.clip)
            opt.step()
            shown = loss.detach().clone()
            if distributed:
                dist.all_reduce(shown)
                shown /= world
            result["losses"].append(float(shown))
            if step == 1 or step == args.steps or step % max(1, args.steps // 10) == 0:
                unit = "char" if vocab["type"] == "char" else "word"
                say(f"step {step}: loss {float(shown):.4f} nats/{unit} = {float(shown) / math.log(2):.4f} "
                    f"bits/{unit} (mean over {world} process(es))")
        if args.save and rank == 0:
            state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
            try:
                from safetensors.torch import save_file
                save_file(state, args.save)
            except ImportError:
                torch.save(state, args.save)
            say(f"saved the trained weights (names of model.safetensors) to {args.save}")
    if distributed:
        # DDP's promise, checked: every process took different batches, yet all hold the same weights
        flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double()
        low, high = flat.clone(), flat.clone()
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        result["identical"] = bool(torch.equal(low, high))
        say(f"weights identical on all {world} processes after training: {result['identical']}")
        dist.destroy_process_group()
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
