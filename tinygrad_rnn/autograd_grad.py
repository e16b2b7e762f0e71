"""``torch.autograd.grad``: the gradients of outputs with respect to chosen inputs, returned instead of being
added to ``.grad``."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .autograd import run_backward
from .tensor import Tensor

__all__ = ["grad", "backward"]


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """``d(sum of outputs · grad_outputs) / d(input)`` for each input, as a tuple of Tensors (None for an input
    the outputs do not depend on, when ``allow_unused``; zeros with ``materialize_grads``). No ``.grad`` is
    changed. ``grad_outputs`` may be omitted for one-element outputs. The graph is freed unless
    ``retain_graph`` (default: ``create_graph``). Higher-order gradients (``create_graph=True``) are not
    provided: backward runs on numpy arrays, not on recorded ops."""
    if create_graph:
        raise NotImplementedError("autograd.grad(create_graph=True) is not provided here: backward runs on numpy "
                                  "arrays, so gradients cannot be differentiated again")
    if is_grads_batched:
        raise NotImplementedError("autograd.grad(is_grads_batched=True) is not provided here")
    outs, ins = _as_list(outputs), _as_list(inputs)
    ups = [None] * len(outs) if grad_outputs is None else _as_list(grad_outputs)
    if len(ups) != len(outs):
        raise ValueError(f"autograd.grad: {len(outs)} outputs but {len(ups)} grad_outputs")
    for t in (*outs, *ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: outputs and inputs must be Tensors, got {type(t).__name__}")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad")
    keep = bool(create_graph) if retain_graph is None else bool(retain_graph)
    capture: dict[int, Any] = {id(t): None for t in ins}
    total: dict[int, np.ndarray] = {}
    for n, (out, up) in enumerate(zip(outs, ups)):
        if not out.requires_grad:
            raise RuntimeError(f"autograd.grad: output {n} does not require grad (no input of its computation "
                               "had requires_grad=True, or it ran under no_grad())")
        if up is None:
            if out.data.size != 1:
                raise RuntimeError(f"autograd.grad: grad can be implicitly created only for scalar outputs; output "
                                   f"{n} has shape {out.shape}, pass grad_outputs")
            g = np.ones_like(out.data)
        else:
            g = np.array(up.data if isinstance(up, Tensor) else up, dtype=out.data.dtype, copy=True)
            if g.shape != out.data.shape:
                raise RuntimeError(f"autograd.grad: grad_outputs[{n}] has shape {g.shape}, output {n} has {out.shape}")
        found = dict(capture)
        run_backward(out, g, keep or n < len(outs) - 1, capture=found)
        for key, value in found.items():
            if value is not None:
                total[key] = value if key not in total else total[key] + value
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        value = total.get(id(t))
        if value is None:
            if materialize_grads:
                value = np.zeros_like(t.data)
            elif not allow_unused:
                raise RuntimeError(f"autograd.grad: input {i} was not used to compute the outputs; pass "
                                   "allow_unused=True to get None for it")
        result.append(None if value is None else Tensor(value))
    return tuple(result)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """``torch.autograd.backward``: accumulate into ``.grad`` the gradient of the sum of each tensor times its
    ``grad_tensors`` entry (omitted for one-element tensors), as ``tensors[i].backward(grad_tensors[i])`` for all
    of them at once."""
    outs = _as_list(tensors)
    if grad_variables is not None:  # torch's old name
        grad_tensors = grad_variables
    ups = [None] * len(outs) if grad_tensors is None else _as_list(grad_tensors)
    if len(ups) != len(outs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs: got {len(outs)} tensors and "
                           f"{len(ups)} gradients")
    if len(outs) == 1:
        outs[0].backward(ups[0], retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
        return
    total = None  # one root over every output: a graph they share is walked once
    for out, up in zip(outs, ups):
        if up is None:
            if out.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            term = out.sum()
        else:
            term = (out * (up if isinstance(up, Tensor) else Tensor(np.asarray(up, dtype=out.data.dtype)))).sum()
        total = term if total is None else total + term
    total.backward(retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
