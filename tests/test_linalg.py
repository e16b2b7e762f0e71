"""torch.linalg (functions_more/linalg.py, ops/linalg.py) against PyTorch in float64: values, gradients of a
random-weighted loss, batching, named tuples and errors; finite differences (gradcheck) for a few."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor

torch = pytest.importorskip("torch")

INF = math.inf
RNG = np.random.default_rng(0)


def _general(*shape, rng=RNG):
    """Random square matrices shifted along the diagonal (well-conditioned)."""
    a = rng.standard_normal(shape)
    return a + shape[-1] * np.eye(shape[-1])


def _spd(*shape, rng=RNG):
    b = rng.standard_normal(shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _compare(ours_fn, torch_fn, *arrays, loss=None, rtol=1e-7, atol=1e-9, grads=True):
    """Run both on the float64 arrays; compare every output and the gradients of sum(w_i * loss(out_i))."""
    ours = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    o, t = _outputs(ours_fn(*ours)), _outputs(torch_fn(*theirs))
    assert len(o) == len(t)
    for x, y in zip(o, t):
        assert tuple(x.shape) == tuple(y.shape)
        np.testing.assert_allclose(x.numpy(), y.detach().numpy(), rtol=rtol, atol=atol)
    if not grads:
        return
    loss = loss or (lambda v: v)
    rng = np.random.default_rng(1)
    ws = [rng.standard_normal(tuple(x.shape)) for x in o]
    sum(((loss(x) * Tensor(w)).sum() for x, w in zip(o, ws) if x.requires_grad), Tensor(0.0)).backward()
    sum((loss(y) * torch.tensor(w)).sum() for y, w in zip(t, ws) if y.requires_grad).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=rtol, atol=atol)


# ---- norms ---------------------------------------------------------------------------------------------------
NORM_CASES = [
    ((5,), None, None), ((5,), 3, None), ((5,), INF, None), ((5,), -INF, None), ((5,), 0.5, None),
    ((3, 4), None, None), ((2, 3, 4), None, None), ((3, 4), "fro", None), ((3, 4), "nuc", None),
    ((3, 4), INF, None), ((3, 4), -INF, None), ((3, 4), 1, None), ((3, 4), -1, None), ((3, 4), 2, None),
    ((4, 3), -2, None), ((2, 3, 4), None, 1), ((2, 3, 4), 3, -1), ((2, 3, 4), 1, (0, 2)), ((2, 3, 4), "nuc", (2, 0)),
    ((2, 3, 4), INF, (-1, 1)), ((2, 3, 4), -2, (0, 1)), ((2, 3, 4), 2, (1, 2)), ((2, 3, 4), "fro", (0, 1)),
    ((2, 3, 4), -1, (2, 1)), ((2, 3, 4), -INF, (1, 0)),
]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,ord,dim", NORM_CASES)
def test_linalg_norm_matches_torch(shape, ord, dim, keepdim):
    x = RNG.standard_normal(shape)
    _compare(lambda a: tg.linalg.norm(a, ord, dim, keepdim), lambda a: torch.linalg.norm(a, ord, dim, keepdim), x)


@pytest.mark.parametrize("ord", ["fro", "nuc", INF, -INF, 1, -1, 2, -2])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 1), False)])
def test_matrix_norm_batched_matches_torch(ord, dim, keepdim):
    x = RNG.standard_normal((3, 4, 5))
    _compare(lambda a: tg.linalg.matrix_norm(a, ord, dim, keepdim),
             lambda a: torch.linalg.matrix_norm(a, ord, dim, keepdim), x)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.float64), ord=3),
    lambda m: m.linalg.matrix_norm(m.ones(2, dtype=m.float64)),
    lambda m: m.linalg.norm(m.ones(2, 2, 2, dtype=m.float64), ord="fro", dim=0),
    lambda m: m.linalg.norm(m.ones(2, 2, 2, dtype=m.float64), ord=2),
    lambda m: m.linalg.norm(m.ones(2, 2, 2, dtype=m.float64), dim=(0, 1, 2)),
    lambda m: m.linalg.norm(m.ones(2, dtype=m.float64), ord="fro"),
    lambda m: m.linalg.inv(m.ones(2, 3, dtype=m.float64)),
    lambda m: m.linalg.inv(m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.long)),
    lambda m: m.linalg.det(m.ones(2, 3, dtype=m.float64)),
    lambda m: m.linalg.slogdet(m.ones(2, 3, dtype=m.float64)),
    lambda m: m.linalg.eigh(m.ones(3, 2, dtype=m.float64)),
    lambda m: m.linalg.eigh(m.eye(2, dtype=m.float64), UPLO="X"),
    lambda m: m.linalg.qr(m.ones(3, 2, dtype=m.float64), mode="x"),
    lambda m: m.linalg.svd(m.ones(2, 3, dtype=m.long)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.float64), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.float64), m.ones(2, dtype=m.float32)),
    lambda m: m.linalg.matrix_power(m.ones(2, 3, dtype=m.float64), 2),
    lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.long), -1),
])
def test_errors_are_torchs(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(tg)
    assert str(ours.value) == str(theirs.value)


def test_unknown_linalg_name_raises_attribute_error_naming_what_is_provided():
    with pytest.raises(AttributeError, match=r"torch\.linalg\.eig is not provided.*norm, matrix_norm, inv"):
        tg.linalg.eig
    assert not hasattr(tg.linalg, "matrix_exp")


# ---- inverses, determinants, solves ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 2, 2), (1, 1)])
@pytest.mark.parametrize("name", ["inv", "det"])
def test_inv_det_match_torch(name, shape):
    _compare(getattr(tg.linalg, name), getattr(torch.linalg, name), _general(*shape))


@pytest.mark.parametrize("alias", ["inverse", "det", "logdet"])
def test_torch_level_inverse_det_logdet_and_methods(alias):
    a = _spd(2, 3, 3)
    _compare(getattr(tg, alias), getattr(torch, alias), a)
    _compare(lambda t: getattr(t, alias)(), lambda t: getattr(t, alias)(), a)


def test_det_gradient_of_a_singular_matrix_is_the_cofactor_matrix():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # rank 2
    _compare(tg.linalg.det, torch.linalg.det, a)


def test_slogdet_is_a_named_tuple_with_torchs_gradient():
    a = _general(2, 3, 3) * np.array([1.0, -1.0])[:, None, None]  # one negative determinant
    _compare(lambda t: tg.linalg.slogdet(t), lambda t: torch.linalg.slogdet(t), a)
    out = tg.linalg.slogdet(Tensor(a))
    assert type(out).__name__ == "linalg_slogdet" and out._fields == ("sign", "logabsdet")
    assert type(tg.slogdet(Tensor(a))).__name__ == "slogdet"
    np.testing.assert_array_equal(tg.linalg.slogdet(tg.zeros(2, 2, dtype=tg.float64)).sign.numpy(), 0.0)


@pytest.mark.parametrize("batch", [(), (2,)])
def test_singular_inputs_raise_linalg_error_like_torch(batch):
    z = np.zeros(batch + (2, 2))
    with pytest.raises(tg.linalg.LinAlgError, match="singular") as ours:
        tg.linalg.inv(Tensor(z))
    assert isinstance(ours.value, RuntimeError)
    assert ("(Batch element 0)" in str(ours.value)) == bool(batch)
    with pytest.raises(tg.linalg.LinAlgError, match="torch.linalg.solve: The solver failed because the input "
                                                     "matrix is singular."):
        tg.linalg.solve(Tensor(z), Tensor(np.ones(batch + (2,))))
    with pytest.raises(tg.linalg.LinAlgError):
        tg.linalg.matrix_power(Tensor(z), -1)


@pytest.mark.parametrize("a_shape,b_shape,left", [
    ((3, 3), (3,), True), ((3, 3), (3, 2), True), ((2, 3, 3), (2, 3), True), ((2, 3, 3), (3,), True),
    ((2, 3, 3), (3, 4), True), ((3, 3), (2, 3, 1), True), ((1, 3, 3), (2, 3, 2), True),
    ((3, 3), (2, 3), False), ((2, 3, 3), (2, 4, 3), False),
])
def test_solve_matches_torch(a_shape, b_shape, left):
    a, b = _general(*a_shape), RNG.standard_normal(b_shape)
    _compare(lambda x, y: tg.linalg.solve(x, y, left=left), lambda x, y: torch.linalg.solve(x, y, left=left), a, b)


@given(n=st.integers(1, 4), batch=st.lists(st.integers(1, 3), max_size=2), k=st.integers(1, 3),
       seed=st.integers(0, 2**16))
def test_solve_and_inv_random_shapes_match_torch(n, batch, k, seed):
    rng = np.random.default_rng(seed)
    a, b = _general(*batch, n, n, rng=rng), rng.standard_normal((*batch, n, k))
    _compare(tg.linalg.solve, torch.linalg.solve, a, b)
    _compare(tg.linalg.inv, torch.linalg.inv, a)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 5])
def test_matrix_power_matches_torch(n):
    a = _general(2, 3, 3) / 3
    _compare(lambda x: tg.linalg.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), a)
    _compare(lambda x: tg.matrix_power(x, n), lambda x: x.matrix_power(n), a)


def test_matrix_power_of_integers_stays_integer():
    a = np.array([[1, 2], [3, 4]])
    ours, theirs = tg.linalg.matrix_power(tg.tensor(a), 3), torch.linalg.matrix_power(torch.tensor(a), 3)
    assert ours.dtype == tg.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---- decompositions ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_cholesky_matches_torch(shape, upper):
    _compare(lambda x: tg.linalg.cholesky(x, upper=upper), lambda x: torch.linalg.cholesky(x, upper=upper),
             _spd(*shape))


@pytest.mark.parametrize("a", [[[1.0, 2.0], [2.0, 1.0]], [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]],
                               [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, -1.0]]])
def test_cholesky_of_an_indefinite_matrix_raises_torchs_linalg_error(a):
    with pytest.raises(RuntimeError) as theirs:
        torch.linalg.cholesky(torch.tensor(a))
    with pytest.raises(tg.linalg.LinAlgError) as ours:
        tg.linalg.cholesky(tg.tensor(a))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_matches_torch(upper):
    a, b = _spd(2, 3, 3), RNG.standard_normal((2, 3, 2))
    f = np.linalg.cholesky(a)
    f = np.swapaxes(f, -1, -2) if upper else f
    _compare(lambda x, y: tg.cholesky_solve(x, y, upper), lambda x, y: torch.cholesky_solve(x, y, upper), b, f)


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2)])
def test_qr_matches_torch(shape, mode):
    a = RNG.standard_normal(shape)
    differentiable = mode == "reduced" or (mode == "complete" and shape[-2] <= shape[-1])
    _compare(lambda x: tg.linalg.qr(x, mode), lambda x: torch.linalg.qr(x, mode), a, grads=differentiable)
    out = tg.linalg.qr(Tensor(a), mode)
    assert type(out).__name__ == "linalg_qr" and out._fields == ("Q", "R")


@pytest.mark.parametrize("mode,shape", [("r", (3, 2)), ("complete", (4, 3))])
def test_qr_backward_without_a_derivative_raises_torchs_error(mode, shape):
    a = Tensor(RNG.standard_normal(shape), requires_grad=True)
    ta = torch.tensor(a.numpy(), requires_grad=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.linalg.qr(ta, mode).R.sum().backward()
    with pytest.raises(RuntimeError) as ours:
        tg.linalg.qr(a, mode).R.sum().backward()
    assert str(ours.value) == str(theirs.value)


def _sign_free(v):
    """A function of eigen/singular vectors that does not depend on their signs."""
    return v * v


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_eigh_matches_torch(shape, uplo):
    a = _spd(*shape)
    ours, theirs = tg.linalg.eigh(Tensor(a), uplo), torch.linalg.eigh(torch.tensor(a), uplo)
    assert type(ours).__name__ == "linalg_eigh" and ours._fields == ("eigenvalues", "eigenvectors")
    np.testing.assert_allclose(ours.eigenvalues.numpy(), theirs.eigenvalues.numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.abs(ours.eigenvectors.numpy()), np.abs(theirs.eigenvectors.numpy()), atol=1e-8)
    _compare(lambda x: [_sign_free(o) for o in tg.linalg.eigh(x, uplo)],
             lambda x: [_sign_free(o) for o in torch.linalg.eigh(x, uplo)], a, rtol=1e-6, atol=1e-8)


def test_eigh_reads_only_the_named_triangle():
    a = _spd(3, 3)
    lower = np.tril(a) + np.triu(RNG.standard_normal((3, 3)), 1)  # garbage above the diagonal
    np.testing.assert_allclose(tg.linalg.eigvalsh(Tensor(lower)).numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    np.testing.assert_allclose(tg.linalg.eigvalsh(Tensor(lower.T), UPLO="U").numpy(), np.linalg.eigvalsh(a),
                               rtol=1e-10)


def test_eigvalsh_matches_torch():
    _compare(tg.linalg.eigvalsh, torch.linalg.eigvalsh, _spd(2, 4, 4))


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2)])
def test_svd_matches_torch(shape, full):
    a = RNG.standard_normal(shape)
    k = min(shape[-2:])

    def leading(out):  # full U's extra columns (Vh's extra rows) are arbitrary beyond their span
        u, s, vh = out
        return [_sign_free(u[..., :, :k]), s, _sign_free(vh[..., :k, :])]

    ours = tg.linalg.svd(Tensor(a), full)
    theirs = torch.linalg.svd(torch.tensor(a), full)
    assert type(ours).__name__ == "linalg_svd" and ours._fields == ("U", "S", "Vh")
    assert [tuple(o.shape) for o in ours] == [tuple(t.shape) for t in theirs]
    _compare(lambda x: leading(tg.linalg.svd(x, full)), lambda x: leading(torch.linalg.svd(x, full)), a,
             rtol=1e-6, atol=1e-8)
    _compare(tg.linalg.svdvals, torch.linalg.svdvals, a)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3, 5)])
def test_pinv_and_pinverse_match_torch(shape):
    a = RNG.standard_normal(shape)
    _compare(tg.linalg.pinv, torch.linalg.pinv, a, rtol=1e-6, atol=1e-8)
    _compare(tg.pinverse, torch.pinverse, a, rtol=1e-6, atol=1e-8)


def test_pinv_drops_singular_values_below_the_tolerance_like_torch():
    a = np.diag([3.0, 1.0, 1e-3])
    for kw in ({"atol": 1e-2}, {"rtol": 1e-2}, {"atol": 1e-4, "rtol": 0.5}):
        _compare(lambda x: tg.linalg.pinv(x, **kw), lambda x: torch.linalg.pinv(x, **kw), a, grads=False)


@pytest.mark.parametrize("a_shape,b_shape", [((5, 3), (5, 2)), ((2, 5, 3), (2, 5, 1)), ((3, 3), (3, 2)),
                                             ((3, 5), (3, 2))])
def test_lstsq_solution_and_rank_match_torch(a_shape, b_shape):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    ours = tg.linalg.lstsq(Tensor(a), Tensor(b))
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    assert type(ours).__name__ == "linalg_lstsq"
    np.testing.assert_array_equal(ours.rank.numpy(), theirs.rank.numpy())
    _compare(lambda x, y: tg.linalg.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution, a, b,
             rtol=1e-6, atol=1e-8)


# ---- finite differences ----------------------------------------------------------------------------------------
def _sym(x):
    return x + x.mT  # eigh and cholesky read one triangle: differentiate through a symmetric input


@pytest.mark.parametrize("fn,make", [
    (lambda x: tg.linalg.inv(x), lambda: _general(2, 3, 3)),
    (lambda x: tg.linalg.det(x), lambda: _general(3, 3)),
    (lambda x: tg.linalg.slogdet(x).logabsdet, lambda: _general(3, 3)),
    (lambda x: tg.linalg.cholesky(_sym(x)), lambda: _spd(3, 3) / 2),
    (lambda x: tg.linalg.eigh(_sym(x)).eigenvectors ** 2, lambda: _spd(3, 3) / 2),
    (lambda x: tg.linalg.qr(x).Q, lambda: RNG.standard_normal((4, 3))),
    (lambda x: tg.linalg.qr(x).R, lambda: RNG.standard_normal((3, 4))),
    (lambda x: tg.linalg.svd(x, False).U ** 2, lambda: RNG.standard_normal((4, 3))),
    (lambda x: tg.linalg.svd(x, False).Vh ** 2, lambda: RNG.standard_normal((3, 4))),
    (lambda x: tg.linalg.pinv(x), lambda: RNG.standard_normal((4, 3))),
    (lambda x: tg.linalg.norm(x, "nuc"), lambda: RNG.standard_normal((3, 4))),
])
def test_gradcheck_finite_differences(fn, make):
    x = Tensor(np.ascontiguousarray(make()), requires_grad=True)
    assert tg.gradcheck(fn, [x], atol=1e-6, rtol=1e-4)
