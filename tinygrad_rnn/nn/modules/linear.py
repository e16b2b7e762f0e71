"""``torch.nn.modules.linear``: the same classes as ``nn.Linear``."""
from ... import nn as _nn

Linear = _nn.Linear
Identity = _nn.Identity
Bilinear = _nn.Bilinear
