"""More of torch.nn for PyTorch programs: the losses BCE/SmoothL1/Huber/KLDiv and soft-target cross-entropy, the
activations LeakyReLU ... PReLU, Unflatten, ParameterDict, the distances, forward hooks and the list edits.

Each differentiable piece is checked against finite differences (float64) and, when torch is installed, against
torch itself: the same inputs (and weights) give the same values and gradients (of the input and the target)."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, gradcheck, nn

from torch_reference import torch, TF, needs_torch, close as _close, away_from as _away_from


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- activations
# name, our function, torch function, kinks (where finite differences are not taken)
ACTIVATIONS = [
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), [0]),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7), [0]),
    ("selu", F.selu, lambda x: TF.selu(x), [0]),
    ("celu", lambda x: F.celu(x, 1.5), lambda x: TF.celu(x, 1.5), [0]),
    ("silu", F.silu, lambda x: TF.silu(x), []),
    ("mish", F.mish, lambda x: TF.mish(x), []),
    ("softplus", F.softplus, lambda x: TF.softplus(x), []),
    ("softplus_beta", lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0), [1.5]),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 1.2), lambda x: TF.hardtanh(x, -0.5, 1.2), [-0.5, 1.2]),
    ("relu6", F.relu6, lambda x: TF.relu6(x), [0, 6]),
    ("logsigmoid", F.logsigmoid, lambda x: TF.logsigmoid(x), []),
    ("softsign", F.softsign, lambda x: TF.softsign(x), [0]),
    ("threshold", lambda x: F.threshold(x, 0.3, -2.0), lambda x: TF.threshold(x, 0.3, -2.0), [0.3]),
    ("glu", lambda x: F.glu(x, 1), lambda x: TF.glu(x, 1), []),
    ("glu_last", F.glu, lambda x: TF.glu(x), []),
    ("softmin", lambda x: F.softmin(x, 1), lambda x: TF.softmin(x, 1), []),
]
MODULES = [  # the module forms, built with the same arguments in both libraries
    ("LeakyReLU", (0.2,)), ("ELU", (0.7,)), ("SELU", ()), ("CELU", (1.5,)), ("SiLU", ()), ("Mish", ()),
    ("Softplus", (2.0, 3.0)), ("Hardtanh", (-0.5, 1.2)), ("ReLU6", ()), ("LogSigmoid", ()), ("Softsign", ()),
    ("Threshold", (0.3, -2.0)), ("GLU", (1,)), ("Softmin", (1,)),
]


@pytest.mark.parametrize("name,ours,theirs,kinks", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_gradcheck(name, ours, theirs, kinks):
    a = _away_from(_rng(1).normal(scale=3.0, size=(3, 4)), kinks)
    gradcheck(ours, [tg.tensor(a, requires_grad=True)])


@needs_torch
@pytest.mark.parametrize("name,ours,theirs,kinks", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_torch_including_kinks(name, ours, theirs, kinks):
    """Values and gradients equal torch's, at random points, large ones, and exactly at each kink (where the
    one-sided choice of the gradient must be PyTorch's)."""
    a = np.concatenate([_rng(2).normal(scale=3.0, size=12), [30.0, -30.0, 25.0, -800.0], np.repeat(kinks, 2),
                        np.zeros(4 - 2 * len(kinks) % 4 + 4)])[:20].reshape(5, 4)
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    _close(y.data, yt, 1e-12)
    up = _rng(3).normal(size=y.shape)
    y.backward(up)
    yt.backward(torch.tensor(up))
    _close(x.grad, xt.grad, 1e-12)


@needs_torch
@pytest.mark.parametrize("name,args", MODULES, ids=[m[0] for m in MODULES])
def test_activation_modules_match_torch(name, args):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    a = _rng(4).normal(size=(2, 6, 3))
    _close(ours(tg.tensor(a)).data, theirs(torch.tensor(a)), 1e-12)


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.floats(0.0, 0.5))
def test_leaky_relu_and_elu_closed_forms(shape, slope):
    a = _rng(len(shape)).normal(size=shape)
    np.testing.assert_allclose(F.leaky_relu(tg.tensor(a), slope).data, np.where(a > 0, a, slope * a))
    np.testing.assert_allclose(F.elu(tg.tensor(a)).data, np.where(a > 0, a, np.expm1(a)))
    assert F.silu(tg.tensor(a)).shape == tuple(shape)


def test_glu_needs_an_even_dimension():
    with pytest.raises(ValueError, match="even"):
        F.glu(tg.ones(2, 3))


@needs_torch
@pytest.mark.parametrize("num,shape", [(1, (4, 3)), (3, (2, 3, 5)), (3, (2, 3)), (1, (5,))])
def test_prelu_matches_torch(num, shape):
    ours, theirs = nn.PReLU(num, init=0.1, dtype=np.float64), torch.nn.PReLU(num, init=0.1).double()
    ours.weight.data[...] = _rng(5).uniform(-0.5, 0.5, size=num)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    assert list(ours.state_dict()) == ["weight"] and repr(ours) == repr(theirs)
    a = _rng(6).normal(size=shape)
    a.reshape(-1)[0] = 0.0  # the kink: x = 0 takes the negative side in both
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    _close(y.data, yt, 1e-12)
    up = _rng(7).normal(size=shape)
    y.backward(up)
    yt.backward(torch.tensor(up))
    _close(x.grad, xt.grad, 1e-12)
    _close(ours.weight.grad, theirs.weight.grad, 1e-12)


def test_prelu_gradcheck_and_errors():
    m = nn.PReLU(3, dtype=np.float64)
    a = _away_from(_rng(8).normal(size=(2, 3, 4)), [0])
    gradcheck(lambda x, w: F.prelu(x, w), [tg.tensor(a, requires_grad=True), m.weight])
    assert nn.PReLU().weight.data.tolist() == [0.25] and nn.PReLU().weight.dtype == np.float32
    with pytest.raises(ValueError, match="channels"):
        m(tg.ones(2, 4))


# ---------------------------------------------------------------- losses
def _loss_pair(case, reduction):
    """(our loss fn, torch loss fn, input array, target array, whether the target is differentiable)."""
    r = _rng(9)
    if case.startswith("bce"):
        p = r.uniform(0.05, 0.95, size=(4, 3))
        y = r.uniform(size=(4, 3))
        if case == "bce_edges":  # exact 0 and 1: the logs are floored at -100 in both
            p[0, :] = [0.0, 1.0, 0.5]
            y[0, :] = [0.3, 0.6, 1.0]
        w = r.uniform(0.5, 2.0, size=(3,)) if case == "bce_weight" else None
        return (lambda a, b: nn.BCELoss(weight=None if w is None else tg.tensor(w), reduction=reduction)(a, b),
                lambda a, b: torch.nn.BCELoss(weight=None if w is None else torch.tensor(w), reduction=reduction)(a, b),
                p, y, case != "bce_edges")
    if case.startswith("smooth_l1"):
        beta = {"smooth_l1": 1.0, "smooth_l1_beta": 0.4, "smooth_l1_zero": 0.0}[case]
        return (lambda a, b: nn.SmoothL1Loss(reduction=reduction, beta=beta)(a, b),
                lambda a, b: torch.nn.SmoothL1Loss(reduction=reduction, beta=beta)(a, b),
                r.normal(size=(4, 3)), r.normal(size=(4, 3)), True)
    if case.startswith("huber"):
        delta = 0.6 if case == "huber" else 2.0
        return (lambda a, b: nn.HuberLoss(reduction=reduction, delta=delta)(a, b),
                lambda a, b: torch.nn.HuberLoss(reduction=reduction, delta=delta)(a, b),
                r.normal(size=(4, 3)), r.normal(size=(4, 3)), True)
    if case.startswith("kl"):
        log_target = case == "kl_log_target"
        red = "batchmean" if reduction == "mean" and case == "kl_batchmean" else reduction
        x = np.log(r.dirichlet(np.ones(3), size=4))
        y = r.dirichlet(np.ones(3), size=4)
        y = np.log(y) if log_target else y
        return (lambda a, b: nn.KLDivLoss(reduction=red, log_target=log_target)(a, b),
                lambda a, b: torch.nn.KLDivLoss(reduction=red, log_target=log_target)(a, b), x, y, True)
    # soft-target cross-entropy: (N, C) or (N, C, d) logits, probabilities of the same shape
    shape = (2, 4, 3) if case.endswith("3d") else (5, 4)
    y = r.dirichlet(np.ones(4), size=(shape[0],) + shape[2:])
    y = np.ascontiguousarray(np.moveaxis(y, -1, 1))
    kw = {}
    if "weight" in case:
        kw["weight"] = r.uniform(0.5, 2.0, size=4)
    smooth = 0.15 if "smooth" in case else 0.0

    def ours(a, b):
        return nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smooth,
                                   **{k: tg.tensor(v) for k, v in kw.items()})(a, b)

    def theirs(a, b):
        return torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smooth,
                                         **{k: torch.tensor(v) for k, v in kw.items()})(a, b)
    return ours, theirs, r.normal(size=shape), y, True


LOSS_CASES = ["bce", "bce_weight", "bce_edges", "smooth_l1", "smooth_l1_beta", "smooth_l1_zero", "huber", "huber_2",
              "kl", "kl_batchmean", "kl_log_target", "ce_soft", "ce_soft_weight", "ce_soft_smooth_weight", "ce_soft_3d"]


@needs_torch
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # torch's kl_div note on "mean"
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", LOSS_CASES)
def test_losses_match_torch(case, reduction):
    ours, theirs, a, b, target_grad = _loss_pair(case, reduction)
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = tg.tensor(b, requires_grad=target_grad), torch.tensor(b, requires_grad=target_grad)
    out, out_t = ours(x, y), theirs(xt, yt)
    assert out.shape == tuple(out_t.shape)
    _close(out.data, out_t, 1e-12)
    up = _rng(10).normal(size=out.shape)
    out.backward(up)
    out_t.backward(torch.tensor(up))
    _close(x.grad, xt.grad, 1e-10)
    if target_grad:
        _close(y.grad, yt.grad, 1e-10)


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("case", [c for c in LOSS_CASES if c != "bce_edges"])
def test_losses_gradcheck(case, reduction):
    ours, _, a, b, _ = _loss_pair(case, reduction)
    if case.startswith("smooth_l1") or case.startswith("huber"):
        b = a + _away_from(b - a, [-1.0, 1.0, -0.4, 0.4, 0.0, -0.6, 0.6, -2.0, 2.0], 0.02)  # off the switch points
    gradcheck(ours, [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)])


def test_bce_floors_the_log_and_checks_its_input():
    out = F.binary_cross_entropy(tg.tensor([0.0, 1.0]), tg.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(out.data, [100.0, 100.0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.binary_cross_entropy(tg.tensor([1.5]), tg.tensor([1.0]))
    with pytest.raises(ValueError, match="shape"):
        F.binary_cross_entropy(tg.tensor([0.5, 0.5]), tg.tensor([1.0]))


def test_kl_div_reductions_and_zero_targets():
    x = tg.tensor(np.log([[0.2, 0.8], [0.5, 0.5]]))
    y = np.array([[0.0, 1.0], [0.5, 0.5]])
    pointwise = np.where(y == 0, 0, y * np.log(np.where(y == 0, 1, y))) - y * x.data
    assert np.isfinite(F.kl_div(x, y, reduction="none").data).all()
    np.testing.assert_allclose(F.kl_div(x, y, reduction="batchmean").data, pointwise.sum() / 2)
    np.testing.assert_allclose(F.kl_div(x, y).data, pointwise.mean())
    with pytest.raises(ValueError, match="reduction"):
        nn.KLDivLoss(reduction="batch")
    with pytest.raises(ValueError, match="reduction"):
        nn.SmoothL1Loss(reduction="batchmean")


def test_soft_targets_equal_one_hot_targets():
    """Probabilities that are one-hot give the index-target loss (mean over samples, no weights)."""
    logits = tg.tensor(_rng(11).normal(size=(6, 5)))
    t = np.array([0, 4, 2, 2, 1, 3])
    soft = np.eye(5)[t]
    for smooth in (0.0, 0.2):
        np.testing.assert_allclose(F.cross_entropy(logits, soft, label_smoothing=smooth).data,
                                   F.cross_entropy(logits, t, label_smoothing=smooth).data, rtol=1e-12)


# ---------------------------------------------------------------- shapes and distances
@needs_torch
def test_unflatten_normalize_and_distances_match_torch():
    r = _rng(12)
    a, b = r.normal(size=(4, 6)), r.normal(size=(4, 6))
    assert nn.Unflatten(1, (2, 3))(tg.tensor(a)).shape == (4, 2, 3)
    assert repr(nn.Unflatten(1, (2, -1))) == repr(torch.nn.Unflatten(1, (2, -1)))
    cases = [
        (lambda x, y: F.normalize(x), lambda x, y: TF.normalize(x)),
        (lambda x, y: F.normalize(x, p=1.0, dim=0), lambda x, y: TF.normalize(x, p=1.0, dim=0)),
        (lambda x, y: F.cosine_similarity(x, y), lambda x, y: TF.cosine_similarity(x, y)),
        (lambda x, y: nn.CosineSimilarity(dim=0)(x, y), lambda x, y: torch.nn.CosineSimilarity(dim=0)(x, y)),
        (lambda x, y: F.pairwise_distance(x, y), lambda x, y: TF.pairwise_distance(x, y)),
        (lambda x, y: nn.PairwiseDistance(p=1.0, keepdim=True)(x, y),
         lambda x, y: torch.nn.PairwiseDistance(p=1.0, keepdim=True)(x, y)),
        (lambda x, y: nn.PairwiseDistance(p=3.0)(x, y), lambda x, y: torch.nn.PairwiseDistance(p=3.0)(x, y)),
    ]
    for ours, theirs in cases:
        x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, yt = tg.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, out_t = ours(x, y), theirs(xt, yt)
        _close(out.data, out_t, 1e-12)
        up = r.normal(size=out.shape)
        out.backward(up)
        out_t.backward(torch.tensor(up))
        _close(x.grad, xt.grad)
        if y.grad is not None or yt.grad is not None:
            _close(y.grad, yt.grad)


def test_distances_gradcheck_and_zero_vectors():
    r = _rng(13)
    a, b = r.normal(size=(3, 4)), r.normal(size=(3, 4))
    for fn in (F.cosine_similarity, F.pairwise_distance, lambda x, y: F.normalize(x * y, dim=0)):
        gradcheck(fn, [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)])
    z = tg.zeros(2, 3, dtype=tg.float64)
    assert np.isfinite(F.normalize(z).data).all() and np.isfinite(F.cosine_similarity(z, z).data).all()


def test_one_hot_exists():
    assert F.one_hot(tg.tensor([1, 0]), 3).data.tolist() == [[0, 1, 0], [1, 0, 0]]


# ---------------------------------------------------------------- containers
@needs_torch
def test_list_edits_renumber_as_torch_does():
    def build(lib, container):
        if container == "named":
            return lib.nn.Sequential(OrderedDict(a=lib.nn.ReLU(), b=lib.nn.Tanh(), c=lib.nn.Sigmoid()))
        cls = getattr(lib.nn, container)
        return cls([lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid()]) if container == "ModuleList" else \
            cls(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid())

    def edits(lib, m):
        del m[1]
        m.append(lib.nn.GELU())
        m.insert(1, lib.nn.ReLU6())
        m.insert(0, lib.nn.SiLU())
        popped = m.pop(2)
        del m[-1]
        m.extend([lib.nn.Mish()])
        del m[0:1]
        return popped

    for container in ("ModuleList", "Sequential", "named"):
        ours, theirs = build(tg, container), build(torch, container)
        assert repr(edits(tg, ours)) == repr(edits(torch, theirs))
        assert list(ours._modules) == list(theirs._modules)
        assert repr(ours) == repr(theirs)


def test_sequential_append_and_forward_after_edits():
    seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    assert seq.append(nn.Linear(4, 2)) is seq
    del seq[1]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert seq(tg.ones(5, 3)).shape == (5, 2)
    with pytest.raises(IndexError):
        del seq[5]
    with pytest.raises(TypeError, match="Module"):
        seq.insert(0, "relu")


@needs_torch
def test_parameter_dict_matches_torch():
    r = _rng(14)
    arrays = OrderedDict(alpha=r.normal(size=(2,)), beta=r.normal(size=(3, 2)))
    ours = nn.ParameterDict({k: tg.tensor(v) for k, v in arrays.items()})
    theirs = torch.nn.ParameterDict({k: torch.tensor(v) for k, v in arrays.items()})
    ours["gamma"], theirs["gamma"] = tg.tensor(np.ones(1)), torch.tensor(np.ones(1))
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.values())
    assert list(ours.keys()) == list(theirs.keys()) and len(ours) == 3 and "beta" in ours
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scales = nn.ParameterDict({"w": np.ones(2)})

    net = Net()
    assert list(net.state_dict()) == ["scales.w"]
    net.load_state_dict({"scales.w": np.full(2, 3.0)})
    assert net.scales["w"].data.tolist() == [3.0, 3.0]
    assert ours.pop("alpha").shape == (2,) and list(ours) == ["beta", "gamma"]
    del ours["beta"]
    assert list(ours) == ["gamma"] and ours.get("nope") is None


# ---------------------------------------------------------------- hooks
def _hook_script(lib, log):
    """The same hook registrations in either library; returns the module and the handles."""
    lin = lib.nn.Linear(3, 2)
    handles = {
        "pre_a": lin.register_forward_pre_hook(lambda m, args: log.append(("pre_a", len(args)))),
        "pre_scale": lin.register_forward_pre_hook(lambda m, args: args[0] * 2),  # not a tuple: wrapped
        "pre_first": lin.register_forward_pre_hook(lambda m, args: log.append(("pre_first",)), prepend=True),
        "pre_kw": lin.register_forward_pre_hook(lambda m, args, kwargs: (log.append(("pre_kw", sorted(kwargs))),
                                                                        None)[1], with_kwargs=True),
        "fwd_a": lin.register_forward_hook(lambda m, args, out: log.append(("fwd_a", tuple(out.shape)))),
        "fwd_plus": lin.register_forward_hook(lambda m, args, out: out + 1),
        "fwd_kw": lin.register_forward_hook(lambda m, args, kwargs, out: log.append(("fwd_kw", len(args))),
                                            with_kwargs=True),
        "fwd_first": lin.register_forward_hook(lambda m, args, out: log.append(("fwd_first",)), prepend=True),
    }
    return lin, handles


@needs_torch
def test_forward_hooks_order_and_returns_match_torch():
    log_o, log_t = [], []
    ours, h_o = _hook_script(tg, log_o)
    theirs, h_t = _hook_script(torch, log_t)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    a = _rng(15).normal(size=(4, 3)).astype(np.float32)
    for step in range(3):
        out, out_t = ours(tg.tensor(a)), theirs(torch.tensor(a))
        _close(out.data, out_t, 1e-6)
        assert log_o == log_t
        log_o.clear()
        log_t.clear()
        for name in (["pre_scale", "fwd_a"] if step == 0 else ["fwd_plus", "pre_first", "pre_kw"]):
            h_o[name].remove()
            h_t[name].remove()
    h_o["fwd_a"].remove()  # twice: harmless, as in torch
    ours(tg.tensor(a))


def test_hook_sees_and_replaces_inputs_and_outputs():
    seen = []
    m = nn.Identity()
    with m.register_forward_pre_hook(lambda mod, args: (args[0], "extra")):  # a tuple: the new positional inputs
        h = m.register_forward_hook(lambda mod, args, out: seen.append((mod, args, out)))
        m.forward = lambda x, y: (x, y)
        assert m(1) == (1, "extra")
        assert seen == [(m, (1, "extra"), (1, "extra"))]
        h.remove()
    assert m(1, 2) == (1, 2)  # the with-block removed the pre-hook
    m2 = nn.Identity()
    m2.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), {}), with_kwargs=True)
    assert m2(1) == 2
    with pytest.raises(TypeError, match="callable"):
        m2.register_forward_hook(3)
