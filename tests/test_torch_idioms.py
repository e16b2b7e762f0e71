"""PyTorch idioms of ported programs: the determinism flags, nn.init.trunc_normal_, Module.get_submodule /
get_parameter / get_buffer, RNN all_weights, std_mean / var_mean, fill_diagonal_, apply_, softmax of an all -inf
row without numpy warnings, and torch.load's message for a file written by PyTorch."""
from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg

from torch_reference import close, needs_torch, torch


# ---- use_deterministic_algorithms ---------------------------------------------------------------------------
@pytest.fixture
def restore_determinism():
    yield
    tg.use_deterministic_algorithms(False)


@needs_torch
def test_deterministic_flags_are_recorded_as_torch(restore_determinism):
    assert inspect.signature(tg.use_deterministic_algorithms).parameters.keys() == {"mode", "warn_only"}
    try:
        for mode, warn_only in [(True, False), (True, True), (False, True), (False, False)]:
            for lib in (tg, torch):
                lib.use_deterministic_algorithms(mode, warn_only=warn_only)
            assert tg.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled() == mode
            assert (tg.is_deterministic_algorithms_warn_only_enabled()
                    == torch.is_deterministic_algorithms_warn_only_enabled() == warn_only)
    finally:
        torch.use_deterministic_algorithms(False)
    with pytest.raises(TypeError, match="argument 'mode' .* must be bool, not int"):
        tg.use_deterministic_algorithms(1)
    with pytest.raises(TypeError, match="argument 'warn_only' must be bool, not int"):
        tg.use_deterministic_algorithms(True, warn_only=1)
    assert "use_deterministic_algorithms" in tg.__all__


def test_cudnn_flags_can_be_set():
    cudnn = tg.backends.cudnn
    before = cudnn.deterministic, cudnn.benchmark
    try:
        cudnn.deterministic, cudnn.benchmark = True, False
        assert (cudnn.deterministic, cudnn.benchmark) == (True, False)
    finally:
        cudnn.deterministic, cudnn.benchmark = before


# ---- nn.init.trunc_normal_ ----------------------------------------------------------------------------------
def _truncated_normal_moments(mean, std, a, b):
    """The closed-form mean and std of normal(mean, std) truncated to [a, b]."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.02, 0.46, 0.6), (1.0, 2.0, 0.0, 10.0)])
def test_trunc_normal_respects_bounds_and_moments(mean, std, a, b):
    tg.manual_seed(0)
    w = tg.nn.Parameter(tg.empty(200, 500))
    assert tg.nn.init.trunc_normal_(w, mean=mean, std=std, a=a, b=b) is w
    values = w.numpy()
    assert values.min() >= a and values.max() <= b
    m, s = _truncated_normal_moments(mean, std, a, b)
    n = values.size
    assert abs(values.mean() - m) < 5 * s / math.sqrt(n)  # five standard errors
    assert abs(values.std() - s) < 0.01 * s
    assert w.dtype == tg.float32


def test_trunc_normal_is_seeded_and_takes_a_generator():
    draws = []
    for _ in range(2):
        tg.manual_seed(3)
        draws.append(tg.nn.init.trunc_normal_(tg.empty(50), std=0.02).numpy())
    np.testing.assert_array_equal(*draws)
    g1, g2 = tg.Generator().manual_seed(7), tg.Generator().manual_seed(7)
    np.testing.assert_array_equal(tg.nn.init.trunc_normal_(tg.empty(20), generator=g1).numpy(),
                                  tg.nn.init.trunc_normal_(tg.empty(20), generator=g2).numpy())
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        tg.nn.init.trunc_normal_(tg.empty(5), mean=10.0)


@needs_torch
def test_trunc_normal_signature_matches_torch():
    ours = [(p.name, p.default) for p in inspect.signature(tg.nn.init.trunc_normal_).parameters.values()]
    theirs = [(p.name, p.default) for p in inspect.signature(torch.nn.init.trunc_normal_).parameters.values()]
    assert ours == theirs


# ---- get_submodule / get_parameter / get_buffer -------------------------------------------------------------
def _net(lib):
    net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
    net.add_module("head", lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 1)))
    net.note = "plain attribute"
    return net


def _outcome(fn):
    try:
        return type(fn()).__name__
    except AttributeError as e:
        return f"AttributeError: {e}"


@needs_torch
@pytest.mark.parametrize("call, target", [
    ("get_submodule", ""), ("get_submodule", "head.1"), ("get_submodule", "head.2"), ("get_submodule", "0.weight"),
    ("get_submodule", "note"), ("get_parameter", "0.weight"), ("get_parameter", "head.1.bias"),
    ("get_parameter", "1.running_mean"), ("get_parameter", "head.missing"), ("get_parameter", "x.weight"),
    ("get_buffer", "1.running_var"), ("get_buffer", "0.weight"), ("get_buffer", "1.nothing"),
    ("get_buffer", "1.num_batches_tracked"),
])
def test_get_submodule_parameter_buffer_as_torch(call, target):
    ours, theirs = _net(tg), _net(torch)
    got = _outcome(lambda: getattr(ours, call)(target))
    expected = _outcome(lambda: getattr(theirs, call)(target))
    assert got.replace("Tensor", "X").replace("Parameter", "X") == expected.replace("Tensor", "X").replace(
        "Parameter", "X")
    if not got.startswith("AttributeError"):  # the very object, under its state_dict-style name
        named = {"get_submodule": ours.named_modules, "get_parameter": ours.named_parameters,
                 "get_buffer": ours.named_buffers}[call]
        assert getattr(ours, call)(target) is dict(named())[target]


# ---- RNN all_weights ----------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("cls, kwargs", [
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2)), ("GRU", dict(bias=False)),
    ("RNN", dict(num_layers=3, nonlinearity="relu")), ("LSTM", dict()),
])
def test_all_weights_lists_parameters_in_torch_order(cls, kwargs):
    ours = getattr(tg.nn, cls)(3, 4, **kwargs)
    theirs = getattr(torch.nn, cls)(3, 4, **kwargs)
    name_of = {id(p): n for n, p in ours.named_parameters()}
    torch_name_of = {id(p): n for n, p in theirs.named_parameters()}
    assert [[name_of[id(p)] for p in layer] for layer in ours.all_weights] == \
        [[torch_name_of[id(p)] for p in layer] for layer in theirs.all_weights]
    assert all(isinstance(p, tg.nn.Parameter) for layer in ours.all_weights for p in layer)
    assert isinstance(ours.all_weights, list) and isinstance(ours.all_weights[0], list)


# ---- std_mean / var_mean ------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("fn", ["std_mean", "var_mean"])
@pytest.mark.parametrize("args, kwargs", [
    ((), {}), ((1,), {}), (((0, 2),), dict(keepdim=True)), ((1,), dict(correction=0)), ((2, False, True), {}),
    ((False,), {}), ((), dict(dim=-1, unbiased=True)), ((), dict(dim=0, correction=2, keepdim=True)),
])
def test_std_mean_var_mean_match_torch(fn, args, kwargs):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4, 5))
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = getattr(tg, fn)(x, *args, **kwargs), getattr(torch, fn)(tx, *args, **kwargs)
    assert type(ours) is tuple and len(ours) == 2
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        close(o.data, t)
    g0, g1 = rng.standard_normal(ours[0].shape), rng.standard_normal(ours[1].shape)
    ((ours[0] * tg.tensor(g0)).sum() + (ours[1] * tg.tensor(g1)).sum()).backward()
    ((theirs[0] * torch.tensor(g0)).sum() + (theirs[1] * torch.tensor(g1)).sum()).backward()
    close(x.grad, tx.grad)


# ---- fill_diagonal_ / apply_ --------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("shape, wrap", [((4, 4), False), ((7, 3), False), ((7, 3), True), ((3, 7), True),
                                         ((3, 3, 3), False), ((2, 2, 2, 2), True), ((1, 5), False)])
def test_fill_diagonal_matches_torch(shape, wrap):
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    x, tx = tg.tensor(a), torch.tensor(a)
    assert x.fill_diagonal_(-1.5, wrap=wrap) is x
    tx.fill_diagonal_(-1.5, wrap=wrap)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


@needs_torch
def test_fill_diagonal_errors_and_gradient_as_torch():
    for shape, match in [((3,), "dimensions must larger than 1"), ((3, 3, 2), "all dimensions of input must be of "
                                                                               "equal length")]:
        for lib in (tg, torch):
            with pytest.raises(RuntimeError, match=match):
                lib.zeros(*shape).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tg.ones(2, 2, requires_grad=True).fill_diagonal_(0)
    a = np.random.default_rng(0).standard_normal((3, 4))
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x * 2, tx * 2
    y.fill_diagonal_(7.0)
    ty.fill_diagonal_(7.0)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    close(y.data, ty)
    close(x.grad, tx.grad)


@needs_torch
@pytest.mark.parametrize("values, fn", [
    (np.arange(4.0), lambda v: v * 2 + 1), (np.arange(3), lambda v: v * 1.7),
    (np.arange(6.0).reshape(2, 3), lambda v: math.sqrt(v)), (np.array([True, False]), lambda v: not v),
])
def test_apply_matches_torch(values, fn):
    x, tx = tg.tensor(values), torch.tensor(values)
    assert x.apply_(fn) is x
    tx.apply_(fn)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    assert x.dtype == tg.tensor(values).dtype


def test_apply_refuses_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match=r"Can't call apply_\(\) on Variable that requires grad"):
        tg.ones(2, requires_grad=True).apply_(lambda v: v)
    seen = []
    tg.tensor([1.0, 2.0]).apply_(lambda v: seen.append(type(v)) or v)
    assert seen == [float, float]  # Python numbers in, as in PyTorch


# ---- softmax of an all -inf row -----------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_all_minus_inf_row_is_nan_without_numpy_warnings(name):
    a = np.array([[-np.inf, -np.inf, -np.inf], [1.0, 2.0, -np.inf]])
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(tg.nn.functional, name)(x, dim=-1)
        module = (tg.nn.Softmax if name == "softmax" else tg.nn.LogSoftmax)(dim=1)(x)
        out.sum().backward()
    ref = getattr(torch.nn.functional, name)(tx, dim=-1)
    ref.sum().backward()
    np.testing.assert_array_equal(np.isnan(out.data), np.isnan(ref.detach().numpy()))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(module.data, out.data, equal_nan=True)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, equal_nan=True)


# ---- torch.load of a file PyTorch wrote ---------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("as_file_object", [False, True])
def test_load_of_a_pytorch_file_names_it_and_the_conversion(tmp_path, as_file_object):
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 3).state_dict(), path)
    with pytest.raises(ValueError) as excinfo:
        if as_file_object:
            with open(path, "rb") as f:
                tg.load(f)
        else:
            tg.load(path)
    message = str(excinfo.value)
    assert "\n" not in message
    assert "written by PyTorch's torch.save" in message and "np.load" not in message
    assert "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')" in message
    assert "model.load_state_dict(torch.load_safetensors('model.safetensors'))" in message


@needs_torch
def test_the_suggested_conversion_works(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    theirs = torch.nn.LSTM(3, 4, num_layers=2)
    safetensors_torch.save_file(theirs.state_dict(), str(tmp_path / "model.safetensors"))
    ours = tg.nn.LSTM(3, 4, num_layers=2)
    ours.load_state_dict(tg.load_safetensors(tmp_path / "model.safetensors"))
    for name, value in theirs.state_dict().items():
        close(ours.state_dict()[name].data, value, tol=0)


def test_a_plain_npz_still_gets_the_np_load_hint(tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, a=np.ones(2))
    with pytest.raises(ValueError, match="read its arrays with np.load instead"):
        tg.load(path)
