"""Word-RNN speed: one per-sentence SGD step in the tutorial configuration (vocab 8000, hidden 100,
bptt_truncate 4, float32, ~22-token sentences), side by side:

  * the tutorial's numpy RNNNumpy step (models/word_rnn/reference.py: forward + windowed BPTT + SGD),
  * WordRNNLM on tinygrad_rnn, exactly the step ``word-rnn train`` runs (zero_grad, loss, backward, SGD),
  * PyTorch nn.Embedding + nn.RNN + nn.Linear (no biases) with SGD, when torch is installed;

then tokens/s with --batch-size 32 (padded, bucketed) and the time of one epoch over 80,000 sentences,
extrapolated from the measured steps.  Usage:  python benchmarks/word_rnn.py [--quick] [--threads N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import blas_threads, machine_line  # noqa: E402

# BLAS reads its thread count when numpy is imported, so this is decided before that import: --threads N,
# or without it one run with 1 and one with 2 threads (a subprocess each)
THREADS = str(blas_threads())

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinygrad_rnn import optim  # noqa: E402
from models.word_rnn import data as wdata  # noqa: E402
from models.word_rnn.model import WordRNNLM  # noqa: E402
from models.word_rnn.reference import RNNNumpy  # noqa: E402
from models.word_rnn.train import TrainStep  # noqa: E402

V, H, K, LR = 8000, 100, 4, 0.005
EPOCH_SENTENCES = 80_000


def sentence_lengths(rng: np.random.Generator, n: int) -> np.ndarray:
    """Token counts per sentence (start/end included) with mean ~23, like the tutorial's reddit data."""
    return np.clip(rng.gamma(4.0, 5.75, size=n).round().astype(int), 3, 80)


def make_sentences(rng, n, fixed=None):
    lengths = np.full(n, fixed) if fixed else sentence_lengths(rng, n)
    return [rng.integers(0, V, size=int(L)) for L in lengths]


def time_steps(step, sentences, repeats):
    """Median over ``repeats`` rounds of the mean time of one step (ms)."""
    rounds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for s in sentences:
            step(s)
        rounds.append((time.perf_counter() - t0) / len(sentences) * 1e3)
    return statistics.median(rounds)


def ours_step_fn(model):
    model.embedding.sparse = True  # what `word-rnn train` does for SGD
    train_step = TrainStep(model, optim.SGD(model.parameters(), lr=LR))
    return lambda ids: train_step(ids[:-1], ids[1:])


def torch_step_fn(seed):
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(int(THREADS))
    emb = torch.nn.Embedding(V, H)
    rnn = torch.nn.RNN(H, H, bias=False)
    out = torch.nn.Linear(H, V, bias=False)
    params = [*emb.parameters(), *rnn.parameters(), *out.parameters()]
    opt = torch.optim.SGD(params, lr=LR)

    def step(ids):
        x = torch.from_numpy(ids[:-1])
        y = torch.from_numpy(ids[1:])
        opt.zero_grad()
        h, _ = rnn(emb(x)[:, None])
        loss = torch.nn.functional.cross_entropy(out(h[:, 0]), y, reduction="sum")
        loss.backward()
        opt.step()
    return step, torch.__version__, torch.get_num_threads()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (noisier)")
    ap.add_argument("--threads", default=THREADS, help="BLAS / torch threads for every contender (default: 1 and 2)")
    ap.add_argument("--softmaxes", action="store_true",
                    help="then compare --softmax full|class|adaptive (benchmarks/word_rnn_softmax.py: the full "
                         "step's floor, the ratios, the scaling table, the batch-32 epoch)")
    args = ap.parse_args()
    print(machine_line(int(args.threads)))
    rng = np.random.default_rng(0)
    n, reps = (40, 3) if args.quick else (150, 5)
    print(f"word-rnn per-sentence SGD step: vocab {V}, hidden {H}, bptt_truncate {K}, float32, 22-token sentences")
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f} (other processes share the cores); "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    sents22 = make_sentences(rng, n, fixed=23)  # 22 inputs / 22 targets

    model = WordRNNLM(V, H, K, seed=0, dtype=np.float32)
    ours = ours_step_fn(model)
    p = model.to_reference()
    # the tutorial's code runs in float64 (np.random.uniform's dtype); a float32 copy is timed too
    tut64 = RNNNumpy(*(p[k].astype(np.float64) for k in "UVW"), bptt_truncate=K)
    tut32 = RNNNumpy(p["U"], p["V"], p["W"], bptt_truncate=K)
    ours(sents22[0])  # warm up
    t_ours = time_steps(ours, sents22, reps)
    few = sents22[: max(5, n // 10)]
    t_tut = time_steps(lambda s: tut64.sgd_step(s[:-1], s[1:], LR), few, max(1, reps - 2))
    t_tut32 = time_steps(lambda s: tut32.sgd_step(s[:-1], s[1:], LR), few, max(1, reps - 2))
    results = [("tutorial numpy RNNNumpy.sgd_step (float64)", t_tut), ("tutorial numpy, float32 copy", t_tut32),
               ("tinygrad_rnn WordRNNLM, word-rnn's SGD step", t_ours)]
    try:
        torch_step, tv, threads = torch_step_fn(0)
        torch_step(sents22[0])
        results.append((f"PyTorch {tv} nn.RNN+Linear ({threads} threads)", time_steps(torch_step, sents22, reps)))
    except ImportError:
        print("(torch not installed: PyTorch comparison skipped)")
    for name, t in results:
        print(f"  {name:<46} {t:8.2f} ms/sentence")
    print(f"  ratios: {t_tut / t_ours:.1f}x faster than the tutorial (float64), {t_tut32 / t_ours:.1f}x than its "
          f"float32 copy", end="")
    if len(results) == 4:
        print(f", {results[3][1] / t_ours:.2f}x the speed of PyTorch (>1 = faster)")
    else:
        print()

    # realistic length mix for throughput / epoch estimates
    mix = make_sentences(rng, 400 if not args.quick else 160)
    tokens_mix = sum(len(s) - 1 for s in mix)
    t0 = time.perf_counter()
    for s in mix:
        ours(s)
    per_sentence_s = time.perf_counter() - t0
    print(f"\nper-sentence SGD on a length mix (mean {tokens_mix / len(mix):.1f} tokens): "
          f"{tokens_mix / per_sentence_s:,.0f} tokens/s, epoch of {EPOCH_SENTENCES:,} sentences ≈ "
          f"{per_sentence_s / len(mix) * EPOCH_SENTENCES / 60:.1f} min (extrapolated from {len(mix)} sentences)")

    batch = 32
    mix_b = make_sentences(rng, batch * (40 if not args.quick else 12))
    encoded = mix_b
    lengths = np.asarray([len(s) - 1 for s in encoded])
    plan = wdata.epoch_plan(lengths, batch, np.random.default_rng(1))
    model_b = WordRNNLM(V, H, K, seed=0, dtype=np.float32)
    model_b.embedding.sparse = True
    step_b = TrainStep(model_b, optim.SGD(model_b.parameters(), lr=LR))
    step_b(*wdata.make_batch(encoded, plan[0]))
    t0 = time.perf_counter()
    for idx in plan:
        step_b(*wdata.make_batch(encoded, idx))
    dt = time.perf_counter() - t0
    tokens_b = int(lengths.sum())
    print(f"--batch-size {batch} (bucketed, padded): {tokens_b / dt:,.0f} tokens/s, epoch of {EPOCH_SENTENCES:,} "
          f"sentences ≈ {dt / len(encoded) * EPOCH_SENTENCES / 60:.2f} min (extrapolated from {len(encoded)} sentences)")
    if args.softmaxes:
        from benchmarks.word_rnn_softmax import run

        print()
        run(args.quick)


if __name__ == "__main__":
    main()
