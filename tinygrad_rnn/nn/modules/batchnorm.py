"""``torch.nn.modules.batchnorm``: the same classes as ``nn.BatchNorm1d`` / ``2d`` / ``3d``."""
from ... import nn as _nn
from ..batchnorm import _BatchNorm  # noqa: F401  isinstance(m, nn.modules.batchnorm._BatchNorm)

BatchNorm1d = _nn.BatchNorm1d
BatchNorm2d = _nn.BatchNorm2d
BatchNorm3d = _nn.BatchNorm3d
