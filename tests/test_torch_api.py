"""PyTorch's top-level surface (``import tinygrad_rnn as torch``): creation functions and their dtype rules,
dtypes, the CPU-only device API, grad modes, tensor methods with PyTorch's signatures and return types,
no-grad in-place updates, hooks and grad_fn. Where torch is installed it is the oracle."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as torch

from torch_reference import needs_torch, torch as real_torch


# ---- creation and dtypes ---------------------------------------------------------------------------
def test_creation_functions_follow_pytorchs_dtype_rules():
    assert torch.tensor([1, 2, 3]).dtype == torch.int64 == torch.long
    assert torch.tensor([1.0, 2.0]).dtype == torch.float32 == torch.float
    assert torch.tensor([True, False]).dtype == torch.bool
    assert torch.tensor(np.zeros(2)).dtype == torch.float64 == torch.double
    assert torch.tensor([1, 2], dtype=torch.float64).dtype == np.float64
    assert torch.zeros(2, 3).shape == (2, 3) and torch.zeros((2, 3)).dtype == np.float32
    assert torch.ones([4], dtype=torch.long).dtype == np.int64
    assert torch.full((2,), 7).dtype == torch.int64 and torch.full((2,), 0.5).dtype == torch.float32
    assert torch.full((2,), True).dtype == torch.bool
    assert torch.arange(5).dtype == torch.int64 and torch.arange(0.0, 1.0, 0.25).tolist() == [0, 0.25, 0.5, 0.75]
    assert torch.arange(1, 7, 2).tolist() == [1, 3, 5]
    np.testing.assert_allclose(torch.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(torch.eye(2, 3).data, np.eye(2, 3))
    assert torch.empty(3, 2).shape == (3, 2)
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert x.requires_grad and x.dtype == np.float64 and x.is_leaf
    for like, value in ((torch.zeros_like, 0), (torch.ones_like, 1)):
        y = like(x)
        assert y.shape == x.shape and y.dtype == x.dtype and not y.requires_grad and (y.data == value).all()
    assert (torch.full_like(x, 3.0).data == 3).all()
    assert torch.LongTensor([1, 2]).dtype == np.int64 and torch.FloatTensor(2, 3).shape == (2, 3)
    assert torch.FloatTensor([1, 2]).dtype == np.float32


def test_tensor_copies_and_from_numpy_shares():
    a = np.arange(3.0)
    t, s, u = torch.tensor(a), torch.from_numpy(a), torch.as_tensor(a)
    a[0] = 10
    assert t.data[0] == 0 and s.data[0] == 10 and u.data[0] == 10


def test_random_creation_draws_from_the_library_generator():
    torch.manual_seed(3)
    a = (torch.rand(4), torch.randn(2, 2), torch.randint(0, 10, (5,)), torch.randperm(6))
    torch.manual_seed(3)
    b = (torch.rand(4), torch.randn(2, 2), torch.randint(10, (5,)), torch.randperm(6))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.data, y.data)
    assert a[2].dtype == np.int64 and 0 <= a[2].data.min() and a[2].data.max() < 10
    assert sorted(a[3].tolist()) == list(range(6)) and a[0].dtype == np.float32
    assert torch.initial_seed() == 3


def test_new_tensors_take_self_dtype():
    x = torch.zeros(2, dtype=torch.float64)
    assert x.new_zeros(3, 4).shape == (3, 4) and x.new_zeros((3,)).dtype == np.float64
    assert x.new_ones(2).dtype == np.float64 and (x.new_ones(2).data == 1).all()
    assert x.new_tensor([1, 2]).dtype == np.float64
    assert x.new_zeros(2, dtype=torch.long).dtype == np.int64
    assert x.new(2, 3).shape == (2, 3)


def test_type_conversions():
    x = torch.tensor([1.7, -2.2])
    assert x.long().tolist() == [1, -2] and x.int().dtype == np.int32 and x.bool().dtype == np.bool_
    assert x.double().dtype == np.float64 and x.type() == "torch.FloatTensor"
    assert x.type(torch.LongTensor).dtype == np.int64 and x.type("torch.LongTensor").dtype == np.int64
    assert x.type(torch.DoubleTensor).dtype == np.float64  # the legacy constructors name their dtype
    assert x.to(torch.float64).dtype == np.float64 and x.to("cpu") is x
    assert x.to(torch.device("cpu"), torch.float64).dtype == np.float64
    assert x.to(torch.zeros(1, dtype=torch.int64)).dtype == np.int64


# ---- device, grad modes ----------------------------------------------------------------------------
def test_cpu_only_device_api():
    assert torch.cuda.is_available() is False and torch.accelerator.is_available() is False
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert dev == torch.device("cpu") and str(dev) == "cpu" and dev.type == "cpu"
    x = torch.ones(2).to(dev)
    assert x.device == dev and x.cpu() is x
    for bad in (lambda: torch.device("cuda"), lambda: x.to("cuda"), lambda: x.cuda(),
                lambda: torch.zeros(2, device="cuda:0"), lambda: torch.nn.Linear(2, 2).cuda()):
        with pytest.raises(RuntimeError, match="CPU only"):
            bad()


def test_inference_mode_and_set_grad_enabled():
    w = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad

    @torch.inference_mode()
    def f():
        return w * 2

    assert not f().requires_grad
    with torch.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert torch.is_grad_enabled()


# ---- methods, return types -------------------------------------------------------------------------
def test_max_min_sort_topk_return_named_tuples():
    x = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    v, i = torch.max(x, 1)
    assert v.tolist() == [5.0, 6.0] and i.tolist() == [1, 2] and i.dtype == np.int64
    r = x.min(dim=0, keepdim=True)
    assert r.values.tolist() == [[1.0, 2.0, 3.0]] and r.indices.tolist() == [[0, 1, 0]]
    assert type(r).__name__ == "min"
    assert x.max().item() == 6.0 and torch.max(x, torch.full((2, 3), 4.5)).tolist() == [[4.5, 5, 4.5], [4.5, 4.5, 6]]
    assert x.argmax().item() == 5 and x.argmax(dim=1).tolist() == [1, 2] and x.argmin(1, keepdim=True).shape == (2, 1)
    top = x.topk(2)
    assert top.values.tolist() == [[5, 3], [6, 4]] and top.indices.tolist() == [[1, 2], [2, 0]]
    s = torch.sort(x, dim=1, descending=True)
    assert s.values.tolist() == [[5, 3, 1], [6, 4, 2]] and s.indices.tolist() == [[1, 2, 0], [2, 0, 1]]


def test_comparisons_give_bool_tensors():
    x = torch.tensor([1.0, 2.0, 3.0])
    for r in (x == 2, x.eq(2), torch.gt(x, 1), x.le(2), x.ne(1), x < 3):
        assert r.dtype == np.bool_ and not r.requires_grad
    assert (x > 1).tolist() == [False, True, True] and ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert (~(x > 1)).tolist() == [True, False, False]


def test_shape_methods():
    x = torch.arange(24).reshape(2, 3, 4)
    assert x.dim() == 3 and x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(-1).shape == (2, 3, 4, 1) and torch.zeros(1, 3, 1).squeeze().shape == (3,)
    assert torch.zeros(1, 3, 1).squeeze(0).shape == (3, 1) and torch.zeros(2, 3).squeeze(0).shape == (2, 3)
    assert x.view_as(torch.zeros(6, 4)).shape == (6, 4) and x.narrow(2, 1, 2).shape == (2, 3, 2)
    assert [p.shape for p in x.split(2, dim=2)] == [(2, 3, 2), (2, 3, 2)]
    assert [p.shape for p in x.split([1, 2], dim=1)] == [(2, 1, 4), (2, 2, 4)]
    assert [p.shape for p in torch.chunk(x, 3, dim=2)] == [(2, 3, 2), (2, 3, 2)]
    assert len(x.unbind(1)) == 3 and x.unbind(1)[0].shape == (2, 4)
    assert torch.zeros(3, 1).expand(3, 4).shape == (3, 4) and torch.zeros(3, 1).expand(2, -1, 5).shape == (2, 3, 5)
    assert torch.zeros(2, 3).repeat(2, 1, 2).shape == (2, 2, 6) and torch.zeros(2, 3).t().shape == (3, 2)
    y = torch.zeros(2, 3)
    y.unsqueeze_(0)
    assert y.shape == (1, 2, 3)
    with pytest.raises(IndexError):
        x.unsqueeze(5)
    assert torch.cat([x, x], dim=1).shape == (2, 6, 4) and torch.stack([x, x], dim=1).shape == (2, 2, 3, 4)
    assert torch.concat((x, x)).shape == (4, 3, 4)


def test_gather_index_select_masked_fill_multinomial():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.gather(1, torch.tensor([[0, 0], [1, 0]])).tolist() == [[1, 1], [4, 3]]
    assert torch.index_select(x, 0, torch.tensor([1, 1])).tolist() == [[3, 4], [3, 4]]
    assert x.masked_fill(x > 2, 0.0).tolist() == [[1, 2], [0, 0]]
    torch.manual_seed(0)
    probs = torch.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    draws = torch.multinomial(probs, 2, replacement=True)
    assert draws.shape == (2, 2) and draws.dtype == np.int64 and (draws.data[0] == 1).all()
    assert set(torch.multinomial(torch.tensor([1.0, 1.0, 1.0]), 3).tolist()) == {0, 1, 2}


def test_reductions_with_dim_and_keepdim():
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert x.sum(dim=1, keepdim=True).shape == (2, 1) and x.sum((0, 1)).item() == 11
    assert x.mean(0).tolist() == [2.0, 3.5] and x.prod().item() == 30
    assert abs(x.var().item() - np.var(x.data, ddof=1)) < 1e-6 and x.std(1, unbiased=False).tolist() == [0.5, 1.0]
    assert abs(x.norm().item() - np.sqrt(39)) < 1e-5
    np.testing.assert_allclose(x.logsumexp(1).data, np.log(np.exp(x.data).sum(1)), rtol=1e-6)


@needs_torch
def test_methods_agree_with_torch():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4))
    ours, theirs = torch.tensor(a), real_torch.tensor(a)
    checks = {
        "var": lambda t: t.var(1), "std": lambda t: t.std(0, keepdim=True), "norm": lambda t: t.norm(dim=1),
        "logsumexp": lambda t: t.logsumexp(0), "prod": lambda t: t.prod(1), "log1p": lambda t: t.abs().log1p(),
        "expm1": lambda t: t.expm1(), "rsqrt": lambda t: t.abs().rsqrt(), "sin": lambda t: t.sin(),
        "clamp": lambda t: t.clamp(min=-0.5, max=0.5), "topk": lambda t: t.topk(2, dim=1).values,
        "sort": lambda t: t.sort(dim=0).values, "softmax": lambda t: t.softmax(dim=0),
        "log_softmax": lambda t: t.log_softmax(1), "repeat": lambda t: t.repeat(2, 1, 3),
        "max_dim": lambda t: t.max(1)[0], "amax": lambda t: t.amax(0), "flatten": lambda t: t.flatten(),
    }
    for name, fn in checks.items():
        np.testing.assert_allclose(fn(ours).data, fn(theirs).numpy(), rtol=1e-12, atol=1e-12, err_msg=name)


# ---- in place --------------------------------------------------------------------------------------
def test_no_grad_in_place_parameter_update():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    same = p
    with torch.no_grad():
        p -= 0.1 * p.grad
        p.add_(torch.ones(2), alpha=-0.5)
        p.mul_(2).div_(2).sub_(0.0)
    assert p is same and np.allclose(p.data, [1.0 - 0.2 - 0.5, 2.0 - 0.4 - 0.5])
    assert p.requires_grad and p.is_leaf
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p.add_(1.0)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        p[0] = 3.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        p -= 1.0


def test_in_place_on_plain_tensors_and_setitem():
    x = torch.zeros(2, 3)
    x[0] = torch.tensor([1.0, 2.0, 3.0])
    x[1, 2] = 5
    assert x.tolist() == [[1, 2, 3], [0, 0, 5]]
    x.fill_(2.0).zero_()
    assert x.sum().item() == 0
    x.copy_(torch.ones(3))
    assert (x.data == 1).all()
    y = torch.tensor([1, 2])
    with pytest.raises(TypeError):
        y += 0.5  # as PyTorch: a float result cannot be cast into an integer tensor in place
    h = torch.ones(2, requires_grad=True) * 2  # not a leaf: `h += 1` rebinds to the recorded result
    before = h
    h += 1
    assert h is not before and h.grad_fn.name() == "AddBackward0"


# ---- hooks and grad_fn -----------------------------------------------------------------------------
def test_register_hook_retain_grad_grad_fn():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    seen = []
    handle = h.register_hook(lambda g: seen.append(g.norm().item()))
    x.register_hook(lambda g: g * 10)  # a leaf's hook may replace its gradient
    y = (h * h).sum()
    assert y.grad_fn.name() == "SumBackward0" and y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    assert x.grad_fn is None and not y.is_leaf and h.retains_grad
    y.backward()
    np.testing.assert_allclose(h.grad, [6.0, 12.0])
    np.testing.assert_allclose(seen, [np.hypot(6, 12)], rtol=1e-6)
    np.testing.assert_allclose(x.grad, [180.0, 360.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [30.0, 30.0])


def test_tensor_with_dtype_does_not_round_through_float32():
    assert torch.tensor([0.1], dtype=torch.float64).item() == 0.1
    assert torch.as_tensor([0.1], dtype=torch.float64).item() == 0.1


def test_remainder_and_floor_divide():
    x = torch.tensor([5, -3, 7])
    assert (x % 3).tolist() == [2, 0, 1] and (x // 2).tolist() == [2, -2, 3]
    a = torch.tensor([5.5, -3.25], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0, 1.5], dtype=torch.float64, requires_grad=True)
    r = torch.remainder(a, b)
    np.testing.assert_allclose(r.data, np.remainder(a.data, b.data))
    r.sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad, [-2.0, 3.0])


@pytest.mark.parametrize("path", ["activation", "loss", "container", "linear", "rnn", "sparse", "dropout", "conv", "pooling", "batchnorm",
                                  "normalization"])
def test_every_class_we_have_is_at_pytorchs_module_path_too(path):
    """nn.modules.<path>.X is nn.X for every X that torch.nn.modules.<path> holds and nn provides."""
    torch = pytest.importorskip("torch")
    import importlib

    from tinygrad_rnn import nn

    theirs = importlib.import_module(f"torch.nn.modules.{path}")
    ours = importlib.import_module(f"tinygrad_rnn.nn.modules.{path}")
    names = [n for n in getattr(theirs, "__all__", dir(theirs)) if isinstance(getattr(nn, n, None), type)]
    assert names
    missing = [n for n in names if getattr(ours, n, None) is not getattr(nn, n)]
    assert not missing, f"nn.modules.{path} lacks {missing}"


def test_names_programs_reference_exist_and_fail_clearly():
    from tinygrad_rnn import nn

    assert nn.modules.rnn.LSTM is nn.LSTM and nn.modules.linear.Linear is nn.Linear
    assert nn.modules.sparse.Embedding is nn.Embedding and nn.modules.dropout.Dropout is nn.Dropout
    assert nn.modules.container.ModuleList is nn.ModuleList
    # nn.Transformer / TransformerDecoder(Layer) are provided now (tests/test_transformer_decoder.py)
    with pytest.raises(NotImplementedError, match="safetensors|state_dict"):
        torch.onnx.export(None, None, "model.onnx")


def test_load_accepts_pytorchs_keywords(tmp_path):
    torch.save({"w": np.arange(3.0)}, tmp_path / "c.npz")
    out = torch.load(tmp_path / "c.npz", map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(out["w"], [0, 1, 2])
    with pytest.raises(RuntimeError, match="CPU only"):
        torch.load(tmp_path / "c.npz", map_location="cuda:0")


def test_generator_is_a_stream_of_its_own():
    """torch.Generator: manual_seed returns it; two generators with one seed draw alike and leave the
    library-wide stream alone; any generator= argument takes it; a wrong kind fails in one line."""
    import tinygrad_rnn as torch
    from tinygrad_rnn import nn

    torch.manual_seed(5)
    expected_global = torch.randn(3).data
    torch.manual_seed(5)
    a, b = torch.Generator().manual_seed(42), torch.Generator()
    assert isinstance(a, torch.Generator) and a.initial_seed() == 42
    b.manual_seed(42)
    np.testing.assert_array_equal(torch.randn(4, generator=a).data, torch.randn(4, generator=b).data)
    np.testing.assert_array_equal(torch.randperm(9, generator=a).data, torch.randperm(9, generator=b).data)
    np.testing.assert_array_equal(torch.randn(3).data, expected_global)  # the global stream did not move
    state = a.get_state()
    first = torch.rand(2, generator=a).data
    a.set_state(state)
    np.testing.assert_array_equal(torch.rand(2, generator=a).data, first)
    w = torch.zeros(2, 3)
    nn.init.uniform_(w, generator=torch.Generator().manual_seed(1))
    v = torch.zeros(2, 3)
    nn.init.uniform_(v, generator=torch.Generator().manual_seed(1))
    np.testing.assert_array_equal(w.data, v.data)
    with pytest.raises(TypeError, match="generator must be"):
        torch.randn(2, generator=42)
    with pytest.raises(ValueError, match="CPU only"):
        torch.Generator(device="cuda")


def test_backends_flags_and_size_as_programs_use_them():
    import tinygrad_rnn as torch

    torch.backends.cudnn.deterministic = True  # set-up lines of many programs: accepted, nothing to do
    torch.backends.cudnn.benchmark = False
    assert not torch.backends.cudnn.is_available() and not torch.backends.mps.is_available()
    x = torch.zeros(3, 4)
    assert x.size() == torch.Size([3, 4]) and x.shape == torch.Size((3, 4)) and x.size() != torch.Size([4, 3])
    assert torch.Size([2, 3, 4]).numel() == 24 and torch.Size([]).numel() == 1
    assert repr(torch.Size([2, 3])) == "torch.Size([2, 3])"
