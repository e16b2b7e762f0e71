"""torch's module path ``torch.distributions.one_hot_categorical`` (the classes live in categorical.py)."""
from .categorical import OneHotCategorical, OneHotCategoricalStraightThrough

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]
