"""``torch.nn.modules.conv``: the same classes as ``nn.Conv1d`` and ``nn.Conv2d``."""
from ..conv import Conv1d, Conv2d

__all__ = ["Conv1d", "Conv2d"]
