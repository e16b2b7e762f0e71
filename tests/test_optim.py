"""Optimizers against hand-written numpy versions of the published update rules; groups, state_dict, errors."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn import Tensor, is_grad_enabled, no_grad, optim
from tinygrad_rnn.serialization import load, save


# ------------------------------------------------------------------ reference rules (plain numpy, float64)
def ref_sgd(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p, buf = p.copy(), None
    for g in grads:
        g = g + weight_decay * p
        if momentum != 0:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adagrad(p, grads, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                eps_inside_sqrt=False):
    p, G = p.copy(), np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        G = G + g * g
        p = p - clr * g / (np.sqrt(G + eps) if eps_inside_sqrt else np.sqrt(G) + eps)
    return p


def ref_adam(p, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    b1, b2 = betas
    p, m, v, vmax = p.copy(), np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        vmax = np.maximum(vmax, v)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def ref_rmsprop(p, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p, s, a, b = p.copy(), np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g ** 2
        if centered:
            a = alpha * a + (1 - alpha) * g
            denom = np.sqrt(s - a ** 2) + eps
        else:
            denom = np.sqrt(s) + eps
        if momentum > 0:
            b = momentum * b + g / denom
            p = p - lr * b
        else:
            p = p - lr * g / denom
    return p


def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    """Zeiler (2012), Algorithm 1, with lr scaling the step as PyTorch does."""
    p, v, u = p.copy(), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g ** 2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta ** 2
        p = p - lr * delta
    return p


# ------------------------------------------------------------------ hypothesis strategies
_unit = st.floats(0.0, 0.95)
_lr = st.floats(1e-4, 1.0)
_wd = st.one_of(st.just(0.0), st.floats(1e-4, 0.5))


@st.composite
def _problem(draw):
    """A starting point and a few gradients (one parameter), float64."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    elems = st.floats(-5, 5, allow_subnormal=False)
    steps = draw(st.integers(1, 5))
    p0 = draw(hnp.arrays(np.float64, shape, elements=elems))
    grads = [draw(hnp.arrays(np.float64, shape, elements=elems)) for _ in range(steps)]
    return p0, grads


@st.composite
def _sgd_kwargs(draw):
    momentum = draw(st.one_of(st.just(0.0), _unit))
    nesterov = momentum > 0 and draw(st.booleans())
    dampening = 0.0 if nesterov else draw(st.one_of(st.just(0.0), _unit))
    return dict(lr=draw(_lr), momentum=momentum, dampening=dampening, weight_decay=draw(_wd), nesterov=nesterov)


_adagrad_kwargs = st.fixed_dictionaries(dict(
    lr=_lr, lr_decay=st.one_of(st.just(0.0), st.floats(0.0, 0.5)), weight_decay=_wd,
    initial_accumulator_value=st.one_of(st.just(0.0), st.floats(0.0, 1.0)),
    eps=st.floats(1e-10, 1e-3), eps_inside_sqrt=st.booleans()))
_adam_kwargs = st.fixed_dictionaries(dict(
    lr=_lr, betas=st.tuples(st.floats(0.0, 0.99), st.floats(0.5, 0.9999)), eps=st.floats(1e-8, 1e-3),
    weight_decay=_wd, amsgrad=st.booleans()))
_rmsprop_kwargs = st.fixed_dictionaries(dict(
    lr=st.floats(1e-4, 0.1), alpha=st.floats(0.5, 0.99), eps=st.floats(1e-8, 1e-3), weight_decay=_wd,
    momentum=st.one_of(st.just(0.0), _unit), centered=st.booleans()))

_adadelta_kwargs = st.fixed_dictionaries(dict(
    lr=st.floats(1e-3, 1.0), rho=st.floats(0.0, 0.99), eps=st.floats(1e-8, 1e-3), weight_decay=_wd))

CASES = {
    "sgd": (optim.SGD, ref_sgd, _sgd_kwargs()),
    "adagrad": (optim.Adagrad, ref_adagrad, _adagrad_kwargs),
    "adam": (optim.Adam, ref_adam, _adam_kwargs),
    "rmsprop": (optim.RMSprop, ref_rmsprop, _rmsprop_kwargs),
    "adadelta": (optim.Adadelta, ref_adadelta, _adadelta_kwargs),
}


def _run(cls, kwargs, p0, grads):
    p = Tensor(p0.copy(), requires_grad=True)
    data = p.data
    opt = cls([p], **kwargs)
    for g in grads:
        g = g.copy()
        p.grad = g
        opt.step()
        np.testing.assert_array_equal(p.grad, g)  # the engine's gradient is read, never written
    assert p.data is data  # updated in place: references held by users (and modules) stay valid
    return p.data


@pytest.mark.parametrize("name", list(CASES))
@given(data=st.data())
def test_update_matches_published_rule(name, data):
    cls, ref, kwargs_strategy = CASES[name]
    kwargs = data.draw(kwargs_strategy, label="kwargs")
    p0, grads = data.draw(_problem(), label="problem")
    np.testing.assert_allclose(_run(cls, kwargs, p0, grads), ref(p0, grads, **kwargs), rtol=1e-9, atol=1e-12)


@given(_problem(), st.floats(1e-3, 1.0))
def test_adagrad_eps_inside_sqrt_is_min_char_rnn_bit_for_bit(problem, learning_rate):
    p0, grads = problem
    # Karpathy's min-char-rnn update, verbatim
    param, mem = p0.copy(), np.zeros_like(p0)
    for dparam in grads:
        mem += dparam * dparam
        param += -learning_rate * dparam / np.sqrt(mem + 1e-8)
    ours = _run(optim.Adagrad, dict(lr=learning_rate, eps=1e-8, eps_inside_sqrt=True), p0, grads)
    np.testing.assert_array_equal(ours, param)


@pytest.mark.parametrize("cls, kwargs", [
    (optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    (optim.Adagrad, dict(lr=0.1)),
    (optim.Adam, dict(lr=0.01, amsgrad=True)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adadelta, dict(weight_decay=0.01)),
])
def test_float32_parameters_stay_float32(cls, kwargs):
    rng = np.random.default_rng(0)
    p = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    opt = cls([p], **kwargs)
    for _ in range(3):
        p.grad = rng.standard_normal((3, 4)).astype(np.float32)
        opt.step()
    assert p.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


# ------------------------------------------------------------------ groups, skipping, engine gradients
@given(_problem(), _problem(), st.floats(1e-3, 1.0), st.floats(1e-3, 1.0))
def test_param_groups_use_their_own_options(prob_a, prob_b, lr_a, lr_b):
    (a0, ga), (b0, gb) = prob_a, prob_b
    n = min(len(ga), len(gb))
    a, b = Tensor(a0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": lr_b, "momentum": 0.5}], lr=lr_a, momentum=0.9)
    assert opt.param_groups[0]["lr"] == lr_a and opt.param_groups[1]["lr"] == lr_b
    assert opt.param_groups[0]["momentum"] == 0.9 and opt.param_groups[1]["momentum"] == 0.5
    for i in range(n):
        a.grad, b.grad = ga[i].copy(), gb[i].copy()
        opt.step()
    np.testing.assert_allclose(a.data, ref_sgd(a0, ga[:n], lr_a, momentum=0.9), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.data, ref_sgd(b0, gb[:n], lr_b, momentum=0.5), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adagrad, optim.Adam, optim.RMSprop])
def test_params_without_grad_are_skipped(cls):
    rng = np.random.default_rng(1)
    a = Tensor(rng.standard_normal(4), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    a_before, b_before = a.data.copy(), b.data.copy()
    opt = cls([a, b], lr=0.1)
    for _ in range(3):
        a.grad = rng.standard_normal(4)
        opt.step()
    np.testing.assert_array_equal(b.data, b_before)
    assert b not in opt.state
    assert not np.any(a.data == a_before)


def test_step_with_gradients_from_backward_and_closure():
    x = np.array([1.0, -2.0, 3.0])
    w = Tensor(np.array([0.5, 0.5, 0.5]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * Tensor(x)).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss.item()) == pytest.approx(1.0)
    np.testing.assert_allclose(w.data, 0.5 - 0.1 * x)  # d(w.x)/dw = x
    with no_grad():  # the closure still records a graph, as in PyTorch
        opt.step(closure)
        assert not is_grad_enabled()
    np.testing.assert_allclose(w.data, 0.5 - 0.2 * x)


def test_zero_grad():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = np.ones(3)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = np.ones(3)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad, np.zeros(3))
    assert b.grad is None


def test_gradient_of_wrong_shape_is_reported():
    a = Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([a])
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):  # as torch
        a.grad = np.ones(4)
    a._grad = np.ones(4)  # one that got there anyway (the attribute behind .grad): the step names both shapes
    with pytest.raises(ValueError, match=r"shape \(3,\).*gradient of shape \(4,\)"):
        opt.step()


# ------------------------------------------------------------------ state_dict
CONFIGS = [
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.SGD, dict(lr=0.1)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (optim.Adagrad, dict(lr=0.1, eps=1e-8, eps_inside_sqrt=True)),
    (optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True)),
    (optim.Adam, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.RMSprop, dict(lr=0.01)),
    (optim.Adadelta, dict(lr=0.5, rho=0.8, weight_decay=0.01)),
]


def _model(rng, dtype=np.float64):
    return [Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in ((3, 4), (4,), ())]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_state_dict_roundtrip_through_a_file_gives_identical_next_steps(cls, kwargs, dtype, tmp_path):
    rng = np.random.default_rng(2)
    params = _model(rng, dtype)
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": kwargs["lr"] / 2}]
    opt = cls(groups, **kwargs)
    for _ in range(3):
        for p in params[:2]:  # the last parameter never gets a gradient before the checkpoint
            p.grad = rng.standard_normal(p.shape).astype(dtype)
        opt.step()
    save({"params": [p.data for p in params], "optimizer": opt.state_dict()}, tmp_path / "ckpt.npz")

    ckpt = load(tmp_path / "ckpt.npz")
    clones = [Tensor(a, requires_grad=True) for a in ckpt["params"]]
    resumed = cls([{"params": clones[:2]}, {"params": clones[2:]}], **kwargs)
    resumed.load_state_dict(ckpt["optimizer"])
    assert resumed.param_groups[1]["lr"] == kwargs["lr"] / 2
    for _ in range(2):
        grads = [rng.standard_normal(p.shape).astype(dtype) for p in params]
        for p, q, g in zip(params, clones, grads):
            p.grad, q.grad = g, g.copy()
        opt.step()
        resumed.step()
        for p, q in zip(params, clones):
            np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_is_a_snapshot():
    p = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(3)
    opt.step()
    sd = opt.state_dict()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"], np.ones(3))
    opt.load_state_dict(sd)
    sd["state"][0]["momentum_buffer"][:] = 5.0  # the loaded state must not alias the dict
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], np.ones(3))


def _stepped_adam():
    rng = np.random.default_rng(3)
    params = _model(rng)
    opt = optim.Adam(params, lr=0.01)
    for p in params:
        p.grad = rng.standard_normal(p.shape)
    opt.step()
    return params, opt


@pytest.mark.parametrize("mutate, match", [
    (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])), r"2 parameter group\(s\).*has 1"),
    (lambda sd: sd["param_groups"][0]["params"].pop(), "group 0 has 2 parameters.*has 3"),
    (lambda sd: sd["state"][0].__setitem__("exp_avg", np.zeros((4, 3))), r"'exp_avg' has shape \(4, 3\)"),
    (lambda sd: sd["state"][1].pop("exp_avg_sq"), "has entries.*keeps"),
    (lambda sd: sd["state"][1].__setitem__("momentum_buffer", np.zeros(4)), "another optimizer"),
    (lambda sd: sd["state"].__setitem__(7, sd["state"][0]), "parameter 7, which is in no parameter group"),
    (lambda sd: sd["param_groups"][0].__setitem__("params", [0, 0, 1]), "repeated parameter index 0"),
    (lambda sd: sd["param_groups"][0].__setitem__("lr", -1.0), "invalid lr"),
    (lambda sd: sd["param_groups"][0].__setitem__("betas", (0.9, 1.5)), "beta"),
    (lambda sd: sd["param_groups"][0].pop("eps"), "'eps' is missing"),
    (lambda sd: sd["state"][0].__setitem__("step", -2), "non-negative integer"),
    (lambda sd: sd.pop("state"), "exactly the keys"),
])
def test_load_state_dict_validates_and_changes_nothing_on_error(mutate, match):
    params, opt = _stepped_adam()
    good = opt.state_dict()
    bad = opt.state_dict()
    mutate(bad)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after["param_groups"] == good["param_groups"]
    for i in good["state"]:
        for k, v in good["state"][i].items():
            np.testing.assert_array_equal(after["state"][i][k], v)


def test_load_state_dict_from_another_optimizer_type():
    params, adam = _stepped_adam()
    sgd = optim.SGD(params, lr=0.1, momentum=0.9)
    with pytest.raises(ValueError):
        sgd.load_state_dict(adam.state_dict())


# ------------------------------------------------------------------ construction errors
@pytest.mark.parametrize("cls, kwargs, match", [
    (optim.SGD, dict(lr=-0.1), "invalid lr"),
    (optim.SGD, dict(lr=float("nan")), "NaN"),
    (optim.SGD, dict(lr="0.1"), "number"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), "invalid momentum"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1.0), "invalid weight_decay"),
    (optim.SGD, dict(lr=0.1, nesterov=True), "Nesterov"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), "Nesterov"),
    (optim.Adagrad, dict(lr_decay=-1.0), "invalid lr_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), "invalid initial_accumulator_value"),
    (optim.Adagrad, dict(eps=-1.0), "invalid eps"),
    (optim.Adagrad, dict(eps_inside_sqrt=1), "True or False"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "beta parameter at index 0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "beta parameter at index 1"),
    (optim.Adam, dict(betas=0.9), "pair"),
    (optim.Adam, dict(eps=-1e-8), "invalid eps"),
    (optim.Adam, dict(lr=-1e-3), "invalid lr"),
    (optim.RMSprop, dict(alpha=-0.1), "invalid alpha"),
    (optim.RMSprop, dict(momentum=-0.1), "invalid momentum"),
])
def test_bad_hyperparameters_raise(cls, kwargs, match):
    p = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match=match):
        cls([p], **kwargs)


def test_bad_group_option_raises():
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="invalid lr"):
        optim.Adam([{"params": [a]}, {"params": [b], "lr": -1.0}])


def test_bad_params_raise():
    p = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 of a group is a ndarray"):
        optim.SGD([p, np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="floating-point"):
        optim.SGD([Tensor(np.zeros(2, dtype=np.int64))], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)


def test_generator_of_parameters_and_add_param_group():
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD((t for t in [a]), lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.5})
    a.grad, b.grad = np.ones(2), np.ones(3)
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.5)
    assert "lr: 0.5" in repr(opt)


def test_load_state_dict_matches_indices_by_position_like_pytorch():
    params, opt = _stepped_adam()
    sd = opt.state_dict()
    renumber = {0: 12, 1: 10, 2: 11}  # any distinct integers work: they are matched by position in the group
    sd["param_groups"][0]["params"] = [renumber[i] for i in sd["param_groups"][0]["params"]]
    sd["state"] = {renumber[i]: s for i, s in sd["state"].items()}
    clones = [Tensor(p.data.copy(), requires_grad=True) for p in params]
    resumed = optim.Adam(clones, lr=0.01)
    resumed.load_state_dict(sd)
    for p, q in zip(params, clones):
        p.grad = q.grad = np.full(p.shape, 0.3)
    opt.step()
    resumed.step()
    for p, q in zip(params, clones):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, nesterov=True),
                                    dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.01)])
@pytest.mark.parametrize("shape", [(3 * (1 << 16) + 17,), (8000, 100), (2, 5)])
def test_sgd_large_parameters_update_in_blocks_with_the_same_numbers(kwargs, shape):
    """A parameter of several update blocks (and one that is not contiguous) gets exactly the numbers of
    the one-temporary update ``p - lr * g`` element by element, step after step."""
    from tinygrad_rnn.optim import optimizer as optimizer_module
    rng = np.random.default_rng(7)
    p0 = rng.standard_normal(shape).astype(np.float32)
    grads = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    views = [p0.copy(), np.asfortranarray(p0).copy(order="F")]  # Fortran order: the one-temporary path
    results = []
    for start in views:
        p = Tensor(start, requires_grad=True)
        opt = optim.SGD([p], **kwargs)
        for g in grads:
            p.grad = g.copy()
            opt.step()
        results.append(np.array(p.data))
    want = p0.copy()
    buf = None
    for g in grads:  # the rule in float32, the same operations in the same order
        g = g + np.float32(kwargs.get("weight_decay", 0.0)) * want if kwargs.get("weight_decay") else g
        m = kwargs.get("momentum", 0.0)
        if m:
            buf = g.copy() if buf is None else (buf * np.float32(m) + (g * np.float32(1 - kwargs.get("dampening", 0.0))
                                                                        if kwargs.get("dampening") else buf * np.float32(m) + g))
        if m and kwargs.get("nesterov"):
            want = want - g * np.float32(kwargs["lr"])
            want = want - buf * np.float32(kwargs["lr"] * m)
        else:
            want = want - (buf if m else g) * np.float32(kwargs["lr"])
    assert optimizer_module.UPDATE_BLOCK * 2 <= 3 * (1 << 16) + 17
    want, buf, lr, m = p0.copy(), None, np.float32(kwargs["lr"]), kwargs.get("momentum", 0.0)
    for g in grads:  # the rule in float32: the same operations in the same order, whole arrays at once
        if kwargs.get("weight_decay"):
            g = want * np.float32(kwargs["weight_decay"]) + g
        if m:
            dampened = g * np.float32(1 - kwargs["dampening"]) if kwargs.get("dampening") else g
            buf = g.copy() if buf is None else buf * np.float32(m) + dampened
        if m and kwargs.get("nesterov"):
            want = want - g * lr
            want = want - buf * np.float32(kwargs["lr"] * m)
        else:
            want = want - (buf if m else g) * lr
    for got in results:
        np.testing.assert_array_equal(got, want)


def test_adadelta_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    p0, grads = rng.standard_normal((3, 4)), [rng.standard_normal((3, 4)) for _ in range(6)]
    theirs = torch.tensor(p0, requires_grad=True)
    opt = torch.optim.Adadelta([theirs], lr=0.7, rho=0.85, eps=1e-6, weight_decay=0.02)
    for g in grads:
        theirs.grad = torch.tensor(g)
        opt.step()
    ours = _run(optim.Adadelta, dict(lr=0.7, rho=0.85, eps=1e-6, weight_decay=0.02), p0, grads)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
