"""``tinygrad_rnn.onnx.export`` exists because programs reference it; it raises one clear error."""
from __future__ import annotations

from typing import Any

__all__ = ["export"]


def export(*args: Any, **kwargs: Any) -> None:
    """Not provided: raises ``NotImplementedError`` (save weights with ``tinygrad_rnn.save(model.state_dict(), f)``)."""
    raise NotImplementedError(
        "ONNX export is not provided by tinygrad_rnn: save the weights with "
        "tinygrad_rnn.save(model.state_dict(), 'model.npz') (a pickle-free .npz that numpy reads directly)"
    )
