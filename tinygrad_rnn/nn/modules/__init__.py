"""PyTorch's module paths (``nn.modules.rnn.LSTM``, ``nn.modules.linear.Linear``, ...) that programs name:
each resolves to the same class as ``nn.<Name>``."""
from . import activation, container, dropout, linear, loss, module, normalization, rnn, sparse  # noqa: F401
from .. import (GRU, LSTM, RNN, BCEWithLogitsLoss, CrossEntropyLoss, Dropout, Embedding, Flatten, GRUCell,  # noqa: F401
                Identity, LayerNorm, Linear, LogSoftmax, LSTMCell, Module, ModuleDict, ModuleList, MSELoss, NLLLoss,
                ParameterList, ReLU, RNNCell, Sequential, Sigmoid, Softmax, Tanh)
from . import batchnorm, conv, pooling  # noqa: F401,E402  torch.nn.modules.conv.Conv1d, ...
from . import fold, instancenorm, padding  # noqa: F401,E402  torch.nn.modules.padding.ZeroPad2d, ...
