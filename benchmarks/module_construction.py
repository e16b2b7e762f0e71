"""What recording constructor arguments (for whole-module ``save``) costs when modules are built.

    python benchmarks/module_construction.py [--repeats 7]

``Module.__new__`` keeps each module's constructor call (a reference to its args and kwargs, not a copy).
Its cost per construction is timed directly, as ``Module.__new__(cls, *args)`` minus the plain
``object.__new__(cls)`` it replaces, and printed beside the time of a whole construction: for a bare
``Tanh()``, a ``Linear(4, 4)`` and a small user model (Embedding + LSTM + Linear: four recorded calls).
The ratio is construction time / construction time without the recording (1.0 = free).
"""
from __future__ import annotations

import argparse

from tinygrad_rnn import nn
from timing import best_time  # benchmarks/timing.py (this script's folder is on sys.path)


class Small(nn.Module):
    def __init__(self, vocab: int, hidden: int):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = nn.LSTM(hidden, hidden)
        self.out = nn.Linear(hidden, vocab)


CASES = [("Tanh()", nn.Tanh, (), 1), ("Linear(4, 4)", nn.Linear, (4, 4), 1), ("Small(20, 8)", Small, (20, 8), 4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    recording_new = nn.Module.__new__
    for name, cls, call, modules in CASES:
        build = best_time(lambda: cls(*call), args.repeats)
        with_rec = best_time(lambda: recording_new(cls, *call), args.repeats)
        plain = best_time(lambda: object.__new__(cls), args.repeats)
        extra = max(with_rec - plain, 0.0) * modules
        print(f"{name:14s} construction {build * 1e6:8.2f} µs   recording {extra * 1e6:6.2f} µs   "
              f"ratio {build / (build - extra):.3f}")


if __name__ == "__main__":
    main()
