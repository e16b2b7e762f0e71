"""``torch.nn.modules.activation``: the same classes as ``nn.Tanh``."""
from ... import nn as _nn

Tanh = _nn.Tanh
ReLU = _nn.ReLU
Sigmoid = _nn.Sigmoid
GELU = _nn.GELU
Softmax = _nn.Softmax
LogSoftmax = _nn.LogSoftmax
LeakyReLU = _nn.LeakyReLU
ELU = _nn.ELU
CELU = _nn.CELU
SELU = _nn.SELU
SiLU = _nn.SiLU
Mish = _nn.Mish
ReLU6 = _nn.ReLU6
Softplus = _nn.Softplus
Hardtanh = _nn.Hardtanh
LogSigmoid = _nn.LogSigmoid
Softsign = _nn.Softsign
Threshold = _nn.Threshold
GLU = _nn.GLU
Softmin = _nn.Softmin
PReLU = _nn.PReLU
MultiheadAttention = _nn.MultiheadAttention
Hardswish = _nn.Hardswish
Hardsigmoid = _nn.Hardsigmoid
Hardshrink = _nn.Hardshrink
Softshrink = _nn.Softshrink
Tanhshrink = _nn.Tanhshrink
RReLU = _nn.RReLU
Softmax2d = _nn.Softmax2d
