"""Gaps found by running PyTorch programs with only the import changed: nn.BatchNorm2d/3d, int/float promotion
in cat/stack/where, div's rounding_mode, autograd.Variable, set/get_num_threads, parameters_to_vector."""
import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn


def _torch():
    return pytest.importorskip("torch")


def _dt(torch, t):
    return str(t.dtype).replace("torch.", "")


# ---- BatchNorm2d / BatchNorm3d --------------------------------------------------------------------------

def test_batchnorm2d_training_step_closed_form():
    """Torch-free: one training step normalizes by the batch statistics and moves the running ones by
    r = (1 - m) r + m s with the unbiased variance; eval then uses them."""
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(4, 3, 5, 6))
    m = nn.BatchNorm2d(3, momentum=0.25, dtype=tg.float64)
    out = m(tg.tensor(x))
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    n = x.size // 3
    np.testing.assert_allclose(out.data, (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5), atol=1e-12)
    np.testing.assert_allclose(m.running_mean.data, 0.75 * 0 + 0.25 * mean, atol=1e-12)
    np.testing.assert_allclose(m.running_var.data, 0.75 * 1 + 0.25 * var * n / (n - 1), atol=1e-12)
    assert int(m.num_batches_tracked.data) == 1
    m.eval()
    np.testing.assert_allclose(m(tg.tensor(x)).data, (x - m.running_mean.data[:, None, None])
                               / np.sqrt(m.running_var.data[:, None, None] + 1e-5), atol=1e-12)


def test_batchnorm2d_3d_names_and_rank_errors():
    m = nn.BatchNorm2d(4)
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        m(tg.zeros(2, 4, 5))
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        nn.BatchNorm3d(4)(tg.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(4)(tg.zeros(2, 4, 5, 5))
    assert nn.modules.batchnorm.BatchNorm2d is nn.BatchNorm2d


@pytest.mark.parametrize("cls,shape", [("BatchNorm2d", (3, 4, 5, 2)), ("BatchNorm3d", (2, 4, 3, 2, 3))])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}])
def test_batchnorm_nd_against_torch(cls, shape, kwargs):
    torch = _torch()
    rng = np.random.default_rng(1)
    ref = getattr(torch.nn, cls)(4, dtype=torch.float64, **kwargs)
    m = getattr(nn, cls)(4, dtype=tg.float64, **kwargs)
    if ref.affine:
        w, b = rng.normal(size=4), rng.normal(size=4)
        with torch.no_grad():
            ref.weight.copy_(torch.tensor(w))
            ref.bias.copy_(torch.tensor(b))
        m.weight.data[...] = w
        m.bias.data[...] = b
    for step in range(3):  # training steps: outputs, input and parameter gradients, running statistics
        x = rng.normal(1.0, 2.0, size=shape)
        g = rng.normal(size=shape)
        xt = torch.tensor(x, requires_grad=True)
        xg = tg.tensor(x, requires_grad=True)
        yt, yg = ref(xt), m(xg)
        np.testing.assert_allclose(yg.data, yt.detach().numpy(), atol=1e-10)
        (yt * torch.tensor(g)).sum().backward()
        (yg * tg.tensor(g)).sum().backward()
        np.testing.assert_allclose(xg.grad, xt.grad.numpy(), atol=1e-10)
        if ref.affine:
            np.testing.assert_allclose(m.weight.grad, ref.weight.grad.numpy(), atol=1e-10)
            np.testing.assert_allclose(m.bias.grad, ref.bias.grad.numpy(), atol=1e-10)
            ref.weight.grad = ref.bias.grad = None
            m.weight.grad = m.bias.grad = None
    for name, buf in ref.named_buffers():
        np.testing.assert_allclose(np.asarray(getattr(m, name).data), buf.numpy(), atol=1e-12)
    ref.eval()
    m.eval()
    x = rng.normal(size=shape)
    np.testing.assert_allclose(m(tg.tensor(x)).data, ref(torch.tensor(x)).detach().numpy(), atol=1e-10)


# ---- promotion in cat / stack / where -------------------------------------------------------------------

def test_promotion_rules_without_torch():
    f, i = tg.zeros(2), tg.arange(2)
    c = f > 0
    assert tg.cat([f, i]).dtype == tg.float32
    assert tg.stack([i, f]).dtype == tg.float32
    assert tg.where(c, f, i).dtype == tg.float32
    assert tg.where(c, i, 0.5).dtype == tg.float32  # an int tensor with a Python float: the default float
    assert tg.where(c, 1, 0).dtype == tg.int64
    assert tg.where(c, True, False).dtype == tg.bool
    assert tg.promote_types(tg.int64, tg.float16) == tg.float16
    assert tg.promote_types(tg.uint8, tg.int8) == tg.int16


CASES = {
    "cat": lambda T, f, i, c: T.cat([f, i]),
    "cat_int_first": lambda T, f, i, c: T.cat([i, f], 0),
    "concat": lambda T, f, i, c: T.concat([f, i]),
    "concatenate": lambda T, f, i, c: T.concatenate([f, i]),
    "stack": lambda T, f, i, c: T.stack([f, i], 1),
    "hstack": lambda T, f, i, c: T.hstack([f, i]),
    "vstack": lambda T, f, i, c: T.vstack([f, i]),
    "where_ft": lambda T, f, i, c: T.where(c, f, i),
    "where_tf": lambda T, f, i, c: T.where(c, i, f),
    "where_0d_int": lambda T, f, i, c: T.where(c, f, T.tensor(0)),
    "where_float_scalar": lambda T, f, i, c: T.where(c, f, 0.0),
    "where_int_scalar": lambda T, f, i, c: T.where(c, f, 3),
    "where_int_tensor_float_scalar": lambda T, f, i, c: T.where(c, i, 2.5),
    "where_scalars": lambda T, f, i, c: T.where(c, 1.0, 0),
    "method_where": lambda T, f, i, c: f.where(c, i),
}


@pytest.mark.parametrize("fdt", ["float32", "float64", "float16"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_promotion_against_torch(case, fdt):
    torch = _torch()
    fn = CASES[case]
    fv, iv = np.array([1.5, -2.0, 0.5]), np.array([3, 0, -1])
    ft = torch.tensor(fv, dtype=getattr(torch, fdt))
    it = torch.tensor(iv)
    fg = tg.tensor(fv, dtype=getattr(tg, fdt))
    ig = tg.tensor(iv)
    rt = fn(torch, ft, it, ft > 0)
    rg = fn(tg, fg, ig, fg > 0)
    assert str(rg.dtype) == _dt(torch, rt)
    np.testing.assert_array_equal(rg.data, rt.numpy())


@pytest.mark.parametrize("case", ["cat", "cat_int_first", "stack", "hstack", "vstack", "where_ft", "where_tf",
                                  "where_0d_int", "where_float_scalar", "method_where"])
def test_promotion_gradient_reaches_float_input(case):
    torch = _torch()
    fn = CASES[case]
    fv, iv = np.array([1.5, -2.0, 0.5]), np.array([3, 0, -1])
    ft = torch.tensor(fv, requires_grad=True)
    fg = tg.tensor(fv, requires_grad=True)
    rt = fn(torch, ft, torch.tensor(iv), ft.detach() > 0)
    rg = fn(tg, fg, tg.tensor(iv), fg.detach() > 0)
    w = np.random.default_rng(0).normal(size=rt.shape)
    (rt * torch.tensor(w)).sum().backward()
    (rg * tg.tensor(w)).sum().backward()
    np.testing.assert_allclose(fg.grad, ft.grad.numpy(), atol=1e-12)


# ---- div(rounding_mode=...) ----------------------------------------------------------------------------

DIV_OPERANDS = [
    (np.array([7, -7, 6, -6, 0]), 2), (np.array([7, -7, 5]), np.array([2, 2, -3])), (np.array([7, -7]), 2.5),
    (np.array([7.5, -7.5, 0.0, -0.5], dtype=np.float32), 2), (np.array([7.5, -7.5, 3.0]), np.array([-2.0, 2.0, 0.0])),
    (np.array([1.0, -1.0, 0.0], dtype=np.float32), 0.0), (np.array([9, -9], dtype=np.int32), np.array([4, 4])),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # x / 0 (the float cases) is inf or nan, as torch's
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("k", range(len(DIV_OPERANDS)))
def test_div_rounding_mode_against_torch(k, mode):
    torch = _torch()
    a, b = DIV_OPERANDS[k]
    tb = torch.tensor(b) if isinstance(b, np.ndarray) else b
    gb = tg.tensor(b) if isinstance(b, np.ndarray) else b
    rt = torch.div(torch.tensor(a), tb, rounding_mode=mode)
    rg = tg.div(tg.tensor(a), gb, rounding_mode=mode)
    assert str(rg.dtype) == _dt(torch, rt)
    np.testing.assert_array_equal(rg.data, rt.numpy())
    assert str(tg.tensor(a).div(gb, rounding_mode=mode).dtype) == _dt(torch, rt)
    if mode == "floor":
        ft = torch.floor_divide(torch.tensor(a), tb)
        fg = tg.floor_divide(tg.tensor(a), gb)
        assert str(fg.dtype) == _dt(torch, ft)
        np.testing.assert_array_equal(fg.data, ft.numpy())
        np.testing.assert_array_equal((tg.tensor(a) // gb).data, ft.numpy())


def test_div_rounding_mode_inplace_errors_and_gradient():
    torch = _torch()
    x = tg.tensor([7, -7])
    assert x.div_(2, rounding_mode="floor") is x
    np.testing.assert_array_equal(x.data, [3, -4])
    assert x.dtype == tg.int64
    y = tg.tensor([7.0, -7.0])
    y.div_(2, rounding_mode="trunc")
    np.testing.assert_array_equal(y.data, [3.0, -3.0])
    with pytest.raises(RuntimeError, match="rounding_mode"):
        tg.div(tg.tensor([1.0]), 2, rounding_mode="round")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        tg.div(tg.tensor([1]), 0, rounding_mode="floor")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.div(torch.tensor([1]), 0, rounding_mode="floor")
    # recorded with a zero gradient, as torch's (the quotient is piecewise constant)
    a = tg.tensor([1.5, -2.5], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([2.0, 2.0], dtype=tg.float64, requires_grad=True)
    out = tg.div(a, b, rounding_mode="floor")
    assert out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.0, 0.0])
    at = torch.tensor([1.5, -2.5], dtype=torch.float64, requires_grad=True)
    torch.div(at, 2, rounding_mode="trunc").sum().backward()
    at2 = tg.tensor([1.5, -2.5], dtype=tg.float64, requires_grad=True)
    tg.div(at2, 2, rounding_mode="trunc").sum().backward()
    np.testing.assert_array_equal(at2.grad, at.grad.numpy())


def test_remainder_gradient_still_flows():
    """``%`` on graph tensors goes through ``//`` (now rounding_mode="floor"): d/da = 1, d/db = -floor(a / b)."""
    torch = _torch()
    av, bv = np.array([5.5, -3.25, 7.0]), np.array([2.0, 1.5, -3.0])
    at, bt = torch.tensor(av, requires_grad=True), torch.tensor(bv, requires_grad=True)
    ag, bg = tg.tensor(av, requires_grad=True), tg.tensor(bv, requires_grad=True)
    (at % bt).sum().backward()
    (ag % bg).sum().backward()
    np.testing.assert_allclose(ag.grad, at.grad.numpy())
    np.testing.assert_allclose(bg.grad, bt.grad.numpy())


# ---- autograd.Variable, threads ---------------------------------------------------------------------------

def test_variable_legacy_constructor():
    torch = _torch()
    from tinygrad_rnn.autograd import Variable

    t = tg.tensor([1.0, 2.0])
    v = Variable(t)
    assert isinstance(v, tg.Tensor) and not v.requires_grad
    assert isinstance(t, Variable)
    np.testing.assert_array_equal(v.data, t.data)
    w = Variable(t, requires_grad=True)
    assert w.requires_grad and w.is_leaf and not t.requires_grad
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    a = tg.tensor([1.0], requires_grad=True)
    assert Variable(a * 2).grad_fn is None  # cut from the graph, as torch's
    assert torch.autograd.Variable(torch.tensor([1.0], requires_grad=True) * 2).grad_fn is None
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        Variable(np.ones(2))
    assert tuple(Variable().shape) == tuple(torch.autograd.Variable().shape) == (0,)


def test_set_get_num_threads():
    torch = _torch()
    before = tg.get_num_threads()
    assert isinstance(before, int) and before >= 1
    try:
        tg.set_num_threads(3)
        assert tg.get_num_threads() == 3
        for bad in (0, -1, 1.5):
            with pytest.raises(RuntimeError):
                tg.set_num_threads(bad)
            with pytest.raises(RuntimeError):
                torch.set_num_threads(bad)
        assert tg.get_num_threads() == 3
    finally:
        tg.set_num_threads(before)


# ---- nn.utils.parameters_to_vector / vector_to_parameters --------------------------------------------------

def test_parameters_to_vector_against_torch():
    torch = _torch()
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 4)).double()
    gm = nn.Sequential(nn.Linear(3, 2, dtype=tg.float64), nn.Linear(2, 4, dtype=tg.float64))
    gm.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    vt = torch.nn.utils.parameters_to_vector(tm.parameters())
    vg = nn.utils.parameters_to_vector(gm.parameters())
    np.testing.assert_array_equal(vg.data, vt.detach().numpy())
    w = np.arange(vt.numel(), dtype=np.float64)
    (vt * torch.tensor(w)).sum().backward()
    (vg * tg.tensor(w)).sum().backward()
    for pt, pg in zip(tm.parameters(), gm.parameters()):
        np.testing.assert_array_equal(pg.grad, pt.grad.numpy())
    new = np.random.default_rng(0).normal(size=vt.numel())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tm.parameters())
    vec = tg.tensor(new)
    nn.utils.vector_to_parameters(vec, gm.parameters())
    for pt, pg in zip(tm.parameters(), gm.parameters()):
        np.testing.assert_array_equal(pg.data, pt.detach().numpy())
        assert pg.shape == pt.shape
    vec.data[0] = 42.0  # the parameters are views of the vector, as torch's
    assert gm[0].weight.data[0, 0] == 42.0
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], gm.parameters())
