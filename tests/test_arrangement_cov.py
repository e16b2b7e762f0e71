"""torch.fliplr / flipud / rot90 / msort / cov / corrcoef and their Tensor methods against torch in float64."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")


def _check(name, x, *args, method=False, **kw):
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = getattr(a, name)(*args, **kw) if method else getattr(tg, name)(a, *args, **kw)
    want = getattr(torch, name)(b, *args, **kw)
    assert out.shape == tuple(want.shape)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-11, atol=1e-12)
    up = np.random.default_rng(9).standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-11)


X = np.random.default_rng(0).standard_normal((3, 4, 5))


@pytest.mark.parametrize("method", [False, True])
@pytest.mark.parametrize("name,x", [("fliplr", X), ("fliplr", X[0]), ("flipud", X), ("flipud", X[0, 0]),
                                    ("msort", X), ("msort", X[0, 0])])
def test_flips_and_msort_match_torch(name, x, method):
    _check(name, x, method=method)


@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2, 3, 5])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (2, 0), (-1, 1)])
def test_rot90_matches_torch(k, dims):
    _check("rot90", X, k, list(dims))
    _check("rot90", X, k, list(dims), method=True)


@pytest.mark.parametrize("x", [X[0], X[0, 0], X[0, :1]])
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("weights", ["none", "f", "a", "fa"])
def test_cov_matches_torch(x, correction, weights):
    n = x.shape[-1]
    kw = {"correction": correction}
    if "f" in weights:
        kw["fweights"] = np.array([1, 3, 0, 2, 1][:n])
    if "a" in weights:
        kw["aweights"] = np.array([0.5, 1.5, 2.0, 0.25, 1.0][:n])
    tg_kw = {k: tg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, want = tg.cov(a, **tg_kw), torch.cov(b, **t_kw)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-11, atol=1e-12)
    if np.isfinite(want.detach().numpy()).all():
        out.sum().backward()
        want.sum().backward()
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(a.detach().cov(**tg_kw).data, want.detach().numpy(), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("x", [X[0], X[0, 0], X[:, 0]])
def test_corrcoef_matches_torch(x):
    _check("corrcoef", x)
    _check("corrcoef", x, method=True)


@pytest.mark.parametrize("call", [
    lambda m, t: m.fliplr(t(np.zeros(3))), lambda m, t: m.flipud(t(np.float64(1.0))),
    lambda m, t: m.rot90(t(np.zeros((2, 2))), 1, [0]), lambda m, t: m.rot90(t(np.zeros((2, 2))), 1, [1, 1]),
    lambda m, t: m.rot90(t(np.zeros(3))), lambda m, t: m.cov(t(np.zeros((2, 2, 2)))),
    lambda m, t: m.cov(t(np.zeros((2, 3))), fweights=t(np.ones(3))),
    lambda m, t: m.cov(t(np.zeros((2, 3))), fweights=t(np.array([1, -1, 1]))),
    lambda m, t: m.cov(t(np.zeros((2, 3))), aweights=t(np.ones(2))),
])
def test_errors_match_torch_types(call):
    with pytest.raises(Exception) as want:
        call(torch, torch.tensor)
    with pytest.raises(want.type):
        call(tg, tg.tensor)


def test_cov_warns_when_no_degrees_of_freedom_left():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        tg.cov(tg.tensor(np.ones((2, 3))), correction=3)
