"""Char-RNN training speed: the tinygrad_rnn CharRNN vs the numpy min-char-rnn loop, side by side.

    python benchmarks/char_rnn.py [--rounds 7] [--bpc-seconds 300 --bpc-config classic --bpc-config batch32]

Data: ../shared/data/pride-and-prejudice.txt (relative to the repository) when present, else a
generated text (a fixed random character Markov chain, so nothing is downloaded).

1. Classic configuration (hidden 100, chunk 25, batch 1, Adagrad lr 0.1, clip 5): ms per chunk of a
   full training iteration (forward, BPTT, clip, update) for
     * ours:      ``Trainer.step()`` — CharRNN (gather-RNN + fused output/cross-entropy) in float32,
                  flat-parameter Adagrad + clip_grad_value_
     * ours f64:  the same in float64 (the reference's precision)
     * reference: ``reference.train_step`` — the hand-derived numpy min-char-rnn (float64)
   The two alternate in rounds in one process; the best round of each is reported, and the ratio.
2. Throughput in characters/s: batch 32 tanh RNN, and LSTM at batch 1 and 32.
3. With ``--bpc-seconds S``: train each ``--bpc-config`` (classic, batch32, lstm-batch32) for S seconds
   of wall-clock time and report validation bits/char on the held-out last 10% of the text.

Times are CPU time of the process (time.process_time), so BLAS runs single-threaded: set
OPENBLAS_NUM_THREADS (default here: 1; the matrices are small). Timings on a loaded machine still
vary; the ratio is the figure that matters.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models.char_rnn import reference as ref  # noqa: E402
from models.char_rnn.train import TrainConfig, Trainer  # noqa: E402
from models.char_rnn.vocab import CharVocab  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pride-and-prejudice.txt"


def load_text() -> tuple[str, str]:
    if DATA.exists():
        return DATA.read_text(encoding="utf-8-sig"), str(DATA.resolve())
    rng = np.random.default_rng(0)
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz ,.\n'ETAOINS"))
    trans = rng.dirichlet(np.full(len(alphabet), 0.3), size=len(alphabet))
    cdf = trans.cumsum(1)
    i, out = 0, []
    u = rng.random(400_000)
    for x in u:
        i = min(int(np.searchsorted(cdf[i], x)), len(alphabet) - 1)
        out.append(alphabet[i])
    return "".join(out), "generated Markov-chain text (pride-and-prejudice.txt not found)"


def time_per_call(fn, n: int) -> float:
    # CPU time of this process: on a shared machine wall-clock time mostly measures the neighbours
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


def classic(text: str, rounds: int) -> None:
    T, H = 25, 100
    ours32 = Trainer(TrainConfig.preset("min-char-rnn"), text)
    ours64 = Trainer(TrainConfig.preset("min-char-rnn", dtype="float64"), text)
    vocab = CharVocab.from_text(text)
    data = vocab.encode(text).tolist()
    params = ref.init_params(vocab.size, H, np.random.default_rng(0))
    memory = {k: np.zeros_like(v) for k, v in params.items()}
    pos = {"p": 0, "h": np.zeros(H)}

    def ref_step():
        p = pos["p"]
        if p + T + 1 >= len(data):
            p, pos["h"] = 0, np.zeros(H)
        _, pos["h"] = ref.train_step(data[p:p + T], data[p + 1:p + T + 1], pos["h"], params, memory)
        pos["p"] = p + T

    for fn in (ours32.step, ours64.step, ref_step):  # warm up
        time_per_call(fn, 20)
    t32, t64, tref = [], [], []
    for _ in range(rounds):
        t32.append(time_per_call(ours32.step, 400))
        t64.append(time_per_call(ours64.step, 400))
        tref.append(time_per_call(ref_step, 80))
    b32, b64, bref = min(t32), min(t64), min(tref)
    print(f"classic min-char-rnn config (H={H}, T={T}, batch 1, Adagrad, clip 5), V={vocab.size}:")
    print(f"  reference numpy loop (float64)   {bref * 1e3:7.3f} ms/chunk")
    print(f"  tinygrad_rnn CharRNN (float32)   {b32 * 1e3:7.3f} ms/chunk   {bref / b32:5.1f}x faster")
    print(f"  tinygrad_rnn CharRNN (float64)   {b64 * 1e3:7.3f} ms/chunk   {bref / b64:5.1f}x faster")
    print(f"  (median-round ratios: {np.median(tref) / np.median(t32):.1f}x float32, "
          f"{np.median(tref) / np.median(t64):.1f}x float64)")


def throughput(text: str, label: str, rounds: int, **config) -> None:
    trainer = Trainer(TrainConfig.preset("min-char-rnn", **config), text)
    chars = trainer.config.seq_length * trainer.config.batch_size
    time_per_call(trainer.step, 5)
    n = max(5, int(2000 / trainer.config.batch_size))
    best = min(time_per_call(trainer.step, n) for _ in range(max(2, rounds // 2)))
    print(f"  {label:<34} {chars / best:>10,.0f} chars/s   ({best * 1e3:.2f} ms/iteration)")


def fixed_time_bpc(text: str, seconds: float, label: str, **config) -> None:
    """Train for ``seconds`` of wall-clock time, then report validation loss (last 10% of the text)."""
    trainer = Trainer(TrainConfig.preset("min-char-rnn", **config), text)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer.step()
    nats = trainer.evaluate()
    chars = trainer.iteration * trainer.config.seq_length * trainer.config.batch_size
    print(f"{label} trained {seconds:.0f} s: {trainer.iteration:,} iterations ({chars:,} characters), "
          f"validation {nats:.4f} nats/char = {nats / math.log(2):.4f} bits/char")


BPC_CONFIGS = {
    "classic": {},
    "batch32": {"batch_size": 32},
    "lstm-batch32": {"cell": "lstm", "batch_size": 32, "optimizer": "adam", "lr": 2e-3},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bpc-seconds", type=float, default=0.0,
                        help="train each --bpc-config this long and report validation bits/char")
    parser.add_argument("--bpc-config", action="append", choices=sorted(BPC_CONFIGS),
                        help="configurations for --bpc-seconds (default: classic)")
    parser.add_argument("--skip-speed", action="store_true", help="only the --bpc-seconds runs")
    args = parser.parse_args()
    text, source = load_text()
    print(f"data: {source} ({len(text):,} characters); OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    if not args.skip_speed:
        classic(text, args.rounds)
        print("throughput (float32, Adagrad, clip 5):")
        throughput(text, "tanh RNN H=100, T=25, batch 1", args.rounds)
        throughput(text, "tanh RNN H=100, T=25, batch 32", args.rounds, batch_size=32)
        throughput(text, "LSTM H=100, T=25, batch 1", args.rounds, cell="lstm")
        throughput(text, "LSTM H=100, T=25, batch 32", args.rounds, cell="lstm", batch_size=32)
    if args.bpc_seconds > 0:
        for name in args.bpc_config or ["classic"]:
            fixed_time_bpc(text, args.bpc_seconds, name, **BPC_CONFIGS[name])


if __name__ == "__main__":
    main()
