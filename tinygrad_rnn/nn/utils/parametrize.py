"""A small ``nn.utils.parametrize`` (PyTorch's): ``register_parametrization``, ``remove_parametrizations``,
``is_parametrized``.

As in PyTorch, a parametrized module gets a class of its own (``ParametrizedLinear``) in which ``<name>`` is a
property recomputing the tensor from the originals on every access; the originals are the parameters
``parametrizations.<name>.original`` (or ``original0``, ``original1``, ... when the parametrization's
``right_inverse`` returns a tuple), so state_dict keys are PyTorch's. Chains of parametrizations, caching and
buffers as originals are not provided.
"""
from __future__ import annotations

from typing import Any

from ...autograd import no_grad
from ...tensor import Tensor
from ..module import Module, ModuleDict, ModuleList, Parameter

__all__ = ["ParametrizationList", "register_parametrization", "remove_parametrizations", "is_parametrized"]


class ParametrizationList(ModuleList):
    """The parametrization (module ``0``) of one tensor and its originals; calling it gives the tensor."""

    def __init__(self, modules: list[Module], original: Parameter, unsafe: bool = False):
        super().__init__(modules)
        self.unsafe = unsafe
        p = modules[0]
        new = p.right_inverse(original) if hasattr(p, "right_inverse") else original
        self.is_tensor = not isinstance(new, (tuple, list))
        if self.is_tensor:
            self.original = new if isinstance(new, Parameter) else Parameter(new, original.requires_grad)
        else:
            for i, t in enumerate(new):
                data = t.data if isinstance(t, Tensor) else t
                self.register_parameter(f"original{i}", Parameter(data, original.requires_grad))

    def _originals(self) -> list[Parameter]:
        if self.is_tensor:
            return [self.original]
        return [self._parameters[f"original{i}"] for i in range(len(self._parameters))]

    def right_inverse(self, value: Any) -> None:
        """Set the originals so that the parametrized tensor is ``value`` (``module.<name> = value``)."""
        p = self[0]
        new = p.right_inverse(value) if hasattr(p, "right_inverse") else value
        new = [new] if self.is_tensor else list(new)
        with no_grad():
            for orig, t in zip(self._originals(), new):
                orig.data[...] = t.data if isinstance(t, Tensor) else t

    def forward(self) -> Tensor:
        return self[0](*self._originals())


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    plists = module._modules.get("parametrizations")
    if not isinstance(plists, ModuleDict):
        return False
    return len(plists) > 0 if tensor_name is None else tensor_name in plists


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` be ``parametrization(original...)``, recomputed on every access."""
    if is_parametrized(module, tensor_name):
        raise NotImplementedError(f"{tensor_name!r} is parametrized already: chains of parametrizations are "
                                  "not provided here")
    original = module._parameters.get(tensor_name)
    if original is None:
        raise ValueError(f"Module '{module}' has no parameter '{tensor_name}' to parametrize")
    del module._parameters[tensor_name]
    if not is_parametrized(module):
        cls = type(module)
        # a class per module, as PyTorch: the property belongs to this module only
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"_unparametrized_class": cls})
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = ParametrizationList([parametrization], original, unsafe)

    def get(self: Module) -> Tensor:
        return self.parametrizations[tensor_name]()

    def set_(self: Module, value: Any) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get, set_))
    return module


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization``: ``<tensor_name>`` is a Parameter again, holding the parametrized value
    (``leave_parametrized=True``) or the single original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if leave_parametrized:
        with no_grad():
            value = plist()
        weight = Parameter(value.data, plist._originals()[0].requires_grad)
    elif plist.is_tensor:
        weight = plist.original
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                         "in terms of a sequence of tensors.")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if not is_parametrized(module):
        del module.parametrizations
        module.__class__ = type(module)._unparametrized_class
    module.register_parameter(tensor_name, weight)
    return module
