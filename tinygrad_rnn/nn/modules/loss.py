"""``torch.nn.modules.loss``: the same classes as ``nn.NLLLoss``."""
from ... import nn as _nn

NLLLoss = _nn.NLLLoss
CrossEntropyLoss = _nn.CrossEntropyLoss
MSELoss = _nn.MSELoss
L1Loss = _nn.L1Loss
BCEWithLogitsLoss = _nn.BCEWithLogitsLoss
BCELoss = _nn.BCELoss
SmoothL1Loss = _nn.SmoothL1Loss
HuberLoss = _nn.HuberLoss
KLDivLoss = _nn.KLDivLoss
MarginRankingLoss = _nn.MarginRankingLoss
HingeEmbeddingLoss = _nn.HingeEmbeddingLoss
CosineEmbeddingLoss = _nn.CosineEmbeddingLoss
SoftMarginLoss = _nn.SoftMarginLoss
MultiLabelSoftMarginLoss = _nn.MultiLabelSoftMarginLoss
MultiMarginLoss = _nn.MultiMarginLoss
TripletMarginLoss = _nn.TripletMarginLoss
PoissonNLLLoss = _nn.PoissonNLLLoss
GaussianNLLLoss = _nn.GaussianNLLLoss
MultiLabelMarginLoss = _nn.MultiLabelMarginLoss
CTCLoss = _nn.CTCLoss
