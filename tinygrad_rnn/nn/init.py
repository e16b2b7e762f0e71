"""Weight initialisation: in-place fills (PyTorch's ``nn.init`` names) and named schemes.

Random fills draw from the library-wide generator of :mod:`tinygrad_rnn.random` (seed it with
``tinygrad_rnn.manual_seed``) unless a ``generator`` is passed, so a whole model is reproducible from one seed.

Schemes (``SCHEMES``), chosen by name in every layer's ``reset_parameters(scheme=...)``:

``"pytorch"`` (default)
    PyTorch's defaults: recurrent layers/cells uniform(-1/sqrt(hidden), 1/sqrt(hidden)) for every
    weight and bias; Linear weight and bias uniform(-1/sqrt(in), 1/sqrt(in)) (what
    ``kaiming_uniform_(a=sqrt(5))`` works out to); Embedding normal(0, 1).
``"min-char-rnn"``
    Karpathy's min-char-rnn: every weight ``randn * 0.01``, every bias zero.
``"rnn-numpy"``
    Denny Britz's RNNNumpy: every weight uniform(-1/sqrt(n), 1/sqrt(n)) with n the dimension the
    weight's input comes from (``in_features`` for Linear and ``weight_ih``, hidden for
    ``weight_hh``, vocabulary size for an Embedding, which plays the one-hot input matrix U);
    biases zero.
"""
from __future__ import annotations

import enum
import math
import warnings
from typing import Any, Iterable

import numpy as np

from ..autograd import bump_version
from ..ops.special import erfinv
from ..random import get_generator
from ..tensor import Tensor

__all__ = [
    "SCHEMES", "uniform_", "normal_", "trunc_normal_", "zeros_", "ones_", "constant_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "eye_", "calculate_gain", "init_weight_", "init_bias_", "Role", "init_recurrent_",
]

SCHEMES = ("pytorch", "min-char-rnn", "rnn-numpy")


def _array(tensor: Tensor | np.ndarray) -> np.ndarray:
    arr = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
        raise TypeError("init functions fill a floating-point Tensor/Parameter or numpy array in place")
    return arr


def _filled(tensor: Any) -> Any:
    """``tensor`` after its values were replaced in place: a Tensor's version counter moves (autograd then
    refuses a backward that would use the values an op saved before); returns ``tensor``."""
    if isinstance(tensor, Tensor):
        bump_version(tensor)
    return tensor


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Fill with samples from uniform(a, b), in place; returns ``tensor``."""
    arr = _array(tensor)
    arr[...] = get_generator(generator).uniform(a, b, size=arr.shape)
    return _filled(tensor)


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Fill with samples from normal(mean, std), in place; returns ``tensor``."""
    arr = _array(tensor)
    arr[...] = get_generator(generator).normal(mean, std, size=arr.shape)
    return _filled(tensor)


def trunc_normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: np.random.Generator | None = None) -> Any:
    """Fill with samples from normal(mean, std) truncated to [a, b], in place; returns ``tensor``.

    PyTorch's inverse-CDF method, so one uniform draw per element: u uniform in the CDF's image of [a, b]
    (as 2 Phi - 1), then mean + std * sqrt(2) * erfinv(u), clamped to [a, b] against round-off."""
    arr = _array(tensor)
    if mean < a - 2 * std or mean > b + 2 * std:  # PyTorch's warning: the inverse CDF loses accuracy there
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    low, high = norm_cdf((a - mean) / std), norm_cdf((b - mean) / std)
    u = get_generator(generator).uniform(2 * low - 1, 2 * high - 1, size=arr.shape)
    arr[...] = np.clip(mean + std * math.sqrt(2.0) * erfinv(u), a, b)
    return _filled(tensor)


def constant_(tensor: Any, value: float) -> Any:
    _array(tensor)[...] = value
    return _filled(tensor)


def zeros_(tensor: Any) -> Any:
    return constant_(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    return constant_(tensor, 1.0)


def _fans(arr: np.ndarray) -> tuple[int, int]:
    if arr.ndim < 2:
        raise ValueError(f"fan in/out need a weight of at least 2 dimensions, got shape {arr.shape}")
    receptive = int(np.prod(arr.shape[2:])) if arr.ndim > 2 else 1
    return arr.shape[1] * receptive, arr.shape[0] * receptive


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Glorot uniform: bound = gain * sqrt(6 / (fan_in + fan_out)), weight shaped (out, in)."""
    fan_in, fan_out = _fans(_array(tensor))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for ``nonlinearity`` (linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2),
    leaky_relu sqrt(2 / (1 + slope^2)) with slope ``param`` (default 0.01), selu 3/4)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "conv_transpose1d", "conv_transpose2d",
                        "conv_transpose3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope * slope))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Glorot normal: std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(_array(tensor))
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std_factor(arr: np.ndarray, a: float, mode: str, nonlinearity: str) -> float:
    fan_in, fan_out = _fans(arr)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    try:
        gain = calculate_gain(nonlinearity, a)
    except ValueError:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r} for kaiming init") from None
    return gain / math.sqrt(fan)


def kaiming_uniform_(tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None) -> Any:
    """He uniform: bound = gain * sqrt(3 / fan) (fan_in by default; gain from ``calculate_gain``)."""
    bound = math.sqrt(3.0) * _kaiming_std_factor(_array(tensor), a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None) -> Any:
    """He normal: std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std_factor(_array(tensor), a, mode, nonlinearity), generator)


def orthogonal_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """A (semi-)orthogonal matrix (rows or columns orthonormal, times ``gain``) from the QR decomposition of a
    normal matrix, signs fixed by R's diagonal (PyTorch's construction); trailing dimensions are flattened."""
    arr = _array(tensor)
    if arr.ndim < 2:
        raise ValueError("orthogonal_ needs a tensor of at least 2 dimensions")
    rows, cols = arr.shape[0], arr.size // arr.shape[0]
    flat = get_generator(generator).normal(size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    arr[...] = (gain * q).reshape(arr.shape)
    return _filled(tensor)


def eye_(tensor: Any) -> Any:
    """The identity matrix (2-D tensors)."""
    arr = _array(tensor)
    if arr.ndim != 2:
        raise ValueError("eye_ needs a 2-D tensor")
    arr[...] = np.eye(*arr.shape)
    return _filled(tensor)


def check_scheme(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")


def init_weight_(
    tensor: Any, scheme: str, fan_in: int, pytorch_bound: float | None, generator: np.random.Generator | None = None
) -> Any:
    """Initialise a weight by ``scheme``.

    ``fan_in`` is the dimension the weight's input comes from (rnn-numpy's n);
    ``pytorch_bound`` is PyTorch's uniform bound for this weight (None means normal(0, 1), as
    PyTorch does for Embedding).
    """
    check_scheme(scheme)
    if scheme == "min-char-rnn":
        return normal_(tensor, 0.0, 0.01, generator)
    if scheme == "rnn-numpy":
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        return uniform_(tensor, -bound, bound, generator)
    if pytorch_bound is None:
        return normal_(tensor, 0.0, 1.0, generator)
    return uniform_(tensor, -pytorch_bound, pytorch_bound, generator)


def init_bias_(tensor: Any, scheme: str, pytorch_bound: float, generator: np.random.Generator | None = None) -> Any:
    """Initialise a bias by ``scheme``: PyTorch's uniform(±pytorch_bound), or zero for the tutorial schemes."""
    check_scheme(scheme)
    if scheme == "pytorch":
        return uniform_(tensor, -pytorch_bound, pytorch_bound, generator)
    return zeros_(tensor)


class Role(enum.Enum):
    """What a recurrent layer's parameter is, which decides how a scheme fills it."""

    INPUT_WEIGHT = "input weight"    # weight_ih (G*H, in): rnn-numpy's n is ``in``, its second dimension
    HIDDEN_WEIGHT = "hidden weight"  # weight_hh (G*H, H): n is the hidden size
    BIAS = "bias"                    # bias_ih / bias_hh (G*H,)


def init_recurrent_(
    params: Iterable[tuple[Any, Role]], hidden_size: int, scheme: str, generator: np.random.Generator | None = None
) -> None:
    """Initialise a recurrent layer's or cell's parameters by ``scheme``, in the order given.

    ``params`` pairs each parameter with its role; PyTorch's bound 1/sqrt(hidden_size) is shared by all of
    them. The order decides which random draws each parameter gets, so callers list them as PyTorch does:
    per layer weight_ih, weight_hh, bias_ih, bias_hh.
    """
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for tensor, role in params:
        if role is Role.BIAS:
            init_bias_(tensor, scheme, bound, generator)
        elif role is Role.HIDDEN_WEIGHT:
            init_weight_(tensor, scheme, hidden_size, bound, generator)
        elif role is Role.INPUT_WEIGHT:
            init_weight_(tensor, scheme, _array(tensor).shape[1], bound, generator)
        else:
            raise TypeError(f"init_recurrent_: role must be an nn.init.Role, got {role!r}")
