"""Normalization: layer_norm, rms_norm, group_norm, batch_norm, instance_norm and local_response_norm."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import ops
from ...tensor import Tensor
from ._common import _tensor


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


def _check_values_per_channel(shape: tuple[int, ...]) -> int:
    """The number of values each channel's batch statistics are taken over, ``N * prod(shape[2:])``; raises
    PyTorch's ValueError when it is exactly 1 (an empty batch, 0, is allowed: PyTorch returns an empty output)."""
    n = int(np.prod((shape[0],) + tuple(shape[2:])))
    if n == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {shape}")
    return n


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dimension 1) of ``(N, C)`` or ``(N, C, L)``, then ``* weight + bias`` (each ``(C,)``).

    ``training``: by the batch's mean and biased variance, and the running statistics (when given) move
    in place by ``momentum``: ``r = (1 - momentum) r + momentum s``, with the *unbiased* variance, as
    PyTorch. Otherwise by ``running_mean`` / ``running_var``, which must then be given.
    """
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
        n = _check_values_per_channel(x.shape)
        stats: list = []
        out = ops.BatchNorm.apply(x, eps=float(eps), stats=stats)
        if n and (running_mean is not None or running_var is not None):  # an empty batch leaves them alone
            if momentum is None:
                raise TypeError("batch_norm: momentum must be a number (a module's momentum=None is its own average)")
            mean, var = stats
            _move_running(((running_mean, mean), (running_var, var * (n / (n - 1)))), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var must be given in evaluation mode")
        out = _by_running_stats(x, running_mean, running_var, eps, shape)
    return _affine(out, weight, bias, shape)


def _move_running(pairs: Any, momentum: float) -> None:
    """Each given running statistic moves in place by ``momentum`` towards its new value (PyTorch's rule)."""
    from ...autograd import bump_version

    for running, value in pairs:
        if running is not None:
            running.data[...] = (1 - momentum) * running.data + momentum * value
            bump_version(running)


def _by_running_stats(x: Tensor, running_mean: Tensor, running_var: Tensor, eps: float, shape: tuple) -> Tensor:
    """``(x - running_mean) / sqrt(running_var + eps)``, the statistics broadcast by ``shape`` (evaluation)."""
    scale = 1 / np.sqrt(np.asarray(running_var.data, dtype=np.float64) + eps)
    shift = -np.asarray(running_mean.data, dtype=np.float64) * scale
    return x * scale.astype(x.dtype).reshape(shape) + shift.astype(x.dtype).reshape(shape)


def _affine(out: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> Tensor:
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each (sample, channel) of ``(N, C, *spatial)`` over its spatial values, then ``* weight + bias``
    (each ``(C,)``).

    ``use_input_stats``: by each instance's own mean and biased variance; the running statistics (``(C,)``,
    when given) move in place by ``momentum`` towards the batch mean of the instances' means and *unbiased*
    variances, as PyTorch. Otherwise by ``running_mean`` / ``running_var``, which must then be given.
    """
    x = _tensor(input)
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of at least 3 dimensions (N, C, ...), got shape {x.shape}")
    N, C = x.shape[:2]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"instance_norm: {name} must have shape ({C},) for input {x.shape}, got {tuple(t.shape)}")
    shape = (1, C) + (1,) * (x.ndim - 2)
    if use_input_stats:
        n = int(np.prod(x.shape[2:]))
        if n == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(x.shape)}")
        stats: list = []
        # each instance as one channel of a batch of one: the batch norm statistics are then per instance
        out = ops.BatchNorm.apply(x.reshape(1, N * C, -1), eps=float(eps), stats=stats).reshape(x.shape)
        if N * C and n and (running_mean is not None or running_var is not None):
            mean = stats[0].reshape(N, C).mean(axis=0)
            var_unbiased = stats[1].reshape(N, C).mean(axis=0) * (n / (n - 1))
            _move_running(((running_mean, mean), (running_var, var_unbiased)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("Expected running_mean and running_var to be defined when use_input_stats is false")
        out = _by_running_stats(x, running_mean, running_var, eps, shape)
    return _affine(out, weight, bias, shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """``x / (k + alpha * mean of x^2 over size neighbouring channels) ** beta`` for ``(N, C, *)``: the window
    spans channels ``c - size // 2 .. c + (size - 1) // 2``, zero beyond the edges (PyTorch's average pooling)."""
    x = _tensor(input)
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    if x.data.size == 0:
        return x
    C = x.shape[1]
    widths = [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2)
    squares = ops.Pad.apply(x * x, widths=widths, value=0.0)
    window = squares[:, 0:C]
    for i in range(1, size):
        window = window + squares[:, i:i + C]
    return x / (window * (alpha / size) + k) ** beta
