"""The library-wide random generator (PyTorch's ``torch.random``): every initialiser in ``nn.init`` and
every dropout mask draws from it unless given a ``generator``, so a whole run is reproducible from one
``manual_seed``."""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

__all__ = ["Generator", "manual_seed", "get_generator", "seed", "initial_seed"]

_initial_seed = int(np.random.SeedSequence().entropy % 2**63)
_generator = np.random.default_rng(_initial_seed)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator used by every initialiser, random tensor and dropout mask; returns it."""
    global _generator, _initial_seed
    _initial_seed = int(seed)
    _generator = np.random.default_rng(seed)
    return _generator


def seed() -> int:
    """Reseed from fresh entropy (PyTorch's ``torch.seed()``); returns the new seed."""
    new = int(np.random.SeedSequence().entropy % 2**63)
    manual_seed(new)
    return new


def initial_seed() -> int:
    """The seed the generator was last seeded with."""
    return _initial_seed


def _fresh_seed() -> int:
    return int(np.random.SeedSequence().entropy % 2**63)


class Generator:
    """PyTorch's ``torch.Generator``: a random stream of its own, for ``generator=`` arguments (``randn``,
    ``randperm``, ``DataLoader``, ``random_split``, ``nn.init``, dropout ...), over a numpy ``default_rng``.
    ``Generator().manual_seed(42)`` returns the generator, as in PyTorch. ``get_state``/``set_state`` take and
    give numpy's bit-generator state (a dict), not a byte tensor. The same distributions as torch, other draws."""

    def __init__(self, device: Any = "cpu"):
        if str(device).split(":")[0] != "cpu":
            raise ValueError(f"Generator(device={device!r}): tinygrad_rnn runs on the CPU only; use device='cpu'")
        self.device = "cpu"
        self.manual_seed(_fresh_seed())

    def manual_seed(self, seed: int) -> Generator:
        """Reseed this generator; returns it."""
        self._initial_seed = int(seed)
        self.rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        new = _fresh_seed()
        self.manual_seed(new)
        return new

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        return copy.deepcopy(self.rng.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Generator:
        self.rng.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"Generator(device='cpu', initial_seed={self._initial_seed})"


def get_generator(generator: Generator | np.random.Generator | None = None) -> np.random.Generator:
    """The numpy generator to draw from: ``generator``'s (a :class:`Generator` or a numpy one) if given, else the
    library-wide one (see ``manual_seed``)."""
    if generator is None:
        return _generator
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a tinygrad_rnn.Generator or a numpy Generator, got {type(generator).__name__}")
