"""``torch.nn.modules.batchnorm``: the same class as ``nn.BatchNorm1d``."""
from ... import nn as _nn

BatchNorm1d = _nn.BatchNorm1d
