"""The output layer past the full softmax: full softmax vs class-based vs adaptive, forward + backward.

    OPENBLAS_NUM_THREADS=1 python benchmarks/softmax_wall.py [--vocab 8000] [--hidden 100] [--repeats 7]

For N tokens of hidden size H over a vocabulary V (the word model: V = 8000, H = 100; N = 22 is one
sentence, N = 704 a batch of 32), each contender computes the mean negative log-likelihood of the targets
and its gradients with respect to the input and every weight, in one process:

* full:     ``F.linear_cross_entropy`` (the library's fused projection + softmax + NLL), three V x H GEMMs
* class:    ``nn.ClassSoftmax`` with ``nn.frequency_classes`` (about sqrt(V) classes, Zipf counts)
* adaptive: ``nn.AdaptiveLogSoftmaxWithLoss`` with cutoffs [V/20, V/4] (the shape PyTorch's docs use)
* torch:    ``torch.nn.AdaptiveLogSoftmaxWithLoss`` and the full ``F.cross_entropy(Linear)`` (if torch imports)

Targets are drawn from a Zipf distribution (word frequencies), so frequent words dominate, as in text.
Printed as times and as ratios to the full softmax (> 1 = faster), with the thread count and the load.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import best_time, blas_threads, machine_line  # noqa: E402

THREADS = blas_threads()  # before numpy is imported: without --threads, runs with 1 and with 2

import argparse  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tinygrad_rnn import F, Tensor, manual_seed, nn  # noqa: E402


def zipf_targets(V: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Targets (n,) with P(rank r) ~ 1/r, and the expected counts of each word (V,)."""
    p = 1.0 / np.arange(1, V + 1)
    p /= p.sum()
    return rng.choice(V, size=n, p=p), p * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=THREADS, help="BLAS and torch threads (default: run 1 and 2)")
    args = ap.parse_args()
    print(machine_line(args.threads))
    V, H = args.vocab, args.hidden
    threads = str(args.threads)
    print(f"output layer fwd+bwd, V={V}, H={H}, float32; BLAS threads {threads}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    rng = np.random.default_rng(0)
    manual_seed(0)
    full_w = nn.Parameter(rng.normal(scale=0.1, size=(V, H)).astype(np.float32))
    cutoffs = [V // 20, V // 4]
    adaptive = nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs)
    for n in (22, 704):
        targets, counts = zipf_targets(V, n, rng)
        cls = nn.ClassSoftmax(H, nn.frequency_classes(counts), sparse=True)
        params = [full_w, *cls.parameters(), *adaptive.parameters()]
        x0 = rng.normal(size=(n, H)).astype(np.float32)

        def run(loss_fn):
            def step():
                for p in params:  # as a training step does: gradients start from nothing
                    p.grad = None
                x = Tensor(x0, requires_grad=True)
                loss_fn(x).backward()
            return step

        results = {
            "full softmax (F.linear_cross_entropy)": run(lambda x: F.linear_cross_entropy(x, full_w, None, targets)),
            f"class-based ({cls.n_classes} classes, sparse)": run(lambda x: cls(x, targets).loss),
            f"adaptive (cutoffs {cutoffs})": run(lambda x: adaptive(x, targets).loss),
        }
        times = {name: best_time(fn, args.repeats) for name, fn in results.items()}
        try:
            import torch

            torch.set_num_threads(int(threads))
            tw = torch.tensor(full_w.data, requires_grad=True)
            tad = torch.nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs)
            tt = torch.tensor(targets)

            def torch_step(fn):
                def step():
                    for p in [tw, *tad.parameters()]:
                        p.grad = None
                    x = torch.tensor(x0, requires_grad=True)
                    fn(x).backward()
                return step

            times["PyTorch full (cross_entropy of x @ W.T)"] = best_time(
                torch_step(lambda x: torch.nn.functional.cross_entropy(x @ tw.T, tt)), args.repeats)
            times["PyTorch AdaptiveLogSoftmaxWithLoss"] = best_time(torch_step(lambda x: tad(x, tt).loss), args.repeats)
        except ImportError:
            pass
        base = times["full softmax (F.linear_cross_entropy)"]
        print(f"N = {n} tokens:")
        for name, t in times.items():
            print(f"  {name:44s} {t * 1e3:8.3f} ms   {base / t:5.2f}x the full softmax's speed")


if __name__ == "__main__":
    main()
