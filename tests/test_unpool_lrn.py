"""F.max_unpool1d/2d/3d, nn.MaxUnpool*, F.local_response_norm and nn.LocalResponseNorm against torch in float64."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("dims,shape,kw", [
    (1, (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)), (1, (3, 8), dict(kernel_size=2)),
    (2, (2, 3, 6, 8), dict(kernel_size=2)), (2, (3, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))),
    (3, (1, 2, 4, 6, 6), dict(kernel_size=2)),
])
@pytest.mark.parametrize("sized", [False, True])
def test_max_unpool_matches_torch(dims, shape, kw, sized):
    x = torch.tensor(np.random.default_rng(dims).standard_normal(shape))
    pooled, idx = getattr(TF, f"max_pool{dims}d")(x, return_indices=True, **kw)
    size = (x.shape if x.ndim == dims + 2 else x.shape[-dims:]) if sized else None
    a, b = tg.tensor(pooled.numpy(), requires_grad=True), pooled.clone().requires_grad_()
    out = getattr(tg.F, f"max_unpool{dims}d")(a, tg.tensor(idx.numpy()), output_size=size, **kw)
    want = getattr(TF, f"max_unpool{dims}d")(b, idx, output_size=size, **kw)
    np.testing.assert_allclose(out.data, want.detach().numpy())
    up = np.random.default_rng(0).standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad, b.grad.numpy())


def test_max_unpool_layer_roundtrip_with_maxpool_indices():
    ours, ref = tg.nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)
    assert repr(ours) == repr(ref)
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 6))
    out, idx = tg.nn.MaxPool2d(2, return_indices=True)(tg.tensor(x))
    want, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_allclose(ours(out, idx).data, ref(want, tidx).numpy())


@pytest.mark.parametrize("call", [
    lambda F, t, o, i: F.max_unpool2d(o, t(i.numpy() * 5), 2),
    lambda F, t, o, i: F.max_unpool2d(o, t(i.numpy()), 2, output_size=(9, 9)),
    lambda F, t, o, i: F.max_unpool2d(o, t(i.numpy()[..., :1]), 2),
    lambda F, t, o, i: F.max_unpool2d(o[0, 0], t(i.numpy()[0, 0]), 2),
])
def test_max_unpool_errors_match_torch_types(call):
    o, i = TF.max_pool2d(torch.randn(1, 1, 4, 4, dtype=torch.float64), 2, return_indices=True)
    with pytest.raises(Exception) as want:
        call(TF, torch.tensor, o, i)
    with pytest.raises(want.type):
        call(tg.F, tg.tensor, tg.tensor(o.numpy()), i)


@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 4), (1, 4, 2, 3, 2)])
@pytest.mark.parametrize("size,alpha,beta,k", [(1, 1e-4, 0.75, 1.0), (2, 0.5, 0.75, 1.0), (3, 1.0, 0.5, 2.0),
                                               (5, 0.3, 1.2, 0.5)])
def test_local_response_norm_matches_torch(shape, size, alpha, beta, k):
    x = np.random.default_rng(1).standard_normal(shape)
    ours, ref = tg.nn.LocalResponseNorm(size, alpha, beta, k), torch.nn.LocalResponseNorm(size, alpha, beta, k)
    assert repr(ours) == repr(ref)
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, want = ours(a), ref(b)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-11)
    up = np.random.default_rng(2).standard_normal(shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_local_response_norm_refuses_2d_input():
    with pytest.raises(ValueError, match="3D or higher"):
        tg.F.local_response_norm(tg.zeros(2, 3), 2)
