"""``torch.nn.modules.pooling``: the same classes as ``nn.MaxPool1d``, ``nn.MaxPool2d``, ..."""
from ..pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                       AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d)
from ..unpool_lrn import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d

__all__ = ["MaxPool1d", "AvgPool1d", "AdaptiveMaxPool1d", "AdaptiveAvgPool1d", "MaxPool2d", "AvgPool2d",
           "AdaptiveMaxPool2d", "AdaptiveAvgPool2d", "MaxPool3d", "AvgPool3d", "AdaptiveMaxPool3d", "AdaptiveAvgPool3d",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]
