"""tinygrad_rnn: a small from-scratch autograd framework on numpy, with RNN language models built on it.

``import tinygrad_rnn as torch`` gives PyTorch's names for a classic RNN program: creation functions
(``torch.zeros``, ``torch.tensor``, ``torch.randn``...), dtypes (``torch.float32``, ``torch.long``...),
module-level forms of the tensor methods (``torch.exp``, ``torch.cat``, ``torch.max``...), ``device``,
``cuda.is_available()`` (False), ``no_grad``/``inference_mode``, ``nn``, ``optim``, ``save``/``load``.
"""
from .autograd import Context, Function, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .dtypes import get_default_dtype, set_default_dtype
from .gradcheck import GradcheckError, gradcheck
from . import autograd as _autograd

_autograd.gradcheck = gradcheck  # PyTorch's torch.autograd.gradcheck (autograd.py sits below gradcheck.py)
from .tensor import Size, Tensor, return_types
from .autograd_grad import backward as _backward, grad as _grad

_autograd.grad = _grad  # torch.autograd.grad (it needs Tensor, which autograd.py sits below)
_autograd.backward = _backward  # torch.autograd.backward
from .autograd import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402  (torch.is_anomaly_enabled)
from .sparse import RowSparseGrad
from .serialization import load, save
from .safetensors_format import load_safetensors, safetensors_metadata, save_safetensors
from . import nn, onnx, optim, utils
from .nn import functional as F  # the one functional module: tinygrad_rnn.F is tinygrad_rnn.nn.functional
from .creation import (BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor, arange, as_tensor, empty,
                       empty_like, eye, from_numpy, full, full_like, is_tensor, linspace, numel, ones, ones_like,
                       rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .functions import *  # noqa: F401,F403  torch.exp(x), torch.cat(...), torch.max(x, 1), ...
from .functions import __all__ as _function_names
from .functions import _module_level

from .functions import Variable

_autograd.Variable = Variable  # torch.autograd.Variable (legacy: it returns a Tensor)
logcumsumexp, sgn = _module_level("logcumsumexp"), _module_level("sgn")  # torch.logcumsumexp(x, dim), torch.sgn(x)
from .device import accelerator, backends, cuda, device
from . import random as random  # as torch.random; not in __all__, where it would shadow the stdlib's random
from .random import Generator, manual_seed, seed, initial_seed

__all__ = [
    "Tensor", "RowSparseGrad", "Function", "Context", "no_grad", "enable_grad", "is_grad_enabled",
    "inference_mode", "set_grad_enabled", "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_default_dtype", "get_default_dtype", "gradcheck", "GradcheckError",
    "F", "nn", "onnx", "optim", "utils", "save", "load", "save_safetensors", "load_safetensors", "safetensors_metadata", "manual_seed", "seed", "initial_seed", "Generator", "return_types",
    "device", "cuda", "accelerator", "backends", "Size",
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like",
    "empty_like", "rand", "randn", "rand_like", "randn_like", "randint", "randperm", "arange", "linspace", "eye",
    "LongTensor", "FloatTensor", "DoubleTensor", "IntTensor", "BoolTensor", "is_tensor", "numel",
    "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "half", "float", "double", "long",
    "int", "short", "bool",
    *_function_names, "logcumsumexp", "sgn",
]
__version__ = "0.1.0"

# PyTorch's dtype names, last: `float`, `int` and `bool` would shadow the builtins in this file's code above
from .dtypes import (bool_ as bool, float16, float16 as half, float32, float32 as float, float64, float64 as double,  # noqa: E402
                     int8, int16, int16 as short, int32, int32 as int, int64, int64 as long, uint8,
                     bfloat16)

# more torch functions (functions_more/: tan, erf, lgamma, addmm, cummax, quantile, bitwise_and, normal ...)
# and the no-op torch.compile / torch.jit with set_printoptions (compile_stubs.py)
from .functions_more import *  # noqa: F403
from .functions_more import __all__ as _more_names
from .functions_more import bind_methods as _bind_more_methods
from .compile_stubs import compile, jit, set_printoptions

__all__ += [*_more_names, "compile", "jit", "set_printoptions"]

# torch.distributions (Categorical, Normal, kl_divergence ...): after the functions_more methods (erf, erfinv)
from . import distributions  # noqa: E402

__all__ += ["distributions"]

# torch.autocast and torch.amp / torch.cuda.amp / torch.cpu.amp (amp.py), torch.cpu (the module, beside the
# device), the determinism flags; amp and cpu stay out of __all__ as in PyTorch
from . import amp as amp  # noqa: E402
from .amp import autocast  # noqa: E402
from .device import cpu_module as cpu  # noqa: E402,F401
from .determinism import (are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled,  # noqa: E402
                          use_deterministic_algorithms)

__all__ += ["autocast", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
            "is_deterministic_algorithms_warn_only_enabled"]

# their Tensor methods (x.tan(), x.cummax(0), x & y, x.unfold(...) ...): bound here, once the class and the
# functions both exist, so that tensor.py does not import the functions built on it
_bind_more_methods(Tensor)

# a line after a traceback from a PyTorch idiom applied to .data/.grad (numpy arrays here): see hints.py
from . import hints as _hints  # noqa: E402

_hints.install()

# torch.cdist (with F.pairwise_distance in nn/functional/distances.py)
from .nn.functional.distances import cdist  # noqa: E402

__all__ += ["cdist"]

# torch.autograd.functional (jacobian, vjp, jvp; hessian/hvp/vhp raise), also importable by that dotted path
import sys as _sys  # noqa: E402

from . import autograd_functional as _autograd_functional  # noqa: E402

_autograd.functional = _autograd_functional
_sys.modules[f"{__name__}.autograd.functional"] = _autograd_functional
