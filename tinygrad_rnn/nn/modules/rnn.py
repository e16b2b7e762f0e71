"""``torch.nn.modules.rnn``: the same classes as ``nn.RNN``."""
from ... import nn as _nn

RNN = _nn.RNN
LSTM = _nn.LSTM
GRU = _nn.GRU
RNNCell = _nn.RNNCell
LSTMCell = _nn.LSTMCell
GRUCell = _nn.GRUCell
RNNBase = _nn.RNNBase
RNNCellBase = _nn.RNNCellBase
