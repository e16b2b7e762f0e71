"""``torch.utils.checkpoint``: ``checkpoint`` and ``checkpoint_sequential`` with PyTorch's signatures.

Activation checkpointing trades compute for memory: PyTorch drops a segment's activations after the forward and
recomputes them during backward. Here the function is simply run once and its graph kept, so values and
gradients are those of the plain call and **no memory is saved**; programs written for PyTorch run unchanged.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def _noop_context_fn() -> tuple[Any, Any]:
    from contextlib import nullcontext

    return nullcontext(), nullcontext()


noop_context_fn = _noop_context_fn  # PyTorch's name for the default context_fn


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable[[], tuple[Any, Any]] = noop_context_fn, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, with PyTorch's argument checks and warnings (``use_reentrant`` should be
    passed explicitly; None means True). Nothing is recomputed: no memory is saved here. (With
    ``use_reentrant=True`` and no input requiring grad, PyTorch warns and its function's parameters get no
    gradient; here they do, after the same warning.)"""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    kwargs.pop("preserve_rng_state", True)  # one run: the random state is the plain call's anyway
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            # PyTorch's reentrant variant then gives the function's parameters no gradient; this plain call does
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        return function(*args)
    forward_context, _ = context_fn()
    with forward_context:
        return function(*args, **kwargs)


def checkpoint_sequential(functions: Any, segments: int, input: Any, use_reentrant: bool | None = None,
                          **kwargs: Any) -> Any:
    """``functions`` (a Sequential or a list of callables) applied in turn to ``input``, in ``segments`` checkpointed
    chunks as PyTorch's (the last chunk runs plainly). As :func:`checkpoint`, no memory is saved here."""
    from ..nn import Sequential

    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
                      "explicitly. use_reentrant=False is recommended, but if you need to preserve the current "
                      "default behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start: int, end: int, fns: Sequence[Callable[[Any], Any]]) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for j in range(start, end + 1):
                x = fns[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run(start, end, functions), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1, functions)(input)
