"""Recurrent cells (one time step) composed from Tensor ops: ``RNNCell``, ``LSTMCell``, ``GRUCell``.

The step functions take the *input projection* ``x @ W_ih.T + b_ih`` already computed, so the
sequence layers in :mod:`.rnn` can compute it for all time steps in one matmul and then reuse the
very same step code as the cells.  Equations and gate orders are PyTorch's:

    RNN : h' = f(xp + h W_hh^T + b_hh)                        f = tanh | relu
    LSTM: i,f,g,o = split(xp + h W_hh^T + b_hh)  (4 chunks of H)
          c' = sigmoid(f) * c + sigmoid(i) * tanh(g);  h' = sigmoid(o) * tanh(c')
    GRU : r,z,n_x = split(xp); r_h,z_h,n_h = split(h W_hh^T + b_hh)  (3 chunks of H)
          r = sigmoid(r_x + r_h); z = sigmoid(z_x + z_h); n = tanh(n_x + r * n_h)
          h' = (1 - z) * n + z * h
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels.rnn import check_nonlinearity
from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "rnn_step", "lstm_step", "gru_step"]


def rnn_step(xp: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, nonlinearity: str = "tanh") -> Tensor:
    """One Elman step from the input projection ``xp (..., H)`` and the previous state ``h (..., H)``."""
    a = xp + F.linear(h, w_hh, b_hh)
    return a.tanh() if nonlinearity == "tanh" else a.relu()


def lstm_step(
    xp: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None
) -> tuple[Tensor, Tensor]:
    """One LSTM step: ``xp (..., 4H)``, ``h, c (..., H)`` -> ``(h', c')``."""
    H = c.shape[-1]  # not h's: a projected LSTM's h is narrower than its gates (see nn.LSTM's proj_size)
    gates = xp + F.linear(h, w_hh, b_hh)
    i = gates[..., 0:H].sigmoid()
    f = gates[..., H : 2 * H].sigmoid()
    g = gates[..., 2 * H : 3 * H].tanh()
    o = gates[..., 3 * H : 4 * H].sigmoid()
    c_new = f * c + i * g
    return o * c_new.tanh(), c_new


def gru_step(xp: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step: ``xp (..., 3H)``, ``h (..., H)`` -> ``h'`` (PyTorch's n gate: r multiplies W_hn h + b_hn)."""
    H = h.shape[-1]
    gh = F.linear(h, w_hh, b_hh)
    r = (xp[..., 0:H] + gh[..., 0:H]).sigmoid()
    z = (xp[..., H : 2 * H] + gh[..., H : 2 * H]).sigmoid()
    n = (xp[..., 2 * H : 3 * H] + r * gh[..., 2 * H : 3 * H]).tanh()
    return (1.0 - z) * n + z * h


class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype: Any, scheme: str):
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__} sizes must be positive, got input={input_size}, hidden={hidden_size}")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        dt = param_dtype(dtype)
        G = self._gates * hidden_size
        self.weight_ih = Parameter(np.empty((G, input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((G, hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(np.empty(G, dtype=dt))
            self.bias_hh = Parameter(np.empty(G, dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(scheme)

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch: every weight and bias uniform(±1/sqrt(hidden)); see ``nn.init`` for the other schemes."""
        params = [(self.weight_ih, init.Role.INPUT_WEIGHT), (self.weight_hh, init.Role.HIDDEN_WEIGHT)]
        if self.bias:
            params += [(self.bias_ih, init.Role.BIAS), (self.bias_hh, init.Role.BIAS)]
        init.init_recurrent_(params, self.hidden_size, scheme, generator)

    def _input(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__} expects input of shape (batch, {self.input_size}) or ({self.input_size},), "
                f"got {x.shape}"
            )
        return x

    def _state(self, h: Any, x: Tensor, what: str = "hx") -> Tensor:
        shape = x.shape[:-1] + (self.hidden_size,)
        if h is None:
            return Tensor(np.zeros(shape, dtype=self.weight_hh.dtype))
        if not isinstance(h, Tensor):
            h = Tensor(h)
        if h.shape != shape:
            raise ValueError(f"{type(self).__name__}: {what} must have shape {shape} for input {x.shape}, got {h.shape}")
        return h

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s if self.bias else s + ", bias=False"


class RNNCell(_CellBase):
    """``RNNCell(input_size, hidden_size, bias=True, nonlinearity="tanh")``.

    ``forward(x (B, I) or (I,), hx (B, H) | None) -> h' (B, H)``.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
        dtype: Any = None, scheme: str = "pytorch",
    ):
        check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype, scheme)
        self.nonlinearity = nonlinearity

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        x = self._input(x)
        h = self._state(hx, x)
        return rnn_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh, self.nonlinearity)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_CellBase):
    """``LSTMCell(input_size, hidden_size, bias=True)``: gates i,f,g,o stacked in weight_ih ``(4H, I)``.

    ``forward(x (B, I), (h (B, H), c (B, H)) | None) -> (h', c')``.
    """

    _gates = 4

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None, scheme: str = "pytorch"):
        super().__init__(input_size, hidden_size, bias, dtype, scheme)

    def forward(self, x: Any, hx: tuple[Any, Any] | None = None) -> tuple[Tensor, Tensor]:
        x = self._input(x)
        if hx is None:
            h = c = self._state(None, x)
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTMCell: hx must be a pair (h, c) or None")
            h, c = self._state(hx[0], x, "h"), self._state(hx[1], x, "c")
        return lstm_step(F.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh)


class GRUCell(_CellBase):
    """``GRUCell(input_size, hidden_size, bias=True)``: gates r,z,n stacked in weight_ih ``(3H, I)``.

    ``forward(x (B, I), hx (B, H) | None) -> h' (B, H)``.
    """

    _gates = 3

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None, scheme: str = "pytorch"):
        super().__init__(input_size, hidden_size, bias, dtype, scheme)

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        x = self._input(x)
        h = self._state(hx, x)
        return gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
