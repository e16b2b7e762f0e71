"""torch.autograd.grad: gradients returned for chosen inputs (leaves and intermediate tensors), .grad untouched,
PyTorch's rules for grad_outputs, several outputs, unused inputs and retain_graph; compared with torch and with
backward()."""
import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import F, nn

RNG = np.random.default_rng(0)


def _program(lib, x, w):
    h = (x @ w).tanh()
    return (h * h).sum(), h.sum(dim=1), h


def test_gradients_of_leaves_and_intermediates_equal_torchs_and_leave_grad_alone():
    torch = pytest.importorskip("torch")
    a, w0, up = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2)), RNG.normal(size=3)
    x, w = tg.tensor(a, requires_grad=True), tg.tensor(w0, requires_grad=True)
    X, W = torch.tensor(a, requires_grad=True), torch.tensor(w0, requires_grad=True)
    w.grad = np.full((4, 2), 7.0)  # an earlier gradient stays as it was
    y, s, h = _program(tg, x, w)
    Y, S, H = _program(torch, X, W)
    got = tg.autograd.grad([y, s], [x, h, w], grad_outputs=[None, tg.tensor(up)])
    want = torch.autograd.grad([Y, S], [X, H, W], grad_outputs=[None, torch.tensor(up)])
    for g, t in zip(got, want):
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12)
    assert x.grad is None and np.all(w.grad == 7.0)


def test_retain_graph_allows_a_second_call_and_backward_agrees():
    x = tg.tensor(RNG.normal(size=(5,)), requires_grad=True)
    y = (x.exp() * x).sum()
    (g1,) = tg.autograd.grad(y, x, retain_graph=True)
    (g2,) = tg.autograd.grad(y, x)
    y2 = (x.exp() * x).sum()
    y2.backward()
    np.testing.assert_array_equal(g1.numpy(), g2.numpy())
    np.testing.assert_allclose(g1.numpy(), x.grad, rtol=1e-15)
    with pytest.raises(RuntimeError, match="second time"):
        tg.autograd.grad(y, x)


def test_sparse_and_factored_leaf_gradients_come_back_dense():
    emb = nn.Embedding(50, 8, sparse=True).double()
    out = nn.Linear(8, 400, bias=False).double()
    ids = np.array([3, 7, 3, 11])
    h = emb(ids)
    loss = F.linear_cross_entropy(h, out.weight, None, np.array([1, 2, 3, 4]), reduction="sum")
    ge, gw = tg.autograd.grad(loss, [emb.weight, out.weight], retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(ge.numpy(), emb.weight.grad.to_dense(), rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), out.weight.grad, rtol=1e-12)


def test_unused_inputs_and_pytorchs_errors():
    x, z = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tg.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = tg.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None and gx.tolist() == [2.0, 4.0]
    _, gz = tg.autograd.grad(y, [x, z], materialize_grads=True, retain_graph=True)
    assert gz.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        tg.autograd.grad(x * 2, x)
    with pytest.raises(NotImplementedError, match="create_graph"):
        tg.autograd.grad(y, x, create_graph=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad(y, tg.tensor([1.0]))
