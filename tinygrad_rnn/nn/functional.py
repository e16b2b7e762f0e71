"""``tinygrad_rnn.nn.functional``: the library's functional API (``tinygrad_rnn.functional``) plus
``dropout`` and the fused RNN/LSTM/GRU sequence ops, so ``import tinygrad_rnn.nn.functional as F`` works as in PyTorch."""
from __future__ import annotations

from ..functional import (  # noqa: F401
    concatenate, cross_entropy, embedding, linear, log_softmax, maximum, relu, sigmoid, softmax, stack, tanh, where,
)
from ..ops import FusedGRUFunction, FusedLSTMFunction, FusedRNNFunction
from ..tensor import Tensor
from .dropout import dropout  # noqa: F401

__all__ = [
    "concatenate", "cross_entropy", "embedding", "linear", "log_softmax", "maximum", "relu", "sigmoid", "softmax",
    "stack", "tanh", "where", "dropout", "fused_rnn", "fused_lstm", "fused_gru",
]


def fused_rnn(
    x: Tensor,
    h0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """All hidden states ``(T, B, H)`` of one Elman RNN layer, as one autograd node (see the class)."""
    return FusedRNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)


def fused_lstm(
    x: Tensor, h0: Tensor | None, c0: Tensor | None, w_ih: Tensor, w_hh: Tensor,
    b_ih: Tensor | None = None, b_hh: Tensor | None = None,
) -> Tensor:
    """Hidden and cell states ``(2, T, B, H)`` of one LSTM layer, as one autograd node."""
    return FusedLSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh)


def fused_gru(
    x: Tensor, h0: Tensor | None, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
) -> Tensor:
    """All hidden states ``(T, B, H)`` of one GRU layer, as one autograd node."""
    return FusedGRUFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh)
