"""The row scatter-add behind the gather backwards, against ``np.add.at`` on both of its paths."""
import numpy as np
from hypothesis import given, strategies as st

from tinygrad_rnn import Tensor
from tinygrad_rnn.kernels.scatter import scatter_add_columns, scatter_add_rows, scatter_add_unique


def _expected(ids, rows, V):
    out = np.zeros((V, rows.shape[1]), dtype=rows.dtype)
    np.add.at(out, ids, rows)
    return out


# N and V span both sides of the one-hot / sort-and-reduceat crossover (V <= 256, N * V <= 20000)
@given(st.integers(0, 400), st.sampled_from([1, 7, 84, 300, 3000]), st.integers(1, 5), st.integers(0, 1000))
def test_scatter_adds_match_add_at(N, V, D, seed):
    rng = np.random.default_rng(seed)
    ids, rows = rng.integers(0, V, N), rng.standard_normal((N, D))
    expected = _expected(ids, rows, V)
    np.testing.assert_allclose(scatter_add_rows(ids, rows, V), expected, rtol=1e-12, atol=1e-12)
    out = np.full((V, D), np.nan)
    assert scatter_add_rows(ids, rows, V, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scatter_add_columns(ids, rows, V), expected.T, rtol=1e-12, atol=1e-12)
    out_t = np.full((D, V), np.nan)
    assert scatter_add_columns(ids, rows, V, out=out_t) is out_t
    np.testing.assert_allclose(out_t, expected.T, rtol=1e-12, atol=1e-12)
    used, sums = scatter_add_unique(ids, rows, V)
    np.testing.assert_array_equal(used, np.unique(ids))
    np.testing.assert_array_equal(sums, scatter_add_rows(ids, rows, V)[used])  # bit for bit


def test_sort_path_float32_with_many_repeats():
    # many ids into a big table (the sort path), each id repeated ~40 times
    rng = np.random.default_rng(3)
    ids, rows = rng.integers(0, 50, 2000), rng.standard_normal((2000, 3)).astype(np.float32)
    got = scatter_add_rows(ids, rows, 5000)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _expected(ids, rows.astype(np.float64), 5000), rtol=1e-5, atol=1e-5)


def test_getitem_row_index_backward_with_negative_and_repeated_ids():
    x = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    idx = np.array([0, -1, 3, 0, -4])
    y = x[idx]
    g = np.arange(15.0).reshape(5, 3)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, _expected(idx % 4, g, 4))


def test_getitem_fancy_index_still_accumulates():
    x = Tensor(np.zeros((3, 4)), requires_grad=True)
    x[np.array([0, 0, 2]), np.array([1, 1, 3])].sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 1], expected[2, 3] = 2.0, 1.0
    np.testing.assert_array_equal(x.grad, expected)


@given(st.integers(1, 60), st.integers(0, 12), st.integers(1, 6), st.integers(0, 1000))
def test_few_repeats_are_added_in_turn_bit_for_bit_as_add_at(N, repeats, D, seed):
    """A sentence's ids repeat a few words: each distinct id's rows are added in their order, from zero, which
    is exactly what np.add.at does (same additions, same order, same bits); many repeats take reduceat."""
    rng = np.random.default_rng(seed)
    ids = rng.permutation(300 + 10 * N)[:N]  # a table of > 256 rows: the sort path
    ids[rng.integers(0, N, min(repeats, N))] = ids[rng.integers(0, N, min(repeats, N))]
    rows = rng.standard_normal((N, D)).astype(np.float32)
    used, sums = scatter_add_unique(ids, rows, 300 + 10 * N)
    np.testing.assert_array_equal(used, np.unique(ids))
    expected = _expected(ids, rows, 300 + 10 * N)[used]
    if N - len(used) <= 8:
        np.testing.assert_array_equal(sums, expected)
    else:
        np.testing.assert_allclose(sums, expected, rtol=1e-5, atol=1e-6)
