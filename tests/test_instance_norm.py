"""nn.InstanceNorm1d/2d/3d and F.instance_norm against torch in float64: values, gradients, running statistics."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")


def _pair(dims, **kw):
    ours = getattr(tg.nn, f"InstanceNorm{dims}d")(3, **kw).double()
    ref = getattr(torch.nn, f"InstanceNorm{dims}d")(3, **kw).double()
    if kw.get("affine"):
        rng = np.random.default_rng(7)
        w, b = rng.standard_normal(3), rng.standard_normal(3)
        ours.weight.data[...], ours.bias.data[...] = w, b
        with torch.no_grad():
            ref.weight.copy_(torch.tensor(w))
            ref.bias.copy_(torch.tensor(b))
    return ours, ref


def _step(ours, ref, x, seed=0):
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, want = ours(a), ref(b)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-10, atol=1e-10)
    up = np.random.default_rng(seed).standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-9)
    if ref.affine:
        np.testing.assert_allclose(ours.weight.grad, ref.weight.grad.numpy(), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ours.bias.grad, ref.bias.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("track", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_instance_norm_layers_match_torch_train_and_eval(dims, affine, track, batched):
    ours, ref = _pair(dims, affine=affine, track_running_stats=track, momentum=0.3)
    assert repr(ours) == repr(ref)
    shape = ((2,) if batched else ()) + (3,) + (4, 5, 3)[:dims]
    rng = np.random.default_rng(dims)
    for step in range(2):
        _step(ours, ref, rng.standard_normal(shape) * 2 + 1, seed=step)
    if track:
        np.testing.assert_allclose(ours.running_mean.data, ref.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.running_var.data, ref.running_var.numpy(), rtol=1e-12)
    ours.eval()
    ref.eval()
    _step(ours, ref, rng.standard_normal(shape), seed=5)


def test_instance_norm_momentum_none_leaves_running_stats_as_torch():
    ours, ref = _pair(1, track_running_stats=True, momentum=None)
    _step(ours, ref, np.random.default_rng(0).standard_normal((2, 3, 6)))
    np.testing.assert_allclose(ours.running_mean.data, ref.running_mean.numpy())
    assert int(ours.num_batches_tracked.data) == int(ref.num_batches_tracked)


def test_functional_instance_norm_matches_torch():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4))
    w = np.random.default_rng(2).standard_normal(3)
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    rm, rv = tg.tensor(rm), tg.tensor(rv)
    out = tg.F.instance_norm(tg.tensor(x), rm, rv, weight=tg.tensor(w), momentum=0.2, eps=1e-3)
    want = torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, weight=torch.tensor(w), momentum=0.2, eps=1e-3)
    np.testing.assert_allclose(out.data, want.numpy(), rtol=1e-10)
    np.testing.assert_allclose(rm.data, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.data, trv.numpy(), rtol=1e-12)


def test_instance_norm_errors():
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        tg.nn.InstanceNorm2d(3)(tg.zeros(3, 4))
    with pytest.raises(ValueError, match="match num_features"):
        tg.nn.InstanceNorm1d(3, affine=True)(tg.zeros(2, 4, 5))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        tg.nn.InstanceNorm1d(3)(tg.zeros(2, 3, 1))
    with pytest.warns(UserWarning):
        tg.nn.InstanceNorm1d(3)(tg.randn(2, 4, 5))
