"""How a Tensor prints: PyTorch's layout (``tensor([1.5000, 2.0000])``), so printouts read like the tutorials'.

The rules, as PyTorch applies them:

- one number format per tensor, chosen from its nonzero finite values: all integers -> ``1.`` (no decimals);
  otherwise ``precision`` decimals (``1.5000``); scientific (``1.0000e-05``) when the largest |value| is over
  1000 times the smallest, over 1e8, or (for non-integers) the smallest is under 1e-4. ``sci_mode`` forces
  scientific notation on or off -- except for a tensor with no nonzero finite value, always ``0.``/``nan``;
- every number is right-aligned to the widest one; a row wraps to keep lines within ``linewidth``;
- over ``threshold`` elements the middle of each long dimension is printed as ``...`` (``edgeitems`` kept at
  each end), and the number format is chosen from the printed values only;
- suffixes after the values: ``dtype=`` unless it is the default float dtype, int64 or bool; ``size=`` for an
  empty tensor that is not 1-d; ``grad_fn=<...>`` or ``requires_grad=True``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dtypes import get_default_dtype

__all__ = ["set_printoptions", "tensor_repr"]


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()
"""The current print options (``set_printoptions`` changes them)."""

_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
             "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80}}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """PyTorch's ``torch.set_printoptions``: ``profile`` ("default", "short" or "full") sets all four numbers,
    then the numbers given override it; the others keep their values. ``sci_mode`` True/False forces
    scientific notation on/off and None (also when not passed, as in torch) lets each tensor choose.
    Unlike torch, an unknown profile is an error rather than ignored. numpy's own options are left alone."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """The one format of the numbers of an array: chosen from ``values`` (the ones that will be printed),
    ``width`` is the widest formatted number, ``format(x)`` a number right-aligned to it."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        precision = PRINT_OPTS.precision
        if not self.floating:
            for v in values.reshape(-1).tolist():
                self.width = max(self.width, len(str(v)))
            return
        flat = values.reshape(-1)
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size:
            magnitude = np.abs(shown).astype(np.float64)
            big, small = float(magnitude.max()), float(magnitude.min())
            self.int_mode = bool(np.all(np.ceil(shown) == shown))
            self.sci_mode = big / small > 1000.0 or big > 1.0e8 or (not self.int_mode and small < 1.0e-4)
            if PRINT_OPTS.sci_mode is not None:
                self.sci_mode = PRINT_OPTS.sci_mode
            if self.sci_mode:
                texts = [f"{v:.{precision}e}" for v in shown.tolist()]
            elif self.int_mode:
                texts = [f"{v:.0f}." for v in shown.tolist()]
            else:
                texts = [f"{v:.{precision}f}" for v in shown.tolist()]
            self.width = max(self.width, max(len(t) for t in texts))

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.width)


class _ComplexFormatter:
    """Complex numbers as torch prints them: real and imaginary parts each with their own _Formatter."""

    def __init__(self, values: np.ndarray):
        self.real, self.imag = _Formatter(values.real), _Formatter(values.imag)
        self.width = self.real.width + self.imag.width + 1

    def format(self, value: complex) -> str:
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return self.real.format(value.real) + (imag if imag[0] in "+-" else "+" + imag)


def _edges(data: np.ndarray, summarize: bool) -> np.ndarray:
    """The values that will be printed: with ``summarize``, only the ``edgeitems`` at each end of every
    dimension longer than twice that."""
    if not summarize or data.ndim == 0:
        return data
    n = PRINT_OPTS.edgeitems
    if data.shape[0] > 2 * n:
        data = np.concatenate([data[:n], data[len(data) - n:]])
    if data.ndim == 1:
        return data
    return np.stack([_edges(row, summarize) for row in data])


def _elided(length: int, summarize: bool) -> list[int | None]:
    """The indices printed along a dimension of ``length``, None where ``...`` stands."""
    n = PRINT_OPTS.edgeitems
    if summarize and length > 2 * n:
        return [*range(n), None, *range(length - n, length)]
    return list(range(length))


def _rows(data: np.ndarray, indent: int, summarize: bool, fmt: Any) -> str:
    """``data`` (at least 1-d) as nested brackets; ``indent`` is the column of its opening bracket."""
    if data.ndim == 1:
        items = [" ..." if i is None else fmt.format(data[i].item()) for i in _elided(len(data), summarize)]
        per_line = max(1, (PRINT_OPTS.linewidth - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if i is None else _rows(data[i], indent + 1, summarize, fmt)
             for i in _elided(len(data), summarize)]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _values(data: np.ndarray, indent: int) -> str:
    """The printed values of a non-empty array."""
    if data.dtype == np.float16:
        data = data.astype(np.float32)  # as torch: half is printed through float
    summarize = data.size > PRINT_OPTS.threshold
    shown = _edges(data, summarize)
    fmt = _ComplexFormatter(shown) if data.dtype.kind == "c" else _Formatter(shown)
    if data.ndim == 0:
        return fmt.format(data.item())
    return _rows(data, indent, summarize, fmt)


def _dtype_name(dtype: np.dtype) -> str:
    return f"torch.{np.dtype(dtype).name}"


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """``text`` closed with its suffixes, each on a new line (at ``indent``) when it would pass the line width."""
    # (torch counts the last line as 2 characters longer than it is, except after a suffix's own new line)
    line = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix in suffixes:
        if line + len(suffix) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line += len(suffix) + 2
    return "".join(pieces) + ")"


def tensor_repr(tensor: Any) -> str:
    """PyTorch's ``repr(tensor)``: ``tensor(<values>[, suffixes])``."""
    data: np.ndarray = tensor.data
    prefix = "tensor("
    suffixes = []
    default = get_default_dtype()
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != default:
            suffixes.append(f"dtype={_dtype_name(data.dtype)}")
        body = "[]"
    else:
        default_complex = np.result_type(default, np.complex64)
        if data.dtype not in (default, default_complex, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={_dtype_name(data.dtype)}")
        body = _values(data, len(prefix))
    ctx = tensor.grad_fn
    if ctx is not None:
        suffixes.append(f"grad_fn=<{ctx.name()}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, len(prefix))
