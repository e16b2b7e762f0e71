"""The utils.data pieces ported from the h-data2 branch: StackDataset, WorkerInfo / get_worker_info, and
DistributedSampler (PyTorch's index lists for shuffle=False, its padding/striding rule on our permutation
for shuffle=True, set_epoch), against torch.utils.data when installed."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn.utils import data as tdata
from tinygrad_rnn.utils.data import (DataLoader, DistributedSampler, IterableDataset, StackDataset, TensorDataset,
                                     WorkerInfo, get_worker_info)


# ---- StackDataset ---------------------------------------------------------------------------------

class Batched:
    """A dataset with its own ``__getitems__``, counting the batched reads."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __getitem__(self, i):
        return 10 * i

    def __getitems__(self, indices):
        self.calls += 1
        return [10 * i for i in indices]

    def __len__(self):
        return self.n


def test_stackdataset_samples_and_batches_match_torch():
    torch = pytest.importorskip("torch")
    a, b = list(range(5)), [float(i) / 2 for i in range(5)]
    for args, kwargs in (((a, b), {}), ((), {"x": a, "y": b})):
        ours, ref = StackDataset(*args, **kwargs), torch.utils.data.StackDataset(*args, **kwargs)
        assert len(ours) == len(ref) == 5
        assert [ours[i] for i in range(5)] == [ref[i] for i in range(5)]
        assert ours.__getitems__([4, 0, 2]) == ref.__getitems__([4, 0, 2])
        ours_batches = [b for b in DataLoader(ours, batch_size=2)]
        ref_batches = [b for b in torch.utils.data.DataLoader(ref, batch_size=2)]
        assert len(ours_batches) == len(ref_batches) == 3
        for o, r in zip(ours_batches, ref_batches):
            o, r = (o, r) if isinstance(o, dict) else (dict(enumerate(o)), dict(enumerate(r)))
            assert o.keys() == r.keys()
            for k in o:
                np.testing.assert_array_equal(o[k].numpy(), r[k].numpy())
                assert str(o[k].dtype).split(".")[-1] == str(r[k].dtype).split(".")[-1]


def test_stackdataset_reads_each_part_batched_when_it_can():
    part = Batched(4)
    ds = StackDataset(part, TensorDataset(tg.arange(4)))
    batch = ds.__getitems__([3, 1])
    assert part.calls == 1 and [b[0] for b in batch] == [30, 10]
    assert [int(b[1][0]) for b in batch] == [3, 1]
    assert ds.datasets[0] is part
    assert StackDataset(p=part).datasets == {"p": part}


def test_stackdataset_errors():
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(range(2), range(3))
    with pytest.raises(ValueError, match="not both"):
        StackDataset(range(2), y=range(2))
    with pytest.raises(ValueError, match="at least one"):
        StackDataset()


# ---- WorkerInfo / get_worker_info -----------------------------------------------------------------

class Sharded(IterableDataset):
    """PyTorch's documented pattern: split the stream by worker, or read it all in the main process."""

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(6))
        return iter(range(info.id, 6, info.num_workers))


@pytest.mark.parametrize("num_workers", [0, 2])
def test_get_worker_info_is_none_in_the_main_process(num_workers):
    assert get_worker_info() is None
    seen = []
    loader = DataLoader(Sharded(), batch_size=4, num_workers=num_workers,
                        collate_fn=lambda b: (seen.append(get_worker_info()), b)[1])
    assert list(loader) == [[0, 1, 2, 3], [4, 5]]  # every sample once: the one-process path
    assert seen == [None, None]


def test_workerinfo_is_read_only_like_torch():
    info = WorkerInfo(id=1, num_workers=2, seed=7, dataset="d")
    assert (info.id, info.num_workers, info.seed, info.dataset) == (1, 2, 7, "d")
    with pytest.raises(AttributeError):
        info.id = 0
    assert isinstance(dataclasses.FrozenInstanceError(), AttributeError)
    torch = pytest.importorskip("torch")
    assert torch.utils.data.get_worker_info() is None


# ---- DistributedSampler ---------------------------------------------------------------------------

@given(n=st.integers(0, 23), replicas=st.integers(1, 6), drop_last=st.booleans())
def test_distributed_sampler_index_lists_match_torch(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        ref = torch.utils.data.DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False,
                                                  drop_last=drop_last)
        assert list(ours) == list(ref)
        assert len(ours) == len(ref) and ours.total_size == ref.total_size and ours.num_samples == ref.num_samples


@given(n=st.integers(1, 23), replicas=st.integers(1, 6), drop_last=st.booleans(), seed=st.integers(0, 5),
       epoch=st.integers(0, 3))
def test_distributed_sampler_shuffles_by_seed_plus_epoch_with_pytorchs_rule(n, replicas, drop_last, seed, epoch):
    samplers = [DistributedSampler(range(n), replicas, r, shuffle=True, seed=seed, drop_last=drop_last)
                for r in range(replicas)]
    for s in samplers:
        s.set_epoch(epoch)
    parts = [list(s) for s in samplers]
    order = np.random.default_rng(seed + epoch).permutation(n).tolist()  # tinygrad_rnn.Generator's stream
    total = samplers[0].total_size
    full = order[:total] if drop_last else (order * math.ceil(total / n))[:total]
    assert parts == [full[r::replicas] for r in range(replicas)]
    covered = sorted(i for p in parts for i in p)
    if drop_last:
        assert len(set(covered)) == len(covered) == replicas * (n // replicas)
    else:
        assert set(covered) == set(range(n)) and len(covered) == replicas * math.ceil(n / replicas)


def test_distributed_sampler_epochs_differ_and_repeat():
    s = DistributedSampler(range(50), num_replicas=2, rank=1, seed=3)
    first, again = list(s), list(s)
    s.set_epoch(1)
    assert first == again and list(s) != first and s.epoch == 1
    assert sorted(first) == sorted(set(first)) and len(first) == 25


def test_distributed_sampler_defaults_to_one_replica_and_feeds_a_dataloader():
    s = DistributedSampler(range(7), shuffle=False)
    assert (s.num_replicas, s.rank, s.seed, s.drop_last, s.shuffle) == (1, 0, 0, False, False)
    assert list(s) == list(range(7))
    ds = TensorDataset(tg.arange(10).float())
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, num_replicas=3, rank=2, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[2.0, 5.0], [8.0, 1.0]]
    assert tdata.distributed.DistributedSampler is DistributedSampler


@pytest.mark.parametrize("kwargs,error,match", [
    ({"num_replicas": 2, "rank": 2}, ValueError, r"Invalid rank 2, rank should be in the interval \[0, 1\]"),
    ({"num_replicas": 2, "rank": -1}, ValueError, "Invalid rank -1"),
    ({"num_replicas": 0, "rank": 0}, ValueError, "num_replicas"),
    ({"num_replicas": 2.0, "rank": 0}, TypeError, "num_replicas"),
])
def test_distributed_sampler_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        DistributedSampler(range(4), **kwargs)
