"""Gradient clipping (PyTorch's ``nn.utils.clip_grad_norm_`` / ``clip_grad_value_``).

Both rebind ``p.grad`` to a new array instead of writing into it: a gradient array may be shared
(for example with an optimizer's saved state or another parameter), and rebinding can never change
anything but this parameter's gradient. The exception is a ``FlatParameter``, whose gradient buffer is
its own and is clipped in place (one numpy call, and the members' gradient views stay valid). A
row-sparse gradient (``nn.Embedding(sparse=True)``) is clipped through its values: the same norm and the
same clipped numbers as the dense gradient. A factored gradient (``low_rank.LowRankGrad``, the output
weight of ``F.linear_cross_entropy``) stays factored under the 2-norm: its norm comes from the factors,
``||L R||^2 = sum((L^T L) * (R R^T))`` in float64 (an N x N product instead of the (C, H) one: 2.7x less
time at C 8000, N 22, H 100, and closer to the exact value than the float32 product's), and clipping
scales ``L``; so the optimizer still steps without writing the (C, H) array.

Also here: ``parameters_to_vector`` / ``vector_to_parameters``, ``flatten_parameters_`` (see :mod:`..flat`), and the submodule ``rnn`` (padding and packing
variable-length batches, PyTorch's ``nn.utils.rnn``).
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ...low_rank import LowRankGrad, stored_grad
from ...sparse import RowSparseGrad
from ...tensor import Tensor
from ..flat import FlatParameter, flatten_parameters_
from . import rnn  # PyTorch's nn.utils.rnn: pad_sequence, pack_padded_sequence, PackedSequence, ...
from .weight_norm import remove_weight_norm, weight_norm
from .spectral_norm import remove_spectral_norm, spectral_norm
from . import parametrize, parametrizations  # noqa: E402  (after weight_norm: parametrizations uses it)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "flatten_parameters_", "FlatParameter", "rnn",
           "weight_norm", "remove_weight_norm", "parametrize", "parametrizations",
           "parameters_to_vector", "vector_to_parameters", "spectral_norm", "remove_spectral_norm"]


def _params(parameters: Tensor | Iterable[Tensor], keep_factored: bool = False) -> list[Tensor]:
    """The parameters that have a gradient; sparse gradients coalesced (a repeated row must count once);
    factored ones multiplied out unless ``keep_factored``."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    params = []
    for p in parameters:
        grad = stored_grad(p) if keep_factored else p.grad
        if grad is None:
            continue
        if type(grad) is RowSparseGrad:
            p.grad = grad.coalesce()
        params.append(p)
    return params


def _values(grad: np.ndarray | RowSparseGrad) -> np.ndarray:
    """The stored numbers of a gradient: the array itself, or a sparse gradient's row values."""
    return grad.values if type(grad) is RowSparseGrad else grad


def _transform_(p: Tensor, fn, *args) -> None:
    """``p.grad``'s numbers through ``fn(values, *args)``: rebound, or in place in a FlatParameter's own buffer.
    A factored gradient (kept only for ``np.multiply``) scales its left factor."""
    grad = stored_grad(p)
    if type(grad) is LowRankGrad:
        p.grad = LowRankGrad(fn(grad.left, *args), grad.right)
        return
    values = _values(grad)
    if isinstance(p, FlatParameter):
        fn(values, *args, out=values)
    elif type(p.grad) is RowSparseGrad:
        p.grad = RowSparseGrad(p.grad.indices, fn(values, *args), p.grad.shape, coalesced=True)
    else:
        p.grad = fn(values, *args)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scale all gradients together so their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping as a 0-d Tensor in the gradients' dtype (PyTorch's return type;
    ``.item()``/``float()`` give the number, accumulated in float64). As in PyTorch the scale factor is
    ``max_norm / (total + 1e-6)``, applied only when it is below 1. ``norm_type`` may be ``inf``.
    """
    norm_type = float(norm_type)
    params = _params(parameters, keep_factored=norm_type == 2.0)  # once: `parameters` may be a generator
    grads = [_values(stored_grad(p)) for p in params]
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    total = _total_norm(grads, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"the total norm of the gradients is {total}; pass error_if_nonfinite=False to clip anyway"
        )
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            _transform_(p, np.multiply, np.asarray(coef, dtype=stored_grad(p).dtype))
    return Tensor(np.asarray(total, dtype=np.result_type(*[g.dtype for g in grads])))


def _total_norm(grads: list[np.ndarray], norm_type: float) -> float:
    """The joint ``norm_type``-norm of the gradients' numbers, accumulated in float64."""
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    elif norm_type <= 0:
        raise ValueError(f"norm_type must be positive (or inf), got {norm_type}")
    elif norm_type == 2.0:
        # float64 accumulation: a float32 sum of squares over 10^6 entries loses digits
        total = math.sqrt(sum(_squared_norm(g) for g in grads))
    else:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads) ** (1.0 / norm_type)
    return total


def _squared_norm(g: np.ndarray | LowRankGrad) -> float:
    """The sum of squares of a gradient's numbers in float64; a factored one's from its factors."""
    if type(g) is LowRankGrad:
        left, right = g.left.astype(np.float64), g.right.astype(np.float64)
        return max(0.0, float(np.vdot(left.T.dot(left), right.dot(right.T))))  # the Gram matrices' inner product
    r = g.reshape(-1).astype(np.float64)
    return float(np.dot(r, r))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_value must be non-negative, got {clip_value}")
    for p in _params(parameters):
        _transform_(p, np.clip, -clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """PyTorch's ``nn.utils.parameters_to_vector``: the parameters flattened and joined into one 1-D tensor
    (a new array, differentiable: a gradient of the vector flows back to each parameter)."""
    flat = [p.reshape(-1) for p in parameters]
    if not flat:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    return Tensor.concatenate(flat, 0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """PyTorch's ``nn.utils.vector_to_parameters``: each parameter's ``.data`` becomes its slice of ``vec``,
    in order (views of vec's array, as PyTorch's, so a later change of vec shows in the parameters)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise RuntimeError(f"vector_to_parameters: expected a 1-D vector, got shape {tuple(vec.shape)}")
    flat = vec.data
    pointer = 0
    for param in parameters:
        n = int(param.data.size)
        if pointer + n > flat.size:
            raise RuntimeError(f"shape '{list(param.shape)}' is invalid for input of size {flat[pointer:].size}")
        param.data = flat[pointer:pointer + n].reshape(param.shape)
        pointer += n
