"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad`` and ``state_dict`` (PyTorch's model).

A subclass only writes ``_update(data, grad, state, group, param)`` (the mathematics of one
parameter's step, in place on ``data``, which is ``param.data``), ``_check_group(group)``
(hyperparameter validation) and ``_state_keys(group)`` (which entries a parameter's state must hold
once it has been stepped). An optimizer that can apply a row-sparse gradient (``nn.Embedding(sparse=True)``)
to the touched rows only also writes ``_sparse_update(data, grad, state, group, param)``; the others refuse
one with a clear error, as PyTorch's do.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Iterable

import numpy as np

from ..autograd import bump_version, enable_grad
from ..low_rank import LowRankGrad, stored_grad
from ..sparse import RowSparseGrad, zeroed_grad
from ..tensor import Tensor

_TENSOR_GRAD = Tensor.grad  # the plain .grad property (a subclass may define its own)
_set = object.__setattr__

__all__ = ["Optimizer"]


def _is_param(obj: Any) -> bool:
    return isinstance(obj, Tensor) or (isinstance(getattr(obj, "data", None), np.ndarray) and hasattr(obj, "grad"))


UPDATE_BLOCK = 1 << 16  # elements of the update's reused temporary (256 KB of float32: fits in L2)


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of parameters (objects with ``.data``, a float ``np.ndarray`` updated in
            place, and ``.grad``, an array of the same shape or None — e.g. ``model.parameters()``), or
            an iterable of dicts, each ``{"params": [...], <option>: value, ...}`` forming one parameter
            group whose options override ``defaults`` (PyTorch semantics).
        defaults: the optimizer's hyperparameters, used for every option a group does not set.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` (a list) and every hyperparameter; change
            ``group["lr"]`` to change the learning rate (schedulers do exactly that).
        defaults: dict of default hyperparameters.
        state: dict mapping a parameter to its state dict (momentum buffers, step counts, ...).
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        if _is_param(params) or isinstance(params, (np.ndarray, dict)):
            raise TypeError("params should be an iterable of parameters or of dicts (parameter groups), "
                            f"but got a single {type(params).__name__}; wrap it in a list")
        if isinstance(params, (set, frozenset)):
            raise TypeError("params must be an ordered collection (list, tuple, generator), not a set: "
                            "the order of a set changes between runs, which would break state_dict()")
        self.defaults: dict[str, Any] = dict(defaults)
        self.state: dict[Any, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list; pass model.parameters() of a model "
                             "that has parameters")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)
        # Scratch arrays are not state: they are never saved and are rebuilt on demand.
        self._scratch: dict[tuple[int, int], np.ndarray] = {}

    # ------------------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. a layer trained at a different lr)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group must have a 'params' entry")
        params = param_group["params"]
        if _is_param(params):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("a parameter group's params must be an ordered collection, not a set")
        else:
            params = list(params)
        if not params:
            raise ValueError("a parameter group has an empty 'params' list")
        for i, p in enumerate(params):
            if not _is_param(p):
                raise TypeError(f"parameter {i} of a group is a {type(p).__name__}; optimizers update "
                                f"tensors/parameters (objects with a numpy .data and a .grad)")
            if not np.issubdtype(p.data.dtype, np.floating):
                raise TypeError(f"parameter {i} of a group has dtype {p.data.dtype}; only floating-point "
                                f"parameters can be optimized")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError("a parameter group lists the same parameter more than once")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")

        group = dict(self.defaults)
        group.update({k: v for k, v in param_group.items() if k != "params"})
        group["params"] = params
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for an invalid hyperparameter (subclasses extend this)."""
        _check_nonneg(group, "lr")

    # ------------------------------------------------------------------------------ steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters (``p.grad = None``, PyTorch's default).

        ``set_to_none=False`` zeroes every existing gradient in place instead (no new arrays on the hot
        path; a flattened parameter's buffer stays the buffer its members' gradients are views of).
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = stored_grad(p)
                zeroed = zeroed_grad(grad, p.data, set_to_none)
                if zeroed is not grad:  # zeroed in place: nothing to rebind
                    if type(p).grad is _TENSOR_GRAD:  # None or zeros of p's shape: what .grad's setter checks
                        _set(p, "_grad", zeroed)  # (past Parameter.__setattr__, on every step)
                    else:  # a class with a .grad of its own (FlatParameter rebinds its members' views)
                        p.grad = zeroed

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (parameters whose ``.grad`` is None are skipped).

        ``closure``, if given, re-evaluates the model and returns the loss, which ``step`` returns.
        """
        loss = None
        if closure is not None:
            with enable_grad():  # the closure runs backward even if step() is called under no_grad
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                grad = stored_grad(p)  # a LowRankGrad stays factored for _low_rank_update
                if grad is None:
                    continue
                if grad.shape != p.data.shape:
                    raise ValueError(f"a parameter of shape {p.data.shape} has a gradient of shape {grad.shape}")
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                if type(grad) is RowSparseGrad:
                    self._sparse_update(p.data, grad.coalesce(), state, group, p)
                elif type(grad) is LowRankGrad:
                    self._low_rank_update(p.data, grad, state, group, p)
                else:
                    self._update(p.data, grad, state, group, p)
                if isinstance(p, Tensor):
                    # as in PyTorch, a graph recorded before the step can no longer backward through p
                    bump_version(p)
        return loss

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
                param: Any) -> None:
        """Update ``data`` in place from ``grad`` (read only); ``state`` is this parameter's state dict."""
        raise NotImplementedError

    def _sparse_update(self, data: np.ndarray, grad: RowSparseGrad, state: dict[str, Any], group: dict[str, Any],
                       param: Any) -> None:
        """Update only the rows ``grad.indices`` (coalesced) of ``data``; optimizers that cannot, refuse."""
        raise RuntimeError(f"{type(self).__name__} does not support sparse gradients (from nn.Embedding(sparse=True)); "
                           "use optim.SGD, optim.Adagrad or optim.SparseAdam, or build the Embedding with sparse=False")

    def _low_rank_update(self, data: np.ndarray, grad: LowRankGrad, state: dict[str, Any], group: dict[str, Any],
                         param: Any) -> None:
        """Update ``data`` from a factored gradient; by default it is multiplied out (into ``param.grad``, which
        keeps it, as after any step) and the dense update runs."""
        self._update(data, param.grad, state, group, param)

    def _block(self, dtype: np.dtype) -> np.ndarray:
        """The reusable scratch block of ``UPDATE_BLOCK`` elements of ``dtype`` (see ``_sub_scaled_``)."""
        key = ("block", dtype)
        tmp = self._scratch.get(key)
        if tmp is None:
            tmp = self._scratch[key] = np.empty(UPDATE_BLOCK, dtype)
        return tmp

    def _buffer(self, param: Any, k: int = 0) -> np.ndarray:
        """Reusable scratch array number ``k`` shaped like ``param`` (keeps the hot path allocation-free)."""
        key = (id(param), k)
        buf = self._scratch.get(key)
        if buf is None or buf.shape != param.data.shape or buf.dtype != param.data.dtype:
            buf = self._scratch[key] = np.empty_like(param.data)
        return buf

    def _sub_scaled_(self, data: np.ndarray, d: np.ndarray, alpha: float, param: Any) -> None:
        """``data -= alpha * d`` in place, for a parameter's update.

        numpy has no axpy: the product needs a temporary. For a large parameter the temporary is one block
        of ``UPDATE_BLOCK`` elements reused along the arrays, so it stays in cache and the update reads ``d``
        and ``data`` and writes ``data`` once, instead of also writing and re-reading a parameter-sized
        temporary (measured in the word model's SGD step, V 8000 x H 100 float32, one thread: 4-5% of the
        whole step). The numbers are the same, element by element."""
        if data.size >= 2 * UPDATE_BLOCK and data.flags.c_contiguous and d.flags.c_contiguous:
            flat_data, flat_d = data.reshape(-1), d.reshape(-1)
            tmp = self._block(data.dtype)
            for lo in range(0, data.size, UPDATE_BLOCK):
                hi = min(lo + UPDATE_BLOCK, data.size)
                t = tmp[:hi - lo]
                np.multiply(flat_d[lo:hi], alpha, out=t)
                np.subtract(flat_data[lo:hi], t, out=flat_data[lo:hi])
            return
        tmp = self._buffer(param, 1)
        np.multiply(d, alpha, out=tmp)
        np.subtract(data, tmp, out=data)

    def _decayed_grad(self, data: np.ndarray, grad: np.ndarray, weight_decay: float, param: Any) -> np.ndarray:
        """``grad + weight_decay * data`` in scratch buffer 0 (or ``grad`` itself, never written, if no decay)."""
        if weight_decay == 0:
            return grad
        g = self._buffer(param, 0)
        np.multiply(data, weight_decay, out=g)
        np.add(g, grad, out=g)
        return g

    # ------------------------------------------------------------------------------ checkpoints
    #: State entries that may be present without being required by the current options.
    _optional_state: frozenset[str] = frozenset()

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        """Entries a stepped parameter's state must hold under ``group``'s options."""
        return set()

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data (arrays, numbers, strings), PyTorch's layout.

        ``{"state": {index: {name: array or int}}, "param_groups": [{option: value, "params": [index, ...]}]}``
        where parameters are numbered in order across all groups. Arrays are copies, so the result
        can be kept or saved with ``tinygrad_rnn.save`` while training goes on.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if s:
                state[index[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (hyperparameters of each group and per-parameter state).

        The optimizer must have been built over the same parameters, grouped the same way. Everything
        is validated before anything changes: a mismatch raises ValueError and leaves the optimizer as it was.
        """
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"an optimizer state_dict has exactly the keys 'state' and 'param_groups'; got {keys}")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, dict):
            raise ValueError("optimizer state_dict: 'param_groups' must be a list and 'state' a dict")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state_dict has {len(saved_groups)} parameter group(s) but this optimizer "
                             f"has {len(self.param_groups)}")
        # As in PyTorch, the saved indices of each group are matched by position with this
        # optimizer's parameters of the same group.
        by_index: dict[int, tuple[Any, dict[str, Any]]] = {}
        new_groups = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
                raise ValueError(f"loaded parameter group {i} is not a dict with a 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded parameter group {i} has {len(saved['params'])} parameters but this "
                                 f"optimizer's group {i} has {len(group['params'])}")
            new_group = {k: v for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            try:
                self._check_group(new_group)
            except (ValueError, TypeError, KeyError) as e:
                raise ValueError(f"loaded parameter group {i} has invalid options: {e}") from e
            new_groups.append(new_group)
            for idx, p in zip(saved["params"], group["params"]):
                if isinstance(idx, bool) or not isinstance(idx, numbers.Integral) or int(idx) in by_index:
                    raise ValueError(f"loaded parameter group {i} has a bad or repeated parameter index {idx!r}")
                by_index[int(idx)] = (p, new_group)

        new_state: dict[Any, dict[str, Any]] = {}
        for key, entry in saved_state.items():
            idx = int(key) if isinstance(key, str) and key.isdigit() else key
            if isinstance(idx, bool) or not isinstance(idx, numbers.Integral) or int(idx) not in by_index:
                raise ValueError(f"loaded state refers to parameter {key!r}, which is in no parameter group "
                                 f"(the groups hold {len(by_index)} parameters)")
            p, group = by_index[int(idx)]
            if not isinstance(entry, dict):
                raise ValueError(f"loaded state of parameter {idx} is a {type(entry).__name__}, not a dict")
            required = self._state_keys(group)
            if not required <= set(entry) <= required | self._optional_state:
                raise ValueError(f"loaded state of parameter {idx} has entries {sorted(map(str, entry))} but "
                                 f"{type(self).__name__} with these options keeps {sorted(required)} "
                                 f"(was it saved from another optimizer or with other options?)")
            restored = {}
            for name, value in entry.items():
                if name == "step":
                    if isinstance(value, np.ndarray) and value.ndim == 0:
                        value = value.item()
                    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0 \
                            or int(value) != value:
                        raise ValueError(f"loaded state of parameter {idx}: 'step' must be a non-negative "
                                         f"integer, got {value!r}")
                    restored[name] = int(value)
                    continue
                value = np.asarray(value)
                if value.shape != p.data.shape:
                    raise ValueError(f"loaded state of parameter {idx}: {name!r} has shape {value.shape} but the "
                                     f"parameter has shape {p.data.shape}")
                if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
                    raise ValueError(f"loaded state of parameter {idx}: {name!r} has dtype {value.dtype}")
                # A copy in the parameter's dtype: the loaded dict must not alias the live state.
                restored[name] = value.astype(p.data.dtype, copy=True)
            new_state[p] = restored

        for group, new_group in zip(self.param_groups, new_groups):
            group.clear()
            group.update(new_group)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------- validation
def ema_(average: np.ndarray, value: np.ndarray, decay: float, scratch: np.ndarray) -> None:
    """``average = decay * average + (1 - decay) * value`` in place; ``scratch`` (same shape) may be ``value``."""
    np.multiply(average, decay, out=average)
    np.multiply(value, 1 - decay, out=scratch)
    np.add(average, scratch, out=average)


def _number(group: dict[str, Any], name: str) -> float:
    if name not in group:
        raise ValueError(f"option {name!r} is missing")
    value = group[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value != value:
        raise ValueError(f"{name} must not be NaN")
    return float(value)


def _check_nonneg(group: dict[str, Any], name: str) -> None:
    if _number(group, name) < 0:
        raise ValueError(f"invalid {name}: {group[name]!r} (must be >= 0)")


def _check_bool(group: dict[str, Any], name: str) -> None:
    if name not in group:
        raise ValueError(f"option {name!r} is missing")
    if not isinstance(group[name], (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {group[name]!r}")
