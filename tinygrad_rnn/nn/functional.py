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
    "tanh", "sigmoid", "relu", "gelu", "softmax", "log_softmax", "linear", "cross_entropy", "nll_loss", "mse_loss",
    "l1_loss", "binary_cross_entropy_with_logits", "one_hot", "layer_norm", "pad", "linear_cross_entropy",
    "embedding", "dropout", "where", "maximum", "minimum", "concatenate", "stack", "fused_rnn", "fused_rnn_one_hot", "truncated_tanh_rnn", "fused_lstm", "fused_gru",
    "binary_cross_entropy", "smooth_l1_loss", "huber_loss", "kl_div",
    "leaky_relu", "elu", "selu", "celu", "silu", "mish", "softplus", "hardtanh", "relu6", "logsigmoid", "softsign",
    "threshold", "glu", "prelu", "softmin", "normalize", "cosine_similarity", "pairwise_distance",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def tanh(x: Tensor) -> Tensor:
    return ops.Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return ops.Sigmoid.apply(x)


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    return ops.Relu.apply(x)


def softmax(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None, *,
            axis: int | None = None) -> Tensor:
    """Softmax along ``dim`` (or numpy's ``axis``; the last dimension if neither), shifted by the max so it
    never overflows."""
    x = _tensor(x) if dtype is None else _tensor(x).to(dtype)
    return ops.Softmax.apply(x, axis=_softmax_dim(dim, axis))


def log_softmax(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None, *,
                axis: int | None = None) -> Tensor:
    """log(softmax(x)) computed as x - logsumexp(x), stable at any magnitude."""
    x = _tensor(x) if dtype is None else _tensor(x).to(dtype)
    return ops.LogSoftmax.apply(x, axis=_softmax_dim(dim, axis))


def _softmax_dim(dim: int | None, axis: int | None) -> int:
    return -1 if dim is None and axis is None else (dim if axis is None else axis)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``: x ``(..., in)``, weight ``(out, in)``, bias ``(out,)`` -> ``(..., out)``."""
    out = ops.MatMul.apply(x, ops.Transpose.apply(weight, axes=None))
    return out if bias is None else ops.Add.apply(out, bias)


def _target_array(target: Any) -> np.ndarray:
    return np.asarray(target.data if isinstance(target, Tensor) else target)


def _classes_last(input: Tensor, target: np.ndarray) -> tuple[Tensor, np.ndarray, tuple[int, ...] | None]:
    """PyTorch's ``(N, C, d1, ...)`` input with ``(N, d1, ...)`` targets as ``(N*d1*..., C)`` rows; the
    batch shape is returned to reshape ``reduction="none"`` losses."""
    if input.ndim > 2 and target.ndim == input.ndim - 1:
        moved = input.permute(0, *range(2, input.ndim), 1)
        return moved.reshape(-1, input.shape[1]), target.reshape(-1), target.shape
    return input, target, None


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``(N, C)`` (or ``(C,)``, or ``(N, C, d1, ...)``) against integer class targets
    ``(N,)`` (``()``, ``(N, d1, ...)``), fused with log-softmax. PyTorch's signature.

    ``reduction="mean"`` averages over targets that are not ``ignore_index`` (weighted by ``weight[target]``
    when class weights ``(C,)`` are given), "sum" adds, "none" gives the per-sample losses.
    ``label_smoothing=eps`` mixes the target with the uniform distribution: each loss becomes
    ``(1 - eps) * nll + eps * mean_c(-log_softmax)``, as in PyTorch.
    """
    if isinstance(weight, str):  # the earlier signature cross_entropy(logits, targets, reduction, ignore_index)
        weight, reduction = None, weight
        if isinstance(size_average, (int, np.integer)):
            ignore_index, size_average = int(size_average), None
    if size_average is not None or reduce is not None:
        raise TypeError("cross_entropy: size_average and reduce are deprecated in PyTorch; use reduction=")
    input = _tensor(input)
    target_arr = _target_array(target)
    if target_arr.dtype.kind == "f" and target_arr.shape == input.shape:  # class probabilities
        return _soft_cross_entropy(input, target, weight, reduction, float(label_smoothing))
    x, t, batch = _classes_last(input, target_arr)
    if weight is None and not label_smoothing:
        out = ops.CrossEntropy.apply(x, t, reduction=reduction, ignore_index=ignore_index)
    else:
        logp = ops.LogSoftmax.apply(x, axis=-1)
        out = nll_loss(logp, t, weight=weight, ignore_index=ignore_index, reduction=reduction)
        if label_smoothing:
            out = _smoothed(logp, t, out, weight, ignore_index, reduction, float(label_smoothing))
    return out.reshape(batch) if batch is not None and reduction == "none" else out


def _soft_cross_entropy(input: Tensor, target: Any, weight: Any, reduction: str, eps: float) -> Tensor:
    """Cross-entropy against class probabilities shaped like the logits (PyTorch's soft targets):
    ``-sum_c w_c y_c log_softmax(x)_c`` per sample, ``y`` mixed with ``eps / C`` by label smoothing; "mean"
    divides by the number of samples (not by weights). The target is differentiated when it requires grad."""
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {eps}")
    class_dim = 0 if input.ndim == 1 else 1
    C = input.shape[class_dim]
    y = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype))
    if eps:
        y = y * (1 - eps) + eps / C
    terms = ops.LogSoftmax.apply(input, axis=class_dim) * y
    if weight is not None:
        w = _tensor(weight)
        if w.shape != (C,):
            raise ValueError(f"cross_entropy: weight must have shape ({C},), got {w.shape}")
        terms = terms * w.reshape((C,) + (1,) * (input.ndim - class_dim - 1))
    return _reduce(-terms.sum(dim=class_dim), reduction, "cross_entropy")


def _smoothed(logp: Tensor, t: np.ndarray, nll: Tensor, weight: Any, ignore_index: int, reduction: str,
              eps: float) -> Tensor:
    """PyTorch's label smoothing: ``(1 - eps) * nll + eps / C * sum_c(-w_c logp_c)`` per sample, the mean
    divided by the same total weight as the nll's."""
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {eps}")
    C = logp.shape[-1]
    valid = (t != ignore_index).astype(logp.dtype)
    w = None if weight is None else _target_array(weight).astype(logp.dtype)
    per_class = -logp if w is None else -logp * w
    smooth = per_class.sum(dim=-1) * (valid / C)
    if reduction == "none":
        return nll * (1 - eps) + smooth * eps
    total = smooth.sum()
    if reduction == "mean":
        safe = np.where(valid > 0, t, 0)
        denom = float(valid.sum() if w is None else (w[safe] * valid).sum())
        total = total / denom
    return nll * (1 - eps) + total * eps


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``(N, C)`` (``(C,)``, ``(N, C, d1, ...)``) at integer
    targets: ``-weight[t] * input[i, t]``; "mean" divides by the total weight of the targets kept."""
    if size_average is not None or reduce is not None:
        raise TypeError("nll_loss: size_average and reduce are deprecated in PyTorch; use reduction=")
    input = _tensor(input)
    x, t, batch = _classes_last(input, _target_array(target))
    w = None if weight is None else _target_array(weight)
    out = ops.NLLLoss.apply(x, t, weight=w, reduction=reduction, ignore_index=ignore_index)
    return out.reshape(batch) if batch is not None and reduction == "none" else out


def _reduce(losses: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{name}: reduction must be one of ('mean', 'sum', 'none'), got {reduction!r}")


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """``(input - target)^2`` (broadcast), reduced by ``reduction``."""
    diff = _tensor(input) - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """``|input - target|`` (broadcast), reduced by ``reduction``."""
    return _reduce((_tensor(input) - target).abs(), reduction, "l1_loss")


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy of logits against targets in [0, 1] of the same shape, computed stably from the
    logits (never ``log(sigmoid)``). ``weight`` rescales each element; ``pos_weight`` the positive term
    (per class, broadcast over the last dimension)."""
    if size_average is not None or reduce is not None:
        raise TypeError("binary_cross_entropy_with_logits: size_average and reduce are deprecated; use reduction=")
    input = _tensor(input)
    if np.shape(_target_array(target)) != input.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {np.shape(_target_array(target))} "
                         f"must equal input shape {input.shape}")
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    pw = None if pos_weight is None else _target_array(pos_weight)
    losses = ops.BCEWithLogits.apply(input, target, pos_weight=pw)
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot vectors: shape ``tensor.shape + (num_classes,)`` (num_classes -1: max + 1)."""
    ids = _target_array(tensor)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensors, got dtype {ids.dtype}")
    if num_classes < 0:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got {ids.min()}..{ids.max()}")
    return Tensor(np.eye(num_classes, dtype=np.int64)[ids])


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (the exact erf), or the tanh approximation with ``approximate="tanh"``."""
    return ops.Gelu.apply(_tensor(input), approximate=approximate)


def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dimensions (mean 0, biased variance 1), then
    ``* weight + bias`` (each of ``normalized_shape``) when given."""
    input = _tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} does not match the trailing dimensions of {input.shape}")
    out = ops.LayerNorm.apply(input, ndims=len(shape), eps=eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Constant padding in PyTorch's order: ``(left, right)`` of the last dimension, then ``(top, bottom)`` of the
    one before, and so on. Only ``mode="constant"`` is provided (a ValueError says so for the others)."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is provided here, got {mode!r}")
    input = _tensor(input)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: {len(pad)} values do not give (before, after) pairs for at most {input.ndim} dimensions")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)][::-1]
    widths = [(0, 0)] * (input.ndim - len(pairs)) + pairs
    return ops.Pad.apply(input, widths=widths, value=0.0 if value is None else value)


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


def _is_index_array(x: Any) -> bool:
    arr = x.data if isinstance(x, Tensor) else x
    if isinstance(arr, (list, tuple, int, np.integer)):
        arr = np.asarray(arr)
    return isinstance(arr, np.ndarray) and arr.dtype.kind in "iu"


def embedding(weight: Any, indices: Any, padding_idx: int | None = None, max_norm: Any = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight (V, D)`` at integer ``indices`` of any shape -> ``(*indices.shape, D)``.

    Both argument orders work: this library's ``embedding(weight, indices)`` and PyTorch's
    ``embedding(input, weight)`` (whichever argument holds integers is the index). The backward
    scatter-adds into the rows used (repeated ids accumulate); no one-hot is built. ``padding_idx``: that
    row gets no gradient. ``sparse=True`` gives ``weight`` a ``RowSparseGrad`` holding only those rows.
    """
    if _is_index_array(weight) and not _is_index_array(indices):
        weight, indices = indices, weight
    if max_norm is not None or scale_grad_by_freq:
        raise ValueError("embedding: max_norm and scale_grad_by_freq are not provided here")
    ids = indices.data if isinstance(indices, Tensor) else indices
    if padding_idx is not None and padding_idx < 0:
        padding_idx += np.shape(weight.data if isinstance(weight, Tensor) else weight)[0]
    return ops.Embedding.apply(weight, ids, sparse=sparse, padding_idx=padding_idx)


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: np.random.Generator | None = None) -> Tensor:
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


def where(cond: Any, a: Any = None, b: Any = None) -> Any:
    """``a`` where ``cond`` is true, else ``b`` (broadcasting); ``cond`` gets no gradient.
    ``where(cond)`` alone gives the tuple of int64 index tensors of the true entries (``nonzero``)."""
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond, dtype=bool)
    if a is None and b is None:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(cond))
    return ops.Where.apply(cond, a, b)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; where a == b the gradient is split equally."""
    return ops.Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; where a == b the gradient is split equally."""
    return ops.Minimum.apply(a, b)


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along an existing dimension (``axis`` or PyTorch's ``dim``)."""
    return ops.Concatenate.apply(*[_tensor(t) for t in tensors], axis=axis if dim is None else dim)


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new dimension (``axis`` or PyTorch's ``dim``)."""
    return ops.Stack.apply(*[_tensor(t) for t in tensors], axis=axis if dim is None else dim)


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


# ---- more losses --------------------------------------------------------------------------------------------
def _no_legacy(name: str, size_average: Any, reduce: Any) -> None:
    if size_average is not None or reduce is not None:
        raise TypeError(f"{name}: size_average and reduce are deprecated in PyTorch; use reduction=")


def _same_shape(input: Tensor, target: Any, name: str) -> None:
    shape = tuple(np.shape(_target_array(target)))
    if shape != input.shape:
        raise ValueError(f"{name}: target shape {shape} must equal input shape {input.shape}")


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` (any shape, values in [0, 1]) against ``target`` of the
    same shape: ``-w (y log x + (1 - y) log(1 - x))``, each log floored at -100 as in PyTorch. ``weight``
    (broadcast against the input) rescales each element."""
    _no_legacy("binary_cross_entropy", size_average, reduce)
    input = _tensor(input)
    _same_shape(input, target, "binary_cross_entropy")
    losses = ops.BCE.apply(input, target if isinstance(target, Tensor) else np.asarray(target, dtype=input.dtype))
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, "binary_cross_entropy")


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = input - target`` (broadcast);
    ``beta = 0`` is the L1 loss."""
    _no_legacy("smooth_l1_loss", size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    losses = ops.SmoothL1.apply(_tensor(input), target, beta=float(beta), scale=1.0)
    return _reduce(losses, reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, for ``d = input - target``
    (``delta * smooth_l1_loss(beta=delta)``)."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    losses = ops.SmoothL1.apply(_tensor(input), target, beta=float(delta), scale=float(delta))
    return _reduce(losses, reduction, "huber_loss")


def kl_div(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with ``input`` as log-probabilities: ``target (log target - input)`` per element
    (``log_target=True``: ``exp(target) (target - input)``). ``reduction``: "mean" over every element (PyTorch's
    default, not the true KL), "batchmean" (the sum over the batch size ``input.shape[0]``: the KL divergence),
    "sum" or "none"."""
    _no_legacy("kl_div", size_average, reduce)
    input = _tensor(input)
    losses = ops.KLDiv.apply(input, target if isinstance(target, Tensor) else np.asarray(target, dtype=input.dtype),
                             log_target=bool(log_target))
    if reduction == "batchmean":
        return losses.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(losses, reduction, "kl_div")


# ---- more activations ---------------------------------------------------------------------------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    return ops.LeakyRelu.apply(_tensor(input), negative_slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha (exp(x) - 1)``."""
    return ops.Elu.apply(_tensor(input), alpha=float(alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants (alpha 1.6733, scale 1.0507)."""
    return ops.Elu.apply(_tensor(input), alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha (exp(x / alpha) - 1)``."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return ops.Elu.apply(_tensor(input), alpha=float(alpha), input_scale=1.0 / alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    return ops.Silu.apply(_tensor(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return ops.Mish.apply(_tensor(input))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``; ``x`` itself where ``beta x > threshold``."""
    return ops.Softplus.apply(_tensor(input), beta=float(beta), threshold=float(threshold))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]`` (no gradient at or beyond the bounds)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    return ops.Hardtanh.apply(_tensor(input), min_val=float(min_val), max_val=float(max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return ops.Hardtanh.apply(_tensor(input), min_val=0.0, max_val=6.0)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable at any magnitude."""
    return ops.LogSigmoid.apply(_tensor(input))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return ops.Softsign.apply(_tensor(input))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    return ops.Threshold.apply(_tensor(input), threshold=float(threshold), value=float(value))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: the halves ``a, b`` of ``input`` along ``dim`` give ``a * sigmoid(b)`` (half the size)."""
    input = _tensor(input)
    if input.ndim == 0 or input.shape[dim] % 2:
        raise ValueError(f"glu: the halved dimension {dim} must have an even size, got shape {input.shape}")
    a, b = input.chunk(2, dim)
    return a * ops.Sigmoid.apply(b)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``: ``weight`` ``(1,)`` (shared) or ``(C,)``, one per channel
    on dimension 1 (dimension 0 of a 1-D input)."""
    input = _tensor(input)
    C = int(np.size(weight.data if isinstance(weight, Tensor) else weight))
    if C > 1:
        channel = 1 if input.ndim >= 2 else 0
        if input.ndim == 0 or input.shape[channel] != C:
            raise ValueError(f"prelu: {C} weights need {C} channels on dimension {channel}, got shape {input.shape}")
        weight = weight.reshape((C,) + (1,) * (input.ndim - channel - 1))
    return ops.PRelu.apply(input, weight)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``softmax(-x, dim)`` (the last dimension if None, as :func:`softmax` here)."""
    x = _tensor(input) if dtype is None else _tensor(input).to(dtype)
    return ops.Softmax.apply(-x, axis=_softmax_dim(dim, None))


# ---- distances ----------------------------------------------------------------------------------------------
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    """``input / max(||input||_p, eps)``, the norm taken along ``dim`` (kept for broadcasting)."""
    if out is not None:
        raise TypeError("normalize: out= is not provided here; use the returned tensor")
    input = _tensor(input)
    return input / input.norm(p, dim=dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim`` of the broadcast shape (that
    dimension is removed)."""
    x1, x2 = _tensor(x1), _tensor(x2)
    n1 = x1.norm(2, dim=dim, keepdim=True).clamp(min=eps)
    n2 = x2.norm(2, dim=dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension (``eps`` keeps the gradient finite at x1 == x2)."""
    diff = _tensor(x1) - x2 + eps
    return diff.norm(p, dim=-1, keepdim=keepdim)


# ---- more activations, dropouts, norms, bilinear, embedding_bag and losses (nn/*_more.py use these) ----------
from ..ops import activations_more as _act_more  # noqa: E402
from ..ops.embedding_bag import EmbeddingBag as _EmbeddingBagOp  # noqa: E402

__all__ += [
    "hardswish", "hardsigmoid", "hardshrink", "softshrink", "tanhshrink", "rrelu", "softmax2d",
    "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "rms_norm", "group_norm", "bilinear", "embedding_bag",
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "triplet_margin_loss", "poisson_nll_loss",
    "gaussian_nll_loss", "multilabel_margin_loss",
]


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return _act_more.Hardswish.apply(_tensor(input))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _act_more.Hardsigmoid.apply(_tensor(input))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    return _act_more.Shrink.apply(_tensor(input), lambd=float(lambd), soft=False)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0 (``lambd >= 0``)."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return _act_more.Shrink.apply(_tensor(input), lambd=float(lambd), soft=True)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    input = _tensor(input)
    return input - ops.Tanh.apply(input)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False, generator: np.random.Generator | None = None) -> Tensor:
    """Randomized leaky ReLU: in training each element ``x <= 0`` gets its own slope drawn uniformly from
    ``[lower, upper]`` (from ``generator``, else the library generator); otherwise the fixed slope
    ``(lower + upper) / 2``."""
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: need 0 <= lower <= upper, got lower={lower}, upper={upper}")
    input = _tensor(input)
    if not training:
        return ops.LeakyRelu.apply(input, negative_slope=(lower + upper) / 2)
    slopes = get_generator(generator).uniform(lower, upper, size=input.shape)
    # a constant factor per element: its gradient is the same factor (the slope where x <= 0, else 1)
    return input * np.where(input.data <= 0, slopes, 1.0).astype(input.dtype)


def softmax2d(input: Tensor) -> Tensor:
    """Softmax over the channels (dimension -3) of a ``(N, C, H, W)`` or ``(C, H, W)`` input."""
    input = _tensor(input)
    if input.ndim not in (3, 4):
        raise ValueError(f"softmax2d: expected a 3-D or 4-D input, got shape {input.shape}")
    return ops.Softmax.apply(input, axis=-3)


def _feature_mask(x: Tensor, p: float, batch_dims: int, generator: Any) -> np.ndarray:
    """A keep mask (bool) over the first ``batch_dims`` dimensions, 1 over the rest (one draw per channel)."""
    shape = x.shape[:batch_dims] + (1,) * (x.ndim - batch_dims)
    return get_generator(generator).random(shape) >= p


def _feature_dropout(x: Any, p: float, training: bool, name: str, dims: tuple[int, int], generator: Any) -> Tensor:
    """Dropout of whole channels: ``dims`` = (unbatched ndim, batched ndim); a channel is zeroed with
    probability ``p`` and the kept ones scaled by ``1 / (1 - p)``."""
    _check_p(p)
    x = _tensor(x)
    if x.ndim not in dims:
        raise ValueError(f"{name}: expected a {dims[0]}-D or {dims[1]}-D input, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    batch_dims = 2 if x.ndim == dims[1] else 1
    mask = _feature_mask(x, p, batch_dims, generator).astype(x.dtype)
    mask *= 1.0 / (1.0 - p)
    return x * mask


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` with probability ``p`` (kept ones scaled by 1/(1-p))."""
    return _feature_dropout(input, p, training, "dropout1d", (2, 3), generator)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` or ``(C, H, W)``. As in PyTorch a 3-D input is taken as
    ``(N, C, L)`` (one draw per (n, c)), which is what programs that pass 3-D inputs get from torch."""
    _check_p(p)
    x = _tensor(input)
    if x.ndim == 3:
        return _feature_dropout(x, p, training, "dropout2d", (2, 3), generator)
    return _feature_dropout(x, p, training, "dropout2d", (3, 4), generator)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _feature_dropout(input, p, training, "dropout3d", (4, 5), generator)


_ALPHA_PRIME = 1.7580993408473766  # SELU's scale * alpha: a dropped unit is set to SELU's negative saturation


def _alpha_dropout(x: Any, p: float, training: bool, feature: bool, generator: Any) -> Tensor:
    """Dropped units are set to ``-alpha'`` and everything is then affinely rescaled (``a x + b``) so that
    zero-mean unit-variance inputs keep mean 0 and variance 1 (the self-normalising dropout of SELU nets)."""
    _check_p(p)
    x = _tensor(x)
    name = "feature_alpha_dropout" if feature else "alpha_dropout"
    if feature and x.ndim < 2:
        raise ValueError(f"{name}: expected an input of at least 2 dimensions (N, C, ...), got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    keep = (_feature_mask(x, p, 2, generator) if feature else get_generator(generator).random(x.shape) >= p)
    a = 1.0 / np.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    b = (keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    return x * (keep * a).astype(x.dtype) + b.astype(x.dtype)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,
                  generator: np.random.Generator | None = None) -> Tensor:
    """Alpha dropout (for SELU networks): identity unless ``training`` (PyTorch's default here is False)."""
    return _alpha_dropout(input, p, training, False, generator)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,
                          generator: np.random.Generator | None = None) -> Tensor:
    """Alpha dropout of whole channels (dimension 1) of an ``(N, C, ...)`` input."""
    return _alpha_dropout(input, p, training, True, generator)


def _normalized_dims(input: Tensor, normalized_shape: Any, name: str) -> tuple[int, ...]:
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    shape = tuple(int(n) for n in shape)
    if not shape or input.shape[input.ndim - len(shape):] != shape or len(shape) > input.ndim:
        raise ValueError(f"{name}: normalized_shape {shape} must be the trailing dimensions of the input, "
                         f"got input shape {input.shape}")
    return tuple(range(input.ndim - len(shape), input.ndim))


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight``, the mean over the trailing ``normalized_shape`` dimensions;
    ``eps`` None is the machine epsilon of the input's dtype (PyTorch's default)."""
    input = _tensor(input)
    dims = _normalized_dims(input, normalized_shape, "rms_norm")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    out = input * ops.Rsqrt.apply((input * input).mean(dim=dims, keepdim=True) + eps)
    return out if weight is None else out * weight


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize ``(N, C, *)`` over each group of ``C / num_groups`` channels (and all positions) with the
    biased variance, then the per-channel affine ``weight (C,)``, ``bias (C,)``."""
    input = _tensor(input)
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected an input of shape (N, C, *), got shape {input.shape}")
    N, C = input.shape[:2]
    if num_groups <= 0 or C % num_groups:
        raise ValueError(f"group_norm: {C} channels are not divisible into num_groups={num_groups}")
    out = ops.LayerNorm.apply(input.reshape(N, num_groups, -1), ndims=1, eps=float(eps)).reshape(input.shape)
    channel = (C,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * _tensor(weight).reshape(channel)
    if bias is not None:
        out = out + _tensor(bias).reshape(channel)
    return out


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_o = x1 W_o x2 + b_o``: input1 ``(*, in1)``, input2 ``(*, in2)`` (same leading shape), weight
    ``(out, in1, in2)``, bias ``(out,)`` -> ``(*, out)``. One matmul ``x1 (B, in1) @ W (in1, out*in2)`` then
    a product with x2 summed over in2, so no ``(B, out, in1, in2)`` array is ever built."""
    x1, x2, weight = _tensor(input1), _tensor(input2), _tensor(weight)
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be (out_features, in1_features, in2_features), got {weight.shape}")
    out_f, in1, in2 = weight.shape
    if x1.ndim == 0 or x1.shape[-1] != in1 or x2.ndim == 0 or x2.shape[-1] != in2 or x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(f"bilinear: inputs (*, {in1}) and (*, {in2}) with one leading shape expected, "
                         f"got {x1.shape} and {x2.shape}")
    lead = x1.shape[:-1]
    a = x1.reshape(-1, in1) @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)      # (B, out * in2)
    y = (a.reshape(-1, out_f, in2) * x2.reshape(-1, 1, in2)).sum(dim=-1)           # (B, out)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out_f)


def embedding_bag(input: Any, weight: Tensor, offsets: Any = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows, without building the ``(bags, N, D)`` lookups.

    ``input`` ``(B, N)`` (B bags of N ids; ``offsets`` must be None) or 1-D ids with ``offsets`` ``(B,)``
    (bag i starts at ``offsets[i]``; with ``include_last_offset`` offsets has B+1 entries, the last the end).
    ``weight`` ``(V, D)`` -> ``(B, D)``. ``padding_idx`` ids are left out of their bag (and of the mean's
    count); an empty bag gives zeros. ``per_sample_weights`` (shaped like ``input``, mode "sum" only)
    scales each row. ``sparse=True``: the weight's gradient is a ``RowSparseGrad``.
    """
    if _is_index_array(weight) and not _is_index_array(input):  # PyTorch's old order embedding_bag(weight, input)
        weight, input = input, weight
    if max_norm is not None or scale_grad_by_freq:
        raise ValueError("embedding_bag: max_norm and scale_grad_by_freq are not provided here")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    ids = np.asarray(input.data if isinstance(input, Tensor) else input)
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: offsets must be None when input is 2-D (B, N): each row is a bag")
        starts = np.arange(0, ids.size, max(ids.shape[1], 1), dtype=np.int64)[:ids.shape[0]]
        ends = starts + ids.shape[1]
    elif ids.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: a 1-D input needs 1-D offsets (the start of each bag)")
        off = np.asarray(offsets.data if isinstance(offsets, Tensor) else offsets)
        if off.ndim != 1 or off.dtype.kind not in "iu":
            raise ValueError(f"embedding_bag: offsets must be a 1-D integer array, got shape {off.shape} {off.dtype}")
        if off.size and off[0] != 0:
            raise ValueError(f"embedding_bag: offsets[0] must be 0 (the first bag starts the input), got {off[0]}")
        if off.size and (np.any(np.diff(off) < 0) or off[-1] > ids.size):
            raise ValueError(f"embedding_bag: offsets must be non-decreasing and at most len(input)={ids.size}")
        bounds = np.append(off, ids.size).astype(np.int64)
        if include_last_offset:
            bounds = bounds[:-1]
        starts, ends = bounds[:-1], bounds[1:]
    else:
        raise ValueError(f"embedding_bag: input must be 1-D (with offsets) or 2-D (B, N), got shape {ids.shape}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(f"embedding_bag: per_sample_weights is only supported for mode='sum', got mode={mode!r}")
        if tuple(np.shape(_target_array(per_sample_weights))) != ids.shape:
            raise ValueError(f"embedding_bag: per_sample_weights shape {np.shape(_target_array(per_sample_weights))}"
                             f" must equal the input's {ids.shape}")
        per_sample_weights = _tensor(per_sample_weights).reshape(-1)
    num = np.shape(weight.data if isinstance(weight, Tensor) else weight)[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding_bag: padding_idx {padding_idx} must be within num_embeddings ({num})")
        padding_idx = int(padding_idx) % num
    return _EmbeddingBagOp.apply(weight, per_sample_weights, ids=ids.reshape(-1), starts=starts, ends=ends,
                                 mode=mode, padding_idx=padding_idx, sparse=bool(sparse))


# losses: compositions of differentiable ops, so every input that requires grad gets its gradient
def _as_like(x: Any, like: Tensor) -> Tensor:
    """``x`` as a Tensor (a target array is converted to the input's float dtype)."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=like.dtype))


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, size_average: Any = None,
                        reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)`` with ``y`` in {1, -1} (broadcast)."""
    _no_legacy("margin_ranking_loss", size_average, reduce)
    x1, x2 = _tensor(input1), _tensor(input2)
    y = _as_like(target, x1)
    if not (x1.ndim == x2.ndim == y.ndim):
        raise ValueError(f"margin_ranking_loss: input1 {x1.shape}, input2 {x2.shape} and target {y.shape} "
                         "must have the same number of dimensions")
    return _reduce((-y * (x1 - x2) + margin).clamp_min(0), reduction, "margin_ranking_loss")


def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1`` (PyTorch: an entry is the sum of the
    terms whose condition holds, ``y != 1`` and ``y != -1`` respectively)."""
    _no_legacy("hinge_embedding_loss", size_average, reduce)
    input = _tensor(input)
    y = _target_array(target)
    zero = np.zeros((), dtype=input.dtype)
    out = ops.Where.apply(y != 1, (margin - input).clamp_min(0), zero) + ops.Where.apply(y != -1, input, zero)
    return _reduce(out, reduction, "hinge_embedding_loss")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``; inputs
    ``(N, D)`` with target ``(N,)``, or ``(D,)`` with a scalar target. Cosine with PyTorch's 1e-12 guard on
    each squared norm."""
    _no_legacy("cosine_embedding_loss", size_average, reduce)
    x1, x2 = _tensor(input1), _tensor(input2)
    y = _target_array(target)
    if x1.shape != x2.shape or x1.ndim not in (1, 2) or y.shape != x1.shape[:-1]:
        raise ValueError(f"cosine_embedding_loss: inputs (N, D) or (D,) of one shape and target (N,) or () "
                         f"expected, got {x1.shape}, {x2.shape} and {y.shape}")
    eps = 1e-12
    cos = (x1 * x2).sum(dim=-1) / (((x1 * x1).sum(dim=-1) + eps) * ((x2 * x2).sum(dim=-1) + eps)).sqrt()
    zero = np.zeros((), dtype=x1.dtype)
    out = ops.Where.apply(y == 1, 1 - cos, zero) + ops.Where.apply(y == -1, (cos - margin).clamp_min(0), zero)
    return _reduce(out, reduction, "cosine_embedding_loss")


def soft_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))``, computed as ``-logsigmoid(y x)`` so it never overflows."""
    _no_legacy("soft_margin_loss", size_average, reduce)
    input = _tensor(input)
    _same_shape(input, target, "soft_margin_loss")
    return _reduce(-ops.LogSigmoid.apply(input * _as_like(target, input)), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                                reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Per sample the mean over the C classes (last dimension) of the binary cross-entropy of logits
    ``-(y logsigmoid(x) + (1 - y) logsigmoid(-x))``; ``weight`` ``(C,)`` rescales each class."""
    _no_legacy("multilabel_soft_margin_loss", size_average, reduce)
    input = _tensor(input)
    _same_shape(input, target, "multilabel_soft_margin_loss")
    if input.ndim == 0:
        raise ValueError("multilabel_soft_margin_loss: expected an input of shape (N, C) or (C,), got a scalar")
    y = _as_like(target, input)
    losses = -(y * ops.LogSigmoid.apply(input) + (1 - y) * ops.LogSigmoid.apply(-input))
    if weight is not None:
        losses = losses * weight
    return _reduce(losses.sum(dim=-1) / input.shape[-1], reduction, "multilabel_soft_margin_loss")


def _class_rows(input: Tensor, target: Any, name: str) -> tuple[Tensor, np.ndarray]:
    """``(C,)``/``()`` or ``(N, C)``/``(N,)`` input and integer targets, checked, as ``(N, C)`` and ``(N,)``."""
    t = _target_array(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {t.dtype}")
    if input.ndim not in (1, 2) or t.shape != input.shape[:-1]:
        raise ValueError(f"{name}: expected input (N, C) with target (N,), or (C,) with a scalar target; "
                         f"got {input.shape} and {t.shape}")
    C = input.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= C):
        raise ValueError(f"{name}: target {t.min() if t.min() < 0 else t.max()} is out of range for {C} classes")
    return input.reshape(-1, C), t.reshape(-1)


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                      size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: per sample ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C`` (p 1 or 2)."""
    _no_legacy("multi_margin_loss", size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    input = _tensor(input)
    x, t = _class_rows(input, target, "multi_margin_loss")
    N, C = x.shape
    rows = np.arange(N)
    x_y = x[rows, t].reshape(N, 1)
    z = (margin - x_y + x).relu()  # relu: no gradient at exactly 0, PyTorch's z > 0
    if p == 2:
        z = z * z
    others = np.ones((N, C), dtype=x.dtype)
    others[rows, t] = 0  # the target class itself is not a margin violation
    if weight is not None:
        w = _tensor(weight)
        if w.shape != (C,):
            raise ValueError(f"multi_margin_loss: weight must have shape ({C},), got {w.shape}")
        z = z * w[t].reshape(N, 1)
    losses = (z * others).sum(dim=1) / C
    return _reduce(losses if input.ndim == 2 else losses.reshape(()), reduction, "multi_margin_loss")


def multilabel_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                           reduction: str = "mean") -> Tensor:
    """Per sample ``sum_{j in targets} sum_{i not in targets} max(0, 1 - (x_j - x_i)) / C``; ``target``
    ``(N, C)`` (or ``(C,)``) of class indices, the targets being those before the first -1."""
    _no_legacy("multilabel_margin_loss", size_average, reduce)
    input = _tensor(input)
    t = _target_array(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"multilabel_margin_loss: target must hold integer class indices, got dtype {t.dtype}")
    if input.ndim not in (1, 2) or t.shape != input.shape:
        raise ValueError(f"multilabel_margin_loss: input and target of one shape (N, C) or (C,) expected, "
                         f"got {input.shape} and {t.shape}")
    C = input.shape[-1]
    x, t = input.reshape(-1, C), t.reshape(-1, C)
    N = x.shape[0]
    listed = np.cumprod(t != -1, axis=1).astype(bool)  # the slots before the first -1
    if np.any(listed & ((t < 0) | (t >= C))):
        raise ValueError(f"multilabel_margin_loss: target indices must be in [0, {C}) or -1")
    safe = np.where(listed, t, 0)
    is_target = np.zeros((N, C), dtype=bool)
    is_target[np.nonzero(listed)[0], safe[listed]] = True
    x_j = x.gather(1, safe)                                                  # (N, C): x at each listed target
    z = (1 - x_j.reshape(N, C, 1) + x.reshape(N, 1, C)).relu()              # (N, slots, classes)
    pairs = (listed[:, :, None] & ~is_target[:, None, :]).astype(x.dtype)
    losses = (z * pairs).sum(dim=(1, 2)) / C
    return _reduce(losses if input.ndim == 2 else losses.reshape(()), reduction, "multilabel_margin_loss")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the pairwise p-norm distance (``eps`` added to the
    difference); ``swap``: ``d(a, n)`` is replaced by ``min(d(a, n), d(p, n))``. Inputs ``(N, D)`` or ``(D,)``."""
    _no_legacy("triplet_margin_loss", size_average, reduce)
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    a, pos, neg = _tensor(anchor), _tensor(positive), _tensor(negative)
    if not (a.ndim == pos.ndim == neg.ndim) or a.ndim not in (1, 2):
        raise ValueError(f"triplet_margin_loss: anchor, positive and negative must all be (N, D) or (D,), "
                         f"got {a.shape}, {pos.shape} and {neg.shape}")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = ops.Minimum.apply(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction, "triplet_margin_loss")


def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(x) - y x`` (``log_input``, x the log-rate) or
    ``x - y log(x + eps)`` (x the rate); ``full`` adds Stirling's ``y log y - y + log(2 pi y) / 2`` where y > 1."""
    _no_legacy("poisson_nll_loss", size_average, reduce)
    input = _tensor(input)
    y = _as_like(target, input)
    losses = input.exp() - y * input if log_input else input - y * (input + eps).log()
    if full:
        safe = _tensor(y).clamp_min(1)  # log of 1 where y <= 1: finite (the term is masked there anyway)
        stirling = y * safe.log() - y + 0.5 * (2 * np.pi * safe).log()
        losses = losses + ops.Where.apply(y.data > 1, stirling, np.zeros((), dtype=input.dtype))
    return _reduce(losses, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input: Tensor, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``(log(max(var, eps)) + (x - y)^2 / max(var, eps)) / 2`` (plus
    ``log(2 pi) / 2`` if ``full``). ``var``: the input's shape, or one dimension short of it (or with a last
    dimension of 1) for one variance shared by the last dimension, or a float. The clamp to ``eps`` passes the
    gradient through unchanged, as PyTorch's no-grad clamp does."""
    input = _tensor(input)
    if isinstance(var, (int, float)):
        var = Tensor(np.full(input.shape, float(var), dtype=input.dtype))
    var = _as_like(var, input)
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.reshape(*var.shape, 1)
        elif not (input.shape[:-1] == var.shape[:-1] and var.ndim and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {var.shape} fits neither input shape {input.shape} "
                             "nor that shape with the last dimension 1 or dropped")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"gaussian_nll_loss: reduction must be one of ('mean', 'sum', 'none'), got {reduction!r}")
    if np.any(var.data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entries")
    var = var + (np.maximum(var.data, eps) - var.data)  # the clamp as a constant shift: gradient 1
    diff = input - target
    losses = 0.5 * (var.log() + diff * diff / var)
    if full:
        losses = losses + 0.5 * float(np.log(2 * np.pi))
    return _reduce(losses, reduction, "gaussian_nll_loss")

# ---- 1-D convolution, pooling and batch normalization ----------------------------------------------------
__all__ += ["conv1d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "batch_norm"]


def _one(value: Any, name: str, fn: str, minimum: int = 1) -> int:
    """An int from ``value`` or a 1-tuple of it (PyTorch takes both for 1-D layers), at least ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{fn}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{fn}: {name} must be at least {minimum}, got {value}")
    return int(value)


def _sequence_input(input: Any, fn: str) -> Tensor:
    """``(N, C, L)`` or unbatched ``(C, L)``, as PyTorch's 1-D layers take."""
    input = _tensor(input)
    if input.ndim not in (2, 3):
        raise ValueError(f"{fn}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {input.shape}")
    return input


def _ntuple(value: Any, name: str, fn: str, d: int, minimum: int = 1) -> tuple[int, ...]:
    """``d`` ints from an int or a 1- or d-tuple (a single value serves every dimension, as PyTorch), each at
    least ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) not in (1, d):
            kind = "an int or a 1-tuple" if d == 1 else f"a single int or a tuple of {d} ints"
            raise ValueError(f"{fn}: {name} must be {kind}, got {value!r}")
        values = tuple(value) * (d // len(value))
        return tuple(_one(v, name, fn, minimum) for v in values)
    return (_one(value, name, fn, minimum),) * d


def _conv_padding(padding: Any, stride: tuple[int, ...], dilation: tuple[int, ...], kernel: tuple[int, ...],
                  fn: str) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` zeros per dimension from an int, a tuple, ``"valid"`` or ``"same"`` (stride 1 only;
    an odd total puts the extra one after, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding != "same":
            raise ValueError(f"{fn}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{fn}: padding='same' is not supported for strided convolutions")
        totals = [dl * (k - 1) for dl, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _ntuple(padding, "padding", fn, len(kernel), minimum=0))


def _convnd(x: Tensor, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups: Any, d: int,
            fn: str, input_shape: tuple[int, ...]) -> Tensor:
    """The checks and the op shared by ``conv1d`` and ``conv2d``: ``x`` is batched ``(N, C, *size)``."""
    weight = _tensor(weight)
    stride = _ntuple(stride, "stride", fn, d)
    dilation = _ntuple(dilation, "dilation", fn, d)
    groups = _one(groups, "groups", fn)
    if weight.ndim != 2 + d:
        kernel_dims = "kernel" if d == 1 else ", ".join(f"k{a}" for a in "HW"[:d])
        raise ValueError(f"{fn}: weight must be {2 + d}-D (out_channels, in_channels/groups, {kernel_dims}), got "
                         f"{weight.shape}")
    O, Cg, kernel = weight.shape[0], weight.shape[1], tuple(weight.shape[2:])
    C, size = x.shape[1], tuple(x.shape[2:])
    if O % groups:
        raise ValueError(f"{fn}: out_channels {O} (weight {weight.shape}) is not divisible by groups {groups}")
    if Cg * groups != C:
        raise ValueError(f"{fn}: weight {weight.shape} with groups={groups} expects {Cg * groups} input "
                         f"channels, got {C} (input shape {input_shape})")
    pads = _conv_padding(padding, stride, dilation, kernel, fn)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(size, pads))
    span = tuple(dl * (k - 1) + 1 for dl, k in zip(dilation, kernel))
    if any(p < s for p, s in zip(padded, span)):
        raise ValueError(f"{fn}: the padded input size per channel ({' x '.join(map(str, padded))}) is smaller "
                         f"than the (dilated) kernel size, its span ({' x '.join(map(str, span))})")
    if bias is not None:
        bias = _tensor(bias)
        if bias.shape != (O,):
            raise ValueError(f"{fn}: bias must have shape ({O},), got {bias.shape}")
    return ops.ConvNd.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
           padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation: input ``(N, C_in, L)`` or ``(C_in, L)``, weight ``(C_out, C_in/groups, K)``,
    bias ``(C_out,)`` -> ``(N, C_out, L_out)`` (or ``(C_out, L_out)``), with
    ``L_out = (L + 2 padding - dilation (K - 1) - 1) // stride + 1``. ``padding`` is zeros on both sides:
    an int, a 1-tuple, ``"valid"`` (none) or ``"same"`` (L_out = L; stride 1 only, any extra on the right)."""
    x = _sequence_input(input, "conv1d")
    unbatched = x.ndim == 2
    out = _convnd(x.reshape(1, *x.shape) if unbatched else x, weight, bias, stride, padding, dilation, groups, 1,
                  "conv1d", tuple(x.shape))
    return out.reshape(out.shape[1:]) if unbatched else out


def _pool_args(fn: str, length: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: bool) -> tuple[int, int, int, int, int]:
    """Checked ``(kernel, stride, padding, dilation, out_len)``; ``stride=None`` (or empty) means the kernel."""
    from ..ops.pooling import pool1d_out_length

    k = _one(kernel_size, "kernel_size", fn)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _one(stride, "stride", fn)
    p = _one(padding, "padding", fn, minimum=0)
    d = _one(dilation, "dilation", fn)
    if p > k // 2:
        raise ValueError(f"{fn}: padding should be at most half of kernel size, got padding={p} and kernel_size={k}")
    out_len = pool1d_out_length(length, k, s, p, d, bool(ceil_mode))
    if out_len < 1:
        raise ValueError(f"{fn}: input length {length} gives output length {out_len}, which is too small")
    return k, s, p, d, out_len


def max_pool1d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, dilation: int | tuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum of each window along the last dimension of ``(N, C, L)`` or ``(C, L)`` (padding counts as
    -inf); with ``return_indices`` also the int64 positions in ``L`` of the (first) maxima."""
    from ..ops.pooling import max_pool1d_indices

    x = _sequence_input(input, "max_pool1d")
    k, s, p, d, out_len = _pool_args("max_pool1d", x.shape[-1], kernel_size, stride, padding, dilation, ceil_mode)
    indices = max_pool1d_indices(x.data, k, s, p, d, out_len)
    out = ops.TakeLast.apply(x, index=indices)
    return (out, Tensor(indices)) if return_indices else out


def avg_pool1d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean of each window along the last dimension of ``(N, C, L)`` or ``(C, L)``, zero-padded; the zeros
    count in the divisor unless ``count_include_pad=False``."""
    x = _sequence_input(input, "avg_pool1d")
    k, s, p, _, _ = _pool_args("avg_pool1d", x.shape[-1], kernel_size, stride, padding, 1, ceil_mode)
    return ops.AvgPool1d.apply(x, kernel_size=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                               count_include_pad=bool(count_include_pad))


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Mean over ``output_size`` windows ``[floor(i L / out), ceil((i+1) L / out))`` of the last dimension."""
    x = _sequence_input(input, "adaptive_avg_pool1d")
    return ops.AdaptiveAvgPool1d.apply(x, output_size=_one(output_size, "output_size", "adaptive_avg_pool1d"))


def adaptive_max_pool1d(input: Tensor, output_size: int | tuple,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over the adaptive windows of :func:`adaptive_avg_pool1d`; ``return_indices`` as :func:`max_pool1d`."""
    from ..ops.pooling import adaptive_max_pool1d_indices

    x = _sequence_input(input, "adaptive_max_pool1d")
    indices = adaptive_max_pool1d_indices(x.data, _one(output_size, "output_size", "adaptive_max_pool1d"))
    out = ops.TakeLast.apply(x, index=indices)
    return (out, Tensor(indices)) if return_indices else out


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dimension 1) of ``(N, C)`` or ``(N, C, L)``, then ``* weight + bias`` (each ``(C,)``).

    ``training``: by the batch's mean and biased variance, and the running statistics (when given) move
    in place by ``momentum``: ``r = (1 - momentum) r + momentum s``, with the *unbiased* variance, as
    PyTorch. Otherwise by ``running_mean`` / ``running_var``, which must then be given.
    """
    from ..autograd import bump_version

    x = _tensor(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), got shape {x.shape}")
    C = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"batch_norm: {name} must have shape ({C},) for input {x.shape}, got {tuple(t.shape)}")
    shape = (1, C) + (1,) * (x.ndim - 2)
    if training:
        n = x.data.size // C if C else 0
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.shape}")
        stats: list = []
        out = ops.BatchNorm.apply(x, eps=float(eps), stats=stats)
        if running_mean is not None or running_var is not None:
            if momentum is None:
                raise TypeError("batch_norm: momentum must be a number (a module's momentum=None is its own average)")
            mean, var = stats
            with_unbiased = ((running_mean, mean), (running_var, var * (n / (n - 1))))
            for running, value in with_unbiased:
                if running is not None:
                    running.data[...] = (1 - momentum) * running.data + momentum * value
                    bump_version(running)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var must be given in evaluation mode")
        scale = 1 / np.sqrt(np.asarray(running_var.data, dtype=np.float64) + eps)
        shift = -np.asarray(running_mean.data, dtype=np.float64) * scale
        out = x * scale.astype(x.dtype).reshape(shape) + shift.astype(x.dtype).reshape(shape)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def ctc_loss(log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss (see :mod:`tinygrad_rnn.ops.ctc`).

    ``log_probs`` (T, N, C) log-softmax outputs (or unbatched (T, C)); ``targets`` (N, S) padded or one 1-D
    concatenation of ``sum(target_lengths)`` labels (never ``blank``); ``input_lengths``, ``target_lengths`` (N,)
    (ints, lists, arrays or int Tensors). ``reduction`` "mean" divides each sequence's loss by its target length
    (at least 1) and averages over the batch, as PyTorch; "sum"; "none" gives (N,). ``zero_infinity``: impossible
    alignments give 0 and no gradient instead of inf.
    """
    from ..ops.ctc import CTCLoss, _lengths, padded_targets

    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"ctc_loss: reduction must be one of ('mean', 'sum', 'none'), got {reduction!r}")
    log_probs = _tensor(log_probs)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.reshape(log_probs.shape[0], 1, log_probs.shape[1])
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}")
    T, N, C = log_probs.shape
    data = (lambda v: v.data if isinstance(v, Tensor) else v)
    targets = np.asarray(data(targets))
    if unbatched and targets.ndim == 1:
        targets = targets[None]
    il = _lengths(data(input_lengths), N, "input_lengths")
    tl = _lengths(data(target_lengths), N, "target_lengths")
    if (il < 0).any() or (il > T).any():
        raise ValueError(f"ctc_loss: input_lengths must be in 0..{T} (the frames of log_probs), got {il.tolist()}")
    if (tl < 0).any():
        raise ValueError(f"ctc_loss: target_lengths must be >= 0, got {tl.tolist()}")
    if not 0 <= blank < C:
        raise ValueError(f"ctc_loss: blank {blank} is not one of the {C} classes")
    padded = padded_targets(targets, tl)
    used = np.arange(padded.shape[1])[None, :] < tl[:, None]
    if ((padded < 0) | (padded >= C))[used].any():
        raise ValueError(f"ctc_loss: target labels must be classes 0..{C - 1}")
    if (padded == blank)[used].any():
        raise ValueError(f"ctc_loss: targets contain the blank label {blank}; blank must not be a target")
    losses = CTCLoss.apply(log_probs, targets=padded, input_lengths=il, target_lengths=tl, blank=int(blank),
                           zero_infinity=bool(zero_infinity))
    if reduction == "mean":
        return (losses / np.maximum(tl, 1).astype(losses.dtype)).mean()
    if reduction == "sum":
        return losses.sum()
    return losses[0] if unbatched else losses


__all__ += ["ctc_loss"]


# ---- 2-D convolution and pooling (ops/conv.py, ops/pooling2d.py) ------------------------------------------
__all__ += ["conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


def _pair(value: Any, name: str, fn: str, minimum: int = 1) -> tuple[int, int]:
    """``(h, w)`` from an int or a 1- or 2-tuple (see :func:`_ntuple`)."""
    return _ntuple(value, name, fn, 2, minimum)  # type: ignore[return-value]


def _image_input(input: Any, fn: str) -> Tensor:
    """``(N, C, H, W)`` or unbatched ``(C, H, W)``, as PyTorch's 2-D layers take."""
    input = _tensor(input)
    if input.ndim not in (3, 4):
        raise ValueError(f"{fn}: expected a 3-D (unbatched) (C, H, W) or 4-D (batched) (N, C, H, W) input, "
                         f"got shape {input.shape}")
    return input


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
           padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation: input ``(N, C_in, H, W)`` or ``(C_in, H, W)``, weight
    ``(C_out, C_in/groups, kH, kW)``, bias ``(C_out,)`` -> ``(N, C_out, H_out, W_out)`` (or unbatched), with
    ``H_out = (H + 2 padding_h - dilation_h (kH - 1) - 1) // stride_h + 1`` and likewise W_out. ``stride``,
    ``padding``, ``dilation``: an int or an ``(h, w)`` pair; ``padding`` also ``"valid"`` or ``"same"``."""
    x = _image_input(input, "conv2d")
    unbatched = x.ndim == 3
    out = _convnd(x.reshape(1, *x.shape) if unbatched else x, weight, bias, stride, padding, dilation, groups, 2,
                  "conv2d", tuple(x.shape))
    return out.reshape(out.shape[1:]) if unbatched else out


def _pool2d_args(fn: str, size: tuple[int, int], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                 ceil_mode: bool) -> tuple[tuple[int, int], ...]:
    """Checked ``(kernel, stride, padding, dilation, out)``, each an ``(h, w)`` pair: :func:`_pool_args` per
    dimension. ``stride=None`` (or empty) means the kernel."""
    k = _pair(kernel_size, "kernel_size", fn)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _pair(stride, "stride", fn)
    p = _pair(padding, "padding", fn, minimum=0)
    d = _pair(dilation, "dilation", fn)
    per_dim = [_pool_args(fn, n, *args, ceil_mode) for n, args in zip(size, zip(k, s, p, d))]
    return tuple(zip(*per_dim))


def max_pool2d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, dilation: int | tuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum of each window over the last two dimensions of ``(N, C, H, W)`` or ``(C, H, W)`` (padding
    counts as -inf); with ``return_indices`` also the int64 flat positions ``h * W + w`` of the (first) maxima."""
    from ..ops.pooling2d import max_pool2d_indices

    x = _image_input(input, "max_pool2d")
    H, W = x.shape[-2:]
    k, s, p, d, out = _pool2d_args("max_pool2d", (H, W), kernel_size, stride, padding, dilation, ceil_mode)
    indices = max_pool2d_indices(x.data, k, s, p, d, out)
    flat = ops.TakeLast.apply(x.reshape(*x.shape[:-2], H * W), index=indices.reshape(*indices.shape[:-2], -1))
    result = flat.reshape(*indices.shape)
    return (result, Tensor(indices)) if return_indices else result


def avg_pool2d(input: Tensor, kernel_size: int | tuple, stride: int | tuple | None = None,
               padding: int | tuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean of each window over the last two dimensions of ``(N, C, H, W)`` or ``(C, H, W)``, zero-padded;
    the zeros count in the divisor unless ``count_include_pad=False``; ``divisor_override`` replaces it."""
    from ..ops.pooling2d import AvgPool2d

    x = _image_input(input, "avg_pool2d")
    k, s, p, _, _ = _pool2d_args("avg_pool2d", x.shape[-2:], kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        divisor_override = _one(divisor_override, "divisor_override", "avg_pool2d")
    return AvgPool2d.apply(x, kernel=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                           count_include_pad=bool(count_include_pad), divisor_override=divisor_override)


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Mean over ``output_size`` ``(oH, oW)`` windows ``[floor(i H / oH), ceil((i+1) H / oH))`` x (the same for
    W); an int is used for both, and ``None`` in the pair keeps that dimension's size."""
    from ..ops.pooling2d import AdaptiveAvgPool2d

    x = _image_input(input, "adaptive_avg_pool2d")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a tuple of two, got {output_size!r}")
    out = tuple(n if o is None else _one(o, "output_size", "adaptive_avg_pool2d") for o, n in zip(sizes, x.shape[-2:]))
    return AdaptiveAvgPool2d.apply(x, output_size=out)
