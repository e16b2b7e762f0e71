"""One line after a traceback that comes from the documented rewrite: ``.data``, ``.grad`` and the arguments
of a custom ``Function``'s forward/backward are numpy arrays here. A PyTorch line such as ``p.data.add_(p.grad, alpha=-lr)`` otherwise ends in numpy's own message
(``'numpy.ndarray' object has no attribute 'add_'``), which does not say why the object is an array.

``install()`` wraps ``sys.excepthook`` only when it is still Python's own (an IDE or IPython that set its own
hook keeps it untouched); the wrapped hook prints the traceback exactly as before, then the hint, if any.
"""
from __future__ import annotations

import re
import sys
from types import TracebackType

_NO_ATTRIBUTE = re.compile(r"'numpy\.ndarray' object has no attribute '(\w+)'")
_VIEW_DTYPE = re.compile(r"Cannot interpret '[^']*' as a data type")
_NUMPY_KEYWORD = re.compile(r"^_\w+\(\) got an unexpected keyword argument '(dim|keepdim)'")  # numpy's _amax, _mean
README_SECTION = "'Coming from PyTorch' in the README"


def hint_for(error: BaseException) -> str | None:
    """The hint line for ``error``, or None when it is not a Tensor method called on a numpy array."""
    from .tensor import Tensor

    if isinstance(error, AttributeError):
        found = _NO_ATTRIBUTE.search(str(error))
        if found and hasattr(Tensor, found.group(1)):
            name = found.group(1)
            return (f"hint: in tinygrad_rnn, .data, .grad and what a custom Function's forward/backward receive are "
                    f"numpy arrays, and numpy has no .{name}: write "
                    f"that line with numpy (an update: p.data -= lr * p.grad), or call .{name} on the Tensor itself "
                    f"(under torch.no_grad() to change a parameter); see {README_SECTION}")
    if isinstance(error, TypeError) and _NUMPY_KEYWORD.search(str(error)):
        return ("hint: in tinygrad_rnn, .data, .grad and what a custom Function's forward/backward receive are "
                "numpy arrays, whose reductions take axis= and keepdims= (and .max(1) gives the values only: "
                f"use .argmax(1) for the indices); or call it on the Tensor itself; see {README_SECTION}")
    if isinstance(error, TypeError) and _VIEW_DTYPE.search(str(error)):
        return ("hint: in tinygrad_rnn, .data, .grad and what a custom Function's forward/backward receive are "
                "numpy arrays, whose .view() takes a dtype: use "
                f".reshape(...) on them, or .view(...) on the Tensor itself; see {README_SECTION}")
    return None


def _hinting_hook(previous):
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        previous(kind, error, tb)
        try:
            line = hint_for(error)
        except Exception:  # a hint must never hide the traceback it follows
            line = None
        if line:
            print(line, file=sys.stderr)
    hook.tinygrad_rnn_hints = True
    return hook


def install() -> None:
    """Add the hint to uncaught errors (once; only over Python's own ``sys.excepthook``)."""
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _hinting_hook(sys.excepthook)
