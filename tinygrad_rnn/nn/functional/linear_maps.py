"""The linear and bilinear maps of ``nn.Linear`` and ``nn.Bilinear``."""
from __future__ import annotations

from ... import ops
from ...tensor import Tensor
from ._common import _tensor


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``: x ``(..., in)``, weight ``(out, in)``, bias ``(out,)`` -> ``(..., out)``."""
    out = ops.MatMul.apply(x, ops.Transpose.apply(weight, axes=None))
    return out if bias is None else ops.Add.apply(out, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_o = x1 W_o x2 + b_o``: input1 ``(*, in1)``, input2 ``(*, in2)`` (same leading shape), weight
    ``(out, in1, in2)``, bias ``(out,)`` -> ``(*, out)``. One matmul ``x1 (B, in1) @ W (in1, out*in2)`` then
    a product with x2 summed over in2, so no ``(B, out, in1, in2)`` array is ever built."""
    x1, x2, weight = _tensor(input1), _tensor(input2), _tensor(weight)
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be (out_features, in1_features, in2_features), got {weight.shape}")
    out_f, in1, in2 = weight.shape
    if x1.ndim == 0 or x1.shape[-1] != in1 or x2.ndim == 0 or x2.shape[-1] != in2 or x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(f"bilinear: inputs (*, {in1}) and (*, {in2}) with one leading shape expected, "
                         f"got {x1.shape} and {x2.shape}")
    lead = x1.shape[:-1]
    a = x1.reshape(-1, in1) @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)      # (B, out * in2)
    y = (a.reshape(-1, out_f, in2) * x2.reshape(-1, 1, in2)).sum(dim=-1)           # (B, out)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out_f)
