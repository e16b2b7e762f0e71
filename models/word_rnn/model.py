"""WordRNNLM: the RNNNumpy tutorial model on tinygrad_rnn.nn, and the word LM of pytorch/examples around it.

    s_t = tanh(U x_t + W s_{t-1}),  s_{-1} = 0        o_t = softmax(V s_t)

with ``U x_t`` an embedding lookup (row x_t of ``embedding.weight``, shape (vocab, hidden) = the
tutorial's U transposed), ``W`` = ``weight_hh`` (hidden, hidden) and ``V`` = ``output.weight``
(vocab, hidden). Like the tutorial there are no biases, so the two agree weight for weight.
``cell="gru"|"lstm"`` swaps the recurrence for ``nn.GRU``/``nn.LSTM`` (with biases, full BPTT only).

Beyond the tutorial (every default keeps the tutorial model, drawn from the same generator in the same order):

- ``num_layers``: stacked recurrences. For ``rnn`` layer l > 0 reads ``weight_ih_l{l} @ s^{l-1}_t``
  (``weight_ih_l{l}``/``weight_hh_l{l}``, no biases; each layer truncates its own BPTT at ``bptt_truncate``).
- ``dropout``: on the embeddings, between layers and before the output layer (pytorch/examples' placement);
  active in ``train()`` mode only.
- ``embedding_size`` (default ``hidden_size``): for ``rnn`` a different size adds ``weight_ih`` (hidden,
  embedding), so ``U = weight_ih @ embedding.weight.T`` has rank ``embedding_size``.
- ``tied``: Press & Wolf weight tying, ``output.weight`` *is* ``embedding.weight`` (one Parameter); it needs
  ``embedding_size == hidden_size`` (no projection is added) and the full softmax.
- ``softmax``: ``"full"`` (the tutorial's), ``"class"`` (``nn.ClassSoftmax``, frequency classes of
  ``word_counts``; without biases unless ``output_bias=True``, like the rest of the model) or
  ``"adaptive"`` (``nn.AdaptiveLogSoftmaxWithLoss``; word ids are ranked by ``word_counts`` so that the
  head holds the most frequent words). ``word_counts`` (V,) are target
  frequencies from the training data; the checkpoint stores them, the layout is rebuilt from them.

Loss convention (explicit, as in the tutorial): ``loss(x, y)`` is the *sum* of the per-token
cross-entropies of a sentence (its words and its end token) — the quantity whose gradient the tutorial's ``bptt`` returns and its
``sgd_step`` descends at lr 0.005. For a padded batch it is that sum averaged over the sentences, so a
batch of one is the tutorial step. Reported losses are per predicted token, words and sentence ends
(``calculate_loss``'s "per word", whose words include the end token).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from tinygrad_rnn import Tensor, nn, no_grad
import tinygrad_rnn.nn.functional as F


CELLS = ("rnn", "gru", "lstm")
SOFTMAXES = ("full", "class", "adaptive")
PAD = -100  # target id of padding, ignored by the loss (cross_entropy's ignore_index)
State = tuple  # tuple[np.ndarray, ...]: (h,) for rnn/gru, (h, c) for lstm, each (num_layers, B, H)


def default_cutoffs(vocab_size: int) -> list[int]:
    """Adaptive-softmax cutoffs for a vocabulary ranked by frequency: a head of the ~V/20 most frequent
    words, a first cluster up to ~V/4, the rest in a second cluster (pytorch/examples uses about V/16, V/3)."""
    cuts = sorted({min(max(1, round(vocab_size * f)), vocab_size - 1) for f in (1 / 20, 1 / 4)})
    return cuts


def default_classes(vocab_size: int) -> int:
    """About sqrt(V) classes (Mikolov et al. 2011)."""
    return max(1, round(math.sqrt(vocab_size)))


class WordRNNLM(nn.Module):
    """Word-level language model. Inputs are int id arrays (T,) for one sentence or (T, B) time-major."""

    def __init__(self, vocab_size: int = 8000, hidden_size: int = 100, bptt_truncate: int | None = 4,
                 cell: str = "rnn", seed: int | None = 0, dtype: Any = np.float32, *, num_layers: int = 1,
                 dropout: float = 0.0, embedding_size: int | None = None, tied: bool = False,
                 softmax: str = "full", word_counts: Sequence[int] | np.ndarray | None = None,
                 cutoffs: Sequence[int] | None = None, n_classes: int | None = None,
                 output_bias: bool | None = None):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        if bptt_truncate is not None and bptt_truncate < 0:
            raise ValueError(f"bptt_truncate must be None (full BPTT) or >= 0, got {bptt_truncate}")
        if cell != "rnn" and bptt_truncate is not None:
            raise ValueError(f"truncated BPTT is implemented for cell='rnn' only; use bptt_truncate=None with {cell!r}")
        if softmax not in SOFTMAXES:
            raise ValueError(f"softmax must be one of {SOFTMAXES}, got {softmax!r}")
        embedding_size = hidden_size if embedding_size is None else int(embedding_size)
        if num_layers < 1 or embedding_size < 1 or not 0.0 <= dropout < 1.0:
            raise ValueError(f"need num_layers >= 1, embedding_size >= 1 and 0 <= dropout < 1, got {num_layers}, "
                             f"{embedding_size}, {dropout}")
        if output_bias and softmax != "class":
            raise ValueError(f"output_bias is an option of the class softmax (the {softmax} softmax has no output "
                             "biases here, as in the tutorial)")
        if tied and softmax != "full":
            raise ValueError(f"tied weights need the full softmax (the {softmax} softmax has no (vocab, hidden) "
                             "output matrix to share with the embedding)")
        if tied and embedding_size != hidden_size:
            raise ValueError(f"tied weights need embedding_size == hidden_size (got {embedding_size} and "
                             f"{hidden_size}); no projection is added")
        self.vocab_size, self.hidden_size = int(vocab_size), int(hidden_size)
        self.embedding_size, self.num_layers, self.dropout = embedding_size, int(num_layers), float(dropout)
        self.bptt_truncate = bptt_truncate
        self.cell, self.softmax, self.tied = cell, softmax, bool(tied)
        H, E, V = self.hidden_size, self.embedding_size, self.vocab_size
        rng = np.random.default_rng(seed)
        a, b = 1.0 / np.sqrt(vocab_size), 1.0 / np.sqrt(hidden_size)
        self.embedding = nn.Embedding(V, E)
        # the tutorial's initialisation: U ~ U(±1/sqrt(vocab)), V and W ~ U(±1/sqrt(hidden))
        self.embedding.weight.data = rng.uniform(-a, a, (E, V)).T.astype(dtype).copy()
        if softmax == "full":
            self.output = nn.Linear(H, V, bias=False)
            if tied:
                self.output.weight = self.embedding.weight
            else:
                self.output.weight.data = rng.uniform(-b, b, (V, H)).astype(dtype)
        if cell == "rnn":
            self.weight_hh = nn.Parameter(rng.uniform(-b, b, (H, H)).astype(dtype))
            if E != H:
                self.weight_ih = nn.Parameter(rng.uniform(-b, b, (H, E)).astype(dtype))
            for layer in range(1, self.num_layers):
                setattr(self, f"weight_ih_l{layer}", nn.Parameter(rng.uniform(-b, b, (H, H)).astype(dtype)))
                setattr(self, f"weight_hh_l{layer}", nn.Parameter(rng.uniform(-b, b, (H, H)).astype(dtype)))
        else:
            self.rnn = (nn.GRU if cell == "gru" else nn.LSTM)(E, H, num_layers=self.num_layers,
                                                               dropout=self.dropout if self.num_layers > 1 else 0.0)
            for p in self.rnn.parameters():
                p.data = rng.uniform(-b, b, p.data.shape).astype(dtype)
        self.drop = nn.Dropout(self.dropout) if self.dropout > 0 else None
        self.word_counts = None
        if softmax != "full":
            counts = np.ones(V, np.int64) if word_counts is None else np.asarray(word_counts, dtype=np.int64)
            if counts.shape != (V,) or (counts < 0).any():
                raise ValueError(f"word_counts must be {V} non-negative counts, got shape {counts.shape}")
            self.word_counts = counts
            if softmax == "class":
                self.n_classes = default_classes(V) if n_classes is None else int(n_classes)
                # no biases by default, like the rest of the tutorial's model and Mikolov's RNNLM (checkpoints
                # from before this default record none and load with them)
                self.output_bias = bool(output_bias)
                self.output = nn.ClassSoftmax(H, nn.frequency_classes(counts, self.n_classes), bias=self.output_bias,
                                              dtype=dtype)
            else:
                self.cutoffs = default_cutoffs(V) if cutoffs is None else [int(c) for c in cutoffs]
                self.output = nn.AdaptiveLogSoftmaxWithLoss(H, V, self.cutoffs, dtype=dtype)
                # rank r of the adaptive layer is word order[r]: the most frequent words form the head
                self._order = np.argsort(-counts, kind="stable")
                self._rank = np.empty(V, np.int64)
                self._rank[self._order] = np.arange(V)
            for p in self.output.parameters():  # seeded like the rest (the library's own init draws elsewhere)
                p.data = rng.uniform(-b, b, p.data.shape).astype(dtype)

    def config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
                               "bptt_truncate": self.bptt_truncate, "cell": self.cell}
        extra = {"num_layers": (self.num_layers, 1), "dropout": (self.dropout, 0.0),
                 "embedding_size": (self.embedding_size, self.hidden_size), "tied": (self.tied, False),
                 "softmax": (self.softmax, "full")}
        cfg.update({k: v for k, (v, default) in extra.items() if v != default})  # the tutorial model's stays as it was
        if self.softmax == "class":
            cfg["n_classes"] = self.n_classes
            cfg["output_bias"] = self.output_bias
        elif self.softmax == "adaptive":
            cfg["cutoffs"] = list(self.cutoffs)
        return cfg

    @property
    def dtype(self) -> np.dtype:
        return self.embedding.weight.data.dtype

    def set_sparse_gradients(self, sparse: bool) -> None:
        """Row-sparse gradients for the embedding (and the class softmax's word weights), for SGD/Adagrad.
        A tied embedding stays dense: it is also the output matrix, whose gradient is dense."""
        self.embedding.sparse = bool(sparse) and not self.tied
        if self.softmax == "class":
            self.output.sparse = bool(sparse)

    @staticmethod
    def _batched(ids: Any) -> tuple[np.ndarray, bool]:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim not in (1, 2):
            raise ValueError(f"token ids must be (T,) or (T, B), got shape {ids.shape}")
        return (ids[:, None], True) if ids.ndim == 1 else (ids, False)

    def _dropped(self, x: Tensor) -> Tensor:
        return x if self.drop is None else self.drop(x)

    def hidden_states(self, x: Any, state: State | None = None) -> tuple[Tensor, State]:
        """Hidden states (T, B, H) of the top layer for ids ``x`` (T, B), and the final state.

        The state is a tuple of arrays, as in the char model: ``(h,)`` for rnn/gru, ``(h, c)`` for lstm,
        each (num_layers, B, H) (PyTorch's h_n layout); None starts from zeros. The returned states are
        before the output dropout.
        """
        e = self._dropped(self.embedding(x))
        if self.cell == "rnn":
            if self.embedding_size != self.hidden_size:
                e = F.linear(e, self.weight_ih)
            last = []
            hs = e
            for layer in range(self.num_layers):
                if layer:
                    hs = F.linear(self._dropped(hs), getattr(self, f"weight_ih_l{layer}"))
                w = self.weight_hh if layer == 0 else getattr(self, f"weight_hh_l{layer}")
                h0 = None if state is None else state[0][layer]
                hs = F.truncated_tanh_rnn(hs, w, h0=h0, truncate=self.bptt_truncate)
                last.append(hs.data[-1])
            # (np.stack's Python costs more than this copy: one layer is the tutorial's model)
            return hs, (last[0][None].copy() if len(last) == 1 else np.stack(last),)
        carried = None if state is None else tuple(Tensor(s) for s in state)
        out, last = self.rnn(e, carried[0] if carried is not None and self.cell == "gru" else carried)
        last = last if isinstance(last, tuple) else (last,)
        return out, tuple(t.data.copy() for t in last)

    def forward(self, x: Any, state: State | None = None) -> Tensor:
        """Logits (T, V) for ids (T,), or (T, B, V) for ids (T, B); log-probabilities for class/adaptive
        (logits whose softmax is the model's distribution either way)."""
        ids, single = self._batched(x)
        hs, _ = self.hidden_states(ids, state)
        T, B, H = hs.shape
        flat = self._dropped(hs).reshape(T * B, H)
        out = F.linear(flat, self.output.weight) if self.softmax == "full" else self._log_prob(flat)
        return out.reshape(T, self.vocab_size) if single else out.reshape(T, B, self.vocab_size)

    def _log_prob(self, flat: Tensor) -> Tensor:
        """(N, V) log-probabilities in vocabulary order from a factorised softmax."""
        lp = self.output.log_prob(flat)
        return lp[:, self._rank] if self.softmax == "adaptive" else lp

    def _target_log_probs(self, flat: Tensor, targets: np.ndarray) -> tuple[Tensor, np.ndarray | slice]:
        """log p(target) of the non-padded rows of ``flat`` (N, H) (factorised softmaxes), and those rows
        (``slice(None)`` when none is padded)."""
        valid = targets != PAD
        if np.logical_and.reduce(valid):  # no padding (a single sentence, a full bucket): no gathers
            rows, t, picked = slice(None), targets, flat
        else:
            rows = valid.nonzero()[0]
            t, picked = targets[rows], flat[rows]
        if self.softmax == "adaptive":
            t = self._rank[t]
        out, _ = self.output(picked, t)
        return out, rows

    def loss(self, x: Any, y: Any, divisor: float | None = None) -> Tensor:
        """Σ of the per-token cross-entropies (targets ``PAD`` ignored), divided by ``divisor``.

        ``divisor`` defaults to the number of sentences (columns): 1 for a single sentence, which is
        exactly the tutorial's per-sentence loss. For the full softmax the output layer and the loss are
        one fused op (``F.linear_cross_entropy``): the (T*B, V) logits are never a tensor of their own.
        """
        ids, targets = self._pair(x, y)
        hs, _ = self.hidden_states(ids)
        if self.softmax == "full":
            loss = F.linear_cross_entropy(self._dropped(hs), self.output.weight, None, targets, ignore_index=PAD,
                                          reduction="sum")
        else:
            T, B, H = hs.shape
            out, _ = self._target_log_probs(self._dropped(hs).reshape(T * B, H), targets.reshape(-1))
            loss = -out.sum()
        div = float(ids.shape[1] if divisor is None else divisor)
        return loss if div == 1.0 else loss * (1.0 / div)

    @no_grad()
    def token_losses(self, x: Any, y: Any) -> np.ndarray:
        """Per-token cross-entropies −log p(y_t | x_≤t) as float64, shaped like ``y`` (0 where padded)."""
        ids, targets = self._pair(x, y)
        hs, _ = self.hidden_states(ids)
        if self.softmax == "full":
            losses = F.linear_cross_entropy(self._dropped(hs), self.output.weight, None, targets, ignore_index=PAD,
                                            reduction="none").data.astype(np.float64)
        else:
            T, B, H = hs.shape
            out, rows = self._target_log_probs(self._dropped(hs).reshape(T * B, H), targets.reshape(-1))
            losses = np.zeros(T * B)
            losses[rows] = -out.data.astype(np.float64)
            losses = losses.reshape(T, B)
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
        """One step for generation: ids (B,) → logits (B, V) and the new state (log-probabilities for the
        class and adaptive softmaxes, which are logits of the same distribution)."""
        ids = np.asarray(token_ids, dtype=np.int64).reshape(1, -1)
        hs, state = self.hidden_states(ids, state)
        h = self._dropped(hs)[0]
        if self.softmax == "full":
            return h.data @ self.output.weight.data.T, state
        return self._log_prob(h).data, state

    def step_log_probs(self, token_ids: Any, state: State | None = None) -> tuple[np.ndarray, State]:
        """One step: ids (B,) → float64 log-probabilities (B, V) of the next word (rows sum to 1 after exp),
        and the new state. Works for every softmax."""
        scores, state = self.step(token_ids, state)
        scores = np.asarray(scores, dtype=np.float64)
        m = scores.max(axis=1, keepdims=True)
        return scores - (m + np.log(np.exp(scores - m).sum(axis=1, keepdims=True))), state

    def to_reference(self) -> dict[str, np.ndarray]:
        """The tutorial's (U, V, W) arrays (copies) of a ``cell="rnn"`` model."""
        if self.cell != "rnn" or self.config() != {"vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
                                                   "bptt_truncate": self.bptt_truncate, "cell": "rnn"}:
            raise ValueError("only the one-layer cell='rnn' model with the full softmax is the tutorial model")
        return {"U": self.embedding.weight.data.T.copy(), "V": self.output.weight.data.copy(),
                "W": self.weight_hh.data.copy()}

    def load_reference(self, U: np.ndarray, V: np.ndarray, W: np.ndarray) -> None:
        """Set the weights from the tutorial's (U, V, W) arrays."""
        self.embedding.weight.data = np.ascontiguousarray(U.T, dtype=self.embedding.weight.data.dtype)
        self.output.weight.data = np.array(V, dtype=self.output.weight.data.dtype)
        self.weight_hh.data = np.array(W, dtype=self.weight_hh.data.dtype)
