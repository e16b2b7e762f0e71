"""Sequence layers ``RNN``, ``LSTM``, ``GRU`` (PyTorch's signatures, weight names and layouts).

Input ``(T, B, input_size)`` (``(B, T, input_size)`` with ``batch_first=True``, or unbatched
``(T, input_size)``); initial state ``(num_layers, B, H)`` (``(num_layers, H)`` unbatched) or None
for zeros. Per layer k the parameters are ``weight_ih_l{k}`` ``(G*H, in_k)``, ``weight_hh_l{k}``
``(G*H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` ``(G*H,)`` with G = 1 (RNN), 4 (LSTM, gates
i,f,g,o), 3 (GRU, gates r,z,n); in_0 = input_size, in_k = H above.

For each layer the input projection of all time steps is one matmul; only the recurrence loops in
Python. Each layer runs as one fused autograd node by default (see :mod:`.fused_rnn`);
``fused=False`` uses the per-step composition of Tensor ops shared with the cells instead.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from ._dtype import param_dtype
from .dropout import dropout as _dropout
from .fused_rnn import fused_gru, fused_lstm, fused_rnn
from .module import Module, Parameter
from .rnn_cells import check_nonlinearity, gru_step, init_recurrent_, lstm_step, rnn_step

__all__ = ["RNN", "LSTM", "GRU"]


class _RNNBase(Module):
    _gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        fused: bool = True,
        dtype: Any = None,
        scheme: str = "pytorch",
    ):
        super().__init__()
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{type(self).__name__} sizes must be positive, got input_size={input_size}, "
                f"hidden_size={hidden_size}, num_layers={num_layers}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout}")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.fused = bool(fused)
        dt = param_dtype(dtype)
        G = self._gates * hidden_size
        for k in range(num_layers):
            in_k = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", Parameter(np.empty((G, in_k), dtype=dt)))
            setattr(self, f"weight_hh_l{k}", Parameter(np.empty((G, hidden_size), dtype=dt)))
            if bias:
                setattr(self, f"bias_ih_l{k}", Parameter(np.empty(G, dtype=dt)))
                setattr(self, f"bias_hh_l{k}", Parameter(np.empty(G, dtype=dt)))
        self.reset_parameters(scheme)

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch: every weight and bias uniform(±1/sqrt(hidden)); see ``nn.init`` for the other schemes."""
        names: list[tuple[str, str]] = []
        for k in range(self.num_layers):
            in_k = self.input_size if k == 0 else self.hidden_size
            names += [(f"weight_ih_l{k}", f"ih:{in_k}"), (f"weight_hh_l{k}", "hh")]
            if self.bias:
                names += [(f"bias_ih_l{k}", "bias"), (f"bias_hh_l{k}", "bias")]
        init_recurrent_(self, names, self.hidden_size, scheme, generator)

    def _layer_params(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        p = self._parameters
        return p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"], p.get(f"bias_ih_l{k}"), p.get(f"bias_hh_l{k}")

    # ---- input/state handling shared by the three layers ------------------------------------------
    def _prepare_input(self, x: Any) -> tuple[Tensor, bool]:
        """x as (T, B, I); also whether the caller passed an unbatched (T, I) sequence."""
        if not isinstance(x, Tensor):
            x = Tensor(x)
        name = type(self).__name__
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(batch, time, input_size)" if self.batch_first else "(time, batch, input_size)"
            raise ValueError(
                f"{name} expects input of shape {layout} or unbatched (time, input_size) with "
                f"input_size={self.input_size}, got {x.shape}"
            )
        if x.ndim == 2:
            T = x.shape[0]
            x = x.reshape(T, 1, self.input_size)
            unbatched = True
        else:
            unbatched = False
            if self.batch_first:
                x = x.transpose(1, 0, 2)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: the input sequence is empty (0 time steps)")
        return x, unbatched

    def _prepare_state(self, h: Any, B: int, unbatched: bool, what: str) -> list[Tensor] | None:
        """Split an initial state (L, B, H) ((L, H) unbatched) into per-layer (B, H) tensors."""
        if h is None:
            return None
        if not isinstance(h, Tensor):
            h = Tensor(h)
        L, H = self.num_layers, self.hidden_size
        expected = (L, H) if unbatched else (L, B, H)
        if h.shape != expected:
            raise ValueError(f"{type(self).__name__}: {what} must have shape {expected}, got {h.shape}")
        if L == 1:
            return [h.reshape(B, H)]
        h = h.reshape(L, B, H)
        return [h[k] for k in range(L)]

    def _finish(self, output: Tensor, unbatched: bool) -> Tensor:
        """The output back in the caller's layout."""
        if unbatched:
            return output.reshape(output.shape[0], self.hidden_size)
        return output.transpose(1, 0, 2) if self.batch_first else output

    def _final_state(self, last: list[Tensor], unbatched: bool) -> Tensor:
        """Per-layer final states (B, H) stacked to (L, B, H) ((L, H) unbatched)."""
        B, H = last[0].shape
        L = self.num_layers
        h_n = last[0].reshape(1, B, H) if L == 1 else Tensor.stack(last, axis=0)
        return h_n.reshape(L, H) if unbatched else h_n

    def _between_layers(self, out: Tensor, k: int) -> Tensor:
        if self.dropout > 0.0 and self.training and k < self.num_layers - 1:
            return _dropout(out, self.dropout, True)
        return out

    def _input_projection(self, x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
        """x (T, B, I) -> x W_ih^T + b_ih (T, B, G*H), as one 2-D matmul over all steps."""
        T, B, I = x.shape
        return F.linear(x.reshape(T * B, I), w_ih, b_ih).reshape(T, B, w_ih.shape[0])

    def _zeros(self, B: int) -> Tensor:
        return Tensor(np.zeros((B, self.hidden_size), dtype=self._parameters["weight_hh_l0"].dtype))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if not self.fused:
            s += ", fused=False"
        return s


class RNN(_RNNBase):
    """``RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
    dropout=0.0, fused=True, dtype=None, scheme="pytorch")``.

    ``forward(x, h0=None) -> (output (T, B, H), h_n (num_layers, B, H))``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        fused: bool = True,
        dtype: Any = None,
        scheme: str = "pytorch",
    ):
        check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, fused, dtype, scheme)
        self.nonlinearity = nonlinearity

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._prepare_input(x)
        T, B, _ = x.shape
        h0s = self._prepare_state(hx, B, unbatched, "h0")
        last: list[Tensor] = []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._layer_params(k)
            h0 = None if h0s is None else h0s[k]
            if self.fused:
                out = fused_rnn(x, h0, w_ih, w_hh, b_ih, b_hh, self.nonlinearity)
                last.append(out[T - 1])
            else:
                xp = self._input_projection(x, w_ih, b_ih)
                h = self._zeros(B) if h0 is None else h0
                steps = []
                for t in range(T):
                    h = rnn_step(xp[t], h, w_hh, b_hh, self.nonlinearity)
                    steps.append(h)
                out = Tensor.stack(steps, axis=0)
                last.append(h)
            x = self._between_layers(out, k)
        return self._finish(out, unbatched), self._final_state(last, unbatched)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s


class LSTM(_RNNBase):
    """``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, fused=True,
    dtype=None, scheme="pytorch")``.

    ``forward(x, (h0, c0) | None) -> (output (T, B, H), (h_n, c_n))``, each state ``(num_layers, B, H)``.
    """

    _gates = 4

    def forward(self, x: Any, hx: tuple[Any, Any] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x, unbatched = self._prepare_input(x)
        T, B, _ = x.shape
        if hx is None:
            h0s = c0s = None
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: the initial state must be a pair (h0, c0) or None")
            h0s = self._prepare_state(hx[0], B, unbatched, "h0")
            c0s = self._prepare_state(hx[1], B, unbatched, "c0")
        last_h: list[Tensor] = []
        last_c: list[Tensor] = []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._layer_params(k)
            if self.fused:
                y = fused_lstm(x, None if h0s is None else h0s[k], None if c0s is None else c0s[k], w_ih, w_hh, b_ih, b_hh)
                out = y[0]
                last_h.append(y[0, T - 1])
                last_c.append(y[1, T - 1])
            else:
                xp = self._input_projection(x, w_ih, b_ih)
                h = self._zeros(B) if h0s is None else h0s[k]
                c = self._zeros(B) if c0s is None else c0s[k]
                steps = []
                for t in range(T):
                    h, c = lstm_step(xp[t], h, c, w_hh, b_hh)
                    steps.append(h)
                out = Tensor.stack(steps, axis=0)
                last_h.append(h)
                last_c.append(c)
            x = self._between_layers(out, k)
        return self._finish(out, unbatched), (self._final_state(last_h, unbatched), self._final_state(last_c, unbatched))


class GRU(_RNNBase):
    """``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, fused=True,
    dtype=None, scheme="pytorch")``.

    ``forward(x, h0=None) -> (output (T, B, H), h_n (num_layers, B, H))``.
    """

    _gates = 3

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._prepare_input(x)
        T, B, _ = x.shape
        h0s = self._prepare_state(hx, B, unbatched, "h0")
        last: list[Tensor] = []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._layer_params(k)
            if self.fused:
                out = fused_gru(x, None if h0s is None else h0s[k], w_ih, w_hh, b_ih, b_hh)
                last.append(out[T - 1])
            else:
                xp = self._input_projection(x, w_ih, b_ih)
                h = self._zeros(B) if h0s is None else h0s[k]
                steps = []
                for t in range(T):
                    h = gru_step(xp[t], h, w_hh, b_hh)
                    steps.append(h)
                out = Tensor.stack(steps, axis=0)
                last.append(h)
            x = self._between_layers(out, k)
        return self._finish(out, unbatched), self._final_state(last, unbatched)
