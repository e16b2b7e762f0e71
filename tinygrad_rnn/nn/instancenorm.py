"""``InstanceNorm1d`` / ``InstanceNorm2d`` / ``InstanceNorm3d``: each (sample, channel) normalized over its spatial
values (:func:`F.instance_norm`); unbatched inputs ``(C, *spatial)`` too. No affine parameters and no running
statistics by default, as in PyTorch."""
from __future__ import annotations

import warnings
from typing import Any

from ..tensor import Tensor
from . import functional as F
from .batchnorm import _BatchNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """``InstanceNormNd(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, dtype=None)``.

    ``weight`` (ones) and ``bias`` (zeros) of ``(num_features,)`` when ``affine``; buffers ``running_mean``,
    ``running_var`` (and ``num_batches_tracked``, never advanced, as in PyTorch) when ``track_running_stats``.
    Training, or evaluation without tracked statistics, normalizes by each instance's own statistics (moving the
    running ones by ``momentum``; None counts as 0); evaluation with tracked statistics normalizes by them.
    """

    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            input = Tensor(input)
        unbatched = self._spatial + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"expected {unbatched}D or {unbatched + 1}D input (got {input.ndim}D input)")
        feature_dim = input.ndim - unbatched
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False")
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if input.ndim == unbatched else out


class InstanceNorm1d(_InstanceNorm):
    __doc__ = _InstanceNorm.__doc__.replace("InstanceNormNd", "InstanceNorm1d") + "    Input ``(N, C, L)`` or ``(C, L)``.\n"
    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    __doc__ = (_InstanceNorm.__doc__.replace("InstanceNormNd", "InstanceNorm2d")
               + "    Input ``(N, C, H, W)`` or ``(C, H, W)``.\n")
    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    __doc__ = (_InstanceNorm.__doc__.replace("InstanceNormNd", "InstanceNorm3d")
               + "    Input ``(N, C, D, H, W)`` or ``(C, D, H, W)``.\n")
    _spatial = 3
