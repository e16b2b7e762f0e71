"""WordRNNLM: the RNNNumpy tutorial model on tinygrad_rnn.nn.

    s_t = tanh(U x_t + W s_{t-1}),  s_{-1} = 0        o_t = softmax(V s_t)

with ``U x_t`` an embedding lookup (row x_t of ``embedding.weight``, shape (vocab, hidden) = the
tutorial's U transposed), ``W`` = ``weight_hh`` (hidden, hidden) and ``V`` = ``output.weight``
(vocab, hidden). Like the tutorial there are no biases, so the two agree weight for weight.
``cell="gru"|"lstm"`` swaps the recurrence for ``nn.GRU``/``nn.LSTM`` (with biases, full BPTT only).

Loss convention (explicit, as in the tutorial): ``loss(x, y)`` is the *sum* of the per-word
cross-entropies of a sentence — the quantity whose gradient the tutorial's ``bptt`` returns and its
``sgd_step`` descends at lr 0.005. For a padded batch it is that sum averaged over the sentences, so a
batch of one is the tutorial step. Reported losses are per word (``calculate_loss``'s convention).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn import Tensor, nn, no_grad
import tinygrad_rnn.nn.functional as F


CELLS = ("rnn", "gru", "lstm")
PAD = -100  # target id of padding, ignored by the loss (cross_entropy's ignore_index)
State = tuple  # tuple[np.ndarray, ...]: (h,) for rnn/gru, (h, c) for lstm, each (1, B, H)


class WordRNNLM(nn.Module):
    """Word-level language model. Inputs are int id arrays (T,) for one sentence or (T, B) time-major."""

    def __init__(self, vocab_size: int = 8000, hidden_size: int = 100, bptt_truncate: int | None = 4,
                 cell: str = "rnn", seed: int | None = 0, dtype: Any = np.float32):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        if bptt_truncate is not None and bptt_truncate < 0:
            raise ValueError(f"bptt_truncate must be None (full BPTT) or >= 0, got {bptt_truncate}")
        if cell != "rnn" and bptt_truncate is not None:
            raise ValueError(f"truncated BPTT is implemented for cell='rnn' only; use bptt_truncate=None with {cell!r}")
        self.vocab_size, self.hidden_size = int(vocab_size), int(hidden_size)
        self.bptt_truncate = bptt_truncate
        self.cell = cell
        rng = np.random.default_rng(seed)
        a, b = 1.0 / np.sqrt(vocab_size), 1.0 / np.sqrt(hidden_size)
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.output = nn.Linear(hidden_size, vocab_size, bias=False)
        # the tutorial's initialisation: U ~ U(±1/sqrt(vocab)), V and W ~ U(±1/sqrt(hidden))
        self.embedding.weight.data = rng.uniform(-a, a, (hidden_size, vocab_size)).T.astype(dtype).copy()
        self.output.weight.data = rng.uniform(-b, b, (vocab_size, hidden_size)).astype(dtype)
        if cell == "rnn":
            self.weight_hh = nn.Parameter(rng.uniform(-b, b, (hidden_size, hidden_size)).astype(dtype))
        else:
            self.rnn = (nn.GRU if cell == "gru" else nn.LSTM)(hidden_size, hidden_size)
            for p in self.rnn.parameters():
                p.data = rng.uniform(-b, b, p.data.shape).astype(dtype)

    def config(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
                "bptt_truncate": self.bptt_truncate, "cell": self.cell}

    @staticmethod
    def _batched(ids: Any) -> tuple[np.ndarray, bool]:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim not in (1, 2):
            raise ValueError(f"token ids must be (T,) or (T, B), got shape {ids.shape}")
        return (ids[:, None], True) if ids.ndim == 1 else (ids, False)

    def hidden_states(self, x: Any, state: State | None = None) -> tuple[Tensor, State]:
        """Hidden states (T, B, H) for ids ``x`` (T, B), and the final state (for continuing a sequence).

        The state is a tuple of arrays, as in the char model: ``(h,)`` for rnn/gru, ``(h, c)`` for lstm,
        each (1, B, H) (a layer axis first, PyTorch's h_n layout); None starts from zeros.
        """
        e = self.embedding(x)
        if self.cell == "rnn":
            h0 = None if state is None else state[0][0]
            hs = F.truncated_tanh_rnn(e, self.weight_hh, h0=h0, truncate=self.bptt_truncate)
            return hs, (hs.data[-1:].copy(),)
        carried = None if state is None else tuple(Tensor(s) for s in state)
        out, last = self.rnn(e, carried[0] if carried is not None and self.cell == "gru" else carried)
        last = last if isinstance(last, tuple) else (last,)
        return out, tuple(t.data.copy() for t in last)

    def forward(self, x: Any, state: State | None = None) -> Tensor:
        """Logits (T, V) for ids (T,), or (T, B, V) for ids (T, B)."""
        ids, single = self._batched(x)
        hs, _ = self.hidden_states(ids, state)
        T, B, H = hs.shape
        logits = F.linear(hs.reshape(T * B, H), self.output.weight)
        return logits.reshape(T, self.vocab_size) if single else logits.reshape(T, B, self.vocab_size)

    def loss(self, x: Any, y: Any, divisor: float | None = None) -> Tensor:
        """Σ of the per-word cross-entropies (targets ``PAD`` ignored), divided by ``divisor``.

        ``divisor`` defaults to the number of sentences (columns): 1 for a single sentence, which is
        exactly the tutorial's per-sentence loss. The output layer and the loss are one fused op
        (``F.linear_cross_entropy``): the (T*B, V) logits are never a tensor of their own.
        """
        ids, targets = self._pair(x, y)
        hs, _ = self.hidden_states(ids)
        loss = F.linear_cross_entropy(hs, self.output.weight, None, targets, ignore_index=PAD, reduction="sum")
        div = float(ids.shape[1] if divisor is None else divisor)
        return loss if div == 1.0 else loss * (1.0 / div)

    @no_grad()
    def token_losses(self, x: Any, y: Any) -> np.ndarray:
        """Per-word cross-entropies −log p(y_t | x_≤t) as float64, shaped like ``y`` (0 where padded)."""
        ids, targets = self._pair(x, y)
        hs, _ = self.hidden_states(ids)
        losses = F.linear_cross_entropy(hs, self.output.weight, None, targets, ignore_index=PAD, reduction="none")
        losses = losses.data.astype(np.float64)
        return losses[:, 0] if np.ndim(y) == 1 else losses

    def _pair(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and targets as (T, B) id arrays of one shape."""
        ids, _ = self._batched(x)
        targets, _ = self._batched(y)
        if targets.shape != ids.shape:
            raise ValueError(f"x and y must have the same shape, got {ids.shape} and {targets.shape}")
        return ids, targets

    @no_grad()
    def step(self, token_ids: Any, state: State | None = None) -> tuple[np.ndarray, State]:
        """One step for generation: ids (B,) → logits (B, V) and the new state."""
        ids = np.asarray(token_ids, dtype=np.int64).reshape(1, -1)
        hs, state = self.hidden_states(ids, state)
        logits = hs.data[0] @ self.output.weight.data.T
        return logits, state

    def to_reference(self) -> dict[str, np.ndarray]:
        """The tutorial's (U, V, W) arrays (copies) of a ``cell="rnn"`` model."""
        if self.cell != "rnn":
            raise ValueError("only cell='rnn' is the tutorial model")
        return {"U": self.embedding.weight.data.T.copy(), "V": self.output.weight.data.copy(),
                "W": self.weight_hh.data.copy()}

    def load_reference(self, U: np.ndarray, V: np.ndarray, W: np.ndarray) -> None:
        """Set the weights from the tutorial's (U, V, W) arrays."""
        self.embedding.weight.data = np.ascontiguousarray(U.T, dtype=self.embedding.weight.data.dtype)
        self.output.weight.data = np.array(V, dtype=self.output.weight.data.dtype)
        self.weight_hh.data = np.array(W, dtype=self.weight_hh.data.dtype)
