"""``torch.nn.modules.pooling``: the same classes as ``nn.MaxPool1d``, ``nn.AvgPool1d``, ..."""
from ... import nn as _nn

MaxPool1d = _nn.MaxPool1d
AvgPool1d = _nn.AvgPool1d
AdaptiveMaxPool1d = _nn.AdaptiveMaxPool1d
AdaptiveAvgPool1d = _nn.AdaptiveAvgPool1d
