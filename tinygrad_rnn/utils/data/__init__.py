"""``tinygrad_rnn.utils.data``: PyTorch's ``torch.utils.data`` — datasets, samplers, ``DataLoader`` and collation.

    from tinygrad_rnn.utils.data import DataLoader, TensorDataset, random_split
    train, valid = random_split(TensorDataset(x, y), [0.9, 0.1], generator=torch.Generator().manual_seed(0))
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True):
        ...

Shuffling draws from ``tinygrad_rnn.random``'s generator (``manual_seed``) or from ``generator=``. Loading runs in
the calling process: ``num_workers > 0`` is accepted and loads the same batches without worker processes
(``get_worker_info()`` is None, as in PyTorch's main process). ``DistributedSampler(dataset, num_replicas, rank)``
gives one replica's share of the indices (1 replica, rank 0 by default: there is no process group).
"""
from .dataloader import DataLoader, WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
                      random_split)
from .distributed import DistributedSampler
from . import distributed
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["DataLoader", "get_worker_info", "WorkerInfo", "default_collate", "default_convert", "Dataset",
           "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]
