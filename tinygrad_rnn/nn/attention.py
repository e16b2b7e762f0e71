"""``nn.MultiheadAttention`` with PyTorch's parameter names, shapes and init (so state_dicts move to and from
torch name for name); its computation is ``F.multi_head_attention_forward`` (nn/functional/attention.py)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..tensor import Tensor
from . import init
from ._dtype import param_dtype
from .functional import _target_array as _array, _tensor, multi_head_attention_forward
from .linear import Linear
from .module import Module, Parameter

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
    kdim=None, vdim=None, batch_first=False, device=None, dtype=None)``, PyTorch's module.

    Parameters as PyTorch's, so state_dicts move to and from torch name for name: ``in_proj_weight (3E, E)``
    (or ``q_proj_weight (E, E)``, ``k_proj_weight (E, kdim)``, ``v_proj_weight (E, vdim)`` when kdim/vdim differ
    from E), ``in_proj_bias (3E,)``, ``bias_k``/``bias_v (1, 1, E)`` with ``add_bias_kv``, and ``out_proj``, a
    ``Linear(E, E)`` (torch's ``NonDynamicallyQuantizableLinear``). Init: xavier-uniform projections, zero
    biases, xavier-normal bias_k/bias_v. ``forward`` returns ``(attn_output, attn_output_weights or None)``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None, dtype: Any = None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        if device is not None:
            check_device(device)
        dt = param_dtype(dtype)
        self.embed_dim = int(embed_dim)
        self.kdim = int(kdim) if kdim is not None else self.embed_dim
        self.vdim = int(vdim) if vdim is not None else self.embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = int(num_heads)
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        E = self.embed_dim
        # registration order is PyTorch's, so state_dict keys come in its order too
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(np.empty((E, E), dtype=dt))
            self.k_proj_weight = Parameter(np.empty((E, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(np.empty((E, self.vdim), dtype=dt))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(np.empty((3 * E, E), dtype=dt))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * E, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, E), dtype=dt))
            self.bias_v = Parameter(np.empty((1, 1, E), dtype=dt))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = bool(add_zero_attn)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None, need_weights: bool = True,
                attn_mask: Any = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """query ``(L, N, E)`` (``(N, L, E)`` with batch_first, ``(L, E)`` unbatched), key ``(S, N, kdim)``,
        value ``(S, N, vdim)``. Masks: bool (True = masked out) or float (added); ``key_padding_mask (N, S)``,
        ``attn_mask (L, S)`` or ``(N*num_heads, L, S)``. Returns ``(L, N, E)`` (batch first likewise) and the
        weights ``(N, L, S)`` (``(N, num_heads, L, S)`` with ``average_attn_weights=False``) or None."""
        batched = _array(query).ndim == 3
        if self.batch_first and batched:
            # transpose each distinct tensor once, so self-attention stays one tensor (one projection GEMM)
            if key is value:
                if query is key:
                    query = key = value = _tensor(query).transpose(1, 0)
                else:
                    query, key = (_tensor(x).transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (_tensor(x).transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
