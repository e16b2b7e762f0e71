"""The library's fast paths give the numbers of the plain ones:

* ``nn.Embedding(sparse=True)``: the row-sparse gradient is the dense gradient's rows bit for bit; SGD on it
  equals dense SGD bit for bit, Adagrad to 1e-12; clipping sees the same norm; optimizers that cannot take
  a sparse gradient say so.
* ``nn.utils.flatten_parameters_``: one buffer whose views the parameters become; optimizing and clipping
  the flat parameter equals doing it tensor by tensor.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import F, RowSparseGrad, Tensor, nn, optim


class TinyLM(nn.Module):
    """Embedding -> tanh RNN -> linear + cross-entropy, optionally with the output tied to the embedding."""

    def __init__(self, V: int, H: int, sparse: bool, tied: bool = False, seed: int = 0):
        super().__init__()
        self.emb = nn.Embedding(V, H, sparse=sparse, dtype=np.float64)
        self.rnn = nn.RNN(H, H, dtype=np.float64)
        self.out = nn.Linear(H, V, dtype=np.float64)
        rng = np.random.default_rng(seed)
        for p in self.parameters():
            p.data[...] = rng.normal(scale=0.3, size=p.shape)
        self.tied = tied

    def loss(self, ids: np.ndarray, targets: np.ndarray) -> Tensor:
        h, _ = self.rnn(self.emb(ids))
        weight = self.emb.weight if self.tied else self.out.weight
        return F.linear_cross_entropy(h, weight, self.out.bias, targets)


def _batches(V: int, seed: int, n: int = 4):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, V, size=(5, 2)), rng.integers(0, V, size=(5, 2))) for _ in range(n)]


def _train(sparse: bool, make_opt, V=30, H=4, tied=False, clip=None, seed=0):
    model = TinyLM(V, H, sparse, tied, seed)
    opt = make_opt(model.parameters())
    norms = []
    for ids, targets in _batches(V, seed):
        opt.zero_grad()
        model.loss(ids, targets).backward()
        if clip is not None:
            norms.append(nn.utils.clip_grad_norm_(model.parameters(), clip))
        opt.step()
    return {k: v.data.copy() for k, v in model.named_parameters()}, norms


def test_sparse_gradient_is_the_dense_gradient_bit_for_bit():
    ids = np.array([[3, 1, 3], [7, 3, 0]])
    grads = []
    for sparse in (False, True):
        emb = nn.Embedding(10, 4, sparse=sparse, dtype=np.float64)
        emb.weight.data[...] = np.arange(40.0).reshape(10, 4) / 7
        for _ in range(2):  # two backward calls accumulate
            (emb(ids) ** 2).sum().backward()
        (emb(np.array([9, 3])) * 3.0).sum().backward()
        grads.append(emb.weight.grad)
    dense, sparse = grads
    assert isinstance(sparse, RowSparseGrad) and isinstance(dense, np.ndarray)
    coalesced = sparse.coalesce()
    np.testing.assert_array_equal(coalesced.indices, [0, 1, 3, 7, 9])
    np.testing.assert_array_equal(sparse.to_dense(), dense)
    np.testing.assert_array_equal(np.asarray(sparse), dense)


@settings(deadline=None)
@given(seed=st.integers(0, 2**16), clip=st.sampled_from([None, 0.5, 100.0]), tied=st.booleans())
def test_sgd_on_sparse_gradients_equals_dense_sgd_bit_for_bit(seed, clip, tied):
    dense, dense_norms = _train(False, lambda p: optim.SGD(p, lr=0.3), tied=tied, clip=clip, seed=seed)
    sparse, sparse_norms = _train(True, lambda p: optim.SGD(p, lr=0.3), tied=tied, clip=clip, seed=seed)
    for name in dense:
        np.testing.assert_array_equal(sparse[name], dense[name], err_msg=name)
    np.testing.assert_allclose(sparse_norms, dense_norms, rtol=1e-13)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 40)), min_size=1, max_size=8), st.integers(0, 2**32 - 1))
def test_sgd_steps_runs_of_consecutive_rows_as_the_dense_step_bit_for_bit(runs, seed):
    # rows in a few runs of consecutive ids (a class softmax's classes) take the slice path, scattered rows the
    # gather/scatter one: either way exactly the dense step
    rows, firsts, at = [], [], 0
    for gap, length in runs:
        at += gap
        firsts.append(at)
        rows.extend(range(at, at + length))
        at += length
    rng = np.random.default_rng(seed)
    V, D = at + 3, 5
    start = rng.standard_normal((V, D)).astype(np.float32)
    values = rng.standard_normal((len(rows), D)).astype(np.float32)
    # the same gradient from its ids and from its ranges (touching ranges, gap 0, make one run)
    from_ids = RowSparseGrad(np.array(rows), values, (V, D), coalesced=True)
    from_ranges = RowSparseGrad.from_row_ranges(firsts, [length for _, length in runs], values, (V, D))
    assert from_ranges.row_runs(len(rows)) == from_ids.row_runs(len(rows))
    np.testing.assert_array_equal(from_ranges.indices, rows)
    params = {name: nn.Parameter(start.copy()) for name in ("ids", "ranges", "dense")}
    params["ids"].grad, params["ranges"].grad, params["dense"].grad = from_ids, from_ranges, from_ids.to_dense()
    for p in params.values():
        optim.SGD([p], lr=0.37).step()
    np.testing.assert_array_equal(params["ids"].data, params["dense"].data)
    np.testing.assert_array_equal(params["ranges"].data, params["dense"].data)


def test_row_ranges_must_be_ascending_disjoint_and_fit_the_values():
    shape = (10, 2)
    for firsts, lengths, n_values in (([4, 2], [2, 2], 4), ([2, 3], [2, 1], 3), ([8], [3], 3), ([1], [0], 0),
                                      ([1], [2], 3)):
        with pytest.raises(ValueError, match="RowSparseGrad"):
            RowSparseGrad.from_row_ranges(firsts, lengths, np.zeros((n_values, 2)), shape)
    g = RowSparseGrad.from_row_ranges([0, 5], [2, 5], np.arange(14.0).reshape(7, 2), shape)
    dense = np.zeros(shape)
    dense[[0, 1, 5, 6, 7, 8, 9]] = np.arange(14.0).reshape(7, 2)
    np.testing.assert_array_equal(g.to_dense(), dense)
    assert g.row_runs(2) == [(0, 0, 2), (5, 2, 7)] and g.row_runs(1) is None


def test_row_runs_splits_the_rows_into_runs_of_consecutive_ids():
    g = RowSparseGrad(np.array([2, 3, 4, 9, 11, 12]), np.zeros((6, 1)), (20, 1), coalesced=True)
    assert g.row_runs(10) == [(2, 0, 3), (9, 3, 4), (11, 4, 6)]
    assert g.row_runs(2) is None  # more runs than asked for: the caller gathers and scatters instead
    assert RowSparseGrad(np.array([3, 1]), np.zeros((2, 1)), (5, 1)).row_runs(10) is None  # uncoalesced


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, eps=1e-8, eps_inside_sqrt=True),
                                    dict(lr=0.2, lr_decay=0.1, initial_accumulator_value=0.5)])
def test_adagrad_on_sparse_gradients_equals_dense_adagrad(kwargs):
    dense, _ = _train(False, lambda p: optim.Adagrad(p, **kwargs), clip=1.0)
    sparse, _ = _train(True, lambda p: optim.Adagrad(p, **kwargs), clip=1.0)
    for name in dense:
        np.testing.assert_allclose(sparse[name], dense[name], rtol=1e-12, atol=1e-12, err_msg=name)


def test_sgd_with_momentum_and_weight_decay_on_sparse_gradients_equals_dense():
    make = lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01)  # noqa: E731
    dense, _ = _train(False, make)
    sparse, _ = _train(True, make)
    for name in dense:
        np.testing.assert_array_equal(sparse[name], dense[name], err_msg=name)


def test_clip_grad_value_on_sparse_gradients_equals_dense():
    clipped = []
    for sparse in (False, True):
        emb = nn.Embedding(6, 2, sparse=sparse, dtype=np.float64)
        (emb(np.array([1, 1, 4])) * np.array([[3.0, -0.2]])).sum().backward()
        nn.utils.clip_grad_value_(emb.parameters(), 0.5)
        clipped.append(np.asarray(emb.weight.grad))
    np.testing.assert_array_equal(clipped[1], clipped[0])


@pytest.mark.parametrize("make", [lambda p: optim.Adam(p), lambda p: optim.RMSprop(p),
                                  lambda p: optim.Adagrad(p, weight_decay=0.1)])
def test_optimizers_that_cannot_take_sparse_gradients_say_so(make):
    emb = nn.Embedding(5, 2, sparse=True)
    opt = make(emb.parameters())
    emb(np.array([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="sparse"):
        opt.step()


def test_zero_grad_keeps_a_sparse_gradient_sparse_and_empty():
    emb = nn.Embedding(5, 2, sparse=True)
    opt = optim.SGD(emb.parameters(), lr=1.0)
    emb(np.array([1])).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert isinstance(emb.weight.grad, RowSparseGrad) and len(emb.weight.grad.indices) == 0
    before = emb.weight.data.copy()
    opt.step()
    np.testing.assert_array_equal(emb.weight.data, before)


# ------------------------------------------------------------------------------ flat parameters
def test_flat_parameters_are_views_and_train_like_separate_tensors():
    results = []
    for flat in (False, True):
        model = TinyLM(12, 3, sparse=False, seed=4)
        params = list(model.parameters())
        target = [nn.utils.flatten_parameters_(params)] if flat else params
        opt = optim.Adagrad(target, lr=0.1, eps=1e-8, eps_inside_sqrt=True)
        for ids, targets in _batches(12, 4):
            opt.zero_grad()
            model.loss(ids, targets).backward()
            nn.utils.clip_grad_value_(target, 0.05)
            opt.step()
        if flat:
            offset = 0
            for p in params:  # still views of the one buffer, in order
                assert np.shares_memory(p.data, target[0].data)
                np.testing.assert_array_equal(target[0].data[offset:offset + p.data.size], p.data.ravel())
                offset += p.data.size
        results.append({k: v.data.copy() for k, v in model.named_parameters()})
    for name in results[0]:
        np.testing.assert_array_equal(results[1][name], results[0][name], err_msg=name)


def test_flat_gradient_gathers_members_and_members_see_clipping():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros((2, 2)))
    flat = nn.utils.flatten_parameters_([a, b])
    assert flat.grad is None
    (Tensor(np.array([1.0, -9.0])) * a).sum().backward()
    np.testing.assert_array_equal(flat.grad, [1.0, -9.0, 0, 0, 0, 0])
    nn.utils.clip_grad_value_([flat], 2.0)
    np.testing.assert_array_equal(a.grad, [1.0, -2.0])  # a member's grad is a view of the flat gradient
    (b * 3.0).sum().backward()  # accumulates into the buffer itself
    np.testing.assert_array_equal(flat.grad, [1.0, -2.0, 3, 3, 3, 3])
    optim.SGD([flat], lr=1.0).zero_grad()
    assert a.grad is None and b.grad is None and flat.grad is None


def test_flat_parameters_keep_the_state_dict_and_load_in_place():
    model = TinyLM(7, 2, sparse=False)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    flat = nn.utils.flatten_parameters_(model.parameters())
    assert {k: v.tolist() for k, v in model.state_dict().items()} == {k: v.tolist() for k, v in state.items()}
    model.load_state_dict({k: v * 2 for k, v in state.items()})
    np.testing.assert_array_equal(model.emb.weight.data, state["emb.weight"] * 2)
    assert np.shares_memory(model.emb.weight.data, flat.data)


def test_flatten_refuses_mixed_dtypes_frozen_and_repeated_parameters():
    a32, a64 = nn.Parameter(np.zeros(2, np.float32)), nn.Parameter(np.zeros(2))
    with pytest.raises(TypeError, match="dtype"):
        nn.utils.flatten_parameters_([a32, a64])
    with pytest.raises(ValueError, match="twice"):
        nn.utils.flatten_parameters_([a64, a64])
    with pytest.raises(ValueError, match="require grad"):
        nn.utils.flatten_parameters_([nn.Parameter(np.zeros(2), requires_grad=False)])


def test_a_flattened_sparse_embedding_trains_like_a_dense_one():
    """A sparse member's gradient lands in the flat buffer as its dense rows: same numbers as sparse=False."""
    results = []
    for sparse in (False, True):
        model = TinyLM(15, 3, sparse=sparse, seed=2)
        flat = nn.utils.flatten_parameters_(model.parameters())
        opt = optim.SGD([flat], lr=0.2)
        for ids, targets in _batches(15, 2):
            opt.zero_grad(set_to_none=False)
            model.loss(ids, targets).backward()
            opt.step()
        results.append(flat.data.copy())
    np.testing.assert_array_equal(results[1], results[0])
