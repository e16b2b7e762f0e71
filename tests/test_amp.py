"""torch.autocast / torch.amp / torch.cuda.amp / torch.cpu.amp as CPU training scripts use them: CUDA autocast
and scalers disable themselves as PyTorch's do without CUDA, a CPU GradScaler scales as PyTorch's (compared
step by step), and a reduced-precision CPU autocast says once that nothing runs in reduced precision."""
from __future__ import annotations

import importlib
import inspect
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import amp

from torch_reference import needs_torch, torch


@pytest.fixture
def fresh_warning(monkeypatch):
    """As in a new process: the once-per-process autocast warning not yet given."""
    monkeypatch.setattr(amp, "_warned_no_reduced_precision", False)


def test_amp_names_are_reachable_and_importable():
    assert tg.autocast is tg.amp.autocast
    assert issubclass(tg.cuda.amp.autocast, tg.autocast) and issubclass(tg.cpu.amp.autocast, tg.autocast)
    assert issubclass(tg.cuda.amp.GradScaler, tg.amp.GradScaler)
    assert issubclass(tg.cpu.amp.GradScaler, tg.amp.GradScaler)
    from tinygrad_rnn.cuda.amp import GradScaler, autocast
    assert GradScaler is tg.cuda.amp.GradScaler and autocast is tg.cuda.amp.autocast
    assert importlib.import_module("tinygrad_rnn.cpu.amp") is tg.cpu.amp
    assert tg.cpu.is_available() and tg.cpu.device_count() == 1
    assert tg.cuda.is_bf16_supported() is False


def _params(fn):
    return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]


@needs_torch
@pytest.mark.parametrize("ours, theirs", [
    ("amp.GradScaler.__init__", "amp.GradScaler.__init__"), ("amp.GradScaler.step", "amp.GradScaler.step"),
    ("amp.GradScaler.update", "amp.GradScaler.update"), ("amp.GradScaler.unscale_", "amp.GradScaler.unscale_"),
    ("amp.GradScaler.scale", "amp.GradScaler.scale"), ("cuda.amp.GradScaler.__init__", "cuda.amp.GradScaler.__init__"),
    ("cpu.amp.GradScaler.__init__", "cpu.amp.GradScaler.__init__"),
])
def test_signatures_match_torch(ours, theirs):
    def resolve(root, dotted):
        for part in dotted.split("."):
            root = getattr(root, part)
        return root
    assert _params(resolve(tg, ours)) == _params(resolve(torch, theirs))


@needs_torch
@pytest.mark.parametrize("name", ["autocast", "cuda.amp.autocast", "cpu.amp.autocast"])
def test_autocast_signatures_match_torch_but_for_the_dtype_objects(name):
    def resolve(root):
        for part in name.split("."):
            root = getattr(root, part)
        return root.__init__
    ours, theirs = _params(resolve(tg)), _params(resolve(torch))
    assert [p[0] for p in ours] == [p[0] for p in theirs]
    for (n, d, k), (_, td, tk) in zip(ours, theirs):
        assert k == tk
        if n != "dtype":
            assert d == td, n


def test_reduced_precision_cpu_autocast_warns_once_per_process(fresh_warning):
    x = tg.randn(4, 3)
    w = tg.randn(3, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tg.autocast("cpu") as ctx:  # bfloat16, PyTorch's CPU default
            inside = x @ w
        with tg.autocast(device_type="cpu", dtype=tg.float16):
            pass
        with tg.cpu.amp.autocast():
            pass
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(messages) == 1
    assert "inputs' dtypes" in messages[0] and "bfloat16" in messages[0]
    assert isinstance(ctx, tg.autocast)
    assert inside.dtype == tg.float32  # it said so: nothing was cast
    np.testing.assert_array_equal(inside.numpy(), (x @ w).numpy())


def test_float32_or_disabled_autocast_is_silent(fresh_warning):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tg.autocast("cpu", dtype=tg.float32):
            pass
        with tg.autocast("cpu", enabled=False):
            pass
        with tg.amp.autocast("cuda", enabled=False):
            pass
    assert amp._warned_no_reduced_precision is False


def test_autocast_is_a_decorator(fresh_warning):
    @tg.autocast("cpu", dtype=tg.float32)
    def double(x):
        """Doubles."""
        return x * 2

    assert double(tg.tensor(2.0)).item() == 4.0
    assert double.__name__ == "double" and double.__doc__ == "Doubles."
    with pytest.raises(TypeError, match="requires a callable"):
        tg.autocast("cpu")(3)


def test_autocast_checks_the_device_type_as_torch():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        tg.autocast(0)
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'foo'"):
        tg.autocast("foo")


@needs_torch
def test_cuda_autocast_disables_itself_with_torchs_warning(fresh_warning):
    for lib in (tg, torch):
        with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
            ctx = lib.autocast("cuda", dtype=lib.float16)
        assert ctx._enabled is False
        with pytest.warns(FutureWarning, match=r"torch.cuda.amp.autocast\(args...\)` is deprecated"):
            with pytest.warns(UserWarning, match="CUDA is not available"):
                lib.cuda.amp.autocast()
    assert amp._warned_no_reduced_precision is False  # disabled: it never claimed reduced precision


def _model_and_data(lib, seed=0):
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(2).astype(np.float32)
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor(w))
        model.bias.copy_(lib.tensor(b))
    x = lib.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    y = lib.tensor(rng.standard_normal((5, 2)).astype(np.float32))
    return model, x, y


@needs_torch
def test_cuda_grad_scaler_is_a_disabled_pass_through_as_in_torch():
    results = []
    for lib in (tg, torch):
        with pytest.warns(FutureWarning, match=r"`torch.cuda.amp.GradScaler\(args...\)` is deprecated"):
            with pytest.warns(UserWarning, match="torch.cuda.amp.GradScaler is enabled, but CUDA is not available"):
                scaler = lib.cuda.amp.GradScaler()
        model, x, y = _model_and_data(lib)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        loss = ((model(x) - y) ** 2).mean()
        assert scaler.scale(loss) is loss
        scaler.scale(loss).backward()
        assert scaler.unscale_(opt) is None
        assert scaler.step(opt) is None
        scaler.update()
        results.append((scaler.is_enabled(), scaler.get_scale(), scaler.state_dict(), model.weight.detach().numpy()))
    (ours_enabled, ours_scale, ours_state, ours_w), (t_enabled, t_scale, t_state, t_w) = results
    assert (ours_enabled, ours_scale, ours_state) == (t_enabled, t_scale, t_state) == (False, 1.0, {})
    np.testing.assert_allclose(ours_w, t_w, rtol=1e-6)
    with pytest.warns(FutureWarning):  # enabled=False: no CUDA warning, as in torch (nanoGPT's float32 path)
        with warnings.catch_warnings():
            warnings.filterwarnings("error", category=UserWarning)
            assert tg.cuda.amp.GradScaler(enabled=False).is_enabled() is False


@needs_torch
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # numpy's, in the overflowing backward
def test_cpu_grad_scaler_matches_torch_step_by_step():
    """Scaling, unscaling, a skipped step on overflowed gradients, backoff and growth, state_dict: as torch."""
    trace = {}
    for lib in (tg, torch):
        # near float32's max the gradients overflow now and then: skipped steps, backoffs, growths, and a growth
        # past float32's range that is refused
        scaler = lib.amp.GradScaler("cpu", init_scale=3e38, growth_interval=2)
        model, x, y = _model_and_data(lib)
        opt = lib.optim.SGD(model.parameters(), lr=0.05)
        rows = []
        for i in range(8):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            scaled = scaler.scale(loss)
            scaled.backward()
            if i % 2:
                scaler.unscale_(opt)  # the clipping pattern: unscale first, step does not unscale again
                grad = np.array(model.weight.grad) if lib is tg else model.weight.grad.numpy().copy()
            else:
                grad = None
            returned = scaler.step(opt)
            scaler.update()
            rows.append((float(scaled.item()), returned, grad, scaler.get_scale(), scaler.state_dict(),
                         model.weight.detach().numpy().copy()))
        trace[lib] = rows
    for ours, theirs in zip(trace[tg], trace[torch]):
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
        assert ours[1] is theirs[1] is None
        if ours[2] is not None:
            np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)
        assert ours[3] == theirs[3] and ours[4] == theirs[4]
        np.testing.assert_allclose(ours[5], theirs[5], rtol=1e-5, atol=1e-6)
    scales = [row[3] for row in trace[tg]]
    assert scales[0] == np.float32(3e38) * np.float32(0.5)  # the first step overflowed and was skipped
    np.testing.assert_array_equal(trace[tg][0][5], _model_and_data(tg)[0].weight.numpy())
    assert any(b > a for a, b in zip(scales, scales[1:]))  # and it grew again after clean steps


def test_cpu_grad_scaler_refuses_what_torch_refuses():
    model, x, y = _model_and_data(tg)
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    scaler = tg.amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match="did not use scaler.scale"):
        scaler.step(opt)
    scaler.scale(((model(x) - y) ** 2).mean()).backward()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    scaler.update(1024.0)
    assert scaler.get_scale() == 1024.0
    with pytest.raises(AssertionError, match="growth factor"):
        tg.amp.GradScaler("cpu", growth_factor=1.0)


def test_grad_scaler_state_dict_round_trip():
    scaler = tg.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3)
    assert scaler.get_scale() == 8.0
    state = {"scale": 32.0, "growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 7,
             "_growth_tracker": 2}
    scaler.load_state_dict(state)
    assert scaler.state_dict() == state
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        scaler.load_state_dict({})
    disabled = tg.amp.GradScaler("cpu", enabled=False)
    disabled.load_state_dict(state)
    assert disabled.state_dict() == {} and disabled.get_scale() == 1.0


def test_bfloat16_is_a_name_that_autocast_takes_and_tensors_refuse_in_one_line(fresh_warning):
    # nanoGPT's table {'float32': torch.float32, 'bfloat16': torch.bfloat16, ...} must build
    table = {"float32": tg.float32, "bfloat16": tg.bfloat16}
    assert table["float32"] != tg.bfloat16 and repr(tg.bfloat16) == "torch.bfloat16"
    with pytest.warns(UserWarning, match="ops run in their inputs' dtypes"):
        with tg.autocast(device_type="cpu", dtype=tg.bfloat16):
            pass
    for make in (lambda: tg.zeros(2, dtype=tg.bfloat16), lambda: tg.ones(2).to(tg.bfloat16),
                 lambda: tg.ones(2, dtype="bfloat16")):
        with pytest.raises(TypeError, match="torch.bfloat16 is not available here.*use torch.float32"):
            make()
