"""``tinygrad_rnn.utils``: PyTorch's ``torch.utils`` paths that training programs use (``utils.data``,
``utils.hooks``, ``utils.checkpoint``)."""
from . import checkpoint, data, hooks

__all__ = ["checkpoint", "data", "hooks"]
