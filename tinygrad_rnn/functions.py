"""Module-level forms of the Tensor methods, as PyTorch has them: ``torch.exp(x)`` is ``x.exp()``,
``torch.max(x, 1)`` is ``x.max(1)``, ``torch.cat([a, b], dim=1)`` joins along dim 1. The input may also be a
numpy array or a number (made a Tensor first). Each function's docstring is its method's."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .nn.functional import concatenate, maximum, minimum, stack, where  # one function object for both names
from .tensor import Tensor

# elementwise functions, reductions, shape and indexing methods that have a torch.<name>(input, ...) form
_METHODS = (
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "abs", "neg", "negative", "sin", "cos", "tanh", "sigmoid",
    "relu", "square", "clamp", "clip", "remainder", "floor_divide", "add", "sub", "mul", "div", "pow", "matmul", "mm", "bmm",
    "eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "logical_not",
    "sum", "mean", "var", "std", "prod", "norm", "logsumexp", "max", "min", "amax", "amin", "argmax", "argmin",
    "topk", "sort", "argsort", "any", "all",
    "reshape", "squeeze", "unsqueeze", "flatten", "t", "transpose", "permute", "narrow", "split", "chunk",
    "unbind", "flip", "clone", "detach", "masked_fill", "gather", "index_select", "multinomial", "softmax",
    "log_softmax", "cumsum", "isnan", "isinf", "isfinite", "tril", "triu",
)

__all__ = list(_METHODS) + ["cat", "concat", "concatenate", "stack", "where", "maximum", "minimum", "subtract",
                            "multiply", "divide", "true_divide"]


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _module_level(name: str) -> Callable[..., Any]:
    method = getattr(Tensor, name)

    def fn(input: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(_as_tensor(input), name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, ...)`` is ``input.{name}(...)``.\n\n{method.__doc__ or ''}"
    return fn


for _name in _METHODS:
    globals()[_name] = _module_level(_name)

subtract = globals()["sub"]
multiply = globals()["mul"]
divide = true_divide = globals()["div"]


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension ``dim``; all other dimensions must match."""
    if len(tensors) == 0:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    return concatenate(tensors, axis=dim if axis is None else axis)


concat = cat
