"""The RNNNumpy tutorial model in plain numpy, with its hand-derived truncated BPTT (the cross-check).

Shapes follow the tutorial (column vectors, one sentence at a time):
    U (H, V)   input weights; ``U[:, x_t]`` is the one-hot product ``U x_t`` done as a column lookup
    W (H, H)   recurrent weights
    V (V, H)   output weights
    s_t = tanh(U[:, x_t] + W s_{t-1}),  s_{-1} = 0        o_t = softmax(V s_t)

Loss conventions, exactly as in the tutorial:
    ``sentence_loss`` = −Σ_t log o_t[y_t]  (summed over the words of one sentence); ``bptt`` returns its
    gradient and ``sgd_step`` descends it.  ``calculate_loss`` = Σ over sentences of that sum divided by
    the total number of target words, i.e. the mean cross-entropy per word.

Truncation (the tutorial's): the gradient of output t flows back to the hidden states of steps
t, t−1, …, max(0, t − bptt_truncate) and no further — a window for every output, so early outputs get
their gradient too. ``bptt_truncate=None`` is full BPTT.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


def init_params(vocab_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64) -> dict[str, np.ndarray]:
    """The tutorial's initialisation: U ~ U(±1/sqrt(V)), V and W ~ U(±1/sqrt(H))."""
    a, b = 1.0 / np.sqrt(vocab_size), 1.0 / np.sqrt(hidden_size)
    return {
        "U": rng.uniform(-a, a, (hidden_size, vocab_size)).astype(dtype),
        "V": rng.uniform(-b, b, (vocab_size, hidden_size)).astype(dtype),
        "W": rng.uniform(-b, b, (hidden_size, hidden_size)).astype(dtype),
    }


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, max-shifted so large scores do not overflow."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class RNNNumpy:
    """The tutorial's model. ``s`` returned by ``forward_propagation`` has T+1 rows; ``s[-1]`` is the zero initial state."""

    U: np.ndarray
    V: np.ndarray
    W: np.ndarray
    bptt_truncate: int | None = 4

    @classmethod
    def random(cls, vocab_size: int, hidden_size: int, bptt_truncate: int | None = 4, seed: int = 0,
               dtype=np.float64) -> "RNNNumpy":
        p = init_params(vocab_size, hidden_size, np.random.default_rng(seed), dtype)
        return cls(p["U"], p["V"], p["W"], bptt_truncate)

    def forward_propagation(self, x: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Outputs o (T, V) — probabilities — and hidden states s (T+1, H) with s[T] = s[-1] = 0."""
        T = len(x)
        H = self.W.shape[0]
        s = np.zeros((T + 1, H), dtype=self.W.dtype)
        o = np.zeros((T, self.V.shape[0]), dtype=self.W.dtype)
        for t in range(T):
            s[t] = np.tanh(self.U[:, x[t]] + self.W.dot(s[t - 1]))
            o[t] = softmax(self.V.dot(s[t]))
        return o, s

    def predict(self, x: Sequence[int]) -> np.ndarray:
        o, _ = self.forward_propagation(x)
        return np.argmax(o, axis=1)

    def sentence_loss(self, x: Sequence[int], y: Sequence[int]) -> float:
        """−Σ_t log o_t[y_t] for one sentence (a sum over its words)."""
        o, _ = self.forward_propagation(x)
        return float(-np.sum(np.log(o[np.arange(len(y)), y])))

    def calculate_total_loss(self, X: Sequence[Sequence[int]], Y: Sequence[Sequence[int]]) -> float:
        return float(sum(self.sentence_loss(x, y) for x, y in zip(X, Y)))

    def calculate_loss(self, X: Sequence[Sequence[int]], Y: Sequence[Sequence[int]]) -> float:
        """Mean cross-entropy per target word over all sentences (the tutorial's reported loss)."""
        n = sum(len(y) for y in Y)
        return self.calculate_total_loss(X, Y) / n

    def bptt(self, x: Sequence[int], y: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gradients (dL/dU, dL/dV, dL/dW) of ``sentence_loss`` under the tutorial's windowed truncation."""
        T = len(y)
        o, s = self.forward_propagation(x)
        dLdU = np.zeros_like(self.U)
        dLdV = np.zeros_like(self.V)
        dLdW = np.zeros_like(self.W)
        delta_o = o
        delta_o[np.arange(T), y] -= 1.0  # d(−log softmax)/d(scores) = o − one_hot(y)
        k = T if self.bptt_truncate is None else self.bptt_truncate
        for t in reversed(range(T)):
            dLdV += np.outer(delta_o[t], s[t])
            delta_t = self.V.T.dot(delta_o[t]) * (1 - s[t] ** 2)
            for step in reversed(range(max(0, t - k), t + 1)):
                dLdW += np.outer(delta_t, s[step - 1])  # s[-1] is the zero initial state
                dLdU[:, x[step]] += delta_t
                delta_t = self.W.T.dot(delta_t) * (1 - s[step - 1] ** 2)
        return dLdU, dLdV, dLdW

    def sgd_step(self, x: Sequence[int], y: Sequence[int], learning_rate: float) -> None:
        dLdU, dLdV, dLdW = self.bptt(x, y)
        self.U -= learning_rate * dLdU
        self.V -= learning_rate * dLdV
        self.W -= learning_rate * dLdW

    def gradient_check(self, x: Sequence[int], y: Sequence[int], h: float = 1e-4,
                       error_threshold: float = 0.01) -> dict[str, float]:
        """The tutorial's check: central differences of ``sentence_loss`` against ``bptt`` entry by entry.

        Returns the largest relative error per parameter; only meaningful with full BPTT
        (``bptt_truncate=None`` or ≥ the sentence length), since truncation changes the gradient.
        """
        grads = dict(zip("UVW", self.bptt(x, y)))
        worst: dict[str, float] = {}
        for name in "UVW":
            p = getattr(self, name)
            worst[name] = 0.0
            it = np.nditer(p, flags=["multi_index"])
            while not it.finished:
                ix = it.multi_index
                orig = p[ix]
                p[ix] = orig + h
                plus = self.sentence_loss(x, y)
                p[ix] = orig - h
                minus = self.sentence_loss(x, y)
                p[ix] = orig
                numeric = (plus - minus) / (2 * h)
                backprop = grads[name][ix]
                denom = abs(backprop) + abs(numeric)
                rel = 0.0 if denom == 0 else abs(backprop - numeric) / denom
                worst[name] = max(worst[name], rel)
                it.iternext()
        return worst


def train_with_sgd(model: RNNNumpy, X_train: Sequence[Sequence[int]], y_train: Sequence[Sequence[int]],
                   learning_rate: float = 0.005, nepoch: int = 100,
                   evaluate_loss_after: int = 5) -> list[tuple[int, float, float]]:
    """The tutorial's outer SGD loop (printing left out): every ``evaluate_loss_after`` epochs the loss on
    the whole training set, the learning rate halved if it rose, then one SGD step per sentence in order.
    Returns ``(num_examples_seen, loss, learning rate used after it)`` per evaluation."""
    losses: list[tuple[int, float]] = []
    record: list[tuple[int, float, float]] = []
    num_examples_seen = 0
    for epoch in range(nepoch):
        if epoch % evaluate_loss_after == 0:
            loss = model.calculate_loss(X_train, y_train)
            losses.append((num_examples_seen, loss))
            if len(losses) > 1 and losses[-1][1] > losses[-2][1]:
                learning_rate = learning_rate * 0.5
            record.append((num_examples_seen, loss, learning_rate))
        for i in range(len(y_train)):
            model.sgd_step(X_train[i], y_train[i], learning_rate)
            num_examples_seen += 1
    return record
