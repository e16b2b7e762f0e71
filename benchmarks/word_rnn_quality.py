"""Quality at equal wall time: validation perplexity of ``--softmax full``, ``class`` and ``adaptive`` after
the same minutes of ``word-rnn train`` on one corpus (same vocabulary, split, seed and optimizer).

    python benchmarks/word_rnn_quality.py [--data FILE] [--minutes 3] [--batch-size 1] [--threads 1]

A faster softmax sees more sentences in the same time; whether that beats the exact full softmax's better
use of each sentence is what this measures. The runs are sequential, so the machine's load can differ
between them: the sentences each run reached are printed beside its perplexity.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

for _i, _arg in enumerate(sys.argv):  # BLAS reads its thread count when numpy is imported
    if _arg == "--threads" and _i + 1 < len(sys.argv):
        for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(_var, sys.argv[_i + 1])
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.word_rnn import data as wdata  # noqa: E402
from models.word_rnn.model import SOFTMAXES  # noqa: E402
from models.word_rnn.train import TrainConfig, evaluate, train  # noqa: E402
from models.word_rnn.vocab import encode_sentences  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pride-and-prejudice.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA) if DEFAULT_DATA.exists() else "/work/shared/data/pride-and-prejudice.txt")
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--threads", default="1")
    args = ap.parse_args()
    corpus = wdata.load_corpus(args.data)
    print(f"{args.data}: {len(corpus.sentences)} sentences; {args.minutes:g} min of training per softmax, "
          f"--batch-size {args.batch_size}, vocab {args.vocab_size}, hidden 100, SGD; BLAS threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}, {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}")
    rows = []
    for softmax in SOFTMAXES:
        with tempfile.TemporaryDirectory() as out:
            cfg = TrainConfig(data=args.data, softmax=softmax, vocab_size=args.vocab_size, batch_size=args.batch_size,
                              lr=args.lr, epochs=1000, max_time=args.minutes * 60, out=out, quiet=True,
                              checkpoint_minutes=None)
            result = train(cfg, out=io.StringIO())
        model, vocab = result["model"], result["vocab"]
        encoded = encode_sentences(vocab, corpus.sentences)
        _, val_idx = wdata.split_indices(len(encoded), cfg.val_fraction, cfg.seed)
        loss, words = evaluate(model, encoded, val_idx)
        rows.append((softmax, result["sentences"], loss))
        print(f"  {softmax:<9} {result['sentences']:>8,} sentences trained   validation loss {loss:.4f}/word   "
              f"perplexity {np.exp(loss):8.1f}   (load {os.getloadavg()[0]:.1f})", flush=True)
    best = min(rows, key=lambda r: r[2])
    print(f"lowest validation perplexity after {args.minutes:g} min: {best[0]}")


if __name__ == "__main__":
    main()
