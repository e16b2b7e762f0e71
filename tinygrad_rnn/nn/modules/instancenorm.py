"""``torch.nn.modules.instancenorm``: the same classes as ``nn.InstanceNorm1d``, ..."""
from ..instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]
