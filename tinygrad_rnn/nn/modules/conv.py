"""``torch.nn.modules.conv``: the same classes as ``nn.Conv1d``, ``nn.Conv2d`` and ``nn.Conv3d``."""
from ..conv import Conv1d, Conv2d, Conv3d

__all__ = ["Conv1d", "Conv2d", "Conv3d"]
