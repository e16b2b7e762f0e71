"""``torch.nn.modules.container``: the same classes as ``nn.Sequential``."""
from ... import nn as _nn

Sequential = _nn.Sequential
ModuleList = _nn.ModuleList
ModuleDict = _nn.ModuleDict
ParameterList = _nn.ParameterList
ParameterDict = _nn.ParameterDict
