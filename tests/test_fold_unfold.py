"""F.unfold / F.fold (im2col / col2im) and nn.Unfold / nn.Fold against torch in float64."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")
TF = torch.nn.functional

GEOMETRY = [  # (kernel_size, dilation, padding, stride)
    (2, 1, 0, 1), ((2, 3), 1, 0, 1), (3, 2, 1, 1), ((3, 2), (1, 2), (2, 0), (2, 1)), (2, 1, 1, 2),
]


@pytest.mark.parametrize("k,d,p,s", GEOMETRY)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_matches_torch(k, d, p, s, batched):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6) if batched else (3, 7, 6))
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, want = tg.F.unfold(a, k, d, p, s), TF.unfold(b, k, d, p, s)
    np.testing.assert_allclose(out.data, want.detach().numpy())
    up = np.random.default_rng(1).standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k,d,p,s", GEOMETRY)
@pytest.mark.parametrize("batched", [True, False])
def test_fold_matches_torch(k, d, p, s, batched):
    size = (7, 6)
    cols_shape = TF.unfold(torch.zeros(1, 3, *size), k, d, p, s).shape[1:]
    x = np.random.default_rng(2).standard_normal(((2,) if batched else ()) + tuple(cols_shape))
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, want = tg.F.fold(a, size, k, d, p, s), TF.fold(b, size, k, d, p, s)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = np.random.default_rng(3).standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad, b.grad.numpy())


def test_fold_and_unfold_layers_match_torch():
    kw = dict(kernel_size=(2, 3), dilation=1, padding=1, stride=2)
    ours_u, ref_u = tg.nn.Unfold(**kw), torch.nn.Unfold(**kw)
    ours_f, ref_f = tg.nn.Fold((5, 6), **kw), torch.nn.Fold((5, 6), **kw)
    assert repr(ours_u) == repr(ref_u) and repr(ours_f) == repr(ref_f)
    x = np.random.default_rng(4).standard_normal((2, 3, 5, 6))
    np.testing.assert_allclose(ours_f(ours_u(tg.tensor(x))).data, ref_f(ref_u(torch.tensor(x))).numpy())


@pytest.mark.parametrize("call", [
    lambda F, t: F.unfold(t(np.zeros((1, 1, 2, 3, 3))), 2),
    lambda F, t: F.fold(t(np.zeros((1, 5, 4))), (3, 3), 2),
    lambda F, t: F.fold(t(np.zeros((1, 4, 5))), (3, 3), 2),
    lambda F, t: F.unfold(t(np.zeros((1, 1, 3, 3))), 0),
])
def test_fold_unfold_errors_match_torch_types(call):
    with pytest.raises(Exception) as want:
        call(TF, torch.tensor)
    with pytest.raises(want.type):
        call(tg.F, tg.tensor)
