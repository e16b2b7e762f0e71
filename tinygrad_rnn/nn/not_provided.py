"""Names a program may only reference (a file that also defines RNN or encoder models often imports or
subclasses them): they exist, so the program imports and the rest of it runs, and each raises one clear
``NotImplementedError`` when built."""
from __future__ import annotations

from typing import Any

from .module import Module

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer"]


class _NotProvided(Module):
    def __init__(self, *args: Any, **kwargs: Any):
        name = next(c.__name__ for c in type(self).__mro__ if _NotProvided in c.__bases__)
        raise NotImplementedError(
            f"nn.{name} is not provided by tinygrad_rnn (no decoder stacks): use nn.TransformerEncoder, "
            "nn.MultiheadAttention, or nn.RNN/nn.LSTM/nn.GRU"
        )


class Transformer(_NotProvided):
    """Not provided: raises ``NotImplementedError`` when built."""


class TransformerDecoder(_NotProvided):
    """Not provided: raises ``NotImplementedError`` when built."""


class TransformerDecoderLayer(_NotProvided):
    """Not provided: raises ``NotImplementedError`` when built."""
