"""tinygrad_rnn.utils.data against torch.utils.data: the same batches (shapes, dtypes, values) for sequential
loading, drop_last, batch_size=None, collation of tuples, dicts and named tuples, random_split's sizes, the
option errors; seeded shuffling; and a small training loop written for PyTorch running on it."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.utils import data as tdata

Pair = collections.namedtuple("Pair", "x label")


def _structure(batch):
    """A batch as nested plain values: arrays for tensors (with dtype names), lists, dicts, strings."""
    if hasattr(batch, "numpy") and hasattr(batch, "shape"):
        arr = np.asarray(batch.numpy() if not isinstance(batch, np.ndarray) else batch)
        return ("tensor", str(arr.dtype), arr.shape, arr.tolist())
    if isinstance(batch, dict):
        return {k: _structure(v) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return (type(batch).__name__, [_structure(v) for v in batch])
    if isinstance(batch, (list, tuple)):
        return [type(batch).__name__, [_structure(v) for v in batch]]
    return batch


class _Records:
    """A map-style dataset of mixed samples, written once for both libraries."""

    def __init__(self, lib, kind, n=7):
        self.lib, self.kind, self.n = lib, kind, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = self.lib.tensor(np.arange(3, dtype=np.float32) + i)
        if self.kind == "tuple":
            return x, i, float(i) / 2, f"s{i}", np.full((2,), i, np.int32), i % 2 == 0
        if self.kind == "dict":
            return {"x": x, "y": i, "meta": {"name": f"n{i}", "w": np.float64(i)}}
        return Pair(x, [i, i + 1])


def _torch_dataset(torch, kind):
    base = _Records(torch, kind)

    class D(torch.utils.data.Dataset):
        def __len__(self):
            return len(base)

        def __getitem__(self, i):
            return base[i]
    return D()


def _our_dataset(kind):
    base = _Records(tg, kind)

    class D(tdata.Dataset):
        def __len__(self):
            return len(base)

        def __getitem__(self, i):
            return base[i]
    return D()


@pytest.mark.parametrize("kind", ["tuple", "dict", "namedtuple"])
@pytest.mark.parametrize("batch_size, drop_last", [(3, False), (3, True), (1, False), (None, False)])
def test_sequential_batches_equal_torchs(kind, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.DataLoader(_torch_dataset(torch, kind), batch_size=batch_size, drop_last=drop_last)
    ours = tdata.DataLoader(_our_dataset(kind), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, want = [_structure(b) for b in ours], [_structure(b) for b in theirs]
    assert got == want


def test_tensor_dataset_batches_and_len_equal_torchs():
    torch = pytest.importorskip("torch")
    x, y = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32), np.arange(10)
    for drop_last in (False, True):
        theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                             batch_size=4, drop_last=drop_last)
        ours = tdata.DataLoader(tdata.TensorDataset(tg.tensor(x), tg.tensor(y)), batch_size=4, drop_last=drop_last)
        assert len(ours) == len(theirs)
        assert [_structure(b) for b in ours] == [_structure(b) for b in theirs]
    with pytest.raises(ValueError, match="Size mismatch"):
        tdata.TensorDataset(tg.zeros(3, 2), tg.zeros(4))


@pytest.mark.filterwarnings("ignore:Length of split")
@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (10, [0.3, 0.7]), (11, [0.5, 0.5]), (7, [0.2, 0.2, 0.6]),
                                        (5, [1.0, 0.0]), (3, [1, 0, 2])])
def test_random_split_sizes_equal_torchs_and_cover_the_dataset(n, lengths):
    torch = pytest.importorskip("torch")
    want = [len(s) for s in torch.utils.data.random_split(range(n), lengths)]
    parts = tdata.random_split(range(n), lengths, generator=tg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == want
    assert sorted(i for p in parts for i in p) == list(range(n))


def test_random_split_refuses_lengths_that_do_not_add_up():
    with pytest.raises(ValueError, match="add up to 9, but the dataset has 10"):
        tdata.random_split(range(10), [4, 5])


def test_shuffling_is_seeded_and_changes_between_epochs():
    ds = tdata.TensorDataset(tg.arange(20))
    tg.manual_seed(3)
    loader = tdata.DataLoader(ds, batch_size=5, shuffle=True)
    first = [b[0].tolist() for b in loader]
    second = [b[0].tolist() for b in loader]
    assert first != second and sorted(sum(first, [])) == list(range(20))
    tg.manual_seed(3)
    assert [b[0].tolist() for b in tdata.DataLoader(ds, batch_size=5, shuffle=True)] == first
    a = [b[0].tolist() for b in tdata.DataLoader(ds, batch_size=5, shuffle=True, generator=tg.Generator().manual_seed(9))]
    b = [b[0].tolist() for b in tdata.DataLoader(ds, batch_size=5, shuffle=True, generator=tg.Generator().manual_seed(9))]
    assert a == b


def test_samplers():
    tg.manual_seed(0)
    assert list(tdata.SequentialSampler(range(4))) == [0, 1, 2, 3]
    more = list(tdata.RandomSampler(range(4), num_samples=10))
    assert len(more) == 10 and sorted(more[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    drawn = list(tdata.RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    assert sorted(tdata.SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]
    weighted = list(tdata.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 40))
    assert set(weighted) <= {1, 3} and weighted.count(3) > weighted.count(1)
    batches = tdata.BatchSampler(tdata.SequentialSampler(range(7)), 3, drop_last=False)
    assert list(batches) == [[0, 1, 2], [3, 4, 5], [6]] and len(batches) == 3
    assert len(tdata.BatchSampler(range(7), 3, drop_last=True)) == 2
    loader = tdata.DataLoader(list(range(10)), batch_sampler=tdata.BatchSampler(range(10), 4, False))
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_iterable_datasets_concat_and_subset():
    class Stream(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in tdata.DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in tdata.DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert [int(b) for b in tdata.DataLoader(Stream(), batch_size=None)] == list(range(7))
    with pytest.raises(TypeError):
        len(tdata.DataLoader(Stream()))
    both = tdata.TensorDataset(tg.arange(3)) + tdata.TensorDataset(tg.arange(10, 12))
    assert len(both) == 5 and int(both[3][0]) == 10 and int(both[-1][0]) == 11
    sub = tdata.Subset(tdata.TensorDataset(tg.arange(10)), [9, 0, 4])
    assert [int(s[0]) for s in sub] == [9, 0, 4]
    assert [b[0].tolist() for b in tdata.DataLoader(sub, batch_size=2)] == [[9, 0], [4]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(sampler=tdata.SequentialSampler(range(3)), shuffle=True), "mutually exclusive with shuffle"),
    (dict(batch_sampler=tdata.BatchSampler(range(3), 2, False), batch_size=2), "batch_sampler option is mutually"),
    (dict(batch_size=None, drop_last=True), "disables auto-batching"),
    (dict(num_workers=-1), "non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor"),
    (dict(persistent_workers=True), "persistent_workers"),
    (dict(batch_size=0), "positive integer"),
])
def test_bad_options_raise_pytorchs_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tdata.DataLoader(list(range(3)), **kwargs)


@pytest.mark.parametrize("make", [dict, collections.OrderedDict, lambda **kw: collections.defaultdict(list, **kw)])
def test_collated_mappings_keep_their_type_as_in_torch(make):
    torch = pytest.importorskip("torch")
    samples = [make(x=np.full(2, i, np.float32), n=i) for i in range(3)]
    for fn in ("default_collate", "default_convert"):
        theirs, ours = getattr(torch.utils.data, fn)(samples), getattr(tdata, fn)(samples)
        assert [type(b) for b in _list(ours)] == [type(b) for b in _list(theirs)]
        assert _structure(_list(ours)) == _structure(_list(theirs))
    assert getattr(tdata.default_collate(samples), "default_factory", list) is list  # a defaultdict keeps its factory


def _list(batch):
    return batch if isinstance(batch, list) else [batch]


@pytest.mark.parametrize("name", ["batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                  "persistent_workers"])
def test_loader_options_are_fixed_once_built_as_in_torch(name):
    loader = tdata.DataLoader(list(range(5)), batch_size=2)
    with pytest.raises(ValueError, match=f"{name} attribute should not be set after DataLoader is initialized"):
        setattr(loader, name, getattr(loader, name))
    loader.num_workers = 2  # the rest may change, as in PyTorch
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]


def test_collate_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="equal size"):
        tdata.default_collate([tg.zeros(2), tg.zeros(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        tdata.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found object"):
        tdata.default_collate([object(), object()])


def test_a_pytorch_training_loop_runs_unchanged():
    import tinygrad_rnn as torch
    from tinygrad_rnn import nn, optim
    from tinygrad_rnn.utils.data import DataLoader, TensorDataset, random_split

    torch.manual_seed(0)
    x = torch.randn(200, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1
    train, valid = random_split(TensorDataset(x, y), [0.8, 0.2], generator=torch.Generator().manual_seed(1))
    model, loss_fn = nn.Linear(3, 1), nn.MSELoss()
    opt = optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(20):
        for xb, yb in DataLoader(train, batch_size=16, shuffle=True, num_workers=2):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    with torch.no_grad():
        xv, yv = next(iter(DataLoader(valid, batch_size=len(valid))))
        assert loss_fn(model(xv), yv).item() < 1e-4
