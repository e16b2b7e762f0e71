"""Spectral normalization (PyTorch's classic ``nn.utils.spectral_norm`` / ``remove_spectral_norm``).

``w = w_orig / sigma(w_orig)``, sigma the largest singular value of ``w_orig`` seen as a matrix ``(w.shape[dim],
-1)``, estimated by power iteration: ``v = normalize(W^T u)``, ``u = normalize(W v)``, ``sigma = u . W v``. The
parameter ``name`` becomes ``<name>_orig``; ``u`` and ``v`` are the buffers ``<name>_u`` and ``<name>_v``; ``name``
is a plain Tensor recomputed by a forward pre-hook before every forward. In training mode each forward first runs
``n_power_iterations`` steps (without gradient, updating the buffers in place); in eval mode the stored u, v are
used as they are. The gradient reaches ``<name>_orig`` through sigma with u and v held fixed, as PyTorch's.
State dict keys are PyTorch's, so weights move between the two libraries.
"""
from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from ...autograd import no_grad
from ...random import get_generator
from ...tensor import Tensor
from ..module import Module, Parameter
from .weight_norm import remove_reparametrization_hook

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm", "normalized", "weight_matrix"]


def normalized(x: np.ndarray, eps: float) -> np.ndarray:
    """``x / max(||x||, eps)``: ``F.normalize`` of a vector."""
    return x / max(float(np.sqrt(np.dot(x, x))), eps)


def weight_matrix(weight: Any, dim: int) -> Any:
    """``weight`` with ``dim`` moved first and the rest flattened: ``(weight.shape[dim], -1)``. A Tensor or an array."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim]) if isinstance(weight, Tensor) \
            else np.moveaxis(weight, dim, 0)
    return weight.reshape(weight.shape[0], -1)


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_orig``, ``<name>_u``, ``<name>_v``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        if do_power_iteration:  # in place, as PyTorch's: the buffers hold the latest estimate
            mat = weight_matrix(weight.data, self.dim)
            for _ in range(self.n_power_iterations):
                v.data[...] = normalized(mat.T @ u.data, self.eps)
                u.data[...] = normalized(mat @ v.data, self.eps)
            u, v = Tensor(u.data.copy()), Tensor(v.data.copy())  # later updates must not reach this graph
        sigma = u.dot(weight_matrix(weight, self.dim) @ v)
        return weight / sigma

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        for hook, _ in module.__dict__.get("_forward_pre_hooks", {}).values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise KeyError(name)
        h, w = weight_matrix(weight.data, fn.dim).shape
        rng = get_generator()
        u = normalized(rng.standard_normal(h).astype(weight.dtype), fn.eps)
        v = normalized(rng.standard_normal(w).astype(weight.dtype), fn.eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, Tensor._wrap(weight.data))  # as PyTorch's weight.data until the first forward
        module.register_buffer(name + "_u", Tensor(u))
        module.register_buffer(name + "_v", Tensor(v))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        for suffix in ("_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


T_module = TypeVar("T_module", bound=Module)


def _default_dim(module: Module, dim: int | None) -> int:
    """PyTorch's default: 1 for the transposed convolutions (their weight is ``(in, out, ...)``), else 0."""
    if dim is not None:
        return dim
    from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


def spectral_norm(module: T_module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> T_module:
    """Reparametrize ``module.<name>`` as ``<name>_orig / sigma`` (sigma: the power-iteration estimate of its
    largest singular value over ``(shape[dim], -1)``; ``dim`` defaults to 1 for ConvTranspose, else 0),
    recomputed before every forward. Returns the module."""
    SpectralNorm.apply(module, name, n_power_iterations, _default_dim(module, dim), eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``spectral_norm``: ``module.<name>`` is a Parameter again, holding the current normalized weight (from the
    stored u and v, no further iteration)."""
    return remove_reparametrization_hook(module, name, SpectralNorm, "spectral_norm")
