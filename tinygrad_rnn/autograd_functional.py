"""``torch.autograd.functional``: jacobian, vjp and jvp of a function of tensors, by reverse mode (one
``autograd.grad`` call per output element, PyTorch's ``vectorize=False``). Second derivatives (hessian, hvp, vhp)
and ``create_graph=True`` need backward to be recorded as ops, which this library does not do: they raise."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .autograd import enable_grad
from .autograd_grad import grad
from .tensor import Tensor

__all__ = ["jacobian", "vjp", "jvp", "hessian", "hvp", "vhp"]

_NO_SECOND_ORDER = ("autograd.functional.{name} is not provided here: it needs second derivatives, and backward runs on "
                    "numpy arrays, so gradients cannot be differentiated again (autograd.grad(create_graph=True) is "
                    "not supported either)")


def _as_tuple(value: Any, what: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was a tuple, the tensors), with PyTorch's TypeError for anything but a Tensor or a tuple of them."""
    is_tuple = isinstance(value, (tuple, list))
    items = tuple(value) if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            if is_tuple:
                raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                                f"the value at index {i} has type {type(item)}.")
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but the "
                            f"given {what} has type {type(item)}.")
    return is_tuple, items


def _check_options(fn_name: str, create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(f"autograd.functional.{fn_name}(create_graph=True) is not provided here: backward "
                                  "runs on numpy arrays, so its results cannot be differentiated again")


def _call(func: Callable, inputs: tuple[Tensor, ...], fn_name: str) -> tuple[bool, tuple[Tensor, ...],
                                                                              tuple[Tensor, ...]]:
    """``func`` on fresh leaf copies of ``inputs`` that require grad: (outputs were a tuple, outputs, leaves)."""
    leaves = tuple(t.detach().clone().requires_grad_(True) for t in inputs)
    with enable_grad():
        outputs = func(*leaves)
    is_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    return is_tuple, outs, leaves


def _row(out: Tensor, leaves: tuple[Tensor, ...], up: np.ndarray, strict: bool, index: int, fn_name: str
         ) -> list[np.ndarray]:
    """``up · d out / d leaf`` for each leaf (zeros where unused; strict mode raises PyTorch's error there)."""
    if out.requires_grad:
        grads = grad(out, leaves, grad_outputs=up, retain_graph=True, allow_unused=True)
    else:
        grads = (None,) * len(leaves)
    rows = []
    for j, (g, leaf) in enumerate(zip(grads, leaves)):
        if g is None:
            if strict:
                raise RuntimeError(f"Output {index} of the user-provided function is independent of input {j}. This "
                                   "is not allowed in strict mode.")
            rows.append(np.zeros_like(leaf.data))
        else:
            rows.append(np.asarray(g.data))
    return rows


def jacobian(func: Callable, inputs: Tensor | tuple[Tensor, ...], create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: for one output and one input a Tensor of shape
    ``output.shape + input.shape``; tuples of inputs and/or outputs give (nested) tuples of such Tensors,
    ``result[i][j]`` for output ``i`` and input ``j``. ``strict`` raises when an output does not depend on an input
    (otherwise its block is zeros). ``vectorize`` only changes speed in PyTorch: the result is the same here."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function '
                         'has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, prefer '
                         'to use "reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-mode\"` is only "
                                  "implemented for `vectorize=True`.")
    _check_options("jacobian", create_graph)
    inputs_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    outputs_tuple, outs, leaves = _call(func, ins, "jacobian")
    blocks = []
    for i, out in enumerate(outs):
        n = out.data.size
        per_input = [np.zeros((n,) + leaf.shape, dtype=np.result_type(out.data.dtype, leaf.data.dtype))
                     for leaf in leaves]
        for k in range(n):
            up = np.zeros(n, dtype=out.data.dtype)
            up[k] = 1
            for j, row in enumerate(_row(out, leaves, up.reshape(out.shape), strict, i, "jacobian")):
                per_input[j][k] = row
        blocks.append(tuple(Tensor(b.reshape(out.shape + leaf.shape)) for b, leaf in zip(per_input, leaves)))
    per_output = [b if inputs_tuple else b[0] for b in blocks]
    return tuple(per_output) if outputs_tuple else per_output[0]


def _vectors(v: Any, like: tuple[Tensor, ...], fn_name: str, what: str) -> tuple[np.ndarray, ...]:
    """``v`` checked against ``like`` (one vector per tensor, same shapes); None only for one one-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].data.size != 1:
            raise RuntimeError(f"The vector v can only be None if the {what} is a single Tensor with a single "
                               "element.")
        return (np.ones_like(like[0].data),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(vs)}.")
    for i, (vec, ref) in enumerate(zip(vs, like)):
        if vec.shape != ref.shape:
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {list(ref.shape)} but got "
                               f"{list(vec.shape)}.")
    return tuple(np.asarray(vec.data) for vec in vs)


def vjp(func: Callable, inputs: Tensor | tuple[Tensor, ...], v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, shaped like ``inputs`` (a tuple for a tuple)."""
    _check_options("vjp", create_graph)
    inputs_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    outputs_tuple, outs, leaves = _call(func, ins, "vjp")
    vs = _vectors(v, outs, "vjp", "user-provided function returns")
    total = [np.zeros_like(leaf.data) for leaf in leaves]
    for i, (out, vec) in enumerate(zip(outs, vs)):
        for j, row in enumerate(_row(out, leaves, vec, strict, i, "vjp")):
            total[j] = total[j] + row
    result = tuple(Tensor(t) for t in total)
    detached = tuple(o.detach() for o in outs)
    return (detached if outputs_tuple else detached[0]), (result if inputs_tuple else result[0])


def jvp(func: Callable, inputs: Tensor | tuple[Tensor, ...], v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product, shaped like the outputs (a tuple for a tuple).
    Built from the Jacobian's rows (one reverse pass per output element)."""
    _check_options("jvp", create_graph)
    inputs_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    vs = _vectors(v, ins, "jvp", "input to the user-provided function")
    outputs_tuple, outs, leaves = _call(func, ins, "jvp")
    products = []
    for i, out in enumerate(outs):
        n = out.data.size
        flat = np.zeros(n, dtype=out.data.dtype)
        for k in range(n):
            up = np.zeros(n, dtype=out.data.dtype)
            up[k] = 1
            rows = _row(out, leaves, up.reshape(out.shape), strict, i, "jvp")
            flat[k] = sum(float(np.sum(r * vec)) for r, vec in zip(rows, vs))
        products.append(Tensor(flat.reshape(out.shape)))
    detached = tuple(o.detach() for o in outs)
    return (detached if outputs_tuple else detached[0]), (tuple(products) if outputs_tuple else products[0])


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """Not provided: see the module docstring (raises NotImplementedError)."""
    raise NotImplementedError(_NO_SECOND_ORDER.format(name="hessian"))


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """Not provided: see the module docstring (raises NotImplementedError)."""
    raise NotImplementedError(_NO_SECOND_ORDER.format(name="hvp"))


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """Not provided: see the module docstring (raises NotImplementedError)."""
    raise NotImplementedError(_NO_SECOND_ORDER.format(name="vhp"))
