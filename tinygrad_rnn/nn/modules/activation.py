"""``torch.nn.modules.activation``: the same classes as ``nn.Tanh``."""
from ... import nn as _nn

Tanh = _nn.Tanh
ReLU = _nn.ReLU
Sigmoid = _nn.Sigmoid
GELU = _nn.GELU
Softmax = _nn.Softmax
LogSoftmax = _nn.LogSoftmax
