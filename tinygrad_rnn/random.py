"""The library-wide random generator (PyTorch's ``torch.random``): every initialiser in ``nn.init`` and
every dropout mask draws from it unless given a ``generator``, so a whole run is reproducible from one
``manual_seed``."""
from __future__ import annotations

import numpy as np

__all__ = ["manual_seed", "get_generator", "seed", "initial_seed"]

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


def get_generator(generator: np.random.Generator | None = None) -> np.random.Generator:
    """``generator`` if given, else the library-wide one (see ``manual_seed``)."""
    return _generator if generator is None else generator
