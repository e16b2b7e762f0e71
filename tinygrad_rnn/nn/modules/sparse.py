"""``torch.nn.modules.sparse``: the same classes as ``nn.Embedding``."""
from ... import nn as _nn

Embedding = _nn.Embedding
EmbeddingBag = _nn.EmbeddingBag
