"""``DistributedSampler``: each of ``num_replicas`` processes reads its own share of a map-style dataset
(PyTorch's ``torch.utils.data.distributed``)."""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterator

from ...random import Generator, get_generator
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"DistributedSampler: {name} should be an int, got {value!r}")
    return int(value)


class DistributedSampler(Sampler):
    """``DistributedSampler(dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False)``:
    replica ``rank``'s indices of ``dataset``, ``num_samples`` of them, as PyTorch picks them.

    The order is ``0..N-1`` or, with ``shuffle``, a permutation drawn from a generator seeded with
    ``seed + epoch`` (the same on every replica; call ``set_epoch`` before each epoch for a new one). It is
    made a multiple of ``num_replicas`` long, ``total_size``: without ``drop_last`` by repeating it from its
    start (wrapping as often as needed), with ``drop_last`` by cutting its tail. Replica ``rank`` takes
    every ``num_replicas``-th index from position ``rank``.

    There is no process group here: ``num_replicas`` and ``rank`` default to 1 and 0 (one process reading
    everything); pass them to split a dataset. The shuffled order comes from this library's generator, so
    it differs from PyTorch's ``randperm`` for the same seed (the padding and striding rules are PyTorch's).
    """

    def __init__(self, dataset: Any, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        num_replicas = 1 if num_replicas is None else _int(num_replicas, "num_replicas")
        rank = 0 if rank is None else _int(rank, "rank")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas should be a positive integer, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank, self.epoch = dataset, num_replicas, rank, 0
        self.drop_last, self.shuffle, self.seed = drop_last, shuffle, _int(seed, "seed")
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = max(0, math.ceil((n - num_replicas) / num_replicas))  # whole rounds only
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            rng = get_generator(Generator().manual_seed(self.seed + self.epoch))
            order = rng.permutation(n).tolist()
        else:
            order = list(range(n))
        if self.drop_last:
            order = order[:self.total_size]
        elif order:
            short = self.total_size - len(order)
            order += (order * math.ceil(short / len(order)))[:short]  # wrap round from the start
        return iter(order[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch the next pass shuffles for: every replica must set the same one."""
        self.epoch = epoch
