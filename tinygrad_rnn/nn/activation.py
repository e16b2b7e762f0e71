"""Parameter-free activation modules, for use in ``Sequential``."""
from __future__ import annotations

from ..tensor import Tensor
from .module import Module

__all__ = ["Tanh", "ReLU", "Sigmoid"]


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()
