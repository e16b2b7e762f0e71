"""``AdaptiveLogSoftmaxWithLoss``: PyTorch's adaptive softmax (Grave et al. 2017), an exact factorised softmax.

The classes are split by frequency at ``cutoffs``: a *head* scores the ``cutoffs[0]`` most frequent classes
plus one token per *cluster* of rarer classes; a class in cluster i has probability
``P(cluster i | h) * P(class | cluster i, h)``, the second factor from a small projection (``in_features //
div_value**(i+1)`` units) and its own softmax. Probabilities over all classes sum to one, so it is a
normalised language model, but a rare word costs a head softmax plus its cluster's, not one over the
whole vocabulary.

Parameter names and shapes are PyTorch's (``head.weight``, ``head.bias``, ``tail.{i}.0.weight``,
``tail.{i}.1.weight``), so a state_dict moves to and from ``torch.nn.AdaptiveLogSoftmaxWithLoss`` name for
name. Everything is a composition of the library's ops (linear layers, log-softmax, gathers), so its
gradients are the engine's, checked by finite differences in the tests.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .linear import Linear
from .module import Module, ModuleList, Sequential

__all__ = ["AdaptiveLogSoftmaxWithLoss", "ASMoutput"]


class ASMoutput(NamedTuple):
    """What ``AdaptiveLogSoftmaxWithLoss.forward`` returns (PyTorch's ``_ASMoutput``)."""

    output: Tensor  # (N,) log-probability of each target
    loss: Tensor  # scalar: mean negative log-likelihood


def batched_input(input: Any, in_features: int, name: str) -> tuple[Tensor, bool]:
    """``(x (N, in_features), unbatched)`` for an input of shape (N, in_features) or (in_features,)."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim not in (1, 2) or x.shape[-1] != in_features:
        raise RuntimeError(f"{name}: input should be (N, {in_features}) or ({in_features},), got {tuple(x.shape)}")
    return (x.reshape(1, in_features), True) if x.ndim == 1 else (x, False)


def class_targets(target: Any, n: int, n_classes: int, name: str) -> np.ndarray:
    """Integer targets (n,) in 0..n_classes-1, with PyTorch's errors for anything else."""
    target = np.asarray(target.data if isinstance(target, Tensor) else target).reshape(-1)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer classes, got {target.dtype}")
    if len(target) != n:
        raise RuntimeError("Input and target should have the same size in the batch dimension.")
    if target.size and (np.minimum.reduce(target, axis=None) < 0 or np.maximum.reduce(target, axis=None) >= n_classes):
        raise RuntimeError(f"Target values should be in [0, {n_classes - 1}], but values in range "
                           f"[{target.min()}, {target.max()}] were found. ")
    return target


class AdaptiveLogSoftmaxWithLoss(Module):
    """``AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, dtype=None)``.

    ``cutoffs``: increasing integers in ``1 .. n_classes - 1`` (classes ``0 .. cutoffs[0]-1`` are the head's
    shortlist; ``cutoffs[i-1] .. cutoffs[i]-1`` form cluster i). Input ``(N, in_features)`` or ``(in_features,)``.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, dtype: Any = None):
        super().__init__()
        cutoffs = list(cutoffs)
        if (not cutoffs or cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features, self.n_classes = int(in_features), int(n_classes)
        self.cutoffs = [int(c) for c in cutoffs] + [self.n_classes]
        self.div_value, self.head_bias = float(div_value), bool(head_bias)
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(self.in_features, self.head_size, bias=self.head_bias, dtype=dtype)
        tails = []
        for i in range(self.n_clusters):
            hidden = int(self.in_features // (self.div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            tails.append(Sequential(Linear(self.in_features, hidden, bias=False, dtype=dtype),
                                    Linear(hidden, size, bias=False, dtype=dtype)))
        self.tail = ModuleList(tails)

    def _batched(self, input: Any) -> tuple[Tensor, bool]:
        return batched_input(input, self.in_features, type(self).__name__)

    def forward(self, input: Any, target: Any) -> ASMoutput:
        """``(output (N,), loss)``: the log-probability of each target and their mean negative."""
        x, unbatched = self._batched(input)
        target = class_targets(target, len(x), self.n_classes, type(self).__name__)
        n = len(target)
        head_index = target.copy()  # the head's column for each row: the class itself, or its cluster token
        # each factor's negative log-probability through F.linear_cross_entropy (the output layer and its
        # log-softmax at the target as one op, no (rows, cluster) log-probability tensor); a shortlist row has
        # no cluster factor
        pieces: list[Tensor] = []
        order: list[np.ndarray] = []
        shortlist = np.flatnonzero(target < self.shortlist_size)
        if len(shortlist) or not n:  # (an empty batch: one empty piece, and the mean of nothing is NaN)
            pieces.append(Tensor(np.zeros(len(shortlist), dtype=x.dtype)))
            order.append(shortlist)
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            rows = np.flatnonzero((target >= low) & (target < high))
            if not len(rows):
                continue
            head_index[rows] = self.shortlist_size + i
            pieces.append(self._cluster_nll(i, x if len(rows) == n else x[rows], target[rows] - low))
            order.append(rows)
        # the cluster terms, put back in the rows' order
        inverse = np.argsort(np.concatenate(order), kind="stable")
        cluster_nll = F.concatenate(pieces)[inverse] if len(pieces) > 1 else pieces[0][inverse]
        nll = F.linear_cross_entropy(x, self.head.weight, self.head.bias, head_index, reduction="none") + cluster_nll
        output = -nll
        loss = nll.mean()
        return ASMoutput(output[0] if unbatched else output, loss)

    def _cluster_nll(self, i: int, x: Tensor, target: np.ndarray) -> Tensor:
        """−log P(target | cluster i, x) (rows,) of rows ``x`` whose targets (``target``, within the cluster)
        are in cluster ``i``: the tail's projection, then its output layer fused with the loss."""
        *project, out = self.tail[i]
        hidden = x
        for module in project:
            hidden = module(hidden)
        if isinstance(out, Linear):
            return F.linear_cross_entropy(hidden, out.weight, out.bias, target, reduction="none")
        return -F.log_softmax(out(hidden), dim=1)[np.arange(len(target)), target]  # a tail changed by the user

    def _full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](x), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i:self.shortlist_size + i + 1])
        return F.concatenate(parts, axis=1)

    def log_prob(self, input: Any) -> Tensor:
        """Log-probabilities of every class ``(N, n_classes)`` (or ``(n_classes,)``)."""
        x, unbatched = self._batched(input)
        out = self._full_log_prob(x, self.head(x))
        return out[0] if unbatched else out

    def predict(self, input: Any) -> Tensor:
        """The most likely class of each row: an int64 Tensor ``(N,)`` (0-d for one input)."""
        x, unbatched = self._batched(input)
        best = np.argmax(self._full_log_prob(x, self.head(x)).data, axis=1).astype(np.int64)
        return Tensor(best[0] if unbatched else best)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, n_classes={self.n_classes}, cutoffs={self.cutoffs[:-1]}, "
                f"div_value={self.div_value}, head_bias={self.head_bias}")
