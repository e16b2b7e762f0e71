"""Trivial models to print beside a language model's figure, so a number like 2.6 bits/char has a scale.

All three are closed forms over integer ids (characters or words), estimated on one sequence of ids
(the training text) and scored on another (the evaluated text), in nats per predicted symbol:

* ``unigram_nats``: add-one (Laplace) smoothed unigram, ``p(w) = (c(w) + 1) / (N + V)``.
* ``bigram_nats``: Witten-Bell interpolated bigram backing off to that unigram,
  ``p(w | v) = (c(v, w) + n(v) p_uni(w)) / (c(v) + n(v))`` with ``n(v)`` the number of distinct
  words seen after ``v``; a context never seen (``c(v) = 0``) gets ``p_uni(w)``.
  Parameter-free, and every distribution sums to one over the V symbols.
* ``lzma_bits_per_char``: what ``lzma`` (xz, preset 9 extreme) compresses a text to, in bits per character
  (the whole container is counted, a header of a few dozen bytes included).
"""
from __future__ import annotations

import lzma
import math
from collections.abc import Iterable, Sequence

import numpy as np


def unigram_probabilities(train_ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """Add-one smoothed unigram distribution (V,) estimated on ids ``train_ids`` (N,) in [0, V)."""
    counts = np.bincount(np.asarray(train_ids, dtype=np.int64).reshape(-1), minlength=vocab_size).astype(np.float64)
    if counts.size != vocab_size:
        raise ValueError(f"ids must lie in [0, {vocab_size}), got a maximum of {counts.size - 1}")
    return (counts + 1.0) / (counts.sum() + vocab_size)


def unigram_nats(train_ids: np.ndarray, eval_ids: np.ndarray, vocab_size: int) -> float:
    """Mean −log p(w) of ``eval_ids`` (M,) under the add-one unigram of ``train_ids``: nats per symbol."""
    eval_ids = np.asarray(eval_ids, dtype=np.int64).reshape(-1)
    if eval_ids.size == 0:
        raise ValueError("no symbols to score")
    p = unigram_probabilities(train_ids, vocab_size)
    return float(-np.log(p[eval_ids]).mean())


def _pairs(sequences: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    prev, nxt = [], []
    for s in sequences:
        s = np.asarray(s, dtype=np.int64).reshape(-1)
        prev.append(s[:-1])
        nxt.append(s[1:])
    if not prev:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(prev), np.concatenate(nxt)


def bigram_nats(train_sequences: Sequence[np.ndarray], eval_sequences: Sequence[np.ndarray], vocab_size: int) -> float:
    """Mean −log p(w_i | w_{i−1}) over every predicted symbol of ``eval_sequences`` (each (n,), the first
    symbol of each being context only), under the Witten-Bell bigram of ``train_sequences``.

    The unigram it backs off to is estimated on the predicted symbols of the training sequences (their
    first symbols are context, e.g. SENTENCE_START, never predicted)."""
    tv, tw = _pairs(train_sequences)
    ev, ew = _pairs(eval_sequences)
    if ew.size == 0:
        raise ValueError("no symbols to score")
    p_uni = unigram_probabilities(tw, vocab_size)
    context_count = np.bincount(tv, minlength=vocab_size).astype(np.float64)
    pair_code = tv * vocab_size + tw
    codes, pair_count = np.unique(pair_code, return_counts=True)
    followers = np.bincount(codes // vocab_size, minlength=vocab_size).astype(np.float64)
    eval_code = ev * vocab_size + ew
    c_vw = np.zeros(eval_code.shape, np.float64)
    if codes.size:
        at = np.minimum(np.searchsorted(codes, eval_code), codes.size - 1)
        c_vw = np.where(codes[at] == eval_code, pair_count[at], 0).astype(np.float64)
    c_v, n_v = context_count[ev], followers[ev]
    seen = c_v > 0
    p = np.where(seen, (c_vw + n_v * p_uni[ew]) / np.where(seen, c_v + n_v, 1.0), p_uni[ew])
    return float(-np.log(p).mean())


def lzma_bits_per_char(text: str) -> float:
    """Bits per character of ``text`` (UTF-8) compressed by ``lzma`` at its strongest preset."""
    if not text:
        raise ValueError("no characters to compress")
    packed = lzma.compress(text.encode("utf-8", "surrogatepass"), preset=9 | lzma.PRESET_EXTREME)
    return 8.0 * len(packed) / len(text)


def bits(nats: float) -> float:
    """Nats → bits."""
    return nats / math.log(2)
