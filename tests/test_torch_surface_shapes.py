"""median, diagonal, tensor_split, broadcast_to/broadcast_tensors/broadcast_shapes, atleast_1d/2d and
finfo/iinfo against torch (values, dtypes, gradients) and finite differences."""
import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.gradcheck import gradcheck

RNG = np.random.default_rng(0)


def _pair(shape):
    torch = pytest.importorskip("torch")
    a = RNG.normal(size=shape)
    return torch, tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("shape, dim, keepdim", [((7,), None, False), ((3, 4), None, False), ((3, 4), 1, False),
                                                 ((3, 4), 0, True), ((2, 3, 5), -1, False), ((2, 6, 1), 1, True)])
def test_median_equals_torchs(shape, dim, keepdim):
    torch, ours, theirs = _pair(shape)
    if dim is None:
        got, want = ours.median(), theirs.median()
    else:
        got, want = ours.median(dim, keepdim), theirs.median(dim, keepdim)
        np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
        assert got.indices.dtype == np.int64
        got, want = got.values, want.values
    np.testing.assert_array_equal(got.data, want.detach().numpy())
    upstream = RNG.normal(size=want.shape)
    (got * tg.tensor(upstream)).sum().backward()
    (want * torch.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@pytest.mark.parametrize("shape, offset, dim1, dim2", [((4, 4), 0, 0, 1), ((3, 5), 2, 0, 1), ((5, 3), -1, 0, 1),
                                                        ((2, 3, 4), 1, 2, 0), ((3, 2), 5, 0, 1)])
def test_diagonal_equals_torchs(shape, offset, dim1, dim2):
    torch, ours, theirs = _pair(shape)
    got, want = ours.diagonal(offset, dim1, dim2), theirs.diagonal(offset, dim1, dim2)
    np.testing.assert_array_equal(got.data, want.detach().numpy())
    if want.numel():
        upstream = RNG.normal(size=want.shape)
        (got * tg.tensor(upstream)).sum().backward()
        (want * torch.tensor(upstream)).sum().backward()
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
    assert gradcheck(lambda x: x.diagonal(offset, dim1, dim2).sum() if want.numel() else x.sum(),
                     [tg.tensor(RNG.normal(size=shape), requires_grad=True)])


@pytest.mark.parametrize("spec, dim", [(3, 0), (4, 1), ([1, 3], 1), ([2, 2, 5], 1), (1, 0)])
def test_tensor_split_equals_torchs(spec, dim):
    torch, ours, theirs = _pair((5, 6))
    got, want = ours.tensor_split(spec, dim), theirs.tensor_split(spec, dim)
    assert [tuple(g.shape) for g in got] == [tuple(w.shape) for w in want]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.data, w.detach().numpy())
    weights = [RNG.normal(size=tuple(w.shape)) for w in want]
    sum((g * tg.tensor(u)).sum() for g, u in zip(got, weights)).backward()
    sum((w * torch.tensor(u)).sum() for w, u in zip(want, weights)).backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_broadcasting_helpers_and_atleast_equal_torchs():
    torch = pytest.importorskip("torch")
    assert tg.broadcast_shapes((3, 1), (4,), ()) == tuple(torch.broadcast_shapes((3, 1), (4,), ()))
    with pytest.raises(RuntimeError, match="do not broadcast"):
        tg.broadcast_shapes((3,), (4,))
    a, b = RNG.normal(size=(3, 1)), RNG.normal(size=(2, 1, 4))
    got = tg.broadcast_tensors(tg.tensor(a), tg.tensor(b))
    want = torch.broadcast_tensors(torch.tensor(a), torch.tensor(b))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.data, w.numpy())
    x = tg.tensor(a, requires_grad=True)
    x.broadcast_to((2, 3, 5)).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((3, 1), 10.0))
    for fn in ("atleast_1d", "atleast_2d"):
        for value in (np.float64(2.0), np.arange(3.0), np.ones((2, 2))):
            assert tuple(getattr(tg, fn)(tg.tensor(value)).shape) == tuple(getattr(torch, fn)(torch.tensor(value)).shape)


def test_finfo_and_iinfo_equal_torchs():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((tg.float32, torch.float32), (tg.float64, torch.float64), (tg.float16, torch.float16)):
        a, b = tg.finfo(ours), torch.finfo(theirs)
        for attr in ("eps", "max", "min", "tiny", "smallest_normal", "bits", "resolution", "dtype"):
            assert getattr(a, attr) == getattr(b, attr) and type(getattr(a, attr)) is type(getattr(b, attr)), attr
        assert repr(a) == repr(b)
    assert tg.finfo().eps == torch.finfo().eps
    for ours, theirs in ((tg.int64, torch.int64), (tg.int32, torch.int32), (tg.uint8, torch.uint8)):
        a, b = tg.iinfo(ours), torch.iinfo(theirs)
        assert (a.min, a.max, a.bits, a.dtype, repr(a)) == (b.min, b.max, b.bits, b.dtype, repr(b))
        assert type(a.max) is int
    with pytest.raises(TypeError, match="Use torch.iinfo"):
        tg.finfo(tg.int64)
    with pytest.raises(TypeError, match="Use torch.finfo"):
        tg.iinfo(tg.float32)


def test_median_and_tensor_split_by_finite_differences():
    x = tg.tensor(RNG.normal(size=(4, 5)), requires_grad=True)
    assert gradcheck(lambda t: t.median(1).values.sum() + t.median(), [x])
    assert gradcheck(lambda t: sum((p * (i + 1)).sum() for i, p in enumerate(t.tensor_split([1, 4], 1))), [x])


def test_edge_cases_a_review_found_match_torch():
    """NaN medians, negative tensor_split cuts, cumprod over an empty dim, a differentiable index_fill/masked_fill
    value, n-D inner, bincount's weight dtype, sign of bools; and the errors torch raises."""
    torch = pytest.importorskip("torch")
    a = np.array([[1, np.nan, 3, 2.0], [4, 1, 2, 3]])
    got, want = tg.tensor(a).median(1), torch.tensor(a).median(1)
    np.testing.assert_array_equal(got.values.data, want.values.numpy())
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    assert np.isnan(tg.tensor(a).median().item()) and np.isnan(torch.tensor(a).median().item())
    for cuts in ([-1], [-9, 9], [3, 1]):
        assert [t.tolist() for t in tg.arange(5).tensor_split(cuts)] == [t.tolist() for t in torch.arange(5).tensor_split(cuts)]
    x = tg.zeros(0, 3, requires_grad=True)
    x.cumprod(0).sum().backward()
    assert x.grad.shape == (0, 3)
    for fill in ("index_fill", "masked_fill"):
        ours, theirs = tg.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
        if fill == "index_fill":
            (tg.ones(3, 2).index_fill(0, tg.tensor([1]), ours) * 3).sum().backward()
            (torch.ones(3, 2).index_fill(0, torch.tensor([1]), theirs) * 3).sum().backward()
        else:
            (tg.ones(3, 2).masked_fill(tg.tensor([[True, False]]), ours) * 3).sum().backward()
            (torch.ones(3, 2).masked_fill(torch.tensor([[True, False]]), theirs) * 3).sum().backward()
        assert float(ours.grad) == theirs.grad.item()
    A, B = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(5, 4))
    np.testing.assert_allclose(tg.inner(tg.tensor(A), tg.tensor(B)).data, torch.inner(torch.tensor(A), torch.tensor(B)).numpy())
    np.testing.assert_allclose(tg.inner(tg.tensor(A[0, 0]), tg.tensor(B[0])).data, torch.inner(torch.tensor(A[0, 0]), torch.tensor(B[0])).numpy())
    for wdt, tdt in ((np.float16, torch.float16), (np.float32, torch.float32), (np.float64, torch.float64)):
        got = tg.tensor([1, 1, 2]).bincount(weights=tg.tensor(np.ones(3, wdt)))
        want = torch.tensor([1, 1, 2]).bincount(weights=torch.ones(3, dtype=tdt))
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    assert tg.tensor([True, False]).sign().tolist() == torch.tensor([True, False]).sign().tolist()
    with pytest.raises(RuntimeError, match="can't be cast"):
        tg.tensor([1, 2]).exp_()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).exp_()
    with pytest.raises(RuntimeError, match="frac"):
        tg.tensor([1, 2]).frac()
