"""``torch.nn.modules.module``: the same classes as ``nn.Module``."""
from ... import nn as _nn

Module = _nn.Module
