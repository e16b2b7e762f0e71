"""Flat parameters: many Parameters as views of ONE contiguous buffer (PyTorch's ``foreach``/apex's flat buffers).

At the sizes recurrent nets are taught with, an optimizer step or a gradient clip costs more in Python
overhead per tensor than in arithmetic. ``flatten_parameters_(params)`` moves the parameters' numbers into
one 1-D buffer and makes each ``p.data`` a view of it; the returned ``FlatParameter`` is what the optimizer
and the clip are given, so each is a handful of numpy calls whatever the number of tensors::

    flat = nn.utils.flatten_parameters_(model.parameters())
    opt = optim.Adagrad([flat], lr=0.1)
    ...
    loss.backward()                              # gradients reach the model's parameters as usual
    nn.utils.clip_grad_value_([flat], 5.0)       # flat.grad: all of them, in one buffer
    opt.step()                                   # one vectorized update; the views move with it

``flat.grad`` gathers the members' gradients into one buffer and then makes each member's ``.grad`` a view
of that buffer, so a later backward accumulates straight into it (with ``zero_grad(set_to_none=False)``
nothing is copied at all). Every update rule of ``optim`` is elementwise, so the result is exactly that of
updating each tensor by itself.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..autograd import share_version
from ..tensor import Tensor
from .module import Parameter

__all__ = ["FlatParameter", "flatten_parameters_"]


class FlatParameter(Parameter):
    """The one buffer behind flattened parameters: ``data`` (P,), ``grad`` (P,) or None; ``members`` in order."""

    __slots__ = ("members", "_views", "_grad_buffer", "_grad_views")

    def __init__(self, members: list[Parameter]):
        super().__init__(np.concatenate([p.data.reshape(-1) for p in members]))
        self.members = tuple(members)
        self._views: list[np.ndarray] = []
        offset = 0
        for p in members:
            view = self.data[offset:offset + p.data.size].reshape(p.data.shape)
            p.data = view
            share_version(self, p)  # one buffer: an optimizer step on it changes every member
            self._views.append(view)
            offset += p.data.size
        self._grad_buffer: np.ndarray | None = None
        self._grad_views: list[np.ndarray] = []

    def _ensure_buffer(self) -> np.ndarray:
        if self._grad_buffer is None:
            self._grad_buffer = np.zeros_like(self.data)
            self._grad_views = []
            offset = 0
            for v in self._views:
                self._grad_views.append(self._grad_buffer[offset:offset + v.size].reshape(v.shape))
                offset += v.size
        return self._grad_buffer

    @property  # type: ignore[override]
    def grad(self) -> np.ndarray | None:
        members = getattr(self, "members", ())
        views = self._grad_views if members else ()
        for p, view in zip(members, views):  # the hot path: every member still accumulates into its view
            if p.grad is not view:
                break
        else:
            if views:
                return self._grad_buffer
        grads = [p.grad for p in members]
        if all(g is None for g in grads):
            return None
        buffer = self._ensure_buffer()
        for p, g, view in zip(members, grads, self._grad_views):
            if g is view:  # already accumulated in place
                continue
            if g is None:
                view.fill(0)
            else:
                np.copyto(view, np.asarray(g))  # a sparse member gradient becomes its dense rows here
            p.grad = view
        return buffer

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        members = getattr(self, "members", ())  # Tensor.__init__ sets grad before the members exist
        if value is None:
            for p in members:
                p.grad = None
            return
        value = np.asarray(value)
        if value.shape != self.data.shape:
            raise ValueError(f"a FlatParameter of shape {self.data.shape} cannot take a gradient of shape {value.shape}")
        buffer = self._ensure_buffer()
        if value is not buffer:
            np.copyto(buffer, value)
        for p, view in zip(members, self._grad_views):
            p.grad = view

    def __repr__(self) -> str:
        return f"FlatParameter({self.data.size} numbers, {len(self.members)} tensors, dtype={self.data.dtype})"


def flatten_parameters_(params: Iterable[Tensor]) -> FlatParameter:
    """Make ``params`` views of one new contiguous buffer (in place) and return it as a ``FlatParameter``.

    The parameters keep their values, shapes, gradients-to-come and their places in their modules (a
    ``state_dict`` is unchanged). Give the FlatParameter, not the members, to an optimizer and to
    ``clip_grad_norm_``/``clip_grad_value_``. Afterwards change a member's values in place
    (``p.data[...] = x``, ``load_state_dict``), never by rebinding ``p.data``, or it leaves the buffer.
    """
    members = list(params)
    if not members:
        raise ValueError("flatten_parameters_ got no parameters")
    if len({id(p) for p in members}) != len(members):
        raise ValueError("flatten_parameters_: a parameter is listed twice")
    dtypes = {p.data.dtype for p in members}
    if len(dtypes) != 1:
        raise TypeError(f"flatten_parameters_: all parameters must have one dtype, got {sorted(map(str, dtypes))}")
    if not all(p.requires_grad for p in members):
        raise ValueError("flatten_parameters_: every parameter must require grad (leave frozen ones out)")
    grads = [p.grad for p in members]
    flat = FlatParameter(members)
    if any(g is not None for g in grads):  # keep gradients already computed
        for p, g in zip(members, grads):
            p.grad = g
        _ = flat.grad
    return flat
