"""Validation bits/char after given minutes of training: char-rnn's default vs the min-char-rnn preset.

    python benchmarks/char_default.py [--config default --config min-char-rnn] [--minutes 1 5 10]
                                      [--threads 1] [--set cell=gru --set hidden_size=256 ...]

Each configuration trains on the text (default ../shared/data/pride-and-prejudice.txt, the last 10% held
out) with the same ``Trainer`` that ``char-rnn train`` uses. At each wall-clock checkpoint (minutes of
training only: evaluation and sampling are not counted; ``--clock cpu`` counts the CPU time the process
got instead, which on a loaded machine is the time the same run takes on an idle core) it prints the validation bits/char, the
iterations done and the machine's 1-minute load, and a sample of --sample-length characters from
--prime (temperature 1, fixed seed). ``--set name=value`` overrides one TrainConfig field (for the
short runs that chose the default). The machine is shared: quote the load with the figures.
"""
from __future__ import annotations

import argparse
import os
import sys

from timing import threads_arg  # benchmarks/timing.py (this script's folder is on sys.path); no numpy


# BLAS reads its thread count once, when numpy is first imported
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(threads_arg(sys.argv[1:]) or 1)  # default 1: a shared machine makes threads noise

import math  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, fields  # noqa: E402
from pathlib import Path  # noqa: E402


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models.char_rnn.sample import generate  # noqa: E402
from models.char_rnn.train import PRESETS, TrainConfig, Trainer  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pride-and-prejudice.txt"


def load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def parse_override(text: str) -> tuple[str, object]:
    name, _, raw = text.partition("=")
    types = {f.name: f.type for f in fields(TrainConfig)}
    if name not in types:
        raise SystemExit(f"--set: unknown TrainConfig field {name!r} (one of {', '.join(types)})")
    kind = str(types[name])
    value: object = raw
    if kind == "int":
        value = int(raw)
    elif kind == "float":
        value = float(raw)
    elif raw == "None":
        value = None
    return name, value


def make_config(name: str, overrides: list[tuple[str, object]]) -> TrainConfig:
    config = TrainConfig.preset(name) if name != "default" else TrainConfig()
    for key, value in overrides:
        setattr(config, key, value)
    return config


def run(label: str, config: TrainConfig, text: str, minutes: list[float], prime: str, sample_length: int,
        clock: str = "wall") -> None:
    trainer = Trainer(config, text)
    n_params = sum(p.data.size for p in trainer.model.trainable_parameters())
    print(f"== {label}: {asdict(config)} ({n_params:,} parameters), load {load()}", flush=True)
    trained = cpu = 0.0  # seconds of training (evaluation excluded): wall-clock, and CPU time this process got
    for target in sorted(minutes):
        while (cpu if clock == "cpu" else trained) < target * 60:
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(10):
                trainer.step()
            trained += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
        nats = trainer.evaluate()
        bpc = nats / math.log(2)
        print(f"{label}: {target:g} {'CPU-' if clock == 'cpu' else ''}min: {trained / 60:.1f} wall-min: validation {bpc:.3f} bits/char ({nats:.3f} nats), iteration "
              f"{trainer.iteration}, {trainer.iteration * config.batch_size * config.seq_length / trained:,.0f} "
              f"chars/s, {cpu / 60:.1f} CPU-min, load {load()}", flush=True)
        sample = "".join(generate(trainer.model, trainer.vocab, prime, sample_length, seed=1, on_loop=print))
        print(f"{label}: sample from {prime!r}:\n{prime}{sample}\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA), help="text file (default: pride-and-prejudice.txt)")
    parser.add_argument("--config", action="append", choices=["default", *PRESETS],
                        help="configurations to run (default: default and min-char-rnn)")
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 10],
                        help="checkpoints, in minutes of training (counted by --clock)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a TrainConfig field of every --config")
    parser.add_argument("--threads", default="1", help="BLAS threads (set before numpy loads)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="what --minutes count: wall-clock time, or the CPU time this process got (with one "
                             "BLAS thread: the wall-clock time on an idle core; for a machine other jobs load)")
    parser.add_argument("--prime", default="Elizabeth")
    parser.add_argument("--sample-length", type=int, default=300)
    args = parser.parse_args()
    if not Path(args.data).exists():
        raise SystemExit(f"{args.data} not found; pass --data FILE")
    text = Path(args.data).read_text(encoding="utf-8-sig")
    overrides = [parse_override(s) for s in args.set]
    print(f"{len(text):,} characters from {args.data}; BLAS threads {args.threads}; {os.cpu_count()} cores")
    for name in args.config or ["default", "min-char-rnn"]:
        label = name + "".join(f" {k}={v}" for k, v in overrides)
        run(label, make_config(name, overrides), text, args.minutes, args.prime, args.sample_length, args.clock)


if __name__ == "__main__":
    main()
