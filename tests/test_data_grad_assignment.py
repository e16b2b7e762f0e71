"""``p.data = ...`` and ``p.grad = ...`` as PyTorch programs write them, and the hint after a traceback from a
Tensor method called on ``.data``/``.grad`` (numpy arrays here)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import hints, nn, optim

ROOT = Path(__file__).resolve().parents[1]


def test_assigning_a_tensor_to_a_parameters_data_loads_its_values_and_training_goes_on():
    lin = nn.Linear(3, 1)
    new = tg.tensor([[1.0, 2.0, 3.0]])
    lin.weight.data = new
    assert type(lin.weight.data) is np.ndarray and np.shares_memory(lin.weight.data, new.data)
    out = lin(tg.ones(2, 3))
    np.testing.assert_allclose(out.data[:, 0], 6.0 + lin.bias.data[0], rtol=1e-6)
    opt = optim.SGD(lin.parameters(), lr=0.5)
    out.sum().backward()
    opt.step()
    np.testing.assert_allclose(lin.weight.data, [[0.0, 1.0, 2.0]], rtol=1e-6)
    with tg.no_grad():
        lin.weight.copy_(tg.ones(1, 3))
    np.testing.assert_array_equal(lin.weight.data, np.ones((1, 3), np.float32))


def test_pretrained_embedding_vectors_through_data():
    vectors = np.arange(8, dtype=np.float32).reshape(4, 2)
    emb = nn.Embedding(4, 2)
    emb.weight.data = tg.from_numpy(vectors)
    np.testing.assert_array_equal(emb(tg.tensor([3, 0])).data, vectors[[3, 0]])
    emb.weight.data = vectors * 2  # a numpy array is taken as it is
    np.testing.assert_array_equal(emb(tg.tensor([1])).data, vectors[[1]] * 2)


@pytest.mark.parametrize("value, error, message", [
    ([1.0, 2.0], TypeError, "Variable data has to be a tensor, but got list"),
    (3.0, TypeError, "Variable data has to be a tensor, but got float"),
    ("long", RuntimeError, "must be floating point or complex dtype"),
])
def test_a_parameters_data_refuses_what_torch_refuses(value, error, message):
    p = nn.Parameter(tg.ones(3))
    if value == "long":
        value = tg.zeros(3, dtype=tg.long)
    with pytest.raises(error, match=message):
        p.data = value
    np.testing.assert_array_equal(p.data, np.ones(3, np.float32))  # unchanged


def test_assigning_a_grad_stores_an_array_and_refuses_another_shape_or_dtype():
    p = nn.Parameter(tg.ones(3))
    p.grad = tg.full((3,), 2.0)
    assert type(p.grad) is np.ndarray
    optim.SGD([p], lr=0.25).step()
    np.testing.assert_allclose(p.data, 0.5)
    with pytest.raises(RuntimeError, match="different size"):
        p.grad = tg.ones(2)
    with pytest.raises(RuntimeError, match="different type"):
        p.grad = tg.ones(3, dtype=tg.float64)
    with pytest.raises(TypeError, match="expected to be a Tensor or None but got grad of type list"):
        p.grad = [1.0, 1.0, 1.0]
    p.grad = None
    assert p.grad is None


def test_the_same_assignments_agree_with_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, tg):
        p = lib.nn.Parameter(lib.ones(3))
        with pytest.raises(TypeError):
            p.data = [1.0]
        with pytest.raises(RuntimeError):
            p.data = lib.zeros(3, dtype=lib.long)
        with pytest.raises(RuntimeError):
            p.grad = lib.ones(2)
        p.data = lib.zeros(2, 2)
        assert tuple(p.shape) == (2, 2)


@pytest.mark.parametrize("line, shown", [
    ("p.data.add_(p.grad, alpha=-0.1)", ".add_"),
    ("p.grad.zero_()", ".zero_"),
    ("p.data.view(-1)", ".reshape(...)"),
    ("p.data.max(1, keepdim=True)", "axis= and keepdims="),
    ("p.data.mean(dim=0)", "axis= and keepdims="),
])
def test_an_uncaught_error_from_a_tensor_method_on_data_ends_with_one_hint(tmp_path, line, shown):
    script = tmp_path / "port.py"
    script.write_text("import tinygrad_rnn as torch\nlin = torch.nn.Linear(2, 1)\n"
                      "lin(torch.ones(1, 2)).sum().backward()\np = lin.weight\n" + line + "\n")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1
    assert "Traceback" in run.stderr  # the traceback stays as Python prints it
    hint_lines = [s for s in run.stderr.splitlines() if s.startswith("hint:")]
    assert len(hint_lines) == 1 and shown in hint_lines[0] and "Coming from PyTorch" in hint_lines[0]


def test_no_hint_for_other_errors():
    assert hints.hint_for(AttributeError("'numpy.ndarray' object has no attribute 'no_such_method'")) is None
    assert hints.hint_for(ValueError("Cannot interpret '-1' as a data type")) is None
    assert hints.hint_for(AttributeError("'Linear' object has no attribute 'add_'")) is None


def test_a_hook_someone_else_installed_is_left_alone(tmp_path):
    script = tmp_path / "own_hook.py"
    script.write_text("import sys\nmine = lambda *a: print('own hook', file=sys.stderr)\nsys.excepthook = mine\n"
                      "import tinygrad_rnn\nassert sys.excepthook is mine\nimport numpy as np\nnp.zeros(1).add_(1)\n")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.stderr.strip() == "own hook"


def test_load_state_dicts_result_prints_as_torchs():
    torch = pytest.importorskip("torch")
    for lib in (torch, tg):
        full = lib.nn.Linear(2, 2).load_state_dict(lib.nn.Linear(2, 2).state_dict())
        part = lib.nn.Linear(2, 2).load_state_dict({"weight": lib.zeros(2, 2), "extra": lib.zeros(1)}, strict=False)
        assert repr(full) == str(full) == "<All keys matched successfully>"
        assert repr(part) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])"
        assert part.missing_keys == ["bias"] and full.missing_keys == []


def test_clipping_the_grad_of_a_scalar_parameter_keeps_it_an_array():
    p = nn.Parameter(tg.tensor(3.0))
    p.grad = np.float32(5.0) * np.ones((), np.float32)[()]  # numpy's 0-d results are scalars
    assert type(p.grad) is np.ndarray and p.grad.shape == ()
    nn.utils.clip_grad_value_([p], clip_value=0.5)
    assert type(p.grad) is np.ndarray and float(p.grad) == 0.5
    nn.utils.clip_grad_norm_([p], max_norm=0.25)
    assert type(p.grad) is np.ndarray and abs(float(p.grad) - 0.25) < 1e-6


def test_an_exit_without_its_enter_leaves_grad_off_as_torchs():
    torch = pytest.importorskip("torch")
    for lib in (torch, tg):
        lib.no_grad().__enter__()
        lib.no_grad().__exit__(None, None, None)  # another instance: torch sets grad mode off
        assert not lib.is_grad_enabled()
        lib.set_grad_enabled(True)
        mode = lib.set_grad_enabled(False)
        mode.__exit__(None, None, None)  # back to the mode before it was made
        assert lib.is_grad_enabled()
        with pytest.raises(AttributeError):
            lib.enable_grad().__exit__(None, None, None)


def test_a_numpy_grad_of_the_same_kind_is_cast_a_tensors_of_another_dtype_refused():
    p = nn.Parameter(tg.ones(3))  # float32
    p.grad = np.ones(3) * 0.5  # numpy arithmetic gave float64
    assert p.grad.dtype == np.float32 and float(p.grad[0]) == 0.5
    with pytest.raises(RuntimeError, match=r"different type \(float64, the tensor's is float32\)"):
        p.grad = tg.ones(3, dtype=tg.float64)
    with pytest.raises(RuntimeError, match="different type"):
        p.grad = np.ones(3, dtype=complex)


def test_size_arithmetic_and_iinfo_of_bool_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, tg):
        s = lib.zeros(2, 3).shape
        assert repr(s * 2) == repr(2 * s) == "torch.Size([2, 3, 2, 3])"
        with pytest.raises(TypeError, match="torch.bool is not supported by torch.iinfo"):
            lib.iinfo(lib.bool)
