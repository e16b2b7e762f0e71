"""The library-wide random generator (PyTorch's ``torch.random``): every initialiser in ``nn.init`` and
every dropout mask draws from it unless given a ``generator``, so a whole run is reproducible from one
``manual_seed``."""
from __future__ import annotations

import numpy as np

__all__ = ["manual_seed", "get_generator"]

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator used by every initialiser and by dropout; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def get_generator(generator: np.random.Generator | None = None) -> np.random.Generator:
    """``generator`` if given, else the library-wide one (see ``manual_seed``)."""
    return _generator if generator is None else generator
