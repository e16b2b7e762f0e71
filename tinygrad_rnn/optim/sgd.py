"""Stochastic gradient descent with optional momentum, dampening, weight decay and Nesterov momentum."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..low_rank import LowRankGrad
from .optimizer import UPDATE_BLOCK, Optimizer, _check_bool, _check_nonneg, _number

__all__ = ["SGD"]

# a sparse gradient's rows are stepped run by run (one slice each) when there are fewer runs of consecutive ids
# than rows / SPARSE_ROWS_PER_RUN, else by one gather and one scatter (measured break-even: ~16 rows a run)
SPARSE_ROWS_PER_RUN = 16


class SGD(Optimizer):
    """PyTorch's SGD rule, per parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        if momentum != 0:
            b = g                                    (first step: the buffer starts as a copy of g)
            b = momentum * b + (1 - dampening) * g   (later steps)
            g = g + momentum * b  if nesterov  else  b
        p = p - lr * g

    Args:
        params: parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        momentum: momentum factor (>= 0).
        dampening: dampening of the gradient's contribution to the momentum buffer.
        weight_decay: L2 penalty coefficient (>= 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening == 0).

    State per parameter: ``momentum_buffer`` (shaped like the parameter) when momentum != 0.

    A row-sparse gradient (``nn.Embedding(sparse=True)``) updates only its rows: ``p[rows] -= lr * g_rows``,
    the same numbers as the dense step. With momentum or weight decay every row moves, so the gradient is
    made dense first (same result as a dense gradient).

    A factored gradient (``F.linear_cross_entropy``'s weight: ``low_rank.LowRankGrad``) is multiplied out a
    block of rows at a time, each block applied while it is in cache, without the (C, H) gradient array: the
    dense step's numbers up to rounding: lr scales the (N, H) factor before the product, and BLAS may round a
    block of rows differently from the same rows of the whole product (momentum or weight decay: multiplied
    out first, as a sparse one).
    """

    _optional_state = frozenset({"momentum_buffer"})

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_nonneg(group, "momentum")
        _number(group, "dampening")
        _check_nonneg(group, "weight_decay")
        _check_bool(group, "nesterov")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires momentum > 0 and dampening == 0")

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"momentum_buffer"} if group["momentum"] != 0 else set()

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        lr, momentum = group["lr"], group["momentum"]
        d = self._decayed_grad(data, grad, group["weight_decay"], param)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(d, dtype=data.dtype, copy=True)
            else:
                np.multiply(buf, momentum, out=buf)
                dampening = group["dampening"]
                if dampening != 0:
                    tmp = self._buffer(param, 1)
                    np.multiply(d, 1 - dampening, out=tmp)
                    np.add(buf, tmp, out=buf)
                else:
                    np.add(buf, d, out=buf)
            if group["nesterov"]:
                # p -= lr * (d + momentum * buf), as two in-place subtractions
                self._sub_scaled_(data, d, lr, param)
                self._sub_scaled_(data, buf, lr * momentum, param)
                return
            d = buf
        self._sub_scaled_(data, d, lr, param)

    def _low_rank_update(self, data: np.ndarray, grad: Any, state: dict[str, Any], group: dict[str, Any],
                         param: Any) -> None:
        n_rows, width = data.shape
        # the block-wise step is plain SGD's rule on an array it can write blocks into; anything else (momentum,
        # decay, a subclass's own _update, a weight whose dtype changed since backward, rows wider than the
        # block) steps from the multiplied-out gradient, as from any dense one
        if (group["momentum"] != 0 or group["weight_decay"] != 0 or not data.flags.c_contiguous
                or _overrides_the_rule(type(self)) or grad.dtype != data.dtype or width > UPDATE_BLOCK):
            super()._low_rank_update(data, grad, state, group, param)
            return
        # lr scales the small (N, H) factor once, so each block is lr * (left @ right) straight from the product,
        # with no pass of its own over the (C, H) rows: only the subtraction meets them again
        scaled = LowRankGrad(grad.left, np.multiply(grad.right, group["lr"], dtype=grad.dtype))
        step = UPDATE_BLOCK // max(1, width)
        block = self._block(data.dtype)
        for lo in range(0, n_rows, step):
            hi = min(lo + step, n_rows)
            g = scaled.rows(lo, hi, out=block[:(hi - lo) * width].reshape(hi - lo, width))
            np.subtract(data[lo:hi], g, out=data[lo:hi])

    def _sparse_update(self, data: np.ndarray, grad: Any, state: dict[str, Any], group: dict[str, Any],
                       param: Any) -> None:
        if group["momentum"] != 0 or group["weight_decay"] != 0:
            self._update(data, grad.to_dense(), state, group, param)
            return
        step = np.multiply(grad.values, group["lr"])
        # a run of consecutive rows costs one slice (~1 µs) against ~0.03 µs a row of the gather and scatter
        runs = grad.row_runs(max(2, len(step) // SPARSE_ROWS_PER_RUN))
        if runs is None:
            rows = grad.indices
            data[rows] = np.subtract(data[rows], step, out=step)
            return
        for first, lo, hi in runs:
            block = data[first:first + hi - lo]
            np.subtract(block, step[lo:hi], out=block)


def _overrides_the_rule(cls: type) -> bool:
    """Whether an SGD subclass defines its own update rule (``_update`` or one of the helpers it is built on):
    then a factored gradient steps through that rule, multiplied out, like any other gradient."""
    return any(getattr(cls, name) is not getattr(SGD, name) for name in ("_update", "_sub_scaled_", "_decayed_grad"))
