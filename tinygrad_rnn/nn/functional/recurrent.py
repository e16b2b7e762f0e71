"""Fused recurrent layers: all time steps of one RNN, LSTM or GRU layer as one autograd node."""
from __future__ import annotations

from typing import Any

from ... import ops
from ...tensor import Tensor


def fused_rnn(
    x: Tensor,
    h0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """All hidden states ``(T, B, H)`` of one Elman RNN layer, as one autograd node (see ``ops.FusedRNNFunction``)."""
    return ops.FusedRNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)


def fused_rnn_one_hot(
    ids: Any, h0: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
) -> Tensor:
    """All hidden states ``(T, B, H)`` of a tanh RNN layer fed the one-hot vectors of ``ids`` (T, B).

    ``w_ih`` is ``(H, V)`` as for a one-hot input of size V, but no one-hot array is built: the input
    projection is a gather of ``w_ih``'s columns and its gradient a scatter-add into those used (the
    min-char-rnn first layer). ``h0`` ``(B, H)`` (array or Tensor, not differentiated: the state carried
    between truncated-BPTT chunks) or None for zeros.
    """
    h0 = h0.data if isinstance(h0, Tensor) else h0
    return ops.FusedRNNOneHotFunction.apply(w_ih, w_hh, b_ih, b_hh, ids.data if isinstance(ids, Tensor) else ids, h0)


def truncated_tanh_rnn(input: Tensor, weight_hh: Tensor, h0: Any = None, truncate: int | None = None) -> Tensor:
    """Hidden states ``(T, B, H)`` of the RNNNumpy tutorial's recurrence ``s_t = tanh(input_t + W s_{t-1})``.

    input ``(T, B, H)`` (the embedded inputs, e.g. ``nn.Embedding`` rows), weight_hh ``(H, H)``, h0 ``(B, H)``
    array or None (not differentiated). ``truncate=k``: the tutorial's windowed truncated BPTT, the
    gradient of output t flowing back through steps t..t-k only; None is full BPTT.
    """
    h0 = h0.data if isinstance(h0, Tensor) else h0
    return ops.TruncatedTanhRNN.apply(input, weight_hh, h0=h0, truncate=truncate)


def fused_lstm(
    x: Tensor, h0: Tensor | None, c0: Tensor | None, w_ih: Tensor, w_hh: Tensor,
    b_ih: Tensor | None = None, b_hh: Tensor | None = None,
) -> Tensor:
    """Hidden and cell states ``(2, T, B, H)`` of one LSTM layer, as one autograd node.

    ``x`` ``(T, B, I)``, or ``kernels.gated.OneHotInput(ids (T, B), I)``: the one-hot vectors of ids, never
    built (the input projection gathers columns of ``w_ih``, its gradient scatter-adds into them).
    """
    return ops.FusedLSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh)


def fused_gru(
    x: Tensor, h0: Tensor | None, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
) -> Tensor:
    """All hidden states ``(T, B, H)`` of one GRU layer, as one autograd node (``x`` as in ``fused_lstm``)."""
    return ops.FusedGRUFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh)
