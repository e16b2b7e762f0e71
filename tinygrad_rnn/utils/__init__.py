"""``tinygrad_rnn.utils``: PyTorch's ``torch.utils`` paths that training programs use (``utils.data``)."""
from . import data

__all__ = ["data"]
