"""``torch.nn.modules.dropout``: the same classes as ``nn.Dropout``."""
from ... import nn as _nn

Dropout = _nn.Dropout
Dropout1d = _nn.Dropout1d
Dropout2d = _nn.Dropout2d
Dropout3d = _nn.Dropout3d
AlphaDropout = _nn.AlphaDropout
FeatureAlphaDropout = _nn.FeatureAlphaDropout
