"""``CharRNN``: the character-level language model, built from ``tinygrad_rnn.nn``.

Architecture: characters → recurrent layers (tanh RNN, LSTM or GRU; ``num_layers`` deep) → a linear
decoder to one logit per character. The first layer's input is the character's one-hot vector, so
its ``weight_ih_l0`` has min-char-rnn's ``Wxh`` layout ``(H, V)``. The tanh RNN never builds the
one-hot matrix: it gathers columns of ``weight_ih_l0`` (the library's ``F.fused_rnn_one_hot``); so do LSTM/GRU
(``F.fused_lstm``/``F.fused_gru`` on a ``OneHotInput``), layer by layer over ``nn.LSTM``/``nn.GRU``'s parameters.

Mapping to the numpy reference (``reference.py``) for ``cell="rnn", num_layers=1``::

    Wxh (H, V) ↔ rnn.weight_ih_l0        Whh (H, H) ↔ rnn.weight_hh_l0
    bh  (H,)   ↔ rnn.bias_ih_l0          (rnn.bias_hh_l0 is held at zero: requires_grad=False)
    Why (V, H) ↔ decoder.weight          by  (V,)   ↔ decoder.bias

The tanh RNN's two biases only ever appear as a sum, so training both would just double the bias'
learning rate compared with min-char-rnn; ``bias_hh_l0`` is kept (PyTorch's names and layout, weights
can be moved to PyTorch and back) but frozen. ``to_reference``/``from_reference`` convert.

The training loss of a chunk is the SUM over its T steps of -log p(target) averaged over the B
streams (for B = 1 exactly min-char-rnn's loss).

State: a tuple of numpy arrays, ``(h,)`` for rnn/gru and ``(h, c)`` for lstm, each (num_layers, B, H).
Truncated BPTT never differentiates through the carried state, so it is kept as plain arrays.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn import F, Tensor, nn
from tinygrad_rnn.kernels.gated import OneHotInput


CELLS = ("rnn", "lstm", "gru")
State = tuple  # tuple[np.ndarray, ...]


class CharRNN(nn.Module):
    """``CharRNN(vocab_size, hidden_size=100, num_layers=1, cell="rnn", dropout=0.0, dtype=None, init=None)``.

    ``init``: "min-char-rnn" (weights N(0, 0.01²), zero biases; the default for cell="rnn") or
    "pytorch" (uniform ±1/sqrt(H); the default for lstm/gru, which learn slowly from tiny weights).
    ``fused=False`` runs the plain composition nn.RNN(one-hot) + F.linear + F.cross_entropy instead of
    the fused kernels (same numbers; kept as their independent check).
    """

    def __init__(self, vocab_size: int, hidden_size: int = 100, num_layers: int = 1, cell: str = "rnn",
                 dropout: float = 0.0, dtype: Any = None, init: str | None = None,
                 generator: np.random.Generator | None = None, fused: bool = True):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
        for name, value in (("vocab_size", vocab_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.vocab_size, self.hidden_size, self.num_layers = int(vocab_size), int(hidden_size), int(num_layers)
        self.cell, self.dropout, self.fused = cell, float(dropout), bool(fused)
        self.init_scheme = init or ("min-char-rnn" if cell == "rnn" else "pytorch")
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = layer(self.vocab_size, self.hidden_size, self.num_layers, dropout=self.dropout, dtype=dtype,
                         scheme=self.init_scheme)
        self.decoder = nn.Linear(self.hidden_size, self.vocab_size, dtype=dtype, scheme=self.init_scheme)
        self.rnn.reset_parameters(self.init_scheme, generator)
        self.decoder.reset_parameters(self.init_scheme, generator)
        if cell == "rnn":
            for k in range(self.num_layers):
                b_hh = getattr(self.rnn, f"bias_hh_l{k}")
                b_hh.data[...] = 0
                b_hh.requires_grad = False

    @property
    def dtype(self) -> np.dtype:
        return self.decoder.weight.data.dtype

    def config(self) -> dict:
        """The constructor arguments (for checkpoints)."""
        return {"vocab_size": self.vocab_size, "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "cell": self.cell, "dropout": self.dropout, "dtype": self.dtype.name, "init": self.init_scheme}

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]

    def init_state(self, batch_size: int) -> State:
        """The zero state for ``batch_size`` streams."""
        shape = (self.num_layers, batch_size, self.hidden_size)
        n = 2 if self.cell == "lstm" else 1
        return tuple(np.zeros(shape, dtype=self.dtype) for _ in range(n))

    # ------------------------------------------------------------------ the network
    def _one_hot(self, ids: np.ndarray) -> np.ndarray:
        x = np.zeros(ids.shape + (self.vocab_size,), dtype=self.dtype)
        np.put_along_axis(x, ids[..., None], 1.0, axis=-1)
        return x

    def hidden_states(self, ids: np.ndarray, state: State | None = None) -> tuple[Tensor, State]:
        """Top-layer hidden states (T, B, H) for ids (T, B), and the new state (detached arrays)."""
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"ids must be (T, B), got shape {ids.shape}")
        T, B = ids.shape
        if state is None:
            state = self.init_state(B)
        if self.cell == "rnn" and self.fused:
            rnn, h0 = self.rnn, state[0]
            x = F.fused_rnn_one_hot(ids, h0[0], rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)
            if self.num_layers == 1:
                new_state: State = (x.data[T - 1:T].copy(),)
            else:
                last = [x.data[T - 1]]
                for k in range(1, self.num_layers):
                    if self.dropout > 0 and self.training:
                        x = nn.Dropout(self.dropout)(x)
                    x = nn.fused_rnn(x, Tensor(h0[k]), *(getattr(rnn, f"{n}_l{k}") for n in
                                                         ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
                    last.append(x.data[T - 1])
                new_state = (np.stack(last).astype(self.dtype, copy=False),)
        elif self.fused:
            x, new_state = self._gated_layers(ids, state)
        elif self.cell == "lstm":
            x, (h, c) = self.rnn(self._input(ids), (Tensor(state[0]), Tensor(state[1])))
            new_state = (h.data.copy(), c.data.copy())
        else:
            x, h = self.rnn(self._input(ids), Tensor(state[0]))
            new_state = (h.data.copy(),)
        if self.dropout > 0 and self.training:
            x = nn.Dropout(self.dropout)(x)
        return x, new_state

    def _gated_layers(self, ids: np.ndarray, state: State) -> tuple[Tensor, State]:
        """The LSTM/GRU stack of ``self.rnn`` run layer by layer as fused ops, the first reading the one-hot
        vectors of ids as a gather of ``weight_ih_l0``'s columns (no (T, B, V) input, no (4H, T*B) x (T*B, V)
        products). The same numbers as ``self.rnn`` on the one-hot input (dropout between layers included)."""
        T = ids.shape[0]
        x: Any = OneHotInput(ids, self.vocab_size)
        finals: list[list[np.ndarray]] = [[] for _ in state]
        for k in range(self.num_layers):
            w = [getattr(self.rnn, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            if self.cell == "lstm":
                y = F.fused_lstm(x, state[0][k], state[1][k], *w)
                out = y[0]
                finals[0].append(y.data[0, T - 1])
                finals[1].append(y.data[1, T - 1])
            else:
                out = F.fused_gru(x, state[0][k], *w)
                finals[0].append(out.data[T - 1])
            x = self.rnn._between_layers(out, k)
        return out, tuple(np.stack(f).astype(self.dtype, copy=False) for f in finals)

    def _input(self, ids: np.ndarray) -> Tensor:
        # a one-hot input is what makes weight_ih_l0 have min-char-rnn's (H, V) layout
        return Tensor(self._one_hot(ids))

    def forward(self, ids: np.ndarray, state: State | None = None) -> tuple[Tensor, State]:
        """Logits (T, B, V) for ids (T, B) and the new state."""
        x, new_state = self.hidden_states(ids, state)
        T, B, H = x.shape
        logits = F.linear(x.reshape(T * B, H), self.decoder.weight, self.decoder.bias)
        return logits.reshape(T, B, self.vocab_size), new_state

    def chunk_loss(self, ids: np.ndarray, targets: np.ndarray, state: State | None = None) -> tuple[Tensor, State]:
        """Training loss of a chunk: sum over T of -log p(target), averaged over the B streams.

        ids, targets: (T, B) ints. Returns (scalar Tensor, new state). The decoder and the loss are one
        fused op (``F.linear_cross_entropy``); ``fused=False`` composes ``F.linear`` and ``F.cross_entropy``
        instead (the same numbers: its independent check).
        """
        x, new_state = self.hidden_states(ids, state)
        return self.sequence_loss(x, targets, per_stream=True), new_state

    def sequence_loss(self, hidden: Tensor, targets: np.ndarray, per_stream: bool = False) -> Tensor:
        """Summed -log p(targets) of top-layer states ``hidden`` (T, B, H); over B if ``per_stream``."""
        T, B, H = hidden.shape
        targets = np.asarray(targets).reshape(T, B)
        if self.fused:
            loss = F.linear_cross_entropy(hidden, self.decoder.weight, self.decoder.bias, targets, reduction="sum")
        else:
            logits = F.linear(hidden.reshape(T * B, H), self.decoder.weight, self.decoder.bias)
            loss = F.cross_entropy(logits, targets.reshape(-1), reduction="sum")
        return loss * (1.0 / B) if per_stream and B != 1 else loss


def to_reference(model: CharRNN) -> dict[str, np.ndarray]:
    """min-char-rnn parameters (float64 copies) of a 1-layer tanh CharRNN; see the module docstring."""
    _check_classic(model)
    r, d = model.rnn, model.decoder
    return {"Wxh": r.weight_ih_l0.data.astype(np.float64), "Whh": r.weight_hh_l0.data.astype(np.float64),
            "bh": (r.bias_ih_l0.data + r.bias_hh_l0.data).astype(np.float64),
            "Why": d.weight.data.astype(np.float64), "by": d.bias.data.astype(np.float64)}


def from_reference(model: CharRNN, params: dict[str, np.ndarray]) -> None:
    """Load min-char-rnn parameters into a 1-layer tanh CharRNN (in place)."""
    _check_classic(model)
    r, d = model.rnn, model.decoder
    for p, value in ((r.weight_ih_l0, params["Wxh"]), (r.weight_hh_l0, params["Whh"]), (r.bias_ih_l0, params["bh"]),
                     (d.weight, params["Why"]), (d.bias, params["by"])):
        np.copyto(p.data, np.asarray(value).reshape(p.data.shape), casting="unsafe")
    r.bias_hh_l0.data[...] = 0


def reference_grads(model: CharRNN) -> dict[str, np.ndarray]:
    """The model's gradients under min-char-rnn's names (after a backward)."""
    _check_classic(model)
    r, d = model.rnn, model.decoder
    return {"Wxh": r.weight_ih_l0.grad, "Whh": r.weight_hh_l0.grad, "bh": r.bias_ih_l0.grad,
            "Why": d.weight.grad, "by": d.bias.grad}


def _check_classic(model: CharRNN) -> None:
    if model.cell != "rnn" or model.num_layers != 1:
        raise ValueError("only a 1-layer tanh CharRNN corresponds to min-char-rnn's parameters")
