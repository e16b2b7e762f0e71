"""``torch.nn.modules.dropout``: the same classes as ``nn.Dropout``."""
from ... import nn as _nn

Dropout = _nn.Dropout
