"""``ClassSoftmax``: the class-based factorised softmax of Mikolov et al. (2011), exact and normalised.

Every word belongs to one class; ``P(w | h) = P(class(w) | h) * P(w | class(w), h)``, each factor a softmax:
over the C classes, then over the words of the target's class only. With about sqrt(V) classes of about
sqrt(V) words, a token costs H*(C + |class|) instead of H*V. ``frequency_classes`` bins words by unigram
frequency (of its square root by default, as the RNNLM toolkit does): frequent words get small classes, rare
words share larger ones.

The output weights of a class are looked up with ``F.embedding``, so with ``sparse=True`` the gradient of
``weight`` is a ``RowSparseGrad`` of the target classes' rows only (like ``nn.Embedding(sparse=True)``),
which ``optim.SGD``/``optim.Adagrad`` apply to those rows alone.

Speed: ``forward`` is one fused op (``_ClassLogProb``): the class softmax is one (N, C) product; for the
word factor a sentence's few rows are scored against all words of the touched classes at once (one
product, each row masked to its own class: a handful of numpy calls), while a large batch, which touches
every class, groups its rows by class and scores each class's words with one small product (no wasted
scores); ``union_is_cheaper`` picks. Its backward gives ``weight`` the rows of the touched classes only
(distinct, sorted: already coalesced).
``benchmarks/softmax_wall.py`` and ``benchmarks/word_rnn_softmax.py`` measure it against the full softmax
and the adaptive softmax.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..autograd import Context, Function
from ..random import get_generator
from ..sparse import RowSparseGrad
from ..tensor import Tensor
from . import functional as F
from ._dtype import param_dtype
from .adaptive import ASMoutput, batched_input, class_targets
from .module import Module, Parameter

__all__ = ["ClassSoftmax", "frequency_classes"]


def frequency_classes(counts: Sequence[int] | np.ndarray, n_classes: int | None = None,
                      power: float = 0.5) -> np.ndarray:
    """``class_of_word (V,)`` by frequency binning: words sorted by count (descending) fill classes of about
    equal total ``count ** power``, so the most frequent words sit in small classes. ``power=0.5`` is the
    RNNLM toolkit's default (sqrt-frequency bins: balanced costs); ``power=1`` is the paper's plain
    frequency binning (a rare word's class can then hold most of the vocabulary). ``n_classes`` defaults
    to round(sqrt(V)); every class gets at least one word."""
    counts = np.asarray(counts, dtype=np.float64) ** float(power)
    V = len(counts)
    if V < 1 or (counts < 0).any():
        raise ValueError("frequency_classes needs non-negative counts for at least one word")
    C = max(1, round(math.sqrt(V))) if n_classes is None else int(n_classes)
    if not 1 <= C <= V:
        raise ValueError(f"n_classes must be in 1..{V} (the number of words), got {n_classes}")
    order = np.argsort(-counts, kind="stable")
    mass = counts[order] + 1e-12  # words never seen still need a class
    share = np.cumsum(mass) / mass.sum()
    classes = np.minimum((share * C - 1e-9).astype(np.int64), C - 1)
    # every class non-empty: no class may run ahead of its rank, nor leave too few words for the rest
    rank = np.arange(V)
    classes = np.maximum(np.minimum(classes, rank), C - (V - rank))
    classes = np.maximum.accumulate(classes)
    class_of_word = np.empty(V, dtype=np.int64)
    class_of_word[order] = classes
    return class_of_word


def _log_softmax_rows(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log-softmax, softmax) of each row of ``z``."""
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    return shifted - np.log(total), e / total


# Cost model of the two layouts of _ClassLogProb, in units of one (row, word) score (its three products of
# length H and its share of the elementwise passes; ~20 ns here): one touched class of the grouped layout costs
# about as much Python and numpy-call overhead as GROUP_COST scores (~30 µs). Both layouts give the same
# numbers; this only picks the faster one.
GROUP_COST = 1500


def union_is_cheaper(n_rows: int, n_union: int, n_own: int, n_groups: int) -> bool:
    """True if scoring every row against the union of the touched classes (``n_rows * n_union`` scores,
    a few whole-block calls) beats one small product per touched class (``n_own`` scores, ``n_groups``
    groups): a sentence (tens of rows) takes the union, a large batch (every class touched) the groups."""
    return n_rows * n_union <= n_own + GROUP_COST * n_groups


class _ClassLogProb(Function):
    """log P(target | x) (N,) of a class-factorised softmax, forward and backward fused.

    Inputs: x (N, H), class_weight (C, H), class_bias (C,) or None, weight (V, H), bias (V,) or None;
    keywords: the targets, the module's class tables and whether ``weight``'s gradient is row-sparse.

    Two layouts of the word factor, the same numbers: *union* scores every row against all words of the
    touched classes (``cols``, sorted word ids) with one product and masks each row to its own class
    (a few calls for the whole block: a sentence's tens of rows); *grouped* sorts the rows by class and
    gives each touched class its own small product (no wasted scores: large batches).
    """

    @staticmethod
    def forward(ctx: Context, x, class_weight, class_bias, weight, bias, *, target, class_of_word, members,
                class_sizes, position, sparse):
        n = len(target)
        z = x @ class_weight.T
        if class_bias is not None:
            z += class_bias
        class_lp, class_p = _log_softmax_rows(z)
        target_class = class_of_word[target]
        rows = np.arange(n)
        out = class_lp[rows, target_class]
        touched = np.zeros(len(members), dtype=bool)
        touched[target_class] = True
        cols = np.flatnonzero(touched[class_of_word])  # the touched classes' words, sorted
        if union_is_cheaper(n, len(cols), int(class_sizes[target_class].sum()), int(touched.sum())):
            w_cols = weight[cols]
            word_p = x @ w_cols.T  # (N, |cols|): scores, then each row's softmax over its own class
            if bias is not None:
                word_p += bias[cols]
            np.copyto(word_p, -np.inf, where=class_of_word[cols] != target_class[:, None])
            word_p -= word_p.max(axis=1, keepdims=True)  # finite: every row's own class holds its target
            at = np.searchsorted(cols, target)
            picked = word_p[rows, at]
            np.exp(word_p, out=word_p)  # exp(-inf) = 0 outside a row's class
            total = word_p.sum(axis=1, keepdims=True)
            out += picked - np.log(total[:, 0])
            word_p /= total
            groups = ("union", cols, at, word_p, w_cols)
        else:
            groups = _grouped_forward(x, weight, bias, target, target_class, members, position, out)
        ctx.saved = (x, class_weight, weight, class_p, target_class, target, groups, position, sparse,
                     class_bias is not None, bias is not None)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        (x, class_weight, weight, class_p, target_class, target, groups, position, sparse,
         has_class_bias, has_bias) = ctx.saved
        n = len(target)
        rows = np.arange(n)
        grad = np.asarray(grad, dtype=x.dtype).reshape(n, 1)
        # d out / d z = onehot(class) - softmax, scaled by the upstream gradient
        dz = class_p * -grad
        dz[rows, target_class] += grad[:, 0]
        dx = dz @ class_weight
        d_class_weight = dz.T @ x
        d_class_bias = dz.sum(axis=0) if has_class_bias else None
        if groups[0] == "union":
            _, idx, at, ds, w_cols = groups
            ds *= -grad  # the saved softmax becomes the scores' gradient (zero outside each row's class)
            ds[rows, at] += grad[:, 0]
            dx += ds @ w_cols
            vals = ds.T @ x
            bias_vals = ds.sum(axis=0) if has_bias else None
        else:
            idx, vals, bias_vals = _grouped_backward(groups, dx, grad, target, position, x, has_bias)
        d_bias = None
        if has_bias:
            d_bias = np.zeros(weight.shape[0], dtype=x.dtype)
            d_bias[idx] = bias_vals
        if sparse:  # classes are disjoint: distinct rows, sorted = coalesced
            d_weight = RowSparseGrad(idx, vals, weight.shape, coalesced=True)
        else:
            d_weight = np.zeros(weight.shape, dtype=vals.dtype)
            d_weight[idx] = vals
        return dx, d_class_weight, d_class_bias, d_weight, d_bias


def _grouped_forward(x, weight, bias, target, target_class, members, position, out) -> tuple:
    """The grouped layout's word factor, added to ``out`` in place; returns what its backward needs."""
    order = np.argsort(target_class, kind="stable")
    classes, starts = np.unique(target_class[order], return_index=True)
    groups = []  # (class, its rows, its words' softmax over those rows)
    for c, lo, hi in zip(classes.tolist(), starts.tolist(), [*starts[1:].tolist(), len(target)]):
        rows = order[lo:hi]
        words = members[c]
        xr, wr = x[rows], weight[words]
        scores = xr @ wr.T
        if bias is not None:
            scores += bias[words]
        word_lp, word_p = _log_softmax_rows(scores)
        out[rows] += word_lp[np.arange(len(rows)), position[target[rows]]]
        groups.append((words, rows, xr, wr, word_p))
    return ("grouped", groups)


def _grouped_backward(saved, dx, grad, target, position, x, has_bias):
    """The grouped layout's gradients: adds the word factor's part of dx in place; returns the touched word
    ids (sorted), their weight rows' gradient and their biases' gradient."""
    indices, values, bias_values = [], [], []
    for words, rows, xr, wr, word_p in saved[1]:
        g = grad[rows]
        ds = word_p * -g
        ds[np.arange(len(rows)), position[target[rows]]] += g[:, 0]
        dx[rows] += ds @ wr
        indices.append(words)
        values.append(ds.T @ xr)
        if has_bias:
            bias_values.append(ds.sum(axis=0))
    idx = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    vals = np.concatenate(values) if values else np.zeros((0, x.shape[1]), x.dtype)
    sort = np.argsort(idx, kind="stable")
    bias_vals = np.concatenate(bias_values)[sort] if has_bias and bias_values else np.zeros(len(idx), x.dtype)
    return idx[sort], vals[sort], bias_vals


class ClassSoftmax(Module):
    """``ClassSoftmax(in_features, class_of_word, bias=True, sparse=False, dtype=None)``.

    ``class_of_word`` (V,) integer class ids ``0..C-1`` (each class used by at least one word; see
    ``frequency_classes``). Parameters: ``class_weight`` (C, H), ``class_bias`` (C,), ``weight`` (V, H),
    ``bias`` (V,). ``forward(input (N, H), target (N,)) -> (output (N,), loss)`` as
    ``AdaptiveLogSoftmaxWithLoss``; ``log_prob(input) -> (N, V)``; ``predict(input) -> (N,)``.
    """

    def __init__(self, in_features: int, class_of_word: Sequence[int] | np.ndarray, bias: bool = True,
                 sparse: bool = False, dtype: Any = None):
        super().__init__()
        class_of_word = np.asarray(class_of_word)
        if class_of_word.ndim != 1 or class_of_word.dtype.kind not in "iu" or not len(class_of_word):
            raise ValueError("class_of_word must be a non-empty 1-D array of integer class ids, one per word")
        n_classes = int(class_of_word.max()) + 1
        if class_of_word.min() < 0 or len(np.unique(class_of_word)) != n_classes:
            raise ValueError(f"class_of_word must use every class id 0..{n_classes - 1} (no gaps, no negatives)")
        self.in_features, self.n_words, self.n_classes = int(in_features), len(class_of_word), n_classes
        self.sparse = bool(sparse)
        self.class_of_word = class_of_word.astype(np.int64)
        order = np.argsort(self.class_of_word, kind="stable")
        starts = np.searchsorted(self.class_of_word[order], np.arange(n_classes + 1))
        self.members = [order[starts[c]:starts[c + 1]] for c in range(n_classes)]  # word ids of each class
        self.class_sizes = np.diff(starts)
        self.position = np.empty(self.n_words, dtype=np.int64)  # a word's index within its class
        for words in self.members:
            self.position[words] = np.arange(len(words))
        dt = param_dtype(dtype)
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
        rng = get_generator()  # PyTorch's Linear init, uniform(±1/sqrt(in_features)), from the library's generator
        self.class_weight = Parameter(rng.uniform(-bound, bound, (n_classes, self.in_features)).astype(dt))
        self.weight = Parameter(rng.uniform(-bound, bound, (self.n_words, self.in_features)).astype(dt))
        if bias:
            self.class_bias = Parameter(rng.uniform(-bound, bound, n_classes).astype(dt))
            self.bias = Parameter(rng.uniform(-bound, bound, self.n_words).astype(dt))
        else:
            self.register_parameter("class_bias", None)
            self.register_parameter("bias", None)

    def _batched(self, input: Any) -> tuple[Tensor, bool]:
        return batched_input(input, self.in_features, type(self).__name__)

    def _class_scores(self, x: Tensor, c: int) -> Tensor:
        """Scores (N, |class c|) of the words of class ``c`` (their weights gathered, sparse if asked)."""
        words = self.members[c]
        scores = x @ F.embedding(self.weight, words, sparse=self.sparse).transpose(0, 1)
        return scores if self.bias is None else scores + self.bias[words]

    def forward(self, input: Any, target: Any) -> ASMoutput:
        """``(output (N,), loss)``: log P(target | input) for each row and the mean negative log-likelihood."""
        x, unbatched = self._batched(input)
        target = class_targets(target, len(x), self.n_words, type(self).__name__)
        output = _ClassLogProb.apply(x, self.class_weight, self.class_bias, self.weight, self.bias,
                                     target=target, class_of_word=self.class_of_word, members=self.members,
                                     class_sizes=self.class_sizes, position=self.position, sparse=self.sparse)
        loss = (-output).mean()
        return ASMoutput(output[0] if unbatched else output, loss)

    def log_prob(self, input: Any) -> Tensor:
        """Log-probabilities of every word ``(N, V)`` (or ``(V,)``): they sum to one over the words."""
        x, unbatched = self._batched(input)
        class_logprob = F.log_softmax(F.linear(x, self.class_weight, self.class_bias), dim=1)
        blocks = [F.log_softmax(self._class_scores(x, c), dim=1) + class_logprob[:, c:c + 1]
                  for c in range(self.n_classes)]
        inverse = np.argsort(np.concatenate(self.members), kind="stable")
        out = F.concatenate(blocks, axis=1)[:, inverse]
        return out[0] if unbatched else out

    def predict(self, input: Any) -> Tensor:
        """The most likely word of each row: an int64 Tensor ``(N,)`` (0-d for one input)."""
        x, unbatched = self._batched(input)
        lp = self.log_prob(x).data
        best = np.argmax(lp, axis=1).astype(np.int64)
        return Tensor(best[0] if unbatched else best)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, n_words={self.n_words}, n_classes={self.n_classes}, "
                f"bias={self.bias is not None}, sparse={self.sparse}")
