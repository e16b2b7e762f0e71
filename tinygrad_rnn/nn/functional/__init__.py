"""Stateless functions on tensors: PyTorch's ``torch.nn.functional`` for this library, and its one functional
module (``tinygrad_rnn.F`` and ``import tinygrad_rnn.nn.functional as F`` are this module).

Each function is a thin call of an op from :mod:`tinygrad_rnn.ops` (or a composition of them). It imports no
``nn`` module: the layers use these functions, so the dependency goes one way.

The functions live in one module per group (``activations``, ``losses``, ``margin_losses``, ``distances``,
``dropouts``, ``sparse``, ``linear_maps``, ``normalization``, ``tensor_ops``, ``recurrent``, ``conv``, ``pooling``;
the shared private helpers in ``_common``); this package re-exports all of them, so ``F.<name>`` is unchanged.
"""
# ruff: noqa: F401  (this file only re-exports)
from __future__ import annotations

# The names the one module held besides its functions stay reachable as F.<name>, as before the split.
from typing import Any, Sequence

import numpy as np

from ... import ops
from ...ops import activations_more as _act_more
from ...ops.embedding_bag import EmbeddingBag as _EmbeddingBagOp
from ...random import get_generator
from ...tensor import Tensor

# Every function and constant of each group, the private helpers too: other modules use F._one, F._ntuple ...
from ._common import (_as_like, _image_input, _no_legacy, _ntuple, _one, _pair, _reduce, _same_shape, _sequence_input,
                      _target_array, _tensor, _volume_input)
from .activations import (celu, elu, gelu, glu, gumbel_softmax, hardshrink, hardsigmoid, hardswish, hardtanh, leaky_relu, log_softmax,
                          logsigmoid, mish, prelu, relu, relu6, rrelu, selu, _SELU_ALPHA, _SELU_SCALE, sigmoid, silu,
                          softmax, softmax2d, _softmax_dim, softmin, softplus, softshrink, softsign, tanh, tanhshrink,
                          threshold)
from .linear_maps import bilinear, linear
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, _classes_last, cross_entropy, ctc_loss,
                     gaussian_nll_loss, huber_loss, kl_div, l1_loss, linear_cross_entropy, mse_loss, nll_loss,
                     poisson_nll_loss, smooth_l1_loss, _smoothed, _soft_cross_entropy)
from .margin_losses import (_class_rows, cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,
                            multi_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss, soft_margin_loss,
                            triplet_margin_loss)
from .distances import cosine_similarity, normalize, pairwise_distance
from .dropouts import (_alpha_dropout, alpha_dropout, _ALPHA_PRIME, _check_p, dropout, dropout1d, dropout2d, dropout3d,
                       feature_alpha_dropout, _feature_dropout, _feature_mask)
from .sparse import embedding, embedding_bag, _is_index_array, one_hot
from .normalization import batch_norm, group_norm, layer_norm, _normalized_dims, rms_norm
from .tensor_ops import concatenate, maximum, minimum, pad, stack, where
from .recurrent import fused_gru, fused_lstm, fused_rnn, fused_rnn_one_hot, truncated_tanh_rnn
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, _conv_padding, _convnd
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
                      adaptive_max_pool2d, adaptive_max_pool3d, avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d,
                      max_pool3d, _poolnd_args, _pool_args)

__all__ = [
    "tanh", "sigmoid", "relu", "gelu", "softmax", "log_softmax", "linear", "cross_entropy", "nll_loss", "mse_loss",
    "l1_loss", "binary_cross_entropy_with_logits", "one_hot", "layer_norm", "pad", "linear_cross_entropy",
    "embedding", "dropout", "where", "maximum", "minimum", "concatenate", "stack", "fused_rnn", "fused_rnn_one_hot", "truncated_tanh_rnn", "fused_lstm", "fused_gru",
    "binary_cross_entropy", "smooth_l1_loss", "huber_loss", "kl_div",
    "leaky_relu", "elu", "selu", "celu", "silu", "mish", "softplus", "hardtanh", "relu6", "logsigmoid", "softsign",
    "threshold", "glu", "prelu", "softmin", "normalize", "cosine_similarity", "pairwise_distance",
]
__all__ += [
    "hardswish", "hardsigmoid", "hardshrink", "softshrink", "tanhshrink", "rrelu", "softmax2d",
    "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "rms_norm", "group_norm", "bilinear", "embedding_bag",
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "triplet_margin_loss", "poisson_nll_loss",
    "gaussian_nll_loss", "multilabel_margin_loss",
]
__all__ += ["conv1d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "batch_norm"]
__all__ += ["ctc_loss"]
__all__ += ["conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward", "conv3d"]
__all__ += ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
__all__ += ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"]
__all__ += ["gumbel_softmax"]

# resizing and sub-pixel rearrangement
from .upsampling import (interpolate, pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear,  # noqa: E402
                         upsample_nearest)

__all__ += ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle"]

# padding modes live in tensor_ops.pad; instance norm, unfold / fold and more
from .normalization import instance_norm, local_response_norm  # noqa: E402
from .folding import fold, unfold  # noqa: E402
from .unpooling import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: E402
from .sampling import affine_grid, grid_sample  # noqa: E402

__all__ += ["instance_norm", "local_response_norm", "unfold", "fold", "max_unpool1d", "max_unpool2d", "max_unpool3d",
            "affine_grid", "grid_sample"]
