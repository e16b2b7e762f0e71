"""``tinygrad_rnn.nn``: modules and layers with PyTorch's names, signatures and weight layouts."""
from . import functional, init, utils
from .activation import ReLU, Sigmoid, Tanh
from .dropout import Dropout
from .embedding import Embedding
from .fused_rnn import FusedGRUFunction, FusedLSTMFunction, FusedRNNFunction, fused_gru, fused_lstm, fused_rnn
from .linear import Linear
from .module import IncompatibleKeys, Module, ModuleList, Parameter, Sequential
from .rnn import GRU, LSTM, RNN
from .rnn_cells import GRUCell, LSTMCell, RNNCell

__all__ = [
    "Module", "ModuleList", "Sequential", "Parameter", "IncompatibleKeys",
    "Linear", "Embedding", "Dropout", "Tanh", "ReLU", "Sigmoid",
    "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "FusedRNNFunction", "FusedLSTMFunction", "FusedGRUFunction", "fused_rnn", "fused_lstm", "fused_gru", "init", "utils", "functional",
]
