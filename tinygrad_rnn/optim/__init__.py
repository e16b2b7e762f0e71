"""Optimizers and learning-rate schedules (PyTorch's names, arguments and update rules).

``from tinygrad_rnn import optim``; ``optim.SGD(model.parameters(), lr=0.1)``;
``optim.lr_scheduler.ReduceLROnPlateau(opt)``.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .radam import RAdam
from .rprop import Rprop
from .sparse_adam import SparseAdam

__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "Adam", "AdamW", "RMSprop", "lr_scheduler",
           "NAdam", "RAdam", "Adamax", "ASGD", "Rprop", "SparseAdam", "LBFGS"]
