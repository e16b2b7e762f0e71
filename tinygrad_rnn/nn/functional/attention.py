"""Attention from the engine's own ops: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``
(``nn.MultiheadAttention``'s computation) with PyTorch's signatures and mask conventions.

Everything is matmul, softmax, masked_fill, dropout and linear on Tensors, so the gradients (of the
parameters, of query/key/value, and of a float mask that requires grad) come from the engine's backward.
Mask conventions differ, as in PyTorch: for ``scaled_dot_product_attention`` a bool ``attn_mask`` is True
where a position takes part; for ``multi_head_attention_forward`` a bool mask is True where a position is
masked out. A float mask is added to the scores in both.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...tensor import Tensor
from .activations import softmax
from .dropouts import dropout
from .linear_maps import linear
from ._common import _target_array as _array, _tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _attend(q: Tensor, k: Tensor, v: Tensor, bias: Any, scale: float, dropout_p: float,
            safe: bool) -> tuple[Tensor, Tensor]:
    """softmax(q k^T * scale + bias) (dropped out) @ v, and the weights. ``safe``: a row whose every score is
    -inf gets zero weights (PyTorch's SDPA) instead of NaN (its need_weights path, a plain softmax)."""
    scores = (q @ k.transpose(-2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    dead = None
    if safe:
        dead = np.all(np.isneginf(scores.data), axis=-1, keepdims=True)
        if dead.any():
            scores = scores.masked_fill(dead, 0.0)  # finite scores there, so no NaN reaches backward
        else:
            dead = None
    weights = softmax(scores, dim=-1)
    if dead is not None:
        weights = weights.masked_fill(dead, 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ v, weights


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key^T * scale + bias) @ value`` as ``torch.nn.functional.scaled_dot_product_attention``.

    query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)`` -> ``(..., L, Ev)`` (leading dimensions
    broadcast). ``attn_mask``: bool (True = takes part) or float (added to the scores), broadcastable to
    ``(..., L, S)``. ``is_causal``: query i sees keys 0..i (top-left aligned, as in PyTorch); not with a mask.
    ``scale`` defaults to ``1/sqrt(E)``. ``dropout_p`` is always applied (pass 0.0 in eval, as in PyTorch).
    ``enable_gqa``: key/value may have fewer heads (dim -3) than query, dividing them; each is repeated.
    A row with no key to take part gives zeros, as PyTorch's.
    """
    q, k, v = _tensor(query), _tensor(key), _tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(f"scaled_dot_product_attention: query, key and value need at least 2 dimensions, got "
                         f"shapes {q.shape}, {k.shape}, {v.shape}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query (..., L, E), key (..., S, E) and value (..., S, Ev) "
                           f"expected, got shapes {q.shape}, {k.shape}, {v.shape}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {dropout_p}")
    if enable_gqa:
        k, v = _repeat_kv_heads(q, k), _repeat_kv_heads(q, v)
    L, S = q.shape[-2], k.shape[-2]
    bias: Any = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: an explicit attn_mask should not be set when "
                               "is_causal=True")
        bias = np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf).astype(q.dtype)
    elif attn_mask is not None:
        m = _array(attn_mask)
        if m.dtype == np.bool_:
            bias = np.where(m, 0.0, -np.inf).astype(q.dtype)
        elif m.dtype.kind == "f":
            bias = attn_mask if isinstance(attn_mask, Tensor) else m  # a Tensor keeps its gradient
        else:
            raise TypeError(f"scaled_dot_product_attention: attn_mask must be bool or floating, got {m.dtype}")
        scores_shape = np.broadcast_shapes(q.shape[:-1], k.shape[:-2] + (1,)) + (S,)
        if np.broadcast_shapes(scores_shape, m.shape) != scores_shape:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {m.shape} does not broadcast to "
                               f"the scores' shape {scores_shape}")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    return _attend(q, k, v, bias, scale, float(dropout_p), safe=True)[0]


def _repeat_kv_heads(q: Tensor, kv: Tensor) -> Tensor:
    if q.ndim < 3 or kv.ndim < 3:
        raise RuntimeError("scaled_dot_product_attention(enable_gqa=True) needs a heads dimension (-3) in query, "
                           f"key and value, got shapes {q.shape} and {kv.shape}")
    hq, hkv = q.shape[-3], kv.shape[-3]
    if hkv == 0 or hq % hkv:
        raise RuntimeError(f"scaled_dot_product_attention(enable_gqa=True): query's {hq} heads must be a multiple "
                           f"of key/value's {hkv}")
    return kv if hq == hkv else kv.repeat_interleave(hq // hkv, dim=-3)


def _canonical_mask(mask: Any, name: str, dtype: np.dtype) -> Tensor | None:
    """PyTorch's ``_canonical_mask``: a bool mask (True = masked out) becomes 0 / -inf in the query's dtype; a
    float mask is used as it is (a Tensor keeps its gradient)."""
    if mask is None:
        return None
    m = _array(mask)
    if m.dtype == np.bool_:
        return Tensor(np.where(m, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported, got {m.dtype}")
    return mask if isinstance(mask, Tensor) else Tensor(m)


def _pad_last(mask: Tensor) -> Tensor:
    """One more (zero, i.e. attending) column for the key that add_bias_kv / add_zero_attn appends."""
    zeros = Tensor(np.zeros(mask.shape[:-1] + (1,), dtype=mask.dtype))
    return Tensor.concatenate([mask, zeros], axis=-1)


def _project(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    # one 2-D GEMM per projection (its weight gradient is a single GEMM too)
    return linear(x.reshape(-1, x.shape[-1]), w, b).reshape(*x.shape[:-1], w.shape[0])


def multi_head_attention_forward(
    query: Any, key: Any, value: Any, embed_dim_to_check: int, num_heads: int, in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None, bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
    dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
    key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
    use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None, static_k: Tensor | None = None, static_v: Tensor | None = None,
    average_attn_weights: bool = True, is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """``torch.nn.functional.multi_head_attention_forward``, sequence-first: query ``(L, N, E)`` or ``(L, E)``,
    key ``(S, N, Ek)``, value ``(S, N, Ev)``; returns ``(L, N, E)`` and the weights ``(N, L, S)`` averaged over
    heads (``(N, H, L, S)`` with ``average_attn_weights=False``), or None without ``need_weights``."""
    same_qk, same_kv = query is key, key is value
    query, key, value = _tensor(query), _tensor(key), _tensor(value)
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:  # a batch of one, squeezed again at the end
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = _array(key_padding_mask)[None] if not isinstance(key_padding_mask, Tensor) \
                else key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone decides, as in PyTorch (SDPA's causal mask)
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")

    # in-projection
    if not use_separate_proj_weight:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        E = embed_dim
        b = [None] * 3 if in_proj_bias is None else [in_proj_bias[:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:]]
        if same_qk and same_kv:  # self-attention: one GEMM for q, k and v
            qkv = _project(query, in_proj_weight, in_proj_bias)
            q, k, v = qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
        else:
            q = _project(query, in_proj_weight[:E], b[0])
            k = _project(key, in_proj_weight[E:2 * E], b[1])
            v = _project(value, in_proj_weight[2 * E:], b[2])
    else:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q/k/v_proj_weight is None")
        E = embed_dim
        for w, x, n in ((q_proj_weight, query, "query"), (k_proj_weight, key, "key"), (v_proj_weight, value, "value")):
            if tuple(w.shape) != (E, x.shape[-1]):
                raise AssertionError(f"expecting {n} weights shape of {(E, x.shape[-1])}, but got {tuple(w.shape)}")
        b = [None] * 3 if in_proj_bias is None else [in_proj_bias[:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:]]
        q = _project(query, q_proj_weight, b[0])
        k = _project(key, k_proj_weight, b[1])
        v = _project(value, v_proj_weight, b[2])

    # attn_mask to 3-D (N*H or 1, L, S)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    # learned bias key/value appended along the sequence (dimension 0)
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = Tensor.concatenate([k, bias_k.repeat(1, bsz, 1)], axis=0)
        v = Tensor.concatenate([v, bias_v.repeat(1, bsz, 1)], axis=0)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must be given together")

    # heads into the batch: (N*H, L or S, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz, num_heads, head_dim, "static_k")
    v = _heads(v, static_v, bsz, num_heads, head_dim, "static_v")
    if add_zero_attn:
        k = Tensor.concatenate([k, Tensor(np.zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype))], axis=1)
        v = Tensor.concatenate([v, Tensor(np.zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype))], axis=1)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    src_len = k.shape[1]

    # merge the key padding mask into attn_mask
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"Expected key_padding_mask of shape {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0
    if need_weights:  # PyTorch's explicit path: a plain softmax (a fully masked row is NaN, as there)
        out, weights = _attend(q, k, v, attn_mask, 1.0 / math.sqrt(head_dim), dropout_p, safe=False)
    else:  # PyTorch's SDPA path: the causal hint applies, a fully masked row gives zeros
        bias = attn_mask
        if is_causal and bias is None:
            bias = np.where(np.tri(tgt_len, src_len, dtype=bool), 0.0, -np.inf).astype(q.dtype)
        out, weights = _attend(q, k, v, bias, 1.0 / math.sqrt(head_dim), dropout_p, safe=True)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not need_weights:
        return (out if is_batched else out.squeeze(1)), None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        return out.squeeze(1), weights.squeeze(0)
    return out, weights


def _heads(x: Tensor, static: Tensor | None, bsz: int, num_heads: int, head_dim: int, name: str) -> Tensor:
    if static is None:
        return x.reshape(x.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    static = _tensor(static)
    if static.ndim != 3 or static.shape[0] != bsz * num_heads or static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({bsz * num_heads}, S, {head_dim}), got {static.shape}")
    return static


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Any, attn_mask: Any,
                     num_heads: int) -> bool:
    """True for batched (3-D) inputs, False for unbatched (2-D); PyTorch's checks and messages."""
    kpm_dim = None if key_padding_mask is None else _array(key_padding_mask).ndim
    am_dim = None if attn_mask is None else _array(attn_mask).ndim
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D "
                             "query tensor")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
                             f"{key.ndim}-D and {value.ndim}-D tensors respectively")
    if kpm_dim is not None and kpm_dim != query.ndim - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or {query.ndim - 1}-D "
                             f"but found {kpm_dim}-D tensor instead")
    if am_dim is not None and am_dim not in (2, 3):
        raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                             f"{am_dim}-D tensor instead")
    if not batched and am_dim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(_array(attn_mask).shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {_array(attn_mask).shape}")
    return batched
