"""The tutorial's gradient check on a user's configuration: a small copy of the model (small vocabulary
and hidden size, full BPTT, float64), every parameter entry's backprop gradient against central
differences, and for ``cell="rnn"`` also against the hand-derived reference BPTT."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import WordRNNLM
from .reference import RNNNumpy


@dataclass
class ParamCheck:
    name: str
    size: int
    max_rel_error: float
    ok: bool


def gradient_check(cell: str = "rnn", vocab_size: int = 100, hidden_size: int = 10, length: int = 8,
                   seed: int = 0, h: float = 1e-5, threshold: float = 1e-5) -> tuple[list[ParamCheck], float | None]:
    """Per-parameter largest relative error |b − n| / (|b| + |n|) (0 where both vanish), and for the rnn
    cell the largest relative difference between autograd and the reference BPTT."""
    model = WordRNNLM(vocab_size, hidden_size, bptt_truncate=None, cell=cell, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab_size, size=length + 1)
    x, y = ids[:-1], ids[1:]
    model.zero_grad()
    model.loss(x, y).backward()
    results = []
    for name, p in model.named_parameters():
        backprop = p.grad.copy()
        worst = 0.0
        for ix in np.ndindex(p.shape):
            orig = p.data[ix]
            p.data[ix] = orig + h
            plus = model.loss(x, y).item()
            p.data[ix] = orig - h
            minus = model.loss(x, y).item()
            p.data[ix] = orig
            numeric = (plus - minus) / (2 * h)
            denom = abs(backprop[ix]) + abs(numeric)
            if denom > 1e-12:  # both ~0 (an unused embedding row): nothing to compare
                worst = max(worst, abs(backprop[ix] - numeric) / denom)
        results.append(ParamCheck(name, int(p.data.size), worst, worst < threshold))
    ref_err = None
    if cell == "rnn":
        r = model.to_reference()
        dU, dV, dW = RNNNumpy(r["U"], r["V"], r["W"], bptt_truncate=None).bptt(x, y)
        pairs = [(model.embedding.weight.grad.T, dU), (model.output.weight.grad, dV), (model.weight_hh.grad, dW)]
        ref_err = max(float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)) for a, b in pairs)
    return results, ref_err
