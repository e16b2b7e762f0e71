"""``nn.utils.parametrizations.weight_norm`` (PyTorch's): weight normalization through ``parametrize``, the
magnitude and direction as ``parametrizations.<name>.original0`` and ``original1``; and
``parametrizations.spectral_norm``: the weight divided by its power-iteration spectral norm, the weight as
``parametrizations.<name>.original`` and the vectors as the buffers ``parametrizations.<name>.0._u`` / ``_v``."""
from __future__ import annotations

import numpy as np

from ...random import get_generator
from ...tensor import Tensor
from ..functional import normalize
from ..module import Module
from . import parametrize
from .spectral_norm import _default_dim, normalized, weight_matrix
from .weight_norm import norm_except_dim

__all__ = ["weight_norm", "spectral_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim  # -1: the whole tensor's norm, as PyTorch

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / norm_except_dim(weight_v, 2, self.dim))

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim).detach(), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """``module.<name>`` becomes ``g * v / ||v||`` (norm over every dimension but ``dim``; ``dim=None`` for the
    whole tensor), recomputed on every access; g is ``parametrizations.<name>.original0``, v ``original1``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """PyTorch's ``_SpectralNorm``: ``weight / (u . W v)`` with W the weight as ``(shape[dim], -1)``; u, v are
    buffers, refined by ``n_power_iterations`` steps (without gradient, in place) on every call in training mode,
    and by 15 steps when made. A 1-D weight is just normalized."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = weight_matrix(weight.data, self.dim)
            rng = get_generator()
            u = rng.standard_normal(mat.shape[0]).astype(mat.dtype)
            v = rng.standard_normal(mat.shape[1]).astype(mat.dtype)
            self.register_buffer("_u", Tensor(normalized(u, eps)))
            self.register_buffer("_v", Tensor(normalized(v, eps)))
            self._power_method(mat, 15)  # start from a reasonable estimate, as PyTorch

    def _power_method(self, mat: np.ndarray, n_power_iterations: int) -> None:
        for _ in range(n_power_iterations):
            self._u.data[...] = normalized(mat @ self._v.data, self.eps)
            self._v.data[...] = normalized(mat.T @ self._u.data, self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = weight_matrix(weight, self.dim)
        if self.training:
            self._power_method(mat.data, self.n_power_iterations)
        u, v = Tensor(self._u.data.copy()), Tensor(self._v.data.copy())  # held fixed in this graph
        return weight / u.dot(mat @ v)

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """``module.<name>`` becomes ``W / sigma(W)`` (sigma: the power-iteration estimate of the largest singular
    value over ``(shape[dim], -1)``; ``dim`` defaults to 1 for ConvTranspose, else 0), recomputed on every
    access; the power iteration runs in training mode only."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, _default_dim(module, dim), eps))
    return module
