"""Convolution: conv1d/2d/3d on one ConvNd op and conv_transpose1d/2d/3d on its transpose, ConvTransposeNd, with
their padding and argument checks."""
from __future__ import annotations

from typing import Any

from ... import ops
from ...ops.conv import ConvTransposeNd
from ...tensor import Tensor
from ._common import _ntuple, _one, _spatial_input, _tensor


def _conv_padding(padding: Any, stride: tuple[int, ...], dilation: tuple[int, ...], kernel: tuple[int, ...],
                  fn: str) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` zeros per dimension from an int, a tuple, ``"valid"`` or ``"same"`` (stride 1 only;
    an odd total puts the extra one after, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding != "same":
            raise ValueError(f"{fn}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{fn}: padding='same' is not supported for strided convolutions")
        totals = [dl * (k - 1) for dl, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _ntuple(padding, "padding", fn, len(kernel), minimum=0))


def _convnd(input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups: Any, d: int,
            fn: str) -> Tensor:
    """What ``conv1d``, ``conv2d`` and ``conv3d`` share: the checks, the unbatched ``(C, *size)`` form, the op."""
    x = _spatial_input(input, fn, d)
    input_shape, unbatched = tuple(x.shape), x.ndim == d + 1
    if unbatched:  # one sample: a batch of one, and the batch dimension dropped again at the end
        x = x.reshape(1, *x.shape)
    weight = _tensor(weight)
    stride = _ntuple(stride, "stride", fn, d)
    dilation = _ntuple(dilation, "dilation", fn, d)
    groups = _one(groups, "groups", fn)
    if weight.ndim != 2 + d:
        kernel_dims = "kernel" if d == 1 else ", ".join(f"k{a}" for a in "DHW"[3 - d:])
        raise ValueError(f"{fn}: weight must be {2 + d}-D (out_channels, in_channels/groups, {kernel_dims}), got "
                         f"{weight.shape}")
    O, Cg, kernel = weight.shape[0], weight.shape[1], tuple(weight.shape[2:])
    C, size = x.shape[1], tuple(x.shape[2:])
    if O % groups:
        raise ValueError(f"{fn}: out_channels {O} (weight {weight.shape}) is not divisible by groups {groups}")
    if Cg * groups != C:
        raise ValueError(f"{fn}: weight {weight.shape} with groups={groups} expects {Cg * groups} input "
                         f"channels, got {C} (input shape {input_shape})")
    pads = _conv_padding(padding, stride, dilation, kernel, fn)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(size, pads))
    span = tuple(dl * (k - 1) + 1 for dl, k in zip(dilation, kernel))
    if any(p < s for p, s in zip(padded, span)):
        raise ValueError(f"{fn}: the padded input size per channel ({' x '.join(map(str, padded))}) is smaller "
                         f"than the (dilated) kernel size, its span ({' x '.join(map(str, span))})")
    if bias is not None:
        bias = _tensor(bias)
        if bias.shape != (O,):
            raise ValueError(f"{fn}: bias must have shape ({O},), got {bias.shape}")
    out = ops.ConvNd.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
           padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation: input ``(N, C_in, L)`` or ``(C_in, L)``, weight ``(C_out, C_in/groups, K)``,
    bias ``(C_out,)`` -> ``(N, C_out, L_out)`` (or ``(C_out, L_out)``), with
    ``L_out = (L + 2 padding - dilation (K - 1) - 1) // stride + 1``. ``padding`` is zeros on both sides:
    an int, a 1-tuple, ``"valid"`` (none) or ``"same"`` (L_out = L; stride 1 only, any extra on the right)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
           padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation: input ``(N, C_in, H, W)`` or ``(C_in, H, W)``, weight
    ``(C_out, C_in/groups, kH, kW)``, bias ``(C_out,)`` -> ``(N, C_out, H_out, W_out)`` (or unbatched), with
    ``H_out = (H + 2 padding_h - dilation_h (kH - 1) - 1) // stride_h + 1`` and likewise W_out. ``stride``,
    ``padding``, ``dilation``: an int or an ``(h, w)`` pair; ``padding`` also ``"valid"`` or ``"same"``."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
           padding: int | tuple | str = 0, dilation: int | tuple = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation: input ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``, weight
    ``(C_out, C_in/groups, kD, kH, kW)``, bias ``(C_out,)`` -> ``(N, C_out, D_out, H_out, W_out)`` (or unbatched),
    each output size as in :func:`conv2d`. ``stride``, ``padding``, ``dilation``: an int or a ``(d, h, w)``
    triple; ``padding`` also ``"valid"`` or ``"same"``."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transposend(input: Any, weight: Any, bias: Any, stride: Any, padding: Any, output_padding: Any,
                      groups: Any, dilation: Any, d: int, fn: str) -> Tensor:
    """What ``conv_transpose1d/2d/3d`` share: PyTorch's checks, the unbatched ``(C, *size)`` form, the op."""
    x = _spatial_input(input, fn, d)
    input_shape, unbatched = tuple(x.shape), x.ndim == d + 1
    if unbatched:
        x = x.reshape(1, *x.shape)
    weight = _tensor(weight)
    stride = _ntuple(stride, "stride", fn, d)
    dilation = _ntuple(dilation, "dilation", fn, d)
    if isinstance(padding, str):  # as torch: its output size is set by output_padding / output_size instead
        raise TypeError(f"{fn}: padding must be an int or a tuple of ints, not str ({padding!r})")
    pad = _ntuple(padding, "padding", fn, d, minimum=0)
    output_padding = _ntuple(output_padding, "output_padding", fn, d, minimum=0)
    groups = _one(groups, "groups", fn)
    if weight.ndim != 2 + d:
        kernel_dims = "kernel" if d == 1 else ", ".join(f"k{a}" for a in "DHW"[3 - d:])
        raise ValueError(f"{fn}: weight must be {2 + d}-D (in_channels, out_channels/groups, {kernel_dims}), got "
                         f"{weight.shape}")
    C_in, kernel, C_out = weight.shape[0], tuple(weight.shape[2:]), weight.shape[1] * groups
    C, size = x.shape[1], tuple(x.shape[2:])
    if C_in % groups:
        raise ValueError(f"{fn}: in_channels {C_in} (weight {weight.shape}, dimension 0) is not divisible by "
                         f"groups {groups}")
    if C != C_in:
        raise ValueError(f"{fn}: weight {weight.shape} expects an input with {C_in} channels, got {C} (input "
                         f"shape {input_shape})")
    # output_padding's extra positions must lie within one stride step (or one dilation gap) of the last window
    if any(op >= s and op >= dl for op, s, dl in zip(output_padding, stride, dilation)):
        raise ValueError(f"{fn}: output padding must be smaller than either stride or dilation, but got "
                         f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
    if 0 in weight.shape:  # torch's kernels need a non-empty one
        raise ValueError(f"{fn}: weight must not be empty, got {weight.shape}")
    batch = x.shape[0]
    if batch and 0 in size:
        raise ValueError(f"{fn}: only a zero batch may be empty, got input shape {input_shape}")
    out = tuple((n - 1) * s - 2 * p + dl * (k - 1) + op + 1
                for n, s, p, dl, k, op in zip(size, stride, pad, dilation, kernel, output_padding))
    if any(o < (1 if batch else 0) for o in out):  # as torch: an empty batch may give an empty output
        raise ValueError(f"{fn}: given input size per channel ({' x '.join(map(str, size))}), the calculated output "
                         f"size per channel ({' x '.join(map(str, out))}) is too small")
    if bias is not None:
        bias = _tensor(bias)
        if bias.shape != (C_out,):
            raise ValueError(f"{fn}: bias must have shape ({C_out},), got {bias.shape}")
    y = ConvTransposeNd.apply(x, weight, bias, stride=stride, padding=tuple((p, p) for p in pad),
                              output_padding=output_padding, dilation=dilation, groups=groups)
    return y.reshape(y.shape[1:]) if unbatched else y


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
                     padding: int | tuple = 0, output_padding: int | tuple = 0, groups: int = 1,
                     dilation: int | tuple = 1) -> Tensor:
    """1-D transposed convolution (the gradient of :func:`conv1d` wrt its input): input ``(N, C_in, L)`` or
    ``(C_in, L)``, weight ``(C_in, C_out/groups, K)`` (PyTorch's layout), bias ``(C_out,)`` ->
    ``(N, C_out, L_out)`` with ``L_out = (L - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1``.
    ``padding`` removes that many positions from both ends; ``output_padding`` (below stride or dilation)
    adds positions at the end, picking one of the input sizes a strided conv1d maps to L. Note torch's
    argument order: ``groups`` before ``dilation``."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                             "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
                     padding: int | tuple = 0, output_padding: int | tuple = 0, groups: int = 1,
                     dilation: int | tuple = 1) -> Tensor:
    """2-D transposed convolution: input ``(N, C_in, H, W)`` or ``(C_in, H, W)``, weight
    ``(C_in, C_out/groups, kH, kW)``, bias ``(C_out,)`` -> ``(N, C_out, H_out, W_out)``, each size as in
    :func:`conv_transpose1d`; every argument an int or an ``(h, w)`` pair."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                             "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple = 1,
                     padding: int | tuple = 0, output_padding: int | tuple = 0, groups: int = 1,
                     dilation: int | tuple = 1) -> Tensor:
    """3-D transposed convolution: input ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``, weight
    ``(C_in, C_out/groups, kD, kH, kW)`` -> ``(N, C_out, D_out, H_out, W_out)``, each size as in
    :func:`conv_transpose1d`; every argument an int or a ``(d, h, w)`` triple."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                             "conv_transpose3d")
