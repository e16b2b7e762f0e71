"""tinygrad_rnn: a small from-scratch autograd framework on numpy, with RNN language models built on it."""
from .autograd import Context, Function, enable_grad, is_grad_enabled, no_grad
from .dtypes import get_default_dtype, set_default_dtype
from .gradcheck import GradcheckError, gradcheck
from .tensor import Tensor
from .sparse import RowSparseGrad
from .serialization import load, save
from .safetensors_format import load_safetensors, safetensors_metadata, save_safetensors
from . import nn, optim
from .nn import functional as F  # the one functional module: tinygrad_rnn.F is tinygrad_rnn.nn.functional
from .nn.functional import concatenate, maximum, stack, where
from . import random as random  # as torch.random; not in __all__, where it would shadow the stdlib's random
from .random import manual_seed

__all__ = [
    "Tensor", "RowSparseGrad", "Function", "Context", "no_grad", "enable_grad", "is_grad_enabled",
    "set_default_dtype", "get_default_dtype", "gradcheck", "GradcheckError",
    "F", "concatenate", "stack", "where", "maximum",
    "nn", "optim", "save", "load", "save_safetensors", "load_safetensors", "safetensors_metadata", "manual_seed",
]
__version__ = "0.1.0"
