"""``torch.nn.modules.normalization``: the same classes as ``nn.LayerNorm``, ..."""
from ... import nn as _nn

LayerNorm = _nn.LayerNorm
RMSNorm = _nn.RMSNorm
GroupNorm = _nn.GroupNorm
from ..unpool_lrn import LocalResponseNorm  # noqa: E402,F401
