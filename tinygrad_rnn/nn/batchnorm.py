"""``BatchNorm1d`` / ``BatchNorm2d`` / ``BatchNorm3d``: per-channel (dimension 1) normalization of ``(N, C)`` or
``(N, C, L)``, ``(N, C, H, W)`` and ``(N, C, D, H, W)`` by batch statistics while training and by running
statistics (buffers, in the state_dict as in PyTorch) in evaluation. Only the accepted input ranks differ."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import bump_version
from ..tensor import Tensor
from . import functional as F
from .functional.normalization import _check_values_per_channel
from ._dtype import param_dtype
from .normalization import _AffineNorm

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(_AffineNorm):
    """``BatchNormNd(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None, *, bias=True)``.

    Parameters ``weight`` (ones) and ``bias`` (zeros, unless ``bias=False``) of ``(num_features,)`` when
    ``affine``; buffers
    ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (int64 scalar) when
    ``track_running_stats``. Training updates the running statistics by ``momentum`` (None: the
    cumulative average over ``num_batches_tracked`` batches); evaluation normalizes by them (by the
    batch's own statistics when they are not tracked).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *, bias: bool = True):
        super().__init__()
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = momentum
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dt = param_dtype(dtype)
        self._add_affine((self.num_features,), self.affine, bias, dtype)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            for buf, value in ((self.running_mean, 0), (self.running_var, 1), (self.num_batches_tracked, 0)):
                buf.data[...] = value
                bump_version(buf)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        super().reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            input = Tensor(input)
        if input.ndim not in self._ranks:  # PyTorch's _check_input_dim message
            raise ValueError(f"expected {self._ranks_text} input (got {input.ndim}D input)")
        factor = 0.0 if self.momentum is None else self.momentum
        update = self.training and self.track_running_stats
        if update:
            _check_values_per_channel(input.shape)  # before the counter moves
            self.num_batches_tracked.data[...] += 1
            bump_version(self.num_batches_tracked)
            if self.momentum is None:  # the cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch_stats = self.training or self.running_mean is None
        tracked = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if tracked else None, self.running_var if tracked else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    __doc__ = _BatchNorm.__doc__.replace("BatchNormNd", "BatchNorm1d") + "    Input ``(N, C)`` or ``(N, C, L)``.\n"
    _ranks, _ranks_text = (2, 3), "2D or 3D"


class BatchNorm2d(_BatchNorm):
    __doc__ = _BatchNorm.__doc__.replace("BatchNormNd", "BatchNorm2d") + "    Input ``(N, C, H, W)``.\n"
    _ranks, _ranks_text = (4,), "4D"


class BatchNorm3d(_BatchNorm):
    __doc__ = _BatchNorm.__doc__.replace("BatchNormNd", "BatchNorm3d") + "    Input ``(N, C, D, H, W)``.\n"
    _ranks, _ranks_text = (5,), "5D"
