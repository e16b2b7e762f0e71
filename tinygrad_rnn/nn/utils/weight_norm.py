"""Weight normalization (PyTorch's classic ``nn.utils.weight_norm`` / ``remove_weight_norm``).

``w = g * v / ||v||``: the parameter ``name`` is replaced by ``name_g`` (the magnitude) and ``name_v`` (the
direction), and ``name`` becomes a plain Tensor recomputed from them by a forward pre-hook before every forward,
so the gradient reaches ``g`` and ``v`` through ordinary ops. The norm is over every dimension but ``dim``;
``dim=None`` (PyTorch also reads ``-1`` so) is the norm of the whole tensor and ``g`` is 0-d. State dict keys
and ``g``'s shape are PyTorch's, so weights move between the two libraries.
"""
from __future__ import annotations

from typing import Any, TypeVar

from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """PyTorch's ``torch.norm_except_dim``: the ``pow``-norm over every dimension but ``dim`` (kept as size 1),
    or, for ``dim == -1``, of the whole tensor (0-d)."""
    a = v.abs() if pow % 2 else v
    if dim == -1:
        return (a ** pow).sum() ** (1.0 / pow)
    dim = dim % v.ndim
    axes = tuple(i for i in range(v.ndim) if i != dim)
    return (a ** pow).sum(dim=axes, keepdim=True) ** (1.0 / pow)


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int | None):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, 2, self.dim))

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        for hook, _ in module.__dict__.get("_forward_pre_hooks", {}).values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = module._parameters.get(name)
        if weight is None:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r} to apply weight_norm to")
        del module._parameters[name]
        g = norm_except_dim(Tensor._wrap(weight.data), 2, fn.dim).data
        module.register_parameter(name + "_g", Parameter(g.copy()))
        module.register_parameter(name + "_v", Parameter(weight.data))  # shared, as PyTorch's weight.data
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


T_module = TypeVar("T_module", bound=Module)


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Reparametrize ``module.<name>`` as ``<name>_g * <name>_v / ||<name>_v||`` (norm over every dimension but
    ``dim``; ``dim=None`` for the whole tensor), recomputed before every forward. Returns the module."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``weight_norm``: ``module.<name>`` is a Parameter again, holding the current normalized weight."""
    return remove_reparametrization_hook(module, name, WeightNorm, "weight_norm")


def remove_reparametrization_hook(module: T_module, name: str, hook_type: type, what: str) -> T_module:
    """Remove the forward pre-hook of type ``hook_type`` that computes ``module.<name>`` (weight_norm's,
    spectral_norm's); ValueError naming ``what`` if there is none."""
    hooks = module.__dict__.get("_forward_pre_hooks", {})
    for key, (hook, _) in list(hooks.items()):
        if isinstance(hook, hook_type) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")
