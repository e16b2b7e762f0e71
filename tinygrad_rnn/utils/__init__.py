"""``tinygrad_rnn.utils``: PyTorch's ``torch.utils`` paths that training programs use (``utils.data``,
``utils.hooks``)."""
from . import data, hooks

__all__ = ["data", "hooks"]
