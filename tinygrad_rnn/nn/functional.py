"""``tinygrad_rnn.nn.functional``: the library's functional API (``tinygrad_rnn.functional``) plus
``dropout`` and the fused RNN/LSTM/GRU sequence ops, so ``import tinygrad_rnn.nn.functional as F`` works as in PyTorch."""
from ..functional import (  # noqa: F401
    concatenate, cross_entropy, embedding, linear, linear_cross_entropy, log_softmax, maximum, relu, sigmoid, softmax, stack, tanh, where,
)
from .dropout import dropout  # noqa: F401
from .fused_rnn import fused_gru, fused_lstm, fused_rnn  # noqa: F401

__all__ = [
    "concatenate", "cross_entropy", "embedding", "linear", "linear_cross_entropy", "log_softmax", "maximum", "relu", "sigmoid", "softmax",
    "stack", "tanh", "where", "dropout", "fused_rnn", "fused_lstm", "fused_gru",
]
