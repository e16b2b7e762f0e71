"""In-place safety (issue 9): a tensor whose values an op saved for backward, changed in place afterwards
through the Tensor API, makes that backward raise PyTorch's error instead of returning a wrong gradient.
Every in-place method moves ``_version``; views, ``detach()`` and a FlatParameter's members share it.
Where torch is installed it is the oracle for which programs raise and for the gradients of those that don't."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_rnn as torch
from tinygrad_rnn import nn, optim

from torch_reference import needs_torch, torch as real_torch
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def _message(exc_info) -> str:
    return str(exc_info.value)


def test_a_saved_input_changed_in_place_raises_pytorchs_error():
    x = torch.randn(3, 4, requires_grad=True)
    w = torch.randn(3, 4)
    y = x * w  # Mul saves w for x's gradient
    w.add_(1.0)
    with pytest.raises(RuntimeError) as err:
        y.sum().backward()
    assert _message(err).startswith(MODIFIED + ": [torch.FloatTensor [3, 4]] is at version 1; expected version 0 "
                                    "instead. Hint:")
    assert ".data" in _message(err)  # the hint says what is not tracked


def test_a_saved_output_changed_in_place_names_the_op_that_made_it():
    x = torch.randn(2, 5, dtype=torch.float64, requires_grad=True)
    y = x.tanh()  # Tanh saves its output
    with torch.no_grad():
        y.mul_(2)
        y.add_(1)
    with pytest.raises(RuntimeError, match=re.escape(
            "[torch.DoubleTensor [2, 5]], which is output 0 of TanhBackward0, is at version 2; expected version 0")):
        y.sum().backward()


def test_a_parameter_stepped_between_forward_and_backward_raises():
    p = torch.randn(4, requires_grad=True)
    x = torch.randn(4)
    loss = (p * x).sum() + (p * p).sum()
    with torch.no_grad():
        p -= 0.1 * torch.ones(4)
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_an_optimizer_step_before_backward_raises_and_after_backward_is_fine():
    lin = nn.Linear(3, 2)
    opt = optim.SGD(lin.parameters(), lr=0.1)
    x = torch.randn(5, 3, requires_grad=True)  # x's gradient needs the weight, so the product saves it
    first = lin(x).pow(2).sum()
    first.backward()
    second = lin(x).pow(2).sum()  # recorded with the weights as they are now
    before = lin.weight._version  # nn.init's fills count too, as in PyTorch
    opt.step()  # changes them in place: the second graph's saved weight is stale
    assert lin.weight._version == before + 1
    with pytest.raises(RuntimeError, match=rf"is at version {before + 1}; expected version {before} instead"):
        second.backward()
    opt.zero_grad()
    lin(x).pow(2).sum().backward()  # a graph recorded after the step is fine
    assert lin.weight.grad is not None


def test_changes_to_unsaved_tensors_and_changes_after_backward_are_fine():
    x = torch.randn(3, requires_grad=True)
    b = torch.randn(3)
    y = x + b  # Add saves nothing
    z = x.tanh()  # Tanh saves its output, not x
    b.zero_()
    with torch.no_grad():
        x.add_(1.0)
    (y.sum() + z.sum()).backward()
    np.testing.assert_allclose(x.grad, 1 + (1 - z.data ** 2), rtol=1e-6)
    w = torch.randn(3)
    u = x * w
    u.sum().backward()
    w.fill_(0.0)  # after backward: nothing needs the old values any more
    assert w._version == 1


def test_views_and_detach_share_the_version_counter():
    x = torch.randn(3, 4)
    row = x[0]  # a view of x's memory
    flat = x.reshape(12)
    d = x.detach()
    w = torch.randn(4, requires_grad=True)
    y = (row * w).sum()
    d.mul_(2)  # changes x, so the row Mul saved
    assert x._version == row._version == flat._version == d._version == 1
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[4\]\] is at version 1; expected version 0"):
        y.backward()
    copy = x.clone()  # a new array: not a view
    copy.add_(1)
    assert copy._version == 1 and x._version == 1


@pytest.mark.parametrize("change", [
    lambda t: t.add_(1.0), lambda t: t.sub_(1.0, alpha=2), lambda t: t.mul_(2.0), lambda t: t.div_(2.0),
    lambda t: t.zero_(), lambda t: t.fill_(3.0), lambda t: t.copy_(torch.ones(2, 3)), lambda t: t.clamp_(0, 1),
    lambda t: t.clip_(max=0.5), lambda t: t.masked_fill_(torch.tensor([True, False, True]), 0.0),
    lambda t: t.uniform_(), lambda t: t.normal_(), lambda t: t.__setitem__((0, 1), 5.0),
    lambda t: t.__iadd__(1.0), lambda t: t.__isub__(1.0), lambda t: t.__imul__(2.0), lambda t: t.__itruediv__(2.0),
    lambda t: nn.init.uniform_(t), lambda t: nn.init.normal_(t), lambda t: nn.init.constant_(t, 0.5),
    lambda t: nn.init.zeros_(t), lambda t: nn.init.xavier_uniform_(t), lambda t: nn.init.orthogonal_(t),
    lambda t: t.unsqueeze_(0),
], ids=["add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "clamp_", "clip_", "masked_fill_", "uniform_",
        "normal_", "setitem", "iadd", "isub", "imul", "itruediv", "init.uniform_", "init.normal_", "init.constant_",
        "init.zeros_", "init.xavier_uniform_", "init.orthogonal_", "unsqueeze_"])
def test_every_in_place_change_moves_the_version_and_is_caught(change):
    t = torch.randn(2, 3)
    w = torch.randn(2, 3, requires_grad=True)
    y = (w * t).sum()
    change(t)
    assert t._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_writes_into_data_are_not_tracked_as_documented():
    t = torch.randn(3)
    t.data += 1  # .data is the numpy array itself, like torch's .data
    t.data[0] = 0
    assert t._version == 0


def test_a_flat_parameters_members_share_its_counter():
    lin = nn.Linear(3, 2)
    flat = nn.utils.flatten_parameters_(lin.parameters())
    opt = optim.Adagrad([flat], lr=0.1)
    x = torch.randn(4, 3, requires_grad=True)
    lin(x).sum().backward()
    loss = lin(x).pow(2).sum()
    opt.step()
    assert lin.weight._version == lin.bias._version == flat._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_version_message_when_many_changes_outrun_the_history():
    x = torch.randn(2, requires_grad=True)
    w = torch.randn(2)
    y = x * w
    for _ in range(40):
        w.add_(0.0)
    with pytest.raises(RuntimeError, match="is at version 40; expected version 8 or lower instead"):
        y.sum().backward()


def test_buffer_written_after_a_use_routes_earlier_gradients_to_the_earlier_values():
    # buf[1] = f(buf[0]): the read of buf[0] was recorded before buf became the IndexPut node of the second write.
    # A recorded write makes a new array (IndexPut copies), so the values those reads saved are intact and the
    # gradient is right; PyTorch, which writes into the same memory, refuses this program instead.
    w = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    buf = torch.zeros(3, 3, dtype=torch.float64)
    buf[0] = w * 2
    buf[1] = (buf[0] * 3).tanh()
    buf[2] = buf.sum(0) * buf[1]  # reads the whole buffer before the write
    buf.sum().backward()
    t = np.tanh(6 * w.data)
    dt = 6 * (1 - t ** 2)
    # buf[2] = (2w + t) * t, so d(sum)/dw = 2 + dt + (2 + dt) * t + (2w + t) * dt
    np.testing.assert_allclose(w.grad, 2 + dt + (2 + dt) * t + (2 * w.data + t) * dt, rtol=1e-9, atol=1e-12)


def _sigmoid_output_changed(lib, x, c):
    h = x.sigmoid()
    y = h * c
    with lib.no_grad():
        h.mul_(0.5)  # Sigmoid saved its output
    return y


def _input_of_a_product_with_a_constant_changed(lib, x, c):
    y = x * c  # only c is needed for x's gradient
    with lib.no_grad():
        x.add_(1.0)
    return y


def _constant_of_a_product_changed(lib, x, c):
    y = x * c
    c.mul_(2.0)
    return y


def _input_of_exp_changed(lib, x, c):
    y = x.exp() + c  # Exp saves its output, Add nothing
    with lib.no_grad():
        x.sub_(0.5)
    c.zero_()
    return y


def _weight_of_a_matmul_changed(lib, x, c):
    m = c.reshape(3, 1)
    y = x.reshape(1, 3) @ m  # needs m for x's gradient
    m.add_(1.0)  # a view of c: changes c too
    return y


@needs_torch
@pytest.mark.parametrize("program", [_sigmoid_output_changed, _input_of_a_product_with_a_constant_changed,
                                     _constant_of_a_product_changed, _input_of_exp_changed,
                                     _weight_of_a_matmul_changed], ids=lambda f: f.__name__.strip("_"))
def test_raises_exactly_where_pytorch_raises_and_agrees_on_the_gradients_elsewhere(program):
    def run(lib):
        x = lib.tensor([0.3, -0.2, 0.9], dtype=lib.float64, requires_grad=True)
        c = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        program(lib, x, c).sum().backward()
        return np.asarray(x.grad)

    try:
        expected = run(real_torch)
    except RuntimeError as err:
        assert MODIFIED in str(err)
        with pytest.raises(RuntimeError, match=MODIFIED):
            run(torch)
        return
    np.testing.assert_allclose(run(torch), expected, rtol=1e-12)


def test_in_place_arithmetic_masked_fill_and_clamp_on_graph_tensors_are_recorded_as_in_pytorch():
    """add_/sub_/mul_/div_/masked_fill_/clamp_ on a tensor in the graph (or with an operand that requires
    grad) record the op, so gradients are torch's; on a leaf that requires grad they still raise."""
    torch = pytest.importorskip("torch")
    import tinygrad_rnn as tg

    rng = np.random.default_rng(0)
    x0, w0, up = rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.normal(size=(3, 4))
    mask = np.array([[True, False, False, True]] * 3)

    def program(lib, x, w):
        h = x * 2
        h.add_(w, alpha=0.5)
        h.sub_(1.0)
        h.mul_(w)
        h.div_(lib.tensor(np.full(4, 3.0)))
        h.masked_fill_(lib.tensor(mask), -1.5)
        h.clamp_(min=-1.0, max=0.8)
        buf = lib.zeros(4, dtype=lib.float64)
        buf.add_(w)  # a plain tensor that takes in an operand requiring grad
        return (h * lib.tensor(up)).sum() + (buf * buf).sum()

    ours = [tg.tensor(a, requires_grad=True) for a in (x0, w0)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x0, w0)]
    a, b = program(tg, *ours), program(torch, *theirs)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    a.backward()
    b.backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)
    leaf = tg.tensor(x0, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.add_(1.0)
