"""``gradcheck``: compare backward() against central finite differences, like torch.autograd.gradcheck."""
from __future__ import annotations

import warnings
from typing import Callable, Sequence

import numpy as np

from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with its finite-difference estimate."""


def _scalar_objective(out: Tensor, direction: np.ndarray) -> float:
    return float(np.sum(out.data.astype(np.float64) * direction))


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    max_elements: int | None = None,
    seed: int = 0,
) -> bool:
    """Check the gradients of ``fn(*inputs)`` with respect to every input that requires grad.

    The output (any shape) is reduced to a scalar with a fixed random direction ``v``, so a backward that
    ignores its upstream gradient is caught. Each checked element is perturbed by ±eps and
    ``|analytic - numeric| <= atol + rtol * |numeric|`` must hold. With ``max_elements``, a random subset
    of that many elements per input is checked. Meant for float64 inputs (float32 round-off swamps eps).

    Returns True, or raises ``GradcheckError`` naming the input, the element, both values and the error.
    Inputs' existing ``.grad`` values are left as they were.
    """
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; pass tensors made with requires_grad=True")
    if any(inputs[i].dtype != np.float64 for i in checked):
        warnings.warn("gradcheck on non-float64 inputs: expect false failures from round-off", stacklevel=2)

    saved_grads = [inputs[i].grad for i in checked]
    rng = np.random.default_rng(seed)
    try:
        for i in checked:
            inputs[i].grad = None
        out = fn(*inputs)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, it returned {type(out).__name__}")
        direction = rng.standard_normal(out.shape)
        if out.requires_grad:
            out.backward(direction.astype(out.dtype))
        analytic = {i: (inputs[i].grad if inputs[i].grad is not None else np.zeros(inputs[i].shape)) for i in checked}

        with no_grad():
            for i in checked:
                data = inputs[i].data
                flat = data.reshape(-1)
                if not np.shares_memory(flat, data):
                    raise ValueError(f"gradcheck: input {i} is not contiguous; pass np.ascontiguousarray data")
                positions = np.arange(flat.size)
                if max_elements is not None and flat.size > max_elements:
                    positions = rng.choice(flat.size, size=max_elements, replace=False)
                grad_flat = np.asarray(analytic[i], dtype=np.float64).reshape(-1)
                for pos in positions:
                    original = flat[pos]
                    try:
                        flat[pos] = original + eps
                        plus = _scalar_objective(fn(*inputs), direction)
                        flat[pos] = original - eps
                        minus = _scalar_objective(fn(*inputs), direction)
                    finally:
                        flat[pos] = original  # a failing fn must not leave the user's input perturbed
                    numeric = (plus - minus) / (2 * eps)
                    got = grad_flat[pos]
                    if not abs(got - numeric) <= atol + rtol * abs(numeric):
                        index = np.unravel_index(pos, data.shape) if data.ndim else ()
                        raise GradcheckError(
                            f"gradcheck failed for input {i} (shape {data.shape}) at index {tuple(int(k) for k in index)}: "
                            f"analytic {got:.10g}, numeric {numeric:.10g}, error {abs(got - numeric):.3g} "
                            f"> atol {atol} + rtol {rtol} * |numeric|"
                        )
    finally:
        for i, g in zip(checked, saved_grads):
            inputs[i].grad = g
    return True
