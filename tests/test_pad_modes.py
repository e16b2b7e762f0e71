"""F.pad's reflect / replicate / circular modes and the padding layers, against torch in float64."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = [  # (input shape, pad)
    ((3, 5), (2, 1)), ((2, 3, 5), (0, 4)), ((2, 3, 5), (-1, 3)), ((2, 3, 5), (3, -2)),
    ((2, 4, 5), (1, 2, 3, 0)), ((2, 3, 4, 5), (2, -1, 0, 3)),
    ((2, 3, 4, 5), (1, 1, 2, 2, 3, 1)), ((1, 2, 3, 4, 5), (1, 0, -1, 2, 2, 2)),
]


def _compare(shape, pad, mode, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    ours = tg.tensor(x, requires_grad=True)
    ref = torch.tensor(x, requires_grad=True)
    out, want = tg.F.pad(ours, pad, mode=mode), TF.pad(ref, pad, mode=mode)
    assert out.shape == tuple(want.shape)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=0, atol=0)
    up = np.random.default_rng(seed + 1).standard_normal(want.shape)
    out.backward(tg.tensor(up))
    want.backward(torch.tensor(up))
    np.testing.assert_allclose(ours.grad, ref.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", CASES)
def test_pad_mode_values_and_grads_match_torch(shape, pad, mode):
    if mode == "reflect" and any(p >= s for p, s in zip(pad[::2] + pad[1::2], shape[::-1] * 2)):
        pytest.skip("reflect needs padding below the size")
    _compare(shape, pad, mode)


def test_replicate_and_circular_allow_wide_padding():
    _compare((1, 2, 3), (5, 4), "replicate")
    _compare((1, 2, 3), (3, 3), "circular")


@pytest.mark.parametrize("mode,shape,pad", [
    ("reflect", (1, 2, 3), (3, 0)), ("circular", (1, 2, 3), (4, 0)), ("reflect", (3,), (1, 1)),
    ("replicate", (2, 3), (1, 1, 1, 1)), ("circular", (1, 1, 1, 1, 3), (1, 1)), ("reflect", (1, 0, 3), (1, 1)),
])
def test_pad_mode_errors_match_torch_types(mode, shape, pad):
    x = np.zeros(shape)
    with pytest.raises(Exception) as want:
        TF.pad(torch.tensor(x), pad, mode=mode)
    with pytest.raises(want.type):
        tg.F.pad(tg.tensor(x), pad, mode=mode)


def test_pad_unknown_mode_and_value_with_mode_refused():
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode"):
        tg.F.pad(tg.zeros(1, 2, 3), (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="value"):
        tg.F.pad(tg.zeros(1, 2, 3), (1, 1), mode="reflect", value=1.0)


@pytest.mark.parametrize("kind", ["Reflection", "Replication", "Circular", "Zero", "Constant"])
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("padding", [1, "tuple"])
def test_padding_layers_match_torch(kind, dims, padding):
    if padding == "tuple":
        padding = tuple([1, 2, 0, 1, 2, 1][: 2 * dims])
    args = (padding, 2.5) if kind == "Constant" else (padding,)
    ours, ref = getattr(tg.nn, f"{kind}Pad{dims}d")(*args), getattr(torch.nn, f"{kind}Pad{dims}d")(*args)
    assert ours.padding == ref.padding and repr(ours) == repr(ref)
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5, 6)[: dims + 2])
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, want = ours(a), ref(b)
    np.testing.assert_allclose(out.data, want.detach().numpy())
    out.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(a.grad, b.grad.numpy())


def test_circular_pad_layer_checks_input_dims():
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        tg.nn.CircularPad2d(1)(tg.zeros(2, 3))


@pytest.mark.parametrize("path", ["padding", "instancenorm", "fold", "pooling", "normalization"])
def test_new_layers_are_at_pytorchs_module_paths(path):
    import importlib

    theirs = importlib.import_module(f"torch.nn.modules.{path}")
    ours = importlib.import_module(f"tinygrad_rnn.nn.modules.{path}")
    names = [n for n in theirs.__all__ if isinstance(getattr(tg.nn, n, None), type)]
    assert names and all(getattr(ours, n) is getattr(tg.nn, n) for n in names)
