"""``torch.utils.hooks``: ``RemovableHandle``."""
from ..hooks import RemovableHandle

__all__ = ["RemovableHandle"]
