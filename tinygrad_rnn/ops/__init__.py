"""Built-in ops: each a small ``Function`` subclass with its forward and backward side by side."""
from .arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Sub
from .elementwise import Abs, Clip, Exp, Log, Maximum, Relu, Sigmoid, Sqrt, Tanh, Where
from .embedding import Embedding
from .fused_rnn import FusedGRUFunction, FusedLSTMFunction, FusedRNNFunction, FusedRNNOneHotFunction, TruncatedTanhRNN
from .losses import CrossEntropy, LinearCrossEntropy
from .reduce import Max, Mean, Sum
from .shape import Concatenate, GetItem, Reshape, Stack, Transpose
from .softmax import LogSoftmax, Softmax

__all__ = [
    "Add", "Sub", "Mul", "Div", "Pow", "Neg", "MatMul",
    "Exp", "Log", "Tanh", "Sigmoid", "Relu", "Sqrt", "Abs", "Clip", "Maximum", "Where",
    "Sum", "Mean", "Max", "Reshape", "Transpose", "GetItem", "Concatenate", "Stack",
    "Softmax", "LogSoftmax", "CrossEntropy", "LinearCrossEntropy", "Embedding", "FusedRNNFunction", "FusedLSTMFunction", "FusedGRUFunction",
    "FusedRNNOneHotFunction", "TruncatedTanhRNN",
]
