"""Built-in ops: each a small ``Function`` subclass with its forward and backward side by side."""
from .activations import Elu, Hardtanh, LeakyRelu, LogSigmoid, Mish, PRelu, Silu, Softplus, Softsign, Threshold
from .arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Sub
from .elementwise import (Abs, Clip, Cos, Exp, Expm1, Gelu, Log, Log1p, Maximum, Minimum, Relu, Rsqrt, Sigmoid, Sin,
                          Sqrt, Tanh, Where)
from .embedding import Embedding
from .fused_rnn import FusedGRUFunction, FusedLSTMFunction, FusedRNNFunction, FusedRNNOneHotFunction, TruncatedTanhRNN
from .losses import BCE, BCEWithLogits, CrossEntropy, KLDiv, LinearCrossEntropy, NLLLoss, SmoothL1
from .normalization import LayerNorm
from .reduce import CumSum, LogSumExp, Max, Mean, Min, Norm, Prod, Sum, Var
from .scatter import IndexAdd, Scatter
from .pointwise import CumProd, Fmod, NanToNum, Rounded
from .einsum import Einsum
from .shape import (Cast, Clone, Concatenate, Expand, Gather, GetItem, IndexPut, Pad, Repeat, Reshape, Stack,
                    Transpose, Contiguous)
from .softmax import LogSoftmax, Softmax
from .conv import ConvNd
from .pooling import AdaptiveAvgPool1d, AvgPool1d, TakeLast
from .normalization import BatchNorm

__all__ = [
    "Add", "Sub", "Mul", "Div", "Pow", "Neg", "MatMul",
    "Exp", "Log", "Log1p", "Expm1", "Rsqrt", "Sin", "Cos", "Gelu", "Tanh", "Sigmoid", "Relu", "Sqrt", "Abs", "Clip",
    "Maximum", "Minimum", "Where",
    "Sum", "Mean", "Max", "Min", "Var", "Prod", "Norm", "LogSumExp", "CumSum",
    "Reshape", "Transpose", "GetItem", "IndexPut", "Concatenate", "Stack", "Expand", "Repeat", "Gather", "Pad", "Clone", "Cast",
    "Softmax", "LogSoftmax", "CrossEntropy", "LinearCrossEntropy", "NLLLoss", "BCEWithLogits", "BCE", "SmoothL1", "KLDiv", "LayerNorm",
    "LeakyRelu", "Elu", "Silu", "Mish", "Softplus", "LogSigmoid", "Softsign", "Hardtanh", "Threshold", "PRelu",
    "Embedding", "FusedRNNFunction", "FusedLSTMFunction", "FusedGRUFunction", "FusedRNNOneHotFunction", "TruncatedTanhRNN",
    "Scatter", "IndexAdd", "Rounded", "Fmod", "NanToNum", "CumProd", "Contiguous", "Einsum",
    "ConvNd", "AvgPool1d", "AdaptiveAvgPool1d", "TakeLast", "BatchNorm",
]

# more elementwise math, special functions, the cross product and index_put's accumulate (functions_more/)
from .math_more import (Acos, Acosh, Asin, Asinh, Atan, Atan2, Atanh, Copysign, Cosh, Exp2, Hypot, Log2,
                        Log10, LogAddExp, LogAddExp2, Logit, Sinc, Sinh, Tan, Xlogy)
from .special import Digamma, Erf, Erfc, Erfinv, Lgamma, Polygamma
from .products import Cross
from .search import IndexAccumulate

__all__ += [
    "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Atan2", "Log2", "Log10", "Exp2",
    "LogAddExp", "LogAddExp2", "Hypot", "Copysign", "Xlogy", "Logit", "Sinc",
    "Erf", "Erfc", "Erfinv", "Lgamma", "Digamma", "Polygamma", "Cross", "IndexAccumulate",
]

# resampling (F.interpolate) and pairwise distances (torch.cdist)
from .interpolate import Interpolate
from .distance import Cdist

__all__ += ["Interpolate", "Cdist"]
