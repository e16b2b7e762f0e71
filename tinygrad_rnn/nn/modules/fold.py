"""``torch.nn.modules.fold``: the same classes as ``nn.Fold`` and ``nn.Unfold``."""
from ..fold import Fold, Unfold

__all__ = ["Fold", "Unfold"]
