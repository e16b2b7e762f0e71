"""``nn.utils.parametrizations.weight_norm`` (PyTorch's): weight normalization through ``parametrize``, the
magnitude and direction as ``parametrizations.<name>.original0`` and ``original1``."""
from __future__ import annotations

from ..module import Module
from . import parametrize
from .weight_norm import norm_except_dim

__all__ = ["weight_norm"]


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
