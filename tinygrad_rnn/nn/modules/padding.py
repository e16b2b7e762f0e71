"""``torch.nn.modules.padding``: the same classes as ``nn.ReflectionPad2d``, ``nn.ZeroPad2d``, ..."""
from ..padding import *  # noqa: F403
from ..padding import __all__  # noqa: F401
