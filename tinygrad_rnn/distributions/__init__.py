"""PyTorch's ``torch.distributions`` for this library: ``Categorical``, ``OneHotCategorical``, ``Bernoulli``,
``Normal``, ``Uniform``, ``Independent`` and ``kl_divergence``, built on Tensor ops (log_prob, entropy and
rsample are differentiable) and drawing from ``tinygrad_rnn.random`` (``manual_seed`` makes sampling
reproducible). ``MultivariateNormal`` and the other torch distributions are not provided."""
from . import constraints, kl
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical, OneHotCategoricalStraightThrough
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Uniform", "constraints", "kl", "kl_divergence", "register_kl"]
