"""PyTorch's mixed-precision set-up: ``torch.autocast`` / ``torch.amp.autocast`` and ``torch.amp.GradScaler``,
with the legacy ``torch.cuda.amp`` and ``torch.cpu.amp`` spellings (importable: ``from torch.cuda.amp import
GradScaler``).

Training scripts wrap their forward pass in ``autocast`` and their backward/step in a ``GradScaler``; here they
run unchanged with PyTorch's results on a CPU-only machine:

- ``autocast("cuda", ...)`` and ``GradScaler("cuda")`` (and the ``torch.cuda.amp`` forms) warn that CUDA is not
  available and disable themselves, as PyTorch does without CUDA: the scaler's ``scale(loss)`` is ``loss`` and
  ``step(opt)`` is ``opt.step()``.
- ``GradScaler("cpu")`` scales for real, as PyTorch's does: ``scale`` multiplies by the scale, ``unscale_``/
  ``step`` divide the gradients back, skip the step on inf/NaN gradients, and ``update`` grows or backs off.
- ``autocast("cpu", dtype=torch.bfloat16 or float16)`` cannot change precision: there is no reduced-precision
  kernel (numpy has no bfloat16 matmul), so ops run in their inputs' dtypes. Rather than pretend, entering
  one warns once per process. A disabled autocast, or one with ``dtype=float32``, is silent.
"""
from __future__ import annotations

import functools
import sys
import types
import warnings
from collections import abc, defaultdict
from enum import Enum
from typing import Any, Callable

import numpy as np

from .device import cpu_module, cuda
from .dtypes import bfloat16, float16, float32
from .tensor import Tensor

__all__ = ["autocast", "GradScaler", "is_autocast_available"]

# the device types torch.autocast accepts (PyTorch's device-string list); only "cuda" is known to be absent
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_REDUCED_NAMES = {"cpu": "torch.bfloat16", "cuda": "torch.float16"}  # each device's default autocast dtype
_warned_no_reduced_precision = False  # the once-per-process warning of a reduced-precision CPU autocast


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` accepts ``device_type`` (as PyTorch: "cpu", "cuda", "mps", ...)."""
    return device_type in _DEVICE_TYPES


def _dtype_name(dtype: Any, device_type: str) -> str:
    if dtype is None:
        return _REDUCED_NAMES.get(device_type, "the device's reduced dtype")
    try:
        return f"torch.{np.dtype(dtype).name}"
    except TypeError:
        return str(dtype)


def _is(dtype: Any, target: np.dtype) -> bool:
    try:
        return dtype is not None and np.dtype(dtype) == target
    except TypeError:
        return False


def _warn_no_reduced_precision(device_type: str, dtype: Any) -> None:
    global _warned_no_reduced_precision
    if _warned_no_reduced_precision:
        return
    _warned_no_reduced_precision = True
    warnings.warn(f"torch.autocast({device_type!r}, dtype={_dtype_name(dtype, device_type)}): tinygrad_rnn has no "
                  "reduced-precision kernels, so ops run in their inputs' dtypes (float32 stays float32); results, "
                  "speed and memory are those of full precision", UserWarning, stacklevel=3)


class autocast:
    """``autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: a context manager and a decorator.

    ``dtype=None`` is the device's default (bfloat16 on the CPU, float16 on CUDA). Nothing is ever cast (see the
    module docstring): CUDA autocast disables itself with PyTorch's warning, a CPU one with a reduced dtype warns
    once per process that ops keep their inputs' dtypes."""

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True, cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = dtype  # None: the device's reduced dtype, which numpy does not have (bfloat16)
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
            enabled = False
        elif enabled and device_type == "cpu" and not (dtype is None or dtype is bfloat16 or _is(dtype, float16)
                                                       or _is(dtype, float32)):
            # PyTorch's CPU autocast takes bfloat16 and float16 only; float32 is accepted here (it is what runs)
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast "
                          "only supports dtypes of torch.bfloat16, torch.float16 currently.", stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)

    def __enter__(self) -> autocast:
        if self._enabled and self.device == "cpu" and not _is(self.fast_dtype, float32):
            _warn_no_reduced_precision(self.device, self.fast_dtype)
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        return False

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to "
                            "use autocast as a context manager? For example:\n    with torch.autocast(device_type="
                            "...):\n        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


class _OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_optimizer_state() -> dict[str, Any]:
    return {"stage": _OptState.READY, "found_inf": None}


class GradScaler:
    """``GradScaler(device="cuda", init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
    enabled=True)``: PyTorch's dynamic loss scaling.

    ``scale(loss)`` multiplies by the scale; ``step(optimizer)`` divides the gradients by it (unless ``unscale_``
    already did) and calls ``optimizer.step()`` unless a gradient is inf/NaN; ``update()`` then multiplies the
    scale by ``backoff_factor`` after a skipped step, or by ``growth_factor`` after ``growth_interval`` clean steps
    in a row. ``device="cuda"`` warns and disables the scaler (no CUDA here): every method is then a no-op and
    ``step`` is ``optimizer.step()``."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:  # PyTorch's checks, made only when enabled
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = float(init_scale)
            self._scale: float | None = None  # set by the first scale(), as PyTorch's lazily made tensor
            self._growth_factor = float(growth_factor)
            self._backoff_factor = float(backoff_factor)
            self._growth_interval = int(growth_interval)
            self._init_growth_tracker = 0
            self._growth_tracker: int | None = None
            self._per_optimizer_states: dict[int, dict[str, Any]] = defaultdict(_fresh_optimizer_state)

    def _check_scale_growth_tracker(self, funcname: str) -> None:
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  This may indicate your script did not "
                                 "use scaler.scale(loss or outputs) earlier in the iteration.")

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a Tensor, or a list/tuple/iterable of them) times the scale; unchanged when disabled."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale, self._growth_tracker = float(np.float32(self._init_scale)), self._init_growth_tracker

        def apply_scale(value: Any) -> Any:
            if isinstance(value, Tensor):
                # a Python float keeps a float16 loss float16, as PyTorch's 0-d scale; an overflow to inf is
                # expected (unscale_ finds it and the step is skipped), so numpy's warning would only be noise
                with np.errstate(over="ignore"):
                    return value * self._scale
            if isinstance(value, abc.Iterable):
                scaled = map(apply_scale, value)
                return type(value)(scaled) if isinstance(value, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note whether any is inf/NaN. Optional
        (``step`` does it), for clipping or inspecting the true gradients in between; once per ``update``."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is _OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is _OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = np.float32(1.0 / np.float64(self._scale))  # the reciprocal in float64, as PyTorch
        found_inf = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                values = grad.values if getattr(grad, "is_sparse", False) else grad  # a RowSparseGrad's rows
                if values.dtype == float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                values *= values.dtype.type(inv_scale)
                found_inf = found_inf or not bool(np.isfinite(values).all())
        state["found_inf"] = found_inf
        state["stage"] = _OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``unscale_(optimizer)`` if not done yet, then ``optimizer.step(*args, **kwargs)`` unless a gradient was
        inf/NaN; returns what ``optimizer.step`` returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is _OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _OptState.READY:
            self.unscale_(optimizer)
        retval = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Set the next iteration's scale: ``new_scale`` if given, else backed off after a skipped step or grown
        after ``growth_interval`` clean ones."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError("new_scale should be a float or a 1-element torch.FloatTensor with "
                                         "requires_grad=False.")
                new_scale = new_scale.item()
            self._scale = float(np.float32(new_scale))
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            # PyTorch's _amp_update_scale_, in the float32 its scale tensor holds
            if any(found):
                self._scale = float(np.float32(self._scale) * np.float32(self._backoff_factor))
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    with np.errstate(over="ignore"):  # a scale grown past float32 is kept as it was
                        grown = np.float32(self._scale) * np.float32(self._growth_factor)
                    if np.isfinite(grown):
                        self._scale = float(grown)
                    self._growth_tracker = 0
        self._per_optimizer_states = defaultdict(_fresh_optimizer_state)

    def get_scale(self) -> float:
        """The current scale (``init_scale`` before the first ``scale``), or 1.0 when disabled."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """``{"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}``; {} when
        disabled (PyTorch's keys, so a checkpoint's scaler entry loads either way)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``; a no-op when disabled."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = float(np.float32(state_dict["scale"]))
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker


# ---- the legacy per-device spellings: torch.cuda.amp.* and torch.cpu.amp.* (deprecated in PyTorch, which warns)
def _deprecated(what: str, device: str, new: str) -> None:
    warnings.warn(f"`torch.{device}.amp.{what}(args...)` is deprecated. Please use `torch.amp.{new}('{device}', "
                  "args...)` instead.", FutureWarning, stacklevel=3)


class _CudaAutocast(autocast):
    """``torch.cuda.amp.autocast(enabled=True, dtype=torch.float16, cache_enabled=True)``."""

    def __init__(self, enabled: bool = True, dtype: Any = float16, cache_enabled: bool = True):
        _deprecated("autocast", "cuda", "autocast")
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CpuAutocast(autocast):
    """``torch.cpu.amp.autocast(enabled=True, dtype=torch.bfloat16, cache_enabled=True)`` (None is bfloat16)."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True):
        _deprecated("autocast", "cpu", "autocast")
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def _device_scaler(device: str) -> type:
    def __init__(self: GradScaler, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        _deprecated("GradScaler", device, "GradScaler")
        GradScaler.__init__(self, device, init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    doc = f"``torch.{device}.amp.GradScaler(init_scale=65536.0, ...)``: ``GradScaler('{device}', ...)``."
    return type("GradScaler", (GradScaler,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


def _amp_module(device: str, autocast_class: type) -> types.ModuleType:
    module = types.ModuleType(f"{_PACKAGE}.{device}.amp", f"torch.{device}.amp: autocast and GradScaler for "
                                                          f"device '{device}' (see tinygrad_rnn.amp).")
    autocast_class.__name__ = autocast_class.__qualname__ = "autocast"
    module.autocast, module.GradScaler = autocast_class, _device_scaler(device)
    module.__all__ = ["autocast", "GradScaler"]
    return module


_PACKAGE = __name__.rpartition(".")[0]
_CUDA_AMP = _amp_module("cuda", _CudaAutocast)
_CPU_AMP = _amp_module("cpu", _CpuAutocast)
cuda.amp, cpu_module.amp = _CUDA_AMP, _CPU_AMP
# registered as modules, so that `import torch.cuda.amp` and `from torch.cuda.amp import GradScaler` work
# (torch.cuda and torch.cpu are module objects made in device.py, not files)
for _module in (cuda, _CUDA_AMP, cpu_module, _CPU_AMP):
    sys.modules.setdefault(_module.__name__, _module)
del _module
