"""``torch.nn.modules.conv``: the same classes as ``nn.Conv1d/2d/3d`` and ``nn.ConvTranspose1d/2d/3d``."""
from ..conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]
