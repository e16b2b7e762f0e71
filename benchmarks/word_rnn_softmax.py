"""Word-RNN output layers side by side: ``--softmax full|class|adaptive`` in the step ``word-rnn train`` runs.

    python benchmarks/word_rnn_softmax.py [--quick] [--threads N]

In one process (ratios, never absolute claims), with targets drawn from a Zipf distribution (as word
frequencies are; the class and adaptive layouts come from their counts, as the trainer builds them):

1. the per-sentence SGD step at V = 8000, H = 100, bptt_truncate 4, 22 tokens, float32, for each softmax,
   and class/adaptive as multiples of full's speed;
2. the floor of the full step: the three V x H matrix products it cannot avoid (logits = h W^T,
   dh = dlogits W, dW = dlogits^T h, each at the faster of its row- and class-major forms) and the exp
   over the (22, V) logits, timed alone with numpy (hot, and each product right after a step's other
   arrays went through the cache, as a step meets it); the full step's ratio to both; the step without any
   output layer (the bound on what a factorised softmax can gain over full: the recurrence, the embedding,
   the engine and SGD cost the same under every softmax); and the least ratio any full step can reach,
   since it must also run that step and update the V x H weight (one pass ``W -= dW`` at least); and the
   class layer against its own BLAS products timed alone (the class factor's three and three per distinct
   class), with the most it could cost for class to be 5x full's speed;
3. scaling: cost per token of the per-sentence step for V in {2k, 8k, 32k, 100k}, each softmax;
4. the epoch estimate: 80,000 sentences (mean ~22 tokens) at --batch-size 32, each softmax, from timed batches.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from pathlib import Path

from timing import threads_arg  # benchmarks/timing.py (this script's folder is on sys.path); no numpy


THREADS = str(threads_arg(sys.argv[1:]) or 1)  # default 1: a shared machine makes threads noise
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, THREADS)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import best_time, clock_for, interleaved_rounds  # noqa: E402
from tinygrad_rnn import optim  # noqa: E402
from models.word_rnn import data as wdata  # noqa: E402
from models.word_rnn.model import SOFTMAXES, WordRNNLM  # noqa: E402
from models.word_rnn.train import TrainStep  # noqa: E402

H, K, LR = 100, 4, 0.005
EPOCH_SENTENCES = 80_000


def zipf(V: int) -> np.ndarray:
    p = 1.0 / np.arange(1, V + 1)
    return p / p.sum()


def sentences(rng: np.random.Generator, V: int, n: int, length: int | None = 23) -> list[np.ndarray]:
    """``n`` id arrays of ``length`` tokens (start/end included), or a length mix of mean ~23."""
    lengths = (np.full(n, length) if length else np.clip(rng.gamma(4.0, 5.75, size=n).round().astype(int), 3, 80))
    p = zipf(V)
    return [rng.choice(V, size=int(L), p=p) for L in lengths]


def model_and_step(V: int, softmax: str):
    counts = np.round(zipf(V) * 1e7).astype(np.int64)
    model = WordRNNLM(V, H, K, seed=0, dtype=np.float32, softmax=softmax,
                      word_counts=counts if softmax != "full" else None)
    model.set_sparse_gradients(True)  # what `word-rnn train` does for SGD
    return model, TrainStep(model, optim.SGD(model.parameters(), lr=LR))


def step_pass(V: int, softmax: str, sents: list[np.ndarray]):
    """A function running one per-sentence SGD step on each of ``sents`` (a fresh model)."""
    _, step = model_and_step(V, softmax)

    def run():
        for s in sents:
            step(s[:-1], s[1:])
    return run


def per_sentence(V: int, softmax: str, sents: list[np.ndarray], repeats: int) -> float:
    """Seconds per per-sentence SGD step (best of ``repeats`` passes over ``sents``)."""
    _, step = model_and_step(V, softmax)

    def run():
        for s in sents:
            step(s[:-1], s[1:])
    return best_time(run, repeats, min_seconds=0.3) / len(sents)


def floor_forms(V: int, n: int) -> dict[str, tuple]:
    """The full softmax's unavoidable work for ``n`` tokens, as functions: the three V x H GEMMs and one exp.

    Each product comes in both layouts of the (n, V) block (row-major, and class-major (V, n) as
    ``F.linear_cross_entropy`` keeps a sentence's scores); the floor counts each at its faster one, so no
    layout of the op can beat it."""
    rng = np.random.default_rng(0)
    h = rng.standard_normal((n, H)).astype(np.float32)
    W = rng.standard_normal((V, H)).astype(np.float32) * 0.1
    g = rng.standard_normal((n, V)).astype(np.float32)
    gT = np.ascontiguousarray(g.T)
    scores = (h @ W.T).astype(np.float32)  # exp's input stays these scores (exp of exp would overflow)
    logits, logits_t = np.empty((n, V), np.float32), np.empty((V, n), np.float32)
    dh = np.empty((n, H), np.float32)
    dW = np.empty((V, H), np.float32)
    W_upd, dW_upd = W.copy(), np.zeros((V, H), np.float32)
    return {
        "update": (lambda: np.subtract(W_upd, dW_upd, out=W_upd),),  # not in the floor: the least an update does
        "logits": (lambda: np.matmul(h, W.T, out=logits), lambda: np.matmul(W, h.T, out=logits_t)),
        "exp": (lambda: np.exp(scores, out=logits),),
        "dh": (lambda: np.matmul(g, W, out=dh), lambda: np.matmul(gT.T, W, out=dh)),
        "dW": (lambda: np.matmul(g.T, h, out=dW), lambda: np.matmul(gT, h, out=dW)),
    }


def bare_full_step(V: int, n: int):
    """The full softmax's own work for one sentence of ``n`` tokens as plain numpy in a step's order, with no
    framework around it: the (V, n) scores, their exp and column totals, the target entries' one-hot, the
    input gradient's product, and the SGD update of W a block of rows at a time from ``E @ (h * r)`` (what the
    library's step does, op for op). The floor's products and exp plus the update and the few small passes
    that join them: what a numpy full step reaches without any Python overhead of its own."""
    rng = np.random.default_rng(0)
    h = rng.standard_normal((n, H)).astype(np.float32)
    W = (rng.standard_normal((V, H)) * 0.01).astype(np.float32)
    target = rng.integers(0, V, n)
    offsets = target * n + np.arange(n)
    ones = np.ones(V, np.float32)
    rows = 65536 // H
    block = np.empty((rows, H), np.float32)

    def run():
        e = W.dot(h.T)
        np.exp(e, out=e)
        total = ones.dot(e)
        e.reshape(-1)[offsets] -= total
        r = (LR / total).astype(np.float32)
        dh = e.T.dot(W)
        dh *= r[:, None]
        right = h * r[:, None]
        for lo in range(0, V, rows):
            hi = min(lo + rows, V)
            b = np.dot(e[lo:hi], right, out=block[:hi - lo])
            np.subtract(W[lo:hi], b, out=W[lo:hi])
        return dh
    return run


class Cold:
    """``fn`` run right after a pass over ``flush`` (untimed): the time of ``fn`` alone, as ``interleaved_rounds``
    calls it, is recorded here (the round's wall time of this callable includes the flush and is ignored)."""

    def __init__(self, fn, flush: np.ndarray):
        self.fn, self.flush, self.samples = fn, flush, []

    def __call__(self) -> None:
        np.add(self.flush, 1.0, out=self.flush)
        start = time.perf_counter()
        self.fn()
        self.samples.append(time.perf_counter() - start)

    def per_round(self, rounds: int) -> np.ndarray:
        """The median of each round's samples (the first two calls calibrate ``interleaved_rounds``)."""
        per = np.asarray(self.samples[2:])
        return np.median(per[: len(per) // rounds * rounds].reshape(rounds, -1), axis=1)


def without_output_layer(V: int, sents: list[np.ndarray]):
    """A function running, on each of ``sents``, everything of a step but the output layer: the same model's
    embedding, recurrence, backward and SGD, with the loss the plain sum of the top states. No output layer
    can make a step cheaper than this."""
    model, _ = model_and_step(V, "full")
    params = [p for name, p in model.named_parameters() if not name.startswith("output")]
    opt = optim.SGD(params, lr=LR)

    def run():
        for s in sents:
            opt.zero_grad()
            hs, _ = model.hidden_states(s[:-1][:, None])
            loss = hs.sum()
            loss.item()
            loss.backward()
            opt.step()
    return run


def class_products(V: int, sents: list[np.ndarray]):
    """A function running, for each of ``sents``, only the BLAS products of the class softmax's step, as bare
    numpy calls on arrays sliced in advance: the class factor's (N, H) x (H, C) product and its two backward
    products, and per distinct class of the sentence its forward, dx and weight-gradient products. What the
    class layer's step costs without any of the Python, indexing and softmax passes around its products."""
    model, _ = model_and_step(V, "class")
    out = model.output
    cw, w = out.class_weight.data, out.weight.data
    rng = np.random.default_rng(1)
    jobs = []
    for s in sents:
        target = s[1:]
        n = len(target)
        x = rng.standard_normal((n, H)).astype(np.float32)
        z, dz = np.empty((n, len(cw)), np.float32), rng.standard_normal((n, len(cw))).astype(np.float32)
        dx, dcw = np.empty((n, H), np.float32), np.empty_like(cw)
        blocks = []
        for c in np.unique(out.class_of_word[target]).tolist():
            m = int((out.class_of_word[target] == c).sum())
            words = out.members[c]
            w_c = w[words[0]:words[0] + len(words)]
            d = rng.standard_normal((m, len(words))).astype(np.float32)
            blocks.append((x[:m], w_c, np.empty((m, len(words)), np.float32), d, np.empty((m, H), np.float32),
                           np.empty((len(words), H), np.float32)))
        jobs.append((x, z, dz, dx, dcw, blocks))

    def run():
        for x, z, dz, dx, dcw, blocks in jobs:
            x.dot(cw.T, out=z)
            dz.dot(cw, out=dx)
            dz.T.dot(x, out=dcw)
            for xc, w_c, sc, d, dxc, dw in blocks:
                xc.dot(w_c.T, out=sc)
                d.dot(w_c, out=dxc)
                d.T.dot(xc, out=dw)
    run.products = 3 + 3 * np.mean([len(job[-1]) for job in jobs])  # per sentence
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (noisier)")
    ap.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    run(ap.parse_args().quick)


def run(quick: bool = False) -> None:
    """Print the four comparisons (``benchmarks/word_rnn.py --softmaxes`` runs this after its own)."""
    reps = 3 if quick else 5
    rng = np.random.default_rng(0)
    print(f"word-rnn softmaxes: H {H}, bptt_truncate {K}, float32, per-sentence SGD; BLAS threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}; {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f}")

    V = 8000
    sents = sentences(rng, V, 20 if quick else 60)
    # sections 1 and 2 in alternating rounds (every step, the no-output-layer step, every floor product),
    # so that a change in the shared machine's load hits them alike; medians, and each ratio taken per round
    forms = floor_forms(V, 22)
    class_blas_run = class_products(V, sents)
    fns = [step_pass(V, sm, sents) for sm in SOFTMAXES] + [without_output_layer(V, sents), class_blas_run]
    bare = bare_full_step(V, 22)
    fns += [lambda: [bare() for _ in sents]]
    fns += [f for alternatives in forms.values() for f in alternatives]
    # the same products timed as a step meets them: each right after the rest of a step's working set (the V x H
    # gradient and one more weight-sized pass, ~2 V x H floats) went through the cache, not repeated hot
    flush = np.ones(2 * V * H + 22 * V, np.float32)
    cold = [Cold(f, flush) for name, alternatives in forms.items() if name != "update" for f in alternatives]
    clock = clock_for(int(os.environ.get("OPENBLAS_NUM_THREADS", "1")))
    rounds = interleaved_rounds(fns + cold, 9 if quick else 25, min_seconds=0.05, clock=clock)
    per_round = {sm: np.asarray(rounds[k]) / len(sents) for k, sm in enumerate(SOFTMAXES)}
    rest = np.asarray(rounds[len(SOFTMAXES)]) / len(sents)
    class_blas = np.asarray(rounds[len(SOFTMAXES) + 1]) / len(sents)
    bare_step = np.asarray(rounds[len(SOFTMAXES) + 2]) / len(sents)
    k, floor, update = len(SOFTMAXES) + 3, 0.0, None
    for name, alternatives in forms.items():
        fastest = np.min([rounds[k + j] for j in range(len(alternatives))], axis=0)
        k += len(alternatives)
        if name == "update":
            update = fastest
        else:
            floor = floor + fastest
    cold_floor, c = 0.0, 0
    for name, alternatives in forms.items():
        if name != "update":
            cold_floor = cold_floor + np.min([cold[c + j].per_round(len(rounds[0])) for j in range(len(alternatives))],
                                             axis=0)
            c += len(alternatives)
    times = {sm: float(np.median(t)) for sm, t in per_round.items()}
    full = per_round["full"]
    print(f"\n1. per-sentence step, V {V}, 22 tokens (medians of {len(full)} alternating rounds; ratios per round):")
    for sm, t in per_round.items():
        print(f"   {sm:<9} {times[sm] * 1e3:7.3f} ms   {np.median(full / t):5.2f}x the full step's speed")
    print(f"2. floor of the full step (3 GEMMs of 22x{H}x{V}, each in its faster layout, + exp of 22x{V}, numpy "
          f"alone): {np.median(floor) * 1e3:.3f} ms; the full step is {np.median(full / floor):.2f}x its floor "
          f"(rounds: {np.min(full / floor):.2f}-{np.max(full / floor):.2f})")
    print(f"   the same products each timed after a step's other arrays went through the cache (as a step meets "
          f"them): {np.median(cold_floor) * 1e3:.3f} ms; the full step is {np.median(full / cold_floor):.2f}x that")
    print(f"   the step without its output layer (embedding, recurrence, backward, SGD; loss = sum of the states): "
          f"{np.median(rest) * 1e3:.3f} ms, so no output layer can make the step more than "
          f"{np.median(full / rest):.1f}x faster than full; class's own output layer costs "
          f"{np.median(per_round['class'] - rest) * 1e3:.3f} ms, adaptive's "
          f"{np.median(per_round['adaptive'] - rest) * 1e3:.3f} ms")
    class_layer = per_round["class"] - rest
    print(f"   class's output layer is {np.median(class_layer / class_blas):.1f}x its BLAS products alone (the class "
          f"factor's 3 and 3 per distinct class of the sentence, bare numpy calls: {np.median(class_blas) * 1e3:.3f} "
          f"ms): the rest is the Python, indexing and softmax passes around its {class_blas_run.products:.0f} small products; for 5x "
          f"full's speed it could cost {np.median((full / 5 - rest)) * 1e3:.3f} ms at most")
    bound = (floor + rest + update) / floor
    print(f"   a full step must also run that step ({np.median(rest) * 1e3:.3f} ms) and update the V x H weight (one "
          f"pass W -= dW at least: {np.median(update) * 1e3:.3f} ms): no full step can be below "
          f"{np.median(bound):.2f}x the floor here")
    print(f"   the full softmax's own work as one bare numpy step (scores, exp, totals, one-hot, the input gradient, W "
          f"updated block by block; no framework, no recurrence): {np.median(bare_step) * 1e3:.3f} ms = "
          f"{np.median(bare_step / floor):.2f}x the floor; with the step without output layer added, "
          f"{np.median((bare_step + rest) / floor):.2f}x: what a numpy full step reaches here")

    print("\n3. cost per token (µs) of the per-sentence step:")
    sizes = (2000, 8000, 32000) if quick else (2000, 8000, 32000, 100000)
    print("   " + f"{'V':>8}" + "".join(f"{sm:>11}" for sm in SOFTMAXES) + "   class/full  adaptive/full")
    for v in sizes:
        few = sentences(rng, v, 6 if v >= 32000 else 15)
        row = {sm: (times[sm] if v == V else per_sentence(v, sm, few, 2 if v >= 32000 else reps)) / 22 * 1e6
               for sm in SOFTMAXES}
        print("   " + f"{v:>8}" + "".join(f"{row[sm]:>11.1f}" for sm in SOFTMAXES)
              + f"   {row['class'] / row['full']:10.3f}  {row['adaptive'] / row['full']:13.3f}")

    batch = 32
    mix = sentences(rng, V, batch * (8 if quick else 24), length=None)
    lengths = np.asarray([len(s) - 1 for s in mix])
    plan = wdata.epoch_plan(lengths, batch, np.random.default_rng(1))
    print(f"\n4. epoch of {EPOCH_SENTENCES:,} sentences (mean {lengths.mean():.1f} tokens) at --batch-size {batch}, "
          f"V {V}, {os.environ.get('OPENBLAS_NUM_THREADS')} BLAS thread(s):")
    for sm in SOFTMAXES:
        _, step = model_and_step(V, sm)

        def run():
            for idx in plan:
                step(*wdata.make_batch(mix, idx))
        t = best_time(run, 2, min_seconds=0.0)
        print(f"   {sm:<9} {lengths.sum() / t:9,.0f} tokens/s   epoch ≈ {t / len(mix) * EPOCH_SENTENCES / 60:.2f} min")


if __name__ == "__main__":
    main()
