"""Module backward hooks (register_full_backward_hook / _pre_hook / register_backward_hook) and
nn.utils.weight_norm / remove_weight_norm, against PyTorch (float64) and finite differences."""
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn

RNG = np.random.default_rng(0)


def _arr(t):
    return None if t is None else np.asarray(t.detach().numpy() if hasattr(t, "detach") and not isinstance(t, tg.Tensor)
                                             else t.data)


def _load(tg_module, torch_module):
    """Give ``tg_module`` the values of ``torch_module`` (same state_dict keys)."""
    tg_module.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})


class _Recorder:
    """A hook that records its arguments (as arrays, None kept) and optionally scales grad_input."""

    def __init__(self, log, name, scale=None):
        self.log, self.name, self.scale = log, name, scale

    def __call__(self, module, grad_input, grad_output):
        self.log.append((self.name, [_arr(g) for g in grad_input], [_arr(g) for g in grad_output]))
        if self.scale is not None:
            return tuple(None if g is None else g * self.scale for g in grad_input)


def _same_log(a, b):
    assert [e[0] for e in a] == [e[0] for e in b]
    for (_, gi_a, go_a), (_, gi_b, go_b) in zip(a, b):
        for x, y in zip(gi_a + go_a, gi_b + go_b):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
        assert len(gi_a) == len(gi_b) and len(go_a) == len(go_b)


def _both(fn):
    """Run ``fn(lib, nn)`` for torch and tinygrad_rnn; return both results."""
    torch = pytest.importorskip("torch")
    return fn(torch, torch.nn), fn(tg, nn)


# ---- full backward hooks ------------------------------------------------------------------------------------
def test_full_backward_hook_linear_arguments_and_replacement_match_torch():
    x0 = RNG.standard_normal((4, 3))
    w, b = RNG.standard_normal((2, 3)), RNG.standard_normal(2)

    def run(lib, lnn):
        m = lnn.Linear(3, 2).double()
        m.load_state_dict({"weight": lib.tensor(w), "bias": lib.tensor(b)}) if lib is not tg else \
            m.load_state_dict({"weight": w, "bias": b})
        log = []
        m.register_full_backward_hook(_Recorder(log, "lin", scale=3.0))
        x = lib.tensor(x0, requires_grad=True)
        (m(x) ** 2).sum().backward()
        return log, _arr(x.grad), _arr(m.weight.grad)

    (log_t, xg_t, wg_t), (log_g, xg_g, wg_g) = _both(run)
    _same_log(log_t, log_g)
    assert log_g[0][1][0].shape == (4, 3) and log_g[0][2][0].shape == (4, 2)
    np.testing.assert_allclose(xg_g, xg_t, rtol=1e-12)  # the replaced grad_input (x 3) reached x
    np.testing.assert_allclose(wg_g, wg_t, rtol=1e-12)  # the module's own parameters are not affected


def test_full_backward_hooks_in_a_sequential_order_and_pre_hook_replacement_match_torch():
    torch = pytest.importorskip("torch")
    x0 = RNG.standard_normal((5, 3))

    def run(lib, lnn, ref=None):
        seq = lnn.Sequential(lnn.Linear(3, 4), lnn.Tanh(), lnn.Linear(4, 2)).double()
        if ref is not None:
            _load(seq, ref)
        log = []
        for i, m in enumerate(seq):
            m.register_full_backward_hook(_Recorder(log, f"child{i}"))
        seq.register_full_backward_hook(_Recorder(log, "seq"))
        # the pre-hook on the middle module doubles the gradient reaching its output
        seq[1].register_full_backward_pre_hook(
            lambda m, go: (log.append(("pre1", [], [_arr(g) for g in go])), (go[0] * 2,))[1])
        x = lib.tensor(x0, requires_grad=True)
        seq(x).sum().backward()
        return seq, log, _arr(x.grad), [_arr(p.grad) for p in seq.parameters()]

    ref, log_t, xg_t, pg_t = run(torch, torch.nn)
    _, log_g, xg_g, pg_g = run(tg, nn, ref)
    assert [e[0] for e in log_g] == ["child2", "pre1", "child1", "child0", "seq"]
    _same_log(log_t, log_g)
    np.testing.assert_allclose(xg_g, xg_t, rtol=1e-12)
    for a, b in zip(pg_g, pg_t):
        np.testing.assert_allclose(a, b, rtol=1e-12)


class _TwoInputs:
    """forward(a, b, scale): (a * b + lin(a), a.sum() * scale); b does not require grad, scale is a float."""

    @staticmethod
    def make(lnn):
        class Two(lnn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lnn.Linear(3, 3)

            def forward(self, a, b, scale):
                return a * b + self.lin(a), a.sum() * scale
        return Two().double()


@pytest.mark.parametrize("use_second", [True, False])
def test_full_backward_hook_two_inputs_one_without_grad_matches_torch(use_second):
    torch = pytest.importorskip("torch")
    a0, b0 = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))

    def run(lib, lnn, ref=None):
        m = _TwoInputs.make(lnn)
        if ref is not None:
            _load(m, ref)
        log, pre_log = [], []
        m.register_full_backward_pre_hook(lambda mod, go: pre_log.append([_arr(g) for g in go]))
        m.register_full_backward_hook(_Recorder(log, "two", scale=-0.5))
        a = lib.tensor(a0, requires_grad=True)
        b = lib.tensor(b0)
        y, s = m(a, b, 2.0)
        (y * y).sum().__add__(s * 3 if use_second else 0).backward()
        return m, log, pre_log, _arr(a.grad)

    ref, log_t, pre_t, ag_t = run(torch, torch.nn)
    _, log_g, pre_g, ag_g = run(tg, nn, ref)
    _same_log(log_t, log_g)
    gi = log_g[0][1]
    assert gi[2] is None and gi[1].shape == (2, 3) and not gi[1].any()  # PyTorch's zeros for b, None for 2.0
    assert (log_g[0][2][1] is None) == (not use_second)  # no gradient reached the unused output
    assert len(pre_g) == len(pre_t) == 1
    _same_log([("p", [], pre_t[0])], [("p", [], pre_g[0])])
    np.testing.assert_allclose(ag_g, ag_t, rtol=1e-12)


def test_removed_hooks_are_not_called_and_the_plain_call_comes_back():
    m = nn.Linear(3, 2).double()
    log = []
    h1 = m.register_full_backward_hook(_Recorder(log, "full", scale=10.0))
    h2 = m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre",)))
    x = tg.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    y = m(x)
    assert y.grad_fn.name().startswith("BackwardHookFunction")
    y.sum().backward()
    hooked = x.grad.copy()
    assert [e[0] for e in log] == ["pre", "full"]
    h1.remove()
    h2.remove()
    h2.remove()  # twice is harmless
    x.grad = None
    y = m(x)
    y.sum().backward()
    assert len(log) == 2
    np.testing.assert_allclose(hooked, 10.0 * x.grad, rtol=1e-12)
    assert not y.grad_fn.name().startswith("BackwardHookFunction")
    assert "_has_hooks" not in m.__dict__  # Module.__call__ is the plain forward call again


def test_hooks_with_retain_graph_run_each_backward_and_not_under_no_grad():
    m = nn.Linear(3, 2).double()
    calls = []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(_arr(gi[0])))
    x = tg.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    y = m(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert len(calls) == 2
    np.testing.assert_allclose(calls[0], calls[1])
    np.testing.assert_allclose(x.grad, 2 * calls[0])
    with tg.no_grad():
        m(x)
    assert len(calls) == 2


def test_hook_when_no_input_requires_grad_matches_torch():
    torch = pytest.importorskip("torch")
    x0 = RNG.standard_normal((4, 3))

    def run(lib, lnn, ref=None):
        m = lnn.Linear(3, 2).double()
        if ref is not None:
            _load(m, ref)
        log = []
        m.register_full_backward_hook(_Recorder(log, "lin"))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            (m(lib.tensor(x0)) ** 2).sum().backward()
        assert any("no inputs require gradients" in str(e.message) for e in w)
        return m, log, _arr(m.weight.grad)

    ref, log_t, wg_t = run(torch, torch.nn)
    _, log_g, wg_g = run(tg, nn, ref)
    _same_log(log_t, log_g)
    assert log_g[0][1] == [None]
    np.testing.assert_allclose(wg_g, wg_t, rtol=1e-12)


def test_register_backward_hook_is_the_full_hook_and_cannot_be_mixed():
    m = nn.Linear(3, 2).double()
    log = []
    m.register_backward_hook(_Recorder(log, "old", scale=2.0))
    x = tg.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    m(x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.ones((4, 2)) @ m.weight.data, rtol=1e-12)
    assert log[0][1][0].shape == (4, 3) and log[0][2][0].shape == (4, 2)
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        m.register_full_backward_hook(lambda *a: None)


def test_wrong_number_of_grad_inputs_raises_like_torch():
    m = nn.Linear(3, 2).double()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    x = tg.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        m(x).sum().backward()


# ---- weight_norm ---------------------------------------------------------------------------------------------
def _wn_cases(lnn):
    return [
        ("linear", lambda: lnn.Linear(4, 3), "weight", 0, (5, 4)),
        ("linear_dim1", lambda: lnn.Linear(4, 3), "weight", 1, (5, 4)),
        ("linear_whole", lambda: lnn.Linear(4, 3), "weight", None, (5, 4)),
        ("conv1d", lambda: lnn.Conv1d(2, 3, 3), "weight", 0, (2, 2, 7)),
        ("lstm", lambda: lnn.LSTM(4, 3), "weight_ih_l0", 0, (6, 2, 4)),
        ("gru", lambda: lnn.GRU(4, 3, batch_first=True), "weight_ih_l0", 0, (2, 6, 4)),
    ]


@pytest.mark.parametrize("case", range(6))
def test_weight_norm_matches_torch(case):
    torch = pytest.importorskip("torch")
    _, make_t, name, dim, shape = _wn_cases(torch.nn)[case]
    _, make_g, _, _, _ = _wn_cases(nn)[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        mt = torch.nn.utils.weight_norm(make_t().double(), name=name, dim=dim)
    mg = nn.utils.weight_norm(make_g().double(), name=name, dim=dim)
    assert list(mg.state_dict()) == list(mt.state_dict())
    assert tuple(getattr(mg, name + "_g").shape) == tuple(getattr(mt, name + "_g").shape)
    # g as weight_norm initialised it (the norm of the initial weight) equals v's norm in both
    vt = getattr(mt, name + "_v").detach().numpy()
    axes = None if dim is None else tuple(i for i in range(vt.ndim) if i != dim)
    gg = getattr(mg, name + "_g").data
    vg = getattr(mg, name + "_v").data
    np.testing.assert_allclose(gg, np.sqrt((vg ** 2).sum(axis=axes, keepdims=axes is not None)), rtol=1e-12)
    # the same g (not the norm of v) and v in both: outputs and gradients of g and v equal
    with torch.no_grad():
        getattr(mt, name + "_g").mul_(torch.tensor(RNG.uniform(0.5, 2.0, tuple(gg.shape))))
    _load(mg, mt)
    x0 = RNG.standard_normal(shape)
    out_t = mt(torch.tensor(x0))
    out_g = mg(tg.tensor(x0))
    if isinstance(out_t, tuple):
        out_t, out_g = out_t[0], out_g[0]
    np.testing.assert_allclose(out_g.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out_t ** 2).sum().backward()
    (out_g ** 2).sum().backward()
    for suffix in ("_g", "_v"):
        np.testing.assert_allclose(getattr(mg, name + suffix).grad, getattr(mt, name + suffix).grad.numpy(),
                                   rtol=1e-10, atol=1e-12)
    # after an optimizer-like change of g the next forward uses the recomputed weight
    with torch.no_grad():
        getattr(mt, name + "_g").mul_(1.5)
    getattr(mg, name + "_g").data *= 1.5
    o_t, o_g = mt(torch.tensor(x0)), mg(tg.tensor(x0))
    if isinstance(o_t, tuple):
        o_t, o_g = o_t[0], o_g[0]
    np.testing.assert_allclose(o_g.data, o_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    # remove_weight_norm: a plain Parameter with the same values, PyTorch's keys
    torch.nn.utils.remove_weight_norm(mt, name)
    nn.utils.remove_weight_norm(mg, name)
    assert list(mg.state_dict()) == list(mt.state_dict())
    assert isinstance(getattr(mg, name), nn.Parameter)
    np.testing.assert_allclose(getattr(mg, name).data, getattr(mt, name).detach().numpy(), rtol=1e-12)
    assert not mg.__dict__.get("_forward_pre_hooks")


def test_weight_norm_errors():
    m = nn.utils.weight_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        nn.utils.weight_norm(m)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        nn.utils.remove_weight_norm(m, "bias")


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_gradients_finite_differences(dim):
    m = nn.utils.weight_norm(nn.Linear(4, 3).double(), dim=dim)
    x = tg.tensor(RNG.standard_normal((5, 4)))
    tg.gradcheck(lambda g, v: m(x).tanh(), [m.weight_g, m.weight_v])


def test_weight_norm_lstm_gradients_finite_differences():
    m = nn.utils.weight_norm(nn.LSTM(3, 2).double(), name="weight_ih_l0")
    x = tg.tensor(RNG.standard_normal((4, 2, 3)))
    tg.gradcheck(lambda g, v: m(x)[0], [m.weight_ih_l0_g, m.weight_ih_l0_v])


# ---- parametrizations.weight_norm --------------------------------------------------------------------------
@pytest.mark.parametrize("case", [0, 2, 3, 4])
def test_parametrizations_weight_norm_matches_torch(case):
    torch = pytest.importorskip("torch")
    _, make_t, name, dim, shape = _wn_cases(torch.nn)[case]
    _, make_g, _, _, _ = _wn_cases(nn)[case]
    mt = torch.nn.utils.parametrizations.weight_norm(make_t().double(), name=name, dim=dim)
    mg = nn.utils.parametrizations.weight_norm(make_g().double(), name=name, dim=dim)
    assert type(mg).__name__ == type(mt).__name__ and repr(mg) == repr(mt)
    assert list(mg.state_dict()) == list(mt.state_dict())
    assert [tuple(v.shape) for v in mg.state_dict().values()] == [tuple(v.shape) for v in mt.state_dict().values()]
    with torch.no_grad():
        g = mt.parametrizations[name].original0
        g.mul_(torch.tensor(RNG.uniform(0.5, 2.0, tuple(g.shape))))
    _load(mg, mt)
    np.testing.assert_allclose(getattr(mg, name).data, getattr(mt, name).detach().numpy(), rtol=1e-12)
    x0 = RNG.standard_normal(shape)
    out_t, out_g = mt(torch.tensor(x0)), mg(tg.tensor(x0))
    if isinstance(out_t, tuple):
        out_t, out_g = out_t[0], out_g[0]
    np.testing.assert_allclose(out_g.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out_t ** 2).sum().backward()
    (out_g ** 2).sum().backward()
    for k in ("original0", "original1"):
        np.testing.assert_allclose(getattr(mg.parametrizations[name], k).grad,
                                   getattr(mt.parametrizations[name], k).grad.numpy(), rtol=1e-10, atol=1e-12)
    # assigning the tensor sets the originals through right_inverse
    w_new = RNG.standard_normal(tuple(getattr(mt, name).shape))
    with torch.no_grad():
        setattr(mt, name, torch.tensor(w_new))
    setattr(mg, name, tg.tensor(w_new))
    np.testing.assert_allclose(getattr(mg, name).data, w_new, rtol=1e-12)
    np.testing.assert_allclose(mg.parametrizations[name].original0.data,
                               mt.parametrizations[name].original0.detach().numpy(), rtol=1e-12)
    torch.nn.utils.parametrize.remove_parametrizations(mt, name)
    nn.utils.parametrize.remove_parametrizations(mg, name)
    assert type(mg) is type(make_g()) and list(mg.state_dict()) == list(mt.state_dict())
    assert isinstance(getattr(mg, name), nn.Parameter)
    np.testing.assert_allclose(getattr(mg, name).data, getattr(mt, name).detach().numpy(), rtol=1e-12)


def test_parametrizations_weight_norm_gradients_finite_differences():
    m = nn.utils.parametrizations.weight_norm(nn.Conv1d(2, 3, 3).double())
    plist = m.parametrizations.weight
    x = tg.tensor(RNG.standard_normal((2, 2, 6)))
    tg.gradcheck(lambda g, v: m(x).tanh(), [plist.original0, plist.original1])


@pytest.mark.parametrize("x_requires_grad", [True, False])
@pytest.mark.parametrize("wrt", ["w0", "w2", "x", "w0 w2", "x w2"])
def test_autograd_grad_calls_the_hooks_only_on_a_path_to_what_it_asks_for_as_torch(wrt, x_requires_grad):
    if "x" in wrt and not x_requires_grad:
        pytest.skip("autograd.grad needs x to require grad")
    x0 = RNG.standard_normal((2, 3))

    def run(lib, lnn, ref=None):
        seq = lnn.Sequential(lnn.Linear(3, 4), lnn.Tanh(), lnn.Linear(4, 2)).double()
        if ref is not None:
            _load(seq, ref)
        log = []
        for i in (0, 2):
            seq[i].register_full_backward_hook(_Recorder(log, f"hook{i}"))
            seq[i].register_full_backward_pre_hook(lambda m, go, i=i: log.append((f"pre{i}", [_arr(go[0])], [])))
        x = lib.tensor(x0, requires_grad=x_requires_grad)
        targets = {"w0": seq[0].weight, "w2": seq[2].weight, "x": x}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the hook when no input requires grad
            grads = lib.autograd.grad((seq(x) ** 2).sum(), [targets[name] for name in wrt.split()])
        return seq, log, [_arr(g) for g in grads]

    torch = pytest.importorskip("torch")
    ref, log_t, grads_t = run(torch, torch.nn)
    _, log_g, grads_g = run(tg, nn, ref)
    _same_log(log_t, log_g)
    for a, b in zip(grads_g, grads_t):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_autograd_grad_for_a_modules_parameters_only_does_not_call_its_full_backward_hook():
    m = nn.Linear(3, 2).double()
    calls = []
    m.register_full_backward_hook(lambda *a: calls.append("hook"))
    m.register_full_backward_pre_hook(lambda *a: calls.append("pre"))
    x = tg.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    tg.autograd.grad(m(x).sum(), [m.weight])
    assert calls == ["pre"]  # PyTorch's: the outputs' node runs, the inputs' does not
    m(x).sum().backward()  # a backward reaches every leaf: the hook runs
    assert calls == ["pre", "pre", "hook"]
