"""``torch.nn.modules.pooling``: the same classes as ``nn.MaxPool1d``, ``nn.MaxPool2d``, ..."""
from ..pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d,
                       MaxPool1d, MaxPool2d)

__all__ = ["MaxPool1d", "AvgPool1d", "AdaptiveMaxPool1d", "AdaptiveAvgPool1d", "MaxPool2d", "AvgPool2d",
           "AdaptiveMaxPool2d", "AdaptiveAvgPool2d"]
