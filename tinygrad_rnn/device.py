"""CPU only: ``device("cpu")`` exists so PyTorch programs that move things to a device run unchanged; asking
for any other device raises one clear error. ``cuda.is_available()`` and ``accelerator.is_available()`` are False."""
from __future__ import annotations

import types
from typing import Any

__all__ = ["device", "check_device", "cpu", "cpu_module", "cuda", "accelerator", "backends"]

_MESSAGE = ("tinygrad_rnn runs on the CPU only (numpy); {what} is not available. Use 'cpu', e.g. "
            "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')")


class device:
    """``device("cpu")`` / ``device("cpu", 0)`` / ``device("cpu:0")``; any other type raises ``RuntimeError``."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any = "cpu", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, _, idx = name.partition(":")
            index = int(idx) if idx else index
        if name != "cpu":
            raise RuntimeError(_MESSAGE.format(what=f"device {str(type)!r}"))
        self.type = "cpu"
        self.index = index

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


cpu = device("cpu")


def is_device(x: Any) -> bool:
    """Whether ``x`` names a device (a ``device``, or a string such as "cpu", "cuda:0", "mps")."""
    if isinstance(x, device):
        return True
    return isinstance(x, str) and x.partition(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta")


def check_device(x: Any) -> device:
    """``x`` as a device, which must be the CPU (an int index means a CUDA device, as in PyTorch)."""
    if isinstance(x, int) and not isinstance(x, bool):
        raise RuntimeError(_MESSAGE.format(what=f"CUDA device {x}"))
    return device(x)


def _unavailable(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(_MESSAGE.format(what="CUDA"))


cuda = types.ModuleType("tinygrad_rnn.cuda", "CUDA is not available: is_available() is False, device_count() is 0.")
cuda.is_available = lambda: False
cuda.device_count = lambda: 0
cuda.manual_seed = lambda seed: None  # programs seed CUDA beside the CPU; there is nothing to seed
cuda.manual_seed_all = lambda seed: None
cuda.synchronize = lambda *a, **k: None
cuda.current_device = _unavailable
cuda.get_device_name = _unavailable
cuda.is_bf16_supported = lambda including_emulation=True: False  # nanoGPT picks its AMP dtype by it

# torch.cpu (the module; ``cpu`` above is the device): what programs ask of it, and its ``amp`` (amp.py)
cpu_module = types.ModuleType("tinygrad_rnn.cpu", "The CPU, the one device: is_available() is True.")
cpu_module.is_available = lambda: True
cpu_module.device_count = lambda: 1
cpu_module.current_device = lambda: "cpu"
cpu_module.synchronize = lambda *a, **k: None

accelerator = types.ModuleType("tinygrad_rnn.accelerator", "No accelerator: is_available() is False.")
accelerator.is_available = lambda: False
accelerator.current_accelerator = lambda *a, **k: None
accelerator.device_count = lambda: 0


def _backend(name: str, doc: str, **flags: Any) -> types.ModuleType:
    module = types.ModuleType(f"tinygrad_rnn.backends.{name}", doc)
    module.is_available = lambda: False
    for key, value in flags.items():
        setattr(module, key, value)
    return module


# ``torch.backends.cudnn.deterministic = True`` and its neighbours are set-up lines of many programs: the flags
# exist and can be set; numpy on the CPU is deterministic whatever they say
backends = types.ModuleType("tinygrad_rnn.backends", "GPU backends: none is available; their flags can be set "
                                                      "and change nothing (the CPU/numpy runs are deterministic).")
backends.cudnn = _backend("cudnn", "cuDNN is not available.", enabled=True, deterministic=False, benchmark=False,
                          allow_tf32=True)
backends.mps = _backend("mps", "MPS is not available.", is_built=lambda: False)
backends.cuda = _backend("cuda", "CUDA is not available.", is_built=lambda: False)
