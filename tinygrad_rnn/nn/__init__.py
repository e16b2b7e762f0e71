"""``tinygrad_rnn.nn``: modules and layers with PyTorch's names, signatures and weight layouts.

    from tinygrad_rnn import nn, optim
    import tinygrad_rnn.nn.functional as F

    class CharModel(nn.Module):
        def __init__(self, vocab, hidden):
            super().__init__()                      # then every Parameter/Module attribute is registered
            self.emb = nn.Embedding(vocab, hidden)
            self.rnn = nn.RNN(hidden, hidden)       # fused numpy BPTT by default (fused=False: per step)
            self.out = nn.Linear(hidden, vocab)

        def forward(self, ids, h0=None):            # ids (T, B) integers
            out, h_n = self.rnn(self.emb(ids), h0)  # (T, B, H), (1, B, H)
            return self.out(out), h_n

    model = CharModel(65, 100)
    opt = optim.Adagrad(model.parameters(), lr=0.1)
    logits, h = model(ids)
    loss = F.cross_entropy(logits.reshape(-1, 65), targets.reshape(-1))
    opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 5.0); opt.step()
    model.load_state_dict(model.state_dict())      # keys "emb.weight", "rnn.weight_ih_l0", ... as in PyTorch

Initialisation: PyTorch's defaults, or ``scheme="min-char-rnn" | "rnn-numpy"`` on any layer (see
:mod:`.init`); random draws come from ``tinygrad_rnn.manual_seed(seed)``'s generator. Parameters get
``tinygrad_rnn.get_default_dtype()`` (float32) unless a layer is given ``dtype=``.
"""
from ..ops import FusedGRUFunction, FusedLSTMFunction, FusedRNNFunction  # re-exported: nn.FusedRNNFunction...
from . import functional, init, utils
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU,
                         ReLU6, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softsign, Tanh, Threshold)
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .attention import MultiheadAttention
from .class_softmax import ClassSoftmax, frequency_classes
from .dropout import Dropout
from .embedding import Embedding
from .functional import fused_gru, fused_lstm, fused_rnn
from .linear import CosineSimilarity, Flatten, Identity, Linear, PairwiseDistance, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, CTCLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .module import (IncompatibleKeys, Module, ModuleDict, ModuleList, Parameter, ParameterDict, ParameterList,
                     RemovableHandle, Sequential)
from .normalization import LayerNorm
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                          TransformerEncoderLayer)
from .rnn import GRU, LSTM, RNN
from .rnn_cells import GRUCell, LSTMCell, RNNCell
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d

__all__ = [
    "Module", "ModuleList", "Sequential", "ModuleDict", "ParameterList", "Parameter", "IncompatibleKeys",
    "Linear", "AdaptiveLogSoftmaxWithLoss", "ClassSoftmax", "frequency_classes", "Identity", "Flatten", "Embedding", "Dropout", "Tanh", "ReLU", "Sigmoid", "GELU", "Softmax", "LogSoftmax",
    "Transformer", "TransformerEncoder", "TransformerEncoderLayer", "TransformerDecoder", "TransformerDecoderLayer",
    "MultiheadAttention", "modules", "LayerNorm", "NLLLoss", "CrossEntropyLoss", "MSELoss", "L1Loss", "BCEWithLogitsLoss",
    "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "FusedRNNFunction", "FusedLSTMFunction", "FusedGRUFunction", "fused_rnn", "fused_lstm", "fused_gru", "init", "utils", "functional",
    "ParameterDict", "RemovableHandle", "Unflatten", "CosineSimilarity", "PairwiseDistance",
    "BCELoss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CTCLoss",
    "LeakyReLU", "ELU", "CELU", "SELU", "SiLU", "Mish", "ReLU6", "Softplus", "Hardtanh", "LogSigmoid", "Softsign",
    "Threshold", "GLU", "Softmin", "PReLU",
    "Conv1d", "MaxPool1d", "AvgPool1d", "AdaptiveMaxPool1d", "AdaptiveAvgPool1d", "BatchNorm1d",
    "BatchNorm2d", "BatchNorm3d",
]

# more layers, activations, dropouts, norms and losses; nn.Buffer; the RNN base classes under PyTorch's names
from .activation_more import Hardshrink, Hardsigmoid, Hardswish, RReLU, Softmax2d, Softshrink, Tanhshrink  # noqa: E402
from .bilinear import Bilinear  # noqa: E402
from .buffer import Buffer  # noqa: E402
from .dropout_more import AlphaDropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout  # noqa: E402
from .embedding_bag import EmbeddingBag  # noqa: E402
from .loss_more import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss,  # noqa: E402
                        MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss,
                        SoftMarginLoss, TripletMarginLoss)
from .norm_more import GroupNorm, RMSNorm  # noqa: E402
from .rnn import _RNNBase as RNNBase  # noqa: E402  isinstance(nn.LSTM(...), nn.RNNBase)
from .rnn_cells import _CellBase as RNNCellBase  # noqa: E402  isinstance(nn.GRUCell(...), nn.RNNCellBase)

__all__ += [
    "Hardswish", "Hardsigmoid", "Hardshrink", "Softshrink", "Tanhshrink", "RReLU", "Softmax2d", "Bilinear", "Buffer",
    "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "EmbeddingBag", "RMSNorm",
    "GroupNorm", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "TripletMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss",
    "MultiLabelMarginLoss", "RNNBase", "RNNCellBase",
]

from . import modules  # noqa: E402  PyTorch's paths nn.modules.rnn.LSTM, ... (after every class exists)

__all__ += ["Conv2d", "Conv3d", "MaxPool2d", "AvgPool2d", "AdaptiveMaxPool2d", "AdaptiveAvgPool2d"]
__all__ += ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]
__all__ += ["MaxPool3d", "AvgPool3d", "AdaptiveMaxPool3d", "AdaptiveAvgPool3d"]

# resizing and sub-pixel layers
from .upsampling import PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: E402

__all__ += ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle"]

# padding layers (reflect, replicate, circular, zero, constant), instance norms, unfold/fold and more
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,  # noqa: E402
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                      ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: E402
from .fold import Fold, Unfold  # noqa: E402
from .unpool_lrn import LocalResponseNorm, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d  # noqa: E402

__all__ += [
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
    "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
    "Unfold", "Fold", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LocalResponseNorm",
]
