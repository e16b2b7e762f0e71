"""``torch.nn.modules.conv``: the same class as ``nn.Conv1d``."""
from ... import nn as _nn

Conv1d = _nn.Conv1d
