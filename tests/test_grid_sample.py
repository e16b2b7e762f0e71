"""F.affine_grid and F.grid_sample (2-D, bilinear / nearest, zeros / border / reflection) against torch in float64."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 3, 4, 5)])
def test_affine_grid_matches_torch_with_theta_grad(align, size):
    spatial = len(size) - 2
    theta = np.random.default_rng(0).standard_normal((2, spatial, spatial + 1))
    a, b = tg.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    out, want = tg.F.affine_grid(a, size, align_corners=align), TF.affine_grid(b, size, align_corners=align)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = np.random.default_rng(1).standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_matches_torch_values_and_grads(mode, padding_mode, align):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    grid = rng.uniform(-1.6, 1.6, (2, 3, 6, 2))  # points outside [-1, 1] exercise the padding modes
    xa, xb = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ga, gb = tg.tensor(grid, requires_grad=True), torch.tensor(grid, requires_grad=True)
    out = tg.F.grid_sample(xa, ga, mode=mode, padding_mode=padding_mode, align_corners=align)
    want = TF.grid_sample(xb, gb, mode=mode, padding_mode=padding_mode, align_corners=align)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-11, atol=1e-12)
    up = rng.standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(xa.grad, xb.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(ga.grad, gb.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_affine_grid_then_grid_sample_identity_reproduces_input():
    x = np.random.default_rng(3).standard_normal((1, 2, 4, 5))
    theta = tg.tensor(np.array([[[1.0, 0, 0], [0, 1.0, 0]]]))
    grid = tg.F.affine_grid(theta, (1, 2, 4, 5), align_corners=False)
    np.testing.assert_allclose(tg.F.grid_sample(tg.tensor(x), grid, align_corners=False).data, x, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda F, t: F.grid_sample(t(np.zeros((1, 1, 3, 4))), t(np.zeros((1, 2, 2, 2))), mode="foo", align_corners=False),
    lambda F, t: F.grid_sample(t(np.zeros((1, 1, 3, 4))), t(np.zeros((1, 2, 2, 2))), padding_mode="foo",
                               align_corners=False),
    lambda F, t: F.grid_sample(t(np.zeros((1, 1, 3, 4))), t(np.zeros((1, 2, 2, 1))), align_corners=False),
    lambda F, t: F.grid_sample(t(np.zeros((1, 1, 3, 4))), t(np.zeros((2, 2, 2, 2))), align_corners=False),
    lambda F, t: F.affine_grid(t(np.zeros((1, 2, 4))), (1, 1, 3, 4), align_corners=False),
    lambda F, t: F.affine_grid(t(np.zeros((1, 2, 3))), (1, 1, 3), align_corners=False),
])
def test_errors_match_torch_types(call):
    with pytest.raises(Exception) as want:
        call(TF, torch.tensor)
    with pytest.raises(want.type):
        call(tg.F, tg.tensor)


def test_default_align_corners_warns_as_torch():
    with pytest.warns(UserWarning, match="align_corners=False"):
        tg.F.affine_grid(tg.tensor(np.zeros((1, 2, 3))), (1, 1, 2, 2))
