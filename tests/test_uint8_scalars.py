"""A Python int that does not fit an integer tensor's dtype (uint8 with -2, int8 with 200): PyTorch wraps it
modulo 2**bits in the arithmetic, comparison, bitwise and rounding-division operators (``uint8 // -2``
divides by 254), and in ``where`` / ``masked_fill`` accepts it only down to minus the dtype's largest value
for an unsigned dtype (RuntimeError beyond); numpy raised OverflowError for all of them. Values and dtypes
against torch."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg

from torch_reference import torch, needs_torch

OPS = {
    "add": lambda m, x, v: x + v,
    "radd": lambda m, x, v: v + x,
    "sub": lambda m, x, v: x - v,
    "rsub": lambda m, x, v: v - x,
    "mul": lambda m, x, v: x * v,
    "rmul": lambda m, x, v: v * x,
    "floordiv": lambda m, x, v: x // v,
    "div_floor": lambda m, x, v: m.div(x, v, rounding_mode="floor"),
    "div_trunc": lambda m, x, v: m.div(x, v, rounding_mode="trunc"),
    "method_div_floor": lambda m, x, v: x.div(v, rounding_mode="floor"),
    "truediv": lambda m, x, v: x / v,
    "mod": lambda m, x, v: x % v,
    "remainder": lambda m, x, v: m.remainder(x, v),
    "where_other": lambda m, x, v: m.where(x > 3, x, v),
    "where_input": lambda m, x, v: m.where(x > 3, v, x),
    "masked_fill": lambda m, x, v: x.masked_fill(x > 3, v),
    "sub_alpha": lambda m, x, v: m.sub(x, 1, alpha=v) if abs(v) < 128 else x,
    "lt": lambda m, x, v: x < v,
    "ge": lambda m, x, v: x >= v,
    "eq": lambda m, x, v: x == v,
    "ne": lambda m, x, v: x != v,
    "and": lambda m, x, v: x & v,
    "or": lambda m, x, v: x | v,
}
CASES = [("uint8", [5, 200, 0, 255], v) for v in (-2, -1, -255, -256, -300, 300, 256, 2**40, -2**40)] + \
        [("int8", [5, -100, 0, 127], v) for v in (200, -129, 255, 261)] + \
        [("int16", [5, -300], 2**20), ("int32", [5, -7], -2**40), ("int64", [5, -7], 2**63)]


def _run(module, dtype, values, value, op):
    x = module.tensor(values, dtype=getattr(module, dtype))
    try:
        y = OPS[op](module, x, value)
    except (RuntimeError, OverflowError) as err:
        return type(err)
    return y.tolist(), str(y.dtype).replace("torch.", "")


@needs_torch
@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype, values, value", CASES)
def test_an_int_scalar_out_of_an_integer_dtypes_range_behaves_as_in_torch(dtype, values, value, op):
    if op in ("mod", "remainder") and value % 2 ** (8 * np.dtype(dtype).itemsize) == 0:
        pytest.skip("a divisor that wraps to zero: torch's ZeroDivisionError for % is another matter")
    with np.errstate(all="raise"):
        ours = _run(tg, dtype, values, value, op)
    assert ours == _run(torch, dtype, values, value, op)


@needs_torch
def test_uint8_floor_division_by_minus_two_is_division_by_254():
    x = tg.tensor([5, 254, 255], dtype=tg.uint8)
    assert (x // -2).tolist() == torch.tensor([5, 254, 255], dtype=torch.uint8).__floordiv__(-2).tolist() == [0, 1, 1]


def test_where_beyond_what_pytorch_converts_raises_its_runtime_error():
    x = tg.tensor([5, 200], dtype=tg.uint8)
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8 without overflow"):
        tg.where(x > 3, x, 256)
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8 without overflow"):
        x.masked_fill(x > 3, -256)
    assert tg.where(x > 3, x, -255).dtype == np.uint8  # -255 is 1, as in PyTorch
