"""L-BFGS (Nocedal & Wright, *Numerical Optimization*, algorithms 7.4-7.5), optionally with a line search
satisfying the strong Wolfe conditions (algorithms 3.5-3.6, cubic interpolation 3.59), as PyTorch's ``LBFGS``.

The parameters are treated as one flat vector (the concatenation of all of them). ``step(closure)`` runs up to
``max_iter`` iterations; the closure re-evaluates the model (``optimizer.zero_grad(); loss = ...;
loss.backward(); return loss``) and may be called several times per iteration.
"""
from __future__ import annotations

import copy
import numbers
from typing import Any, Callable, Iterable

import numpy as np

from ..autograd import bump_version, enable_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _check_nonneg

__all__ = ["LBFGS"]

#: The entries of the (single) state dict, PyTorch's names.
_STATE_KEYS = ("func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad",
               "prev_loss", "al")


def _cubic_min(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
               bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through ``(x1, f1)``, ``(x2, f2)`` with slopes ``g1``, ``g2`` (N&W 3.59),
    clipped to ``bounds`` (default: the interval between x1 and x2); the bounds' midpoint if it has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = float(np.sqrt(disc))
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate: Callable[[float], tuple[float, np.ndarray]], t: float, d: np.ndarray, f: float,
                  g: np.ndarray, gtd: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, np.ndarray, float, int]:
    """A step ``t`` along ``d`` satisfying the strong Wolfe conditions (sufficient decrease ``c1``, curvature
    ``c2``): bracketing (N&W algorithm 3.5, trial steps extrapolated by cubic interpolation within
    ``[t + 0.01 (t - t_prev), 10 t]``), then zoom (algorithm 3.6, with interpolation safeguarded to stay 10% of
    the bracket away from its ends). ``evaluate(t)`` gives the loss and flat gradient at ``x + t d``; ``f``,
    ``g``, ``gtd`` are the loss, gradient and slope at ``t = 0``. At most ``max_ls`` evaluations beyond the
    first (the bracketing may take one more). Returns ``(loss, grad, t, evaluations)`` of the best point found."""
    d_norm = float(np.abs(d).max())
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    # --- bracketing: grow the step until an interval is known to contain an acceptable one
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:  # both conditions hold: accept t
            bracket, bracket_f, bracket_g, bracket_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:  # the slope turned: a minimiser lies between the last two steps
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
    if ls_iter == max_ls:  # no bracket within the budget: the best of the start and the last trial
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]

    # --- zoom: shrink the bracket, keeping at `low` the end with the lowest loss satisfying sufficient decrease
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:  # the bracket cannot shrink any further
            break
        t = _cubic_min(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        top, bottom = max(bracket), min(bracket)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            # too close to an end: accept once, but move inside the bracket if it happens twice in a row
            # (or if t is at or beyond an end)
            if insufficient or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:  # the old low end becomes the high end
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


def _two_loop(grad: np.ndarray, dirs: list[np.ndarray], stps: list[np.ndarray], ro: list[float], h_diag: float,
              al: list[Any]) -> np.ndarray:
    """``-H grad`` for the L-BFGS inverse-Hessian approximation ``H`` built from the pairs ``(s_i, y_i)``
    (``stps``, ``dirs``; ``ro_i = 1 / y_i.s_i``) on top of ``h_diag * I`` (N&W algorithm 7.4); ``al``
    receives the first loop's coefficients."""
    q = -grad
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = float(stps[i].dot(q)) * ro[i]
        q -= al[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        beta = float(dirs[i].dot(r)) * ro[i]
        r += (al[i] - beta) * stps[i]
    return r


class LBFGS(Optimizer):
    """PyTorch's L-BFGS: ``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations on all parameters as
    one vector and returns the closure's first loss.

    Each iteration: the direction ``d = -H g`` from the last ``history_size`` curvature pairs (a pair is kept
    only when ``y.s > 1e-10``; ``H``'s diagonal start ``y.s / y.y`` of the newest pair), then a step ``t``:
    ``lr`` (on the very first iteration ``min(1, 1 / |g|_1) * lr``), or, with ``line_search_fn="strong_wolfe"``,
    a step satisfying the strong Wolfe conditions from that initial guess. It stops when ``max_grad |g| <=
    tolerance_grad``, the slope ``g.d > -tolerance_change``, ``max |t d| <= tolerance_change``, the loss changed
    by less than ``tolerance_change``, or ``max_eval`` closure calls were made (default ``max_iter * 5 // 4``).

    Args:
        params: the parameters (one group only: per-group options are not supported, as in PyTorch).
        lr: learning rate (the step without line search, the initial trial step with it).
        max_iter: iterations per ``step``.
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: first-order optimality tolerance.
        tolerance_change: tolerance on the changes of the loss and of the parameters.
        history_size: curvature pairs kept.
        line_search_fn: None or ``"strong_wolfe"``.

    State (``state[params[0]]``, PyTorch's layout): ``func_evals``, ``n_iter`` (counts over all steps), ``d``,
    ``t``, ``old_dirs`` (the y's), ``old_stps`` (the s's), ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``,
    ``al``. A row-sparse or factored gradient is used multiplied out.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        if max_eval is None and isinstance(max_iter, numbers.Integral):
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for name in ("max_iter", "max_eval", "history_size"):
            value = group.get(name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"LBFGS: {name} must be a positive integer, got {value!r}")
        _check_nonneg(group, "tolerance_grad")
        _check_nonneg(group, "tolerance_change")
        if group.get("line_search_fn") not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {group['line_search_fn']!r}")

    # ------------------------------------------------------------------------------ the flat vector
    def _dtype(self) -> np.dtype:
        return np.result_type(*[p.data.dtype for p in self._params])

    def _flat_grad(self) -> np.ndarray:
        dtype = self._dtype()
        parts = [np.zeros(p.data.size, dtype) if p.grad is None else np.asarray(p.grad, dtype=dtype).reshape(-1)
                 for p in self._params]
        return np.concatenate(parts)

    def _add_to_params(self, t: float, d: np.ndarray) -> None:
        """``x += t * d`` on the parameters."""
        offset = 0
        for p in self._params:
            n = p.data.size
            np.add(p.data, (t * d[offset:offset + n]).reshape(p.data.shape), out=p.data, casting="unsafe")
            offset += n
            if isinstance(p, Tensor):
                bump_version(p)

    def _set_params(self, values: list[np.ndarray]) -> None:
        for p, v in zip(self._params, values):
            np.copyto(p.data, v)
            if isinstance(p, Tensor):
                bump_version(p)

    # ------------------------------------------------------------------------------ step
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` iterations; returns the loss the closure gave at the starting point."""
        if not callable(closure):
            raise TypeError("LBFGS.step needs a closure that re-evaluates the model and returns the loss")

        def evaluate() -> float:
            with enable_grad():
                return float(closure())

        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # --- direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y.dot(s))
                if ys > 1e-10:  # keep the pair only if it has positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y.dot(y))
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = _two_loop(flat_grad, old_dirs, old_stps, ro, h_diag, state["al"])
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            # --- step
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:  # not a descent direction (any more)
                break
            ls_evals = 0
            if group["line_search_fn"] is not None:
                x0 = [p.data.copy() for p in self._params]

                def along(step: float) -> tuple[float, np.ndarray]:
                    self._add_to_params(step, d)
                    value = evaluate()
                    g = self._flat_grad()
                    self._set_params(x0)
                    return value, g

                # the search may use what is left of this step's evaluation budget (PyTorch's rule)
                loss, flat_grad, t, ls_evals = _strong_wolfe(along, t, d, loss, flat_grad, gtd,
                                                             max_ls=max_eval - current_evals)
                self._add_to_params(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:  # the last iteration's loss is evaluated by the next step() call
                    loss = evaluate()
                    flat_grad = self._flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals
            # --- stopping tests
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    # ------------------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: ``{"state": {0: {...}}, "param_groups": [{options..., "params": [0, 1, ...]}]}``
        (copies: training on does not change a saved dict)."""
        sd = super().state_dict()
        sd["state"] = copy.deepcopy(sd["state"])
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` output (or PyTorch's, with tensors turned into numpy arrays)."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError("an optimizer state_dict has exactly the keys 'state' and 'param_groups'")
        groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(groups, (list, tuple)) or len(groups) != 1 or not isinstance(saved_state, dict):
            raise ValueError("LBFGS state_dict: expected one parameter group and a state dict")
        saved = groups[0]
        if not isinstance(saved, dict) or len(saved.get("params", ())) != len(self._params):
            raise ValueError(f"LBFGS state_dict: the saved group does not hold {len(self._params)} parameters")
        new_group = {k: v for k, v in saved.items() if k != "params"}
        new_group["params"] = self._params
        self._check_group(new_group)
        if len(saved_state) > 1:
            raise ValueError(f"LBFGS state_dict: state of {len(saved_state)} parameters, expected one entry")
        new_state: dict[Any, dict[str, Any]] = {}
        for entry in saved_state.values():
            if not isinstance(entry, dict) or not set(entry) <= set(_STATE_KEYS):
                raise ValueError(f"LBFGS state_dict: unexpected state entries "
                                 f"{sorted(set(entry) - set(_STATE_KEYS)) if isinstance(entry, dict) else entry!r}")
            new_state[self._params[0]] = self._restored(entry)
        self.param_groups[0].clear()
        self.param_groups[0].update(new_group)
        self.state = new_state

    def _restored(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A validated copy of a saved state entry: vectors as flat arrays of the parameters' size, numbers as
        floats, counters as ints."""
        size, dtype = sum(p.data.size for p in self._params), self._dtype()

        def vector(v: Any, name: str) -> np.ndarray:
            a = np.array(v, dtype=dtype, copy=True).reshape(-1)
            if a.size != size:
                raise ValueError(f"LBFGS state_dict: {name!r} has {a.size} elements, the parameters {size}")
            return a

        def number(v: Any) -> float | None:
            return None if v is None else float(np.asarray(v))

        out: dict[str, Any] = {}
        for name, v in entry.items():
            if name in ("func_evals", "n_iter"):
                out[name] = int(np.asarray(v))
            elif name in ("d", "prev_flat_grad"):
                out[name] = None if v is None else vector(v, name)
            elif name in ("old_dirs", "old_stps"):
                out[name] = [vector(x, name) for x in v]
            elif name in ("ro", "al"):
                out[name] = [number(x) for x in v]
            else:  # t, H_diag, prev_loss
                out[name] = number(v)
        if len(out.get("old_dirs", ())) != len(out.get("old_stps", ())) or \
                len(out.get("old_dirs", ())) != len(out.get("ro", ())):
            raise ValueError("LBFGS state_dict: old_dirs, old_stps and ro must have the same length")
        return out
