"""min-char-rnn in plain numpy: the classic hand-derived forward pass, BPTT, AdaGrad and sampling.

This is the independent oracle for the autograd model (tests compare losses, every gradient and whole
training trajectories). It follows Karpathy's script, with the three places where circulated copies go
wrong done right:

* the hidden-bias gradient accumulates the gradient through the tanh: ``dbh += dhraw``;
* the gradient flowing to the previous step goes through ``Whh`` transposed: ``dhnext = Whh.T @ dhraw``;
* sampling builds a *fresh* one-hot vector at every step (re-using ``x`` and setting one more entry
  to 1 silently feeds a sum of characters into the network).

Parameters (a dict of float arrays; names are the classic ones):
    Wxh (H, V)  input → hidden        Whh (H, H)  hidden → hidden      bh (H,)  hidden bias
    Why (V, H)  hidden → output       by  (V,)    output bias
Hidden states are vectors of shape (H,). The loss of a chunk is the SUM over its time steps of
``-log p(target)`` (min-char-rnn's convention), in nats.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

PARAM_NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def init_params(vocab_size: int, hidden_size: int, rng: np.random.Generator,
                scale: float = 0.01, dtype=np.float64) -> dict[str, np.ndarray]:
    """min-char-rnn's initialisation: weights ~ N(0, scale²), biases zero."""
    V, H = vocab_size, hidden_size
    return {
        "Wxh": (rng.standard_normal((H, V)) * scale).astype(dtype),
        "Whh": (rng.standard_normal((H, H)) * scale).astype(dtype),
        "Why": (rng.standard_normal((V, H)) * scale).astype(dtype),
        "bh": np.zeros(H, dtype=dtype),
        "by": np.zeros(V, dtype=dtype),
    }


def _softmax(y: np.ndarray) -> np.ndarray:
    # Shifting by the max changes nothing mathematically and keeps exp from overflowing.
    e = np.exp(y - y.max())
    return e / e.sum()


def forward(inputs, targets, hprev: np.ndarray, params: Mapping[str, np.ndarray]):
    """Run one chunk. inputs, targets: sequences of T ints; hprev: (H,).

    Returns ``(loss, cache)`` where cache holds the one-hots, hidden states and probabilities that
    ``backward`` needs (``cache["hs"][t]`` for t = -1..T-1, -1 being ``hprev``).
    """
    Wxh, Whh, Why, bh, by = (params[k] for k in PARAM_NAMES)
    V = Wxh.shape[1]
    xs, hs, ps = {}, {-1: np.array(hprev, dtype=Wxh.dtype, copy=True)}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros(V, dtype=Wxh.dtype)
        xs[t][inputs[t]] = 1.0
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        ps[t] = _softmax(Why @ hs[t] + by)
        loss += -np.log(ps[t][targets[t]])
    return float(loss), {"xs": xs, "hs": hs, "ps": ps, "targets": list(targets)}


def backward(cache, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Backpropagation through time for the chunk in ``cache``: the gradient of the summed loss."""
    Whh, Why = params["Whh"], params["Why"]
    xs, hs, ps, targets = cache["xs"], cache["hs"], cache["ps"], cache["targets"]
    grads = {k: np.zeros_like(params[k]) for k in PARAM_NAMES}
    dhnext = np.zeros_like(hs[-1])
    for t in reversed(range(len(targets))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1.0                      # d(-log softmax)/dy = p - onehot(target)
        grads["Why"] += np.outer(dy, hs[t])
        grads["by"] += dy
        dh = Why.T @ dy + dhnext                   # from the output and from step t+1
        dhraw = (1.0 - hs[t] * hs[t]) * dh         # through tanh
        grads["bh"] += dhraw
        grads["Wxh"] += np.outer(dhraw, xs[t])
        grads["Whh"] += np.outer(dhraw, hs[t - 1])
        dhnext = Whh.T @ dhraw
    return grads


def loss_and_grads(inputs, targets, hprev: np.ndarray, params: Mapping[str, np.ndarray]):
    """min-char-rnn's ``lossFun`` WITHOUT its clipping: returns ``(loss, grads, h_last (H,))``."""
    loss, cache = forward(inputs, targets, hprev, params)
    grads = backward(cache, params)
    return loss, grads, cache["hs"][len(targets) - 1].copy()


def clip_grads(grads: Mapping[str, np.ndarray], clip: float = 5.0) -> None:
    """Clip every gradient entry to [-clip, clip] in place (min-char-rnn's ``np.clip(..., out=...)``)."""
    for g in grads.values():
        np.clip(g, -clip, clip, out=g)


def adagrad_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
                   memory: Mapping[str, np.ndarray], lr: float = 0.1) -> None:
    """min-char-rnn's AdaGrad in place: ``mem += g*g; p -= lr * g / sqrt(mem + 1e-8)``."""
    for k in PARAM_NAMES:
        memory[k] += grads[k] * grads[k]
        params[k] -= lr * grads[k] / np.sqrt(memory[k] + 1e-8)


def train_step(inputs, targets, hprev, params, memory, lr: float = 0.1, clip: float = 5.0):
    """One classic iteration: loss, BPTT, clip, AdaGrad. Returns ``(loss, h_last)``."""
    loss, grads, h = loss_and_grads(inputs, targets, hprev, params)
    clip_grads(grads, clip)
    adagrad_update(params, grads, memory, lr)
    return loss, h


def sample(h: np.ndarray, seed_ix: int, n: int, params: Mapping[str, np.ndarray],
           rng: np.random.Generator, temperature: float = 1.0) -> list[int]:
    """Draw ``n`` character ids, starting from hidden state h (H,) and input character ``seed_ix``."""
    Wxh, Whh, Why, bh, by = (params[k] for k in PARAM_NAMES)
    V = Wxh.shape[1]
    h = np.array(h, dtype=np.float64, copy=True)
    ix = seed_ix
    out = []
    for _ in range(n):
        x = np.zeros(V)                            # a fresh one-hot each step
        x[ix] = 1.0
        h = np.tanh(Wxh @ x + Whh @ h + bh)
        p = _softmax(np.asarray(Why @ h + by, dtype=np.float64) / temperature)
        ix = int(rng.choice(V, p=p / p.sum()))
        out.append(ix)
    return out
