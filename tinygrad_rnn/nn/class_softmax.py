"""``ClassSoftmax``: the class-based factorised softmax of Mikolov et al. (2011), exact and normalised.

Every word belongs to one class; ``P(w | h) = P(class(w) | h) * P(w | class(w), h)``, each factor a softmax:
over the C classes, then over the words of the target's class only. With about sqrt(V) classes of about
sqrt(V) words, a token costs H*(C + |class|) instead of H*V. ``frequency_classes`` bins words by unigram
frequency (of its square root by default, as the RNNLM toolkit does): frequent words get small classes, rare
words share larger ones.

The output weights of a class are looked up with ``F.embedding``, so with ``sparse=True`` the gradient of
``weight`` is a ``RowSparseGrad`` of the target classes' rows only (like ``nn.Embedding(sparse=True)``),
which ``optim.SGD``/``optim.Adagrad`` apply to those rows alone.

Speed: ``forward`` is one fused op (``_ClassLogProb``): the class softmax is one (N, C) product; the word
factor has four layouts with the same numbers, ``choose_layout`` picks by a cost model. A few rows are scored
against all words of the touched classes at once (*union*: one product, each row masked to its own class).
From a sentence's rows to batches of thousands, only the needed (row, word-of-its-class) scores are computed
(*runs*): the rows are sorted by class, so the m rows of a class of k words own m*k consecutive entries of a
flat score buffer, and each distinct class is one (m, H) @ (H, k) product into it (against a view of
``weight`` when the class's words are an ascending id range, as frequency classes of a vocabulary ranked by
frequency are; against its gathered rows otherwise), a softmax segmented over the flat buffer, and two
products per class in the backward (dx, and the weight and bias gradients at once). Two more layouts compute
the same needed scores differently: *pairs* (gathered weight and input rows, row-dots, one small product per
row for dx: faster only when classes hold a few words each) and *grouped* (each class its own products and
softmax). The backward gives ``weight`` the rows of the touched classes only (distinct, sorted: already
coalesced).
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


# Cost model of the four layouts of _ClassLogProb, in units of one (row, word) score of the union block at a
# sentence's size (its three products of length H and its share of the elementwise passes; ~15 ns here). A
# distinct class of the runs layout costs RUNS_CLASS_COST (its three small products and the Python around them,
# ~4 µs) and each of its needed scores RUNS_SCORE_COST (~22 ns); a needed (row, word) pair of the pairs layout
# costs PAIR_COST (its gathered weight and input rows, the row-dot and the gradient passes over the (pairs, H)
# blocks) and each row PAIRS_ROW_COST (its small dx product and the Python around it); a touched class of the
# grouped layout costs GROUP_COST (~35 µs of gathers, products and Python) and each of its scores
# GROUP_SCORE_COST. Fitted (within ~10% from 7 rows up) to the word factor's forward+backward alone, and checked
# on the module's, at V 8000, H 100, 89 frequency classes, Zipf targets (float32, one thread, medians of 21
# interleaved rounds on a shared 2-core machine, ±20%; µs):
#   rows N                 2     5    10    22    60    200    704   5000
#   word factor  union    32    59    99   271  1211   8073  51925      -
#                runs     50    66    80   127   225    491   1157   5006
#                pairs    50    95   130   190   413   1166   6135  49497
#                grouped  98   222   335   615  1299   2646   4542   9010
#   module       union   136   225   265   538  1702  12099  67759      -
#                runs    166   258   291   378   491   1506   3741  13447
#                pairs   174   307   354   537   900   2947  11256  72770
#                grouped 222   482   557  1131  2242   5666   8997  18762
# The model switches from union to runs between 7 and 10 rows (measured: equal at 5-7). Pairs still wins when
# classes hold a few words each (2000 classes of V 8000, 200 rows: word factor 420 µs vs runs 510); grouped is
# never the cheapest. All layouts give the same numbers; this only picks the fastest.
RUNS_CLASS_COST = 270
RUNS_SCORE_COST = 1.6
PAIR_COST = 9
PAIRS_ROW_COST = 100
GROUP_COST = 2300
GROUP_SCORE_COST = 2.1


def choose_layout(n_rows: int, n_union: int, n_own: int, n_groups: int) -> str:
    """``"union"``, ``"runs"``, ``"pairs"`` or ``"grouped"``: the cheapest way to score ``n_rows`` rows against
    their own classes' words (``n_own`` needed scores in all, ``n_groups`` distinct classes holding ``n_union``
    words).

    *union* scores every row against all ``n_union`` words (``n_rows * n_union`` scores, a few whole-block
    calls: a few rows); *runs* computes only the ``n_own`` needed scores with three small products per
    distinct class (a sentence up to large batches); *pairs* computes them by row-dots of gathered rows with
    one small product per row (classes of a few words each); *grouped* gives each class its own products
    and softmax (dominated by runs, kept as an independent formulation)."""
    if n_rows == 0:
        return "union"
    costs = {"union": n_rows * n_union,
             "runs": RUNS_CLASS_COST * n_groups + RUNS_SCORE_COST * n_own,
             "pairs": PAIR_COST * n_own + PAIRS_ROW_COST * n_rows,
             "grouped": GROUP_SCORE_COST * n_own + GROUP_COST * n_groups}
    return min(costs, key=costs.__getitem__)


class _ClassTables:
    """What the fused op reads of a module's classes, built once: ``class_of_word`` (V,), ``members`` (each
    class's word ids), ``class_sizes`` (C,), ``class_start`` (C+1,) and ``words_by_class`` (V,) (class c's
    words are ``words_by_class[class_start[c]:class_start[c+1]]``), ``position`` (V,) (a word's index in its
    class), ``in_class_order`` (every class an ascending id range, in class order) and ``class_info``: per
    class a Python ``(size, first word, is an ascending id range)``, read once per distinct class of a batch."""

    __slots__ = ("class_of_word", "members", "class_sizes", "class_start", "words_by_class", "position",
                 "in_class_order", "class_info")

    def __init__(self, class_of_word: np.ndarray):
        C = int(class_of_word.max()) + 1
        self.class_of_word = class_of_word
        order = np.argsort(class_of_word, kind="stable")
        starts = np.searchsorted(class_of_word[order], np.arange(C + 1))
        self.members = [order[starts[c]:starts[c + 1]] for c in range(C)]
        self.class_sizes = np.diff(starts)
        self.class_start, self.words_by_class = starts, order
        # class c's words are weight[a:a + k] (a view, no gather) when they are an ascending id range
        is_range = [bool(w[-1] - w[0] == len(w) - 1) for w in self.members]
        # every class a range, in class order (words_by_class is 0..V-1): a word's place in words_by_class is its id
        self.in_class_order = bool((np.diff(class_of_word) >= 0).all())
        self.position = np.empty(len(class_of_word), dtype=np.int64)
        for words in self.members:
            self.position[words] = np.arange(len(words))
        self.class_info = [(int(k), int(w[0]), r) for k, w, r in zip(self.class_sizes, self.members, is_range)]


class _ClassLogProb(Function):
    """log P(target | x) (N,) of a class-factorised softmax, forward and backward fused.

    Inputs: x (N, H), class_weight (C, H), class_bias (C,) or None, weight (V, H), bias (V,) or None;
    keywords: the targets, the module's class tables and whether ``weight``'s gradient is row-sparse.

    Four layouts of the word factor, the same numbers (``choose_layout`` picks; see the module docstring):
    *union* scores every row against all words of the touched classes (``cols``, sorted word ids) with one
    product and masks each row to its own class (a few rows); *runs* sorts the rows by class and computes
    only each row's own-class scores with one product per distinct class into a flat (P,) buffer, segmented
    softmax over it (a sentence up to large batches); *pairs* computes the same P scores as row-dots of
    gathered (P, H) weight and input rows (classes of a few words); *grouped* gives each touched class its
    own products and softmax. Each backward turns its saved arrays into gradients in place, unless the graph
    is retained for another backward.
    """

    @staticmethod
    def forward(ctx: Context, x, class_weight, class_bias, weight, bias, *, target, tables, sparse):
        # (ndarray methods and ufuncs throughout: the np.* wrappers cost ~0.5 µs a call, and a sentence's
        # step is made of hundreds of small calls)
        n = len(target)
        if n == 0:  # an empty batch: no log-probabilities (as torch's adaptive softmax), zero gradients
            ctx.saved = ("empty", x, class_weight, class_bias is not None, weight, bias is not None, sparse)
            return np.zeros(0, dtype=np.result_type(x, class_weight, weight))
        rows = _iota(n)
        target_class = tables.class_of_word.take(target)
        # the class factor: each row's log-softmax at its class; exp(z - max) and its row sums are kept
        z = x.dot(class_weight.T)
        if class_bias is not None:
            z += class_bias
        z -= np.maximum.reduce(z, axis=1, keepdims=True)
        out = z[rows, target_class]
        np.exp(z, out=z)
        class_total = np.add.reduce(z, axis=1)
        out -= np.log(class_total)
        # the rows grouped by class (a stable sort): the distinct classes, ascending, and where each one's rows
        # start among the sorted rows; the layouts' costs and their word factors follow from it
        order = target_class.argsort(kind="stable")
        sorted_class = target_class.take(order)
        first = np.empty(n, dtype=bool)
        first[0] = True
        np.not_equal(sorted_class[1:], sorted_class[:-1], out=first[1:])
        firsts = first.nonzero()[0]
        classes = sorted_class.take(firsts)
        grouping = (order, sorted_class, firsts, classes)
        own_sizes = tables.class_sizes.take(target_class)
        n_own = int(np.add.reduce(own_sizes))
        n_union = int(np.add.reduce(tables.class_sizes.take(classes)))
        layout = choose_layout(n, n_union, n_own, len(classes))
        if layout == "runs":
            groups = _runs_forward(x, weight, bias, target, own_sizes, grouping, tables, out)
        elif layout == "union":
            groups = _union_forward(x, weight, bias, target, target_class, classes, tables, out)
        elif layout == "pairs":
            groups = _pairs_forward(x, weight, bias, target, grouping, tables, out)
        else:
            groups = _grouped_forward(x, weight, bias, target, target_class, tables.members, tables.position, out)
        ctx.saved = (x, class_weight, weight, z, class_total, target_class, target, groups, tables, sparse,
                     class_bias is not None, bias is not None)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        if isinstance(ctx.saved[0], str):  # ("empty", ...): the batch had no rows
            _, x, class_weight, has_class_bias, weight, has_bias, sparse = ctx.saved
            dt = np.result_type(x, class_weight, weight)
            d_weight = (RowSparseGrad(np.zeros(0, np.int64), np.zeros((0, weight.shape[1]), dt), weight.shape,
                                      coalesced=True) if sparse else np.zeros(weight.shape, dt))
            return (np.zeros(x.shape, dt), np.zeros(class_weight.shape, dt),
                    np.zeros(class_weight.shape[0], dt) if has_class_bias else None, d_weight,
                    np.zeros(weight.shape[0], dt) if has_bias else None)
        (x, class_weight, weight, class_e, class_total, target_class, target, groups, tables, sparse,
         has_class_bias, has_bias) = ctx.saved
        # the layouts turn their saved arrays into gradients in place, unless the graph is kept for another
        # backward (retain_graph): then they work on copies
        reuse = ctx.frees_saved
        if not reuse and groups[0] != "runs":
            groups = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in groups)
        n = len(target)
        rows = _iota(n)
        g = np.asarray(grad, dtype=x.dtype).reshape(n)
        # d out / d z = onehot(class) - softmax, scaled by the upstream gradient
        dz = np.multiply(class_e, (-g / class_total)[:, None], out=class_e if reuse else None)
        dz[rows, target_class] += g
        dx = dz.dot(class_weight)
        d_class_weight = dz.T.dot(x)
        d_class_bias = np.add.reduce(dz, axis=0) if has_class_bias else None
        if groups[0] == "runs":
            idx, vals, bias_vals = _runs_backward(groups, dx, g, has_bias, reuse, tables)
        elif groups[0] == "union":
            idx, vals, bias_vals = _union_backward(groups, dx, g, x, has_bias)
        elif groups[0] == "pairs":
            idx, vals, bias_vals = _pairs_backward(groups, dx, g, has_bias)
        else:
            idx, vals, bias_vals = _grouped_backward(groups, dx, g[:, None], target, tables.position, x, has_bias)
        # classes are disjoint: distinct rows, sorted = coalesced
        if isinstance(idx, tuple):  # the runs layout's classes as (first ids, sizes): id ranges, ascending
            rows = RowSparseGrad.from_row_ranges(*idx, vals, weight.shape)
        else:
            rows = RowSparseGrad(idx, vals, weight.shape, coalesced=True)
        d_bias = None
        if has_bias:
            d_bias = np.zeros(weight.shape[0], dtype=x.dtype)
            d_bias[rows.indices] = bias_vals
        d_weight = rows if sparse else rows.to_dense()
        return dx, d_class_weight, d_class_bias, d_weight, d_bias


_IOTA = np.arange(0)


def _iota(n: int) -> np.ndarray:
    """``np.arange(n)`` as a read-only view of a cached range (grown on demand): no allocation per call."""
    global _IOTA
    if len(_IOTA) < n:
        _IOTA = np.arange(max(n, 2 * len(_IOTA)))
        _IOTA.flags.writeable = False
    return _IOTA[:n]


def _class_words(classes, tables) -> np.ndarray:
    """The words of ``classes`` (ascending class ids), class after class (each class's words ascending):
    ascending ids when the classes are ascending id ranges. Costs the touched words, not the vocabulary."""
    ks = tables.class_sizes.take(classes)
    ends = ks.cumsum()
    word = _iota(int(ends[-1]) if len(ends) else 0) + (tables.class_start.take(classes) - (ends - ks)).repeat(ks)
    return word if tables.in_class_order else tables.words_by_class.take(word)


def _union_forward(x, weight, bias, target, target_class, classes, tables, out) -> tuple:
    """The union layout's word factor, added to ``out`` in place: every row against all words of the
    touched ``classes`` (``cols``, sorted ids) in one product, each row masked to its own class."""
    cols = _class_words(classes, tables)
    if not tables.in_class_order:
        cols.sort()
    w_cols = weight.take(cols, axis=0)
    word_p = x.dot(w_cols.T)  # (N, |cols|): scores, then each row's softmax over its own class
    if bias is not None:
        word_p += bias[cols]
    np.copyto(word_p, -np.inf, where=tables.class_of_word[cols] != target_class[:, None])
    word_p -= np.maximum.reduce(word_p, axis=1, keepdims=True)  # finite: each row's class holds its target
    at = cols.searchsorted(target)
    picked = word_p[_iota(len(target)), at]
    np.exp(word_p, out=word_p)  # exp(-inf) = 0 outside a row's class
    total = np.add.reduce(word_p, axis=1, keepdims=True)
    out += picked - np.log(total[:, 0])
    word_p /= total
    return ("union", cols, at, word_p, w_cols)


def _union_backward(saved, dx, grad, x, has_bias):
    """The union layout's gradients: adds the word factor's part of dx in place; returns the touched word
    ids (sorted), their weight rows' gradient and their biases' gradient."""
    _, idx, at, ds, w_cols = saved
    ds *= -grad[:, None]  # the saved softmax becomes the scores' gradient (zero outside each row's class)
    ds[_iota(len(grad)), at] += grad
    dx += ds.dot(w_cols)
    return idx, ds.T.dot(x), (np.add.reduce(ds, axis=0) if has_bias else None)


def _row_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a * b).sum(axis=1)`` (P,) of two (P, H) arrays without the (P, H) temporary."""
    vecdot = getattr(np, "vecdot", None)  # numpy >= 2.0; einsum's loop otherwise
    return vecdot(a, b) if vecdot is not None else np.einsum("ph,ph->p", a, b)


def _pairs_forward(x, weight, bias, target, grouping, tables, out) -> tuple:
    """The pairs layout's word factor, added to ``out`` in place; returns what its backward needs.

    The rows are sorted by class (stable), and row r's pairs are the words of its class, in the class's
    order: a contiguous segment of the (P,) pair arrays, so the per-row softmax is a segmented reduction and
    a run of rows sharing a class is one (m, k) block."""
    n = len(target)
    order, sorted_class = grouping[:2]
    class_start, words_by_class, position = tables.class_start, tables.words_by_class, tables.position
    sizes = tables.class_sizes[sorted_class]  # (n,) words of each (sorted) row's class
    ends = np.cumsum(sizes)
    starts = ends - sizes
    n_pairs = int(ends[-1])
    pair_row = np.repeat(np.arange(n), sizes)
    pair_word = words_by_class[np.arange(n_pairs) + np.repeat(class_start[sorted_class] - starts, sizes)]
    xs = np.take(x, order, axis=0)
    w_pairs = np.take(weight, pair_word, axis=0)  # (P, H)
    x_pairs = np.take(xs, pair_row, axis=0)  # (P, H)
    s = _row_dots(w_pairs, x_pairs)
    if bias is not None:
        s += bias[pair_word]
    s -= np.repeat(np.maximum.reduceat(s, starts), sizes)
    at = starts + position[target[order]]  # each row's target among its pairs
    picked = s[at]
    np.exp(s, out=s)
    total = np.add.reduceat(s, starts)
    out[order] += picked - np.log(total)
    s /= np.repeat(total, sizes)
    return ("pairs", order, sorted_class, sizes, starts, pair_word, w_pairs, x_pairs, xs, s, at)


def _pairs_backward(saved, dx, grad, has_bias):
    """The pairs layout's gradients: adds the word factor's part of dx in place; returns the touched word
    ids (sorted), their weight rows' gradient and their biases' gradient."""
    _, order, sorted_class, sizes, starts, pair_word, w_pairs, x_pairs, xs, ds, at = saved
    n = len(order)
    g = grad[order]
    ds *= -np.repeat(g, sizes)  # the saved softmax becomes the scores' gradient
    ds[at] += g
    # dx of a row: its pairs' gradients times their weight rows, one (k,) @ (k, H) product per row (a
    # segmented sum; numpy's reduceat over rows is slower than these small BLAS calls)
    dxs = np.empty(xs.shape, dtype=np.result_type(ds, w_pairs))  # float32 input, float64 weights: float64
    lows, ks = starts.tolist(), sizes.tolist()
    for r, (lo, k) in enumerate(zip(lows, ks)):
        np.dot(ds[lo:lo + k], w_pairs[lo:lo + k], out=dxs[r])
    dx[order] += dxs
    # a pair's weight-row gradient is ds * x_row (x_pairs is free to overwrite): final for a class used by one
    # row; a class used by m rows sums its m blocks with one (k, m) @ (m, H) product into its first block
    vals = np.multiply(x_pairs, ds[:, None], out=x_pairs if x_pairs.dtype == dxs.dtype else None)
    bias_vals = ds
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(sorted_class[1:], sorted_class[:-1], out=first[1:])
    keep, idx = None, pair_word
    if not first.all():
        firsts = np.flatnonzero(first)
        counts = np.diff(firsts, append=n)
        repeated = counts > 1
        for f, m in zip(firsts[repeated].tolist(), counts[repeated].tolist()):
            lo, k = lows[f], ks[f]
            d = ds[lo:lo + m * k].reshape(m, k)  # the run's m rows share their class's k words
            np.dot(d.T, xs[f:f + m], out=vals[lo:lo + k])
            if has_bias:
                bias_vals[lo:lo + k] = d.sum(axis=0)  # after the product: d's first row is this slice
        keep = np.flatnonzero(np.repeat(first, sizes))  # the first block of each run
        idx = pair_word[keep]
    if len(idx) > 1 and not (idx[1:] > idx[:-1]).all():  # classes that are not ascending id ranges
        perm = np.argsort(idx, kind="stable")
        keep = perm if keep is None else keep[perm]
        idx = idx[perm]
    if keep is not None:
        vals = np.take(vals, keep, axis=0)
        bias_vals = bias_vals[keep]
    return idx, vals, (bias_vals if has_bias else None)


def _runs_forward(x, weight, bias, target, own_sizes, grouping, tables, out) -> tuple:
    """The runs layout's word factor, added to ``out`` in place; returns what its backward needs.

    The rows are sorted by class (stable) as in the pairs layout, so the m rows sharing a class of k words
    own m*k consecutive entries of the flat (P,) score buffer (each row's k scores in the class's order);
    one (m, H) @ (H, k) product per distinct class writes them, against a view of ``weight`` when the class
    is an ascending id range (a vocabulary ranked by frequency) and against its gathered rows otherwise.
    The bias and the softmax over each row's segment are vectorised over the flat buffer."""
    order, sorted_class, firsts, classes = grouping
    n = len(target)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = _iota(n)
    sizes = own_sizes.take(order)  # each sorted row's number of scores
    ends = sizes.cumsum()
    starts = ends - sizes
    n_pairs = int(ends[-1])
    xs = x.take(order, axis=0)
    s = np.empty(n_pairs, dtype=x.dtype if x.dtype == weight.dtype else np.result_type(x, weight))
    runs = []  # per distinct class: its sorted rows f:e, its k words from id a on, its (m, k) block of s (at lo),
    n_words = 0  # and its weights; n_words: the words of all of them
    bounds = [*firsts.tolist(), n]
    info, members = tables.class_info, tables.members
    for j, (c, lo) in enumerate(zip(classes.tolist(), starts.take(firsts).tolist())):
        k, a, is_range = info[c]
        f, e = bounds[j], bounds[j + 1]
        w_c = weight[a:a + k] if is_range else weight.take(members[c], axis=0)
        block = s[lo:lo + (e - f) * k].reshape(e - f, k)
        xs[f:e].dot(w_c.T, out=block)
        runs.append((f, e, a, k, lo, block, w_c))
        n_words += k
    if bias is not None:  # a score's word is words_by_class[its class's start + its place in the class]
        word = _iota(n_pairs) + (tables.class_start.take(sorted_class) - starts).repeat(sizes)
        s += bias.take(word if tables.in_class_order else tables.words_by_class.take(word))
    s -= np.maximum.reduceat(s, starts).repeat(sizes)
    at = starts + tables.position.take(target.take(order))  # each row's target among its scores
    picked = s.take(at)
    np.exp(s, out=s)
    total = np.add.reduceat(s, starts)
    out += (picked - np.log(total)).take(inverse)
    return ("runs", order, inverse, sizes, total, runs, n_words, xs, s, at, classes)


def _runs_backward(saved, dx, grad, has_bias, reuse, tables):
    """The runs layout's gradients: adds the word factor's part of dx in place; returns the touched word
    ids (sorted), their weight rows' gradient and their biases' gradient. Per distinct class: one (m, k) @
    (k, H) product for its rows' dx and one (k, m) @ (m, H [+ 1 with a bias]) for its words' weights [and
    biases].
    ``reuse``: the saved scores may become their gradient in place (else a copy does)."""
    _, order, inverse, sizes, total, runs, n_words, xs, s, at, classes = saved
    n, H = xs.shape
    g = grad.take(order)
    ds = np.multiply(s, (-g / total).repeat(sizes), out=s if reuse else None)  # exp(scores) -> gradient
    ds[at] += g
    if has_bias:
        # a column of ones after x: the weight-gradient product then also sums each word's score gradients,
        # its bias gradient, at no extra call
        xs1 = np.empty((n, H + 1), dtype=xs.dtype)
        xs1[:, :H] = xs
        xs1[:, H] = 1
    else:
        xs1 = xs
    dxs = np.empty((n, H), dtype=ds.dtype)
    vals = np.empty((n_words, H + has_bias), dtype=ds.dtype)
    u = 0  # the touched words, class after class
    for f, e, _, k, lo, d, w_c in runs:
        if not reuse:  # the saved block is of the scores: take the same block of their gradient
            d = ds[lo:lo + d.size].reshape(d.shape)
        d.dot(w_c, out=dxs[f:e])
        d.T.dot(xs1[f:e], out=vals[u:u + k])
        u += k
    dx += dxs.take(inverse, axis=0)
    if tables.in_class_order:  # the rows are the classes' id ranges, ascending: no id array is needed
        idx = ([run[2] for run in runs], [run[3] for run in runs])
        return idx, (vals if not has_bias else vals[:, :H]), (vals[:, H] if has_bias else None)
    idx = _class_words(classes, tables)
    if n_words > 1 and not np.logical_and.reduce(idx[1:] > idx[:-1]):
        perm = idx.argsort(kind="stable")
        idx, vals = idx.take(perm), vals.take(perm, axis=0)
    if not has_bias:
        return idx, vals, None
    return idx, vals[:, :H], vals[:, H]


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


class _NegMean(Function):
    """``(-x).mean()`` of the (N,) log-probabilities as one node (the module's loss, often unused by callers
    that sum the output themselves): the same numbers as the two-op form, at one op's overhead."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.n, ctx.shape = x.shape[0], x.shape
        if not len(x):  # the mean of no values: NaN, as torch's (without np.mean's empty-slice warning)
            return np.asarray(np.nan, dtype=x.dtype)
        if x.dtype.itemsize < 4:  # np.mean's float32 accumulation of halves
            return np.negative(np.mean(x))
        return np.negative(np.add.reduce(x) / ctx.n)  # what np.mean computes here, without its ~3 µs of Python

    @staticmethod
    def backward(ctx: Context, grad):
        return np.negative(np.broadcast_to(np.asarray(grad) / ctx.n, ctx.shape))


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
        self._tables = _ClassTables(self.class_of_word)
        self.members = self._tables.members  # the word ids of each class
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
                                     target=target, tables=self._tables, sparse=self.sparse)
        return ASMoutput(output[0] if unbatched else output, _NegMean.apply(output))

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
