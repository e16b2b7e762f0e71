"""Stateless functions on tensors: PyTorch's ``torch.nn.functional`` for this library, and its one functional
module (``tinygrad_rnn.F`` and ``import tinygrad_rnn.nn.functional as F`` are this module).

Each function is a thin call of an op from :mod:`tinygrad_rnn.ops` (or a composition of them). It imports no
``nn`` module: the layers use these functions, so the dependency goes one way.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import ops
from ..random import get_generator
from ..tensor import Tensor

__all__ = [
    "tanh", "sigmoid", "relu", "softmax", "log_softmax", "linear", "cross_entropy", "linear_cross_entropy", "embedding", "dropout",
    "where", "maximum", "concatenate", "stack", "fused_rnn", "fused_rnn_one_hot", "truncated_tanh_rnn", "fused_lstm", "fused_gru",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def tanh(x: Tensor) -> Tensor:
    return ops.Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return ops.Sigmoid.apply(x)


def relu(x: Tensor) -> Tensor:
    return ops.Relu.apply(x)


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """Softmax along ``axis`` (or PyTorch's ``dim``), shifted by the max so it never overflows."""
    return ops.Softmax.apply(x, axis=axis if dim is None else dim)


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log(softmax(x)) computed as x - logsumexp(x), stable at any magnitude."""
    return ops.LogSoftmax.apply(x, axis=axis if dim is None else dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``: x ``(..., in)``, weight ``(out, in)``, bias ``(out,)`` -> ``(..., out)``."""
    out = ops.MatMul.apply(x, ops.Transpose.apply(weight, axes=None))
    return out if bias is None else ops.Add.apply(out, bias)


def cross_entropy(
    logits: Tensor, targets: Any, reduction: str = "mean", ignore_index: int = -100
) -> Tensor:
    """Cross-entropy of logits ``(N, C)`` against integer class targets ``(N,)``, fused with log-softmax.

    ``reduction="mean"`` averages over targets that are not ``ignore_index`` (padding), "sum" adds,
    "none" gives ``(N,)`` per-sample losses.
    """
    return ops.CrossEntropy.apply(_tensor(logits), targets, reduction=reduction, ignore_index=ignore_index)


def linear_cross_entropy(input: Tensor, weight: Tensor, bias: Tensor | None = None, target: Any = None,
                         ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """``cross_entropy(linear(input, weight, bias), target)`` as ONE op: the fast output layer of a language model.

    input ``(..., H)``, weight ``(C, H)``, bias ``(C,)`` or None, target: integer classes of shape
    ``input.shape[:-1]``. ``reduction`` "mean" (over targets that are not ``ignore_index``), "sum", or
    "none" (losses shaped like ``target``). Same value and gradients as the composition, but the (N, C)
    logits are never kept as a tensor: backward writes ``softmax - one_hot`` once, scaled and masked.
    """
    if target is None:
        raise TypeError("linear_cross_entropy() needs target= (integer class indices of shape input.shape[:-1])")
    return ops.LinearCrossEntropy.apply(_tensor(input), weight, bias, target.data if isinstance(target, Tensor)
                                        else target, ignore_index=ignore_index, reduction=reduction)


def embedding(weight: Tensor, indices: Any, sparse: bool = False) -> Tensor:
    """Rows of ``weight (V, D)`` at integer ``indices`` of any shape -> ``(*indices.shape, D)``.

    The backward scatter-adds into the rows used (repeated ids accumulate); no one-hot is built.
    ``sparse=True`` gives ``weight`` a ``RowSparseGrad`` holding only those rows.
    """
    return ops.Embedding.apply(weight, indices, sparse=sparse)


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p); identity unless training.

    The mask (shaped like ``x``) is drawn from ``generator``, else from :mod:`tinygrad_rnn.random`'s generator.
    """
    _check_p(p)
    if not training or p == 0.0:
        return x
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    keep = get_generator(generator).random(x.shape) >= p
    mask = keep.astype(x.dtype)
    mask *= 1.0 / (1.0 - p)
    return x * mask


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (broadcasting); ``cond`` gets no gradient."""
    return ops.Where.apply(cond.data if isinstance(cond, Tensor) else np.asarray(cond, dtype=bool), a, b)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; where a == b the gradient is split equally."""
    return ops.Maximum.apply(a, b)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    return ops.Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    return ops.Stack.apply(*tensors, axis=axis)


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
    """Hidden and cell states ``(2, T, B, H)`` of one LSTM layer, as one autograd node."""
    return ops.FusedLSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh)


def fused_gru(
    x: Tensor, h0: Tensor | None, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
) -> Tensor:
    """All hidden states ``(T, B, H)`` of one GRU layer, as one autograd node."""
    return ops.FusedGRUFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh)
