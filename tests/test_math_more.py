"""The elementwise math of functions_more (ops/math_more.py), the aliases, the logical/bitwise ops and
compile_stubs: values, result dtypes and gradients against torch, finite differences, edge values."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg

RNG = np.random.default_rng(7)

# name -> the open interval the function (and its gradient) is smooth on
UNARY = {
    "tan": (-1.4, 1.4), "asin": (-0.95, 0.95), "acos": (-0.95, 0.95), "atan": (-5, 5), "sinh": (-4, 4),
    "cosh": (-4, 4), "asinh": (-5, 5), "acosh": (1.1, 6), "atanh": (-0.95, 0.95), "log2": (0.1, 8),
    "log10": (0.1, 8), "exp2": (-4, 4), "sinc": (-3, 3), "deg2rad": (-400, 400), "rad2deg": (-7, 7),
    "logit": (0.05, 0.95), "arcsin": (-0.95, 0.95), "arccos": (-0.95, 0.95), "arctan": (-5, 5),
    "arcsinh": (-5, 5), "arccosh": (1.1, 6), "arctanh": (-0.95, 0.95), "absolute": (-3, 3),
}
BINARY = {"atan2": ((-3, 3), (-3, 3)), "arctan2": ((-3, 3), (-3, 3)), "logaddexp": ((-5, 5), (-5, 5)),
          "logaddexp2": ((-5, 5), (-5, 5)), "hypot": ((-3, 3), (-3, 3)), "copysign": ((0.5, 3), (-3, 3)),
          "xlogy": ((-3, 3), (0.1, 4)), "float_power": ((0.5, 3), (-2, 2))}


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_gradients_against_torch(name):
    torch = _torch()
    lo, hi = UNARY[name]
    a = RNG.uniform(lo, hi, (3, 5))
    x = tg.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    out, ref = getattr(tg, name)(x), getattr(torch, name)(xt)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-300)
    up = RNG.standard_normal(a.shape)
    out.backward(up)
    ref.backward(torch.tensor(up))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert tg.gradcheck(getattr(tg, name), [tg.tensor(a, requires_grad=True)])
    # the method form is the same function
    if name != "absolute":
        np.testing.assert_array_equal(getattr(tg.tensor(a), name)().data, out.data)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_unary_result_dtypes_follow_torch(name, dtype):
    torch = _torch()
    if dtype == "bool" and name in ("absolute",):
        pytest.skip("torch.abs has no bool kernel")
    lo, hi = UNARY[name]
    a = RNG.uniform(lo, hi, 6)
    a = a.astype(dtype) if dtype != "int64" else np.clip(np.round(a), math.ceil(lo), math.floor(hi)).astype(dtype)
    out = getattr(tg, name)(tg.tensor(a))
    ref = getattr(torch, name)(torch.tensor(a))
    assert str(out.dtype) == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-5, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_gradients_against_torch(name):
    torch = _torch()
    (la, ha), (lb, hb) = BINARY[name]
    a, b = RNG.uniform(la, ha, (3, 4)), RNG.uniform(lb, hb, (1, 4))  # b broadcasts
    x, y = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, ref = getattr(tg, name)(x, y), getattr(torch, name)(xt, yt)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    up = RNG.standard_normal(out.shape)
    out.backward(up)
    ref.backward(torch.tensor(up))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad, yt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert tg.gradcheck(getattr(tg, name), [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)])
    np.testing.assert_array_equal(getattr(tg.tensor(a), name)(tg.tensor(b)).data, out.data)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("kinds", [("float32", "float32"), ("float32", "int64"), ("int64", "int64"),
                                   ("float32", "scalar"), ("int64", "scalar"), ("float64", "float32")])
def test_binary_result_dtypes_follow_torch(name, kinds):
    torch = _torch()
    a = np.array([1, 2, 3], dtype=kinds[0])
    b = 2.5 if kinds[1] == "scalar" else np.array([2, 1, 3], dtype=kinds[1])
    out = getattr(tg, name)(tg.tensor(a), b if kinds[1] == "scalar" else tg.tensor(b))
    try:
        ref = getattr(torch, name)(torch.tensor(a), b if kinds[1] == "scalar" else torch.tensor(b))
    except (TypeError, NotImplementedError, RuntimeError):
        # torch lacks some integer kernels and number operands here; ours promote as its other ops do
        assert out.dtype == (np.float64 if "float64" in kinds else np.float32)
        return
    assert str(out.dtype) == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-6)


EDGES = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, np.inf, -np.inf, np.nan, 0.5, 1e-30, 1e30])


@pytest.mark.parametrize("name", ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
                                  "log2", "log10", "exp2", "sinc", "logit", "signbit", "deg2rad"])
def test_unary_edge_values_match_torch(name):
    torch = _torch()
    out = getattr(tg, name)(tg.tensor(EDGES)).data
    ref = getattr(torch, name)(torch.tensor(EDGES)).numpy()
    np.testing.assert_allclose(out.astype(float), ref.astype(float), rtol=1e-13, equal_nan=True)


@pytest.mark.parametrize("name", ["atan2", "logaddexp", "logaddexp2", "hypot", "copysign", "xlogy",
                                  "nextafter", "heaviside", "float_power"])
def test_binary_edge_values_match_torch(name):
    torch = _torch()
    a, b = np.meshgrid(EDGES, EDGES)
    with np.errstate(all="ignore"):
        out = getattr(tg, name)(tg.tensor(a), tg.tensor(b)).data
    ref = getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-15, equal_nan=True)


def test_gradients_at_the_special_points_match_torch():
    torch = _torch()
    cases = [("sinc", [0.0, 1.0]), ("hypot", ([0.0, 3.0], [0.0, 4.0])), ("copysign", ([0.0, 2.0], [-1.0, -1.0])),
             ("xlogy", ([0.0, 0.0, 2.0], [0.0, 2.0, 3.0]))]
    for name, args in cases:
        args = args if isinstance(args, tuple) else (args,)
        xs = [tg.tensor(np.array(a), requires_grad=True) for a in args]
        ts = [torch.tensor(np.array(a), requires_grad=True) for a in args]
        getattr(tg, name)(*xs).sum().backward()
        getattr(torch, name)(*ts).sum().backward()
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, err_msg=name)


def test_logit_eps_clamps_and_zeroes_the_gradient_outside():
    torch = _torch()
    a = np.array([0.0, 0.01, 0.3, 0.99, 1.0])
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = tg.logit(x, eps=0.05), torch.logit(xt, eps=0.05)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-13)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-13)
    assert np.isinf(tg.logit(tg.tensor([0.0, 1.0])).data).all()


def test_float_power_is_double_and_differentiable():
    x = tg.tensor([1.5, 2.0], requires_grad=True)
    out = tg.float_power(x, 2)
    assert out.dtype == np.float64
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 4.0])
    assert x.grad.dtype == np.float32


def test_heaviside_signbit_nextafter_and_sgn():
    torch = _torch()
    a = np.array([-1.5, 0.0, -0.0, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(tg.heaviside(tg.tensor(a), tg.tensor(np.float32(0.5))).data,
                                  torch.heaviside(torch.tensor(a), torch.tensor(0.5)).numpy())
    assert tg.signbit(tg.tensor(a)).dtype == np.bool_
    np.testing.assert_array_equal(tg.tensor(a).signbit().data, [True, False, True, False])
    nxt = tg.nextafter(tg.tensor(a), tg.tensor(np.full(4, np.inf, np.float32)))
    assert nxt.dtype == np.float32 and np.all(nxt.data > a)
    np.testing.assert_array_equal(tg.tensor(a).sgn().data, np.sign(a))


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.floats(-3, 3)),
       st.sampled_from(["atan", "sinh", "asinh", "exp2", "sinc"]))
def test_unary_shapes_and_gradient_shapes(a, name):
    x = tg.tensor(a, requires_grad=True)
    out = getattr(tg, name)(x)
    assert out.shape == a.shape and out.dtype == np.float64
    out.sum().backward()
    assert x.grad.shape == a.shape


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=st.floats(-3, 3)),
       hnp.arrays(np.float64, hnp.array_shapes(max_dims=1, max_side=1), elements=st.floats(-3, 3)))
def test_binary_broadcast_gradients_sum_back(a, b):
    torch = _torch()
    x, y = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tg.logaddexp(x, y).sum().backward()
    torch.logaddexp(xt, yt).sum().backward()
    assert x.grad.shape == a.shape and y.grad.shape == b.shape
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(y.grad, yt.grad.numpy(), rtol=1e-12)


# ---- aliases and properties ----------------------------------------------------------------------------
def test_aliases_are_the_same_operations():
    a, b = tg.tensor([1.0, -2.0, 3.0]), tg.tensor([2.0, 2.0, 2.0])
    for alias, op in [("divide", "div"), ("multiply", "mul"), ("subtract", "sub"), ("true_divide", "div"),
                      ("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"),
                      ("not_equal", "ne")]:
        np.testing.assert_array_equal(getattr(a, alias)(b).data, getattr(a, op)(b).data)
        np.testing.assert_array_equal(getattr(tg, alias)(a, b).data, getattr(a, op)(b).data)
    np.testing.assert_array_equal(a.absolute().data, [1, 2, 3])
    assert tg.positive(a) is a and a.positive() is a
    m = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    r = tg.ravel(m)
    assert r.shape == (6,) and m.ravel().shape == (6,)
    r.sum().backward()
    np.testing.assert_array_equal(m.grad, np.ones((2, 3)))
    assert m.nelement() == 6


def test_type_predicates_and_sizes_match_torch():
    torch = _torch()
    for dt in ["float32", "float64", "int64", "int32", "uint8", "bool", "int8", "float16"]:
        a, t = tg.tensor(np.zeros((2, 3), dtype=dt)), torch.zeros((2, 3), dtype=getattr(torch, dt))
        assert tg.is_floating_point(a) == torch.is_floating_point(t)
        assert tg.is_complex(a) is False and a.is_complex() is False
        assert tg.is_signed(a) == t.is_signed() == a.is_signed(), dt
        assert a.itemsize == t.itemsize and a.nbytes == t.nbytes
    assert tg.is_same_size(tg.zeros(2, 3), tg.ones(2, 3)) and not tg.zeros(2, 3).is_same_size(tg.zeros(3, 2))


def test_positive_rejects_bool():
    with pytest.raises(TypeError, match="bool"):
        tg.positive(tg.tensor([True]))


# ---- logical and bitwise ----------------------------------------------------------------------------------
def test_logical_ops_match_torch():
    torch = _torch()
    a, b = np.array([0.0, 1.0, -2.0, 0.0]), np.array([0, 0, 3, 1])
    for name in ("logical_and", "logical_or", "logical_xor"):
        out = getattr(tg, name)(tg.tensor(a), tg.tensor(b))
        ref = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        assert out.dtype == np.bool_
        np.testing.assert_array_equal(out.data, ref.numpy())
        np.testing.assert_array_equal(getattr(tg.tensor(a), name)(tg.tensor(b)).data, ref.numpy())


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_bitwise_ops_and_operators_match_torch(dtype):
    torch = _torch()
    a = np.array([0, 1, 5, 12], dtype=dtype) if dtype != "bool" else np.array([0, 1, 1, 0], dtype=bool)
    b = np.array([3, 1, 6, 2], dtype=dtype) if dtype != "bool" else np.array([1, 1, 0, 0], dtype=bool)
    x, y, xt, yt = tg.tensor(a), tg.tensor(b), torch.tensor(a), torch.tensor(b)
    pairs = [(tg.bitwise_and(x, y), torch.bitwise_and(xt, yt)), (tg.bitwise_or(x, y), torch.bitwise_or(xt, yt)),
             (tg.bitwise_xor(x, y), torch.bitwise_xor(xt, yt)), (tg.bitwise_not(x), torch.bitwise_not(xt)),
             (x ^ y, xt ^ yt), (x & y, xt & yt), (x | y, xt | yt), (~x, ~xt), (x.bitwise_xor(y), xt ^ yt)]
    if dtype != "bool":
        pairs += [(tg.bitwise_left_shift(x, y), torch.bitwise_left_shift(xt, yt)),
                  (tg.bitwise_right_shift(x, y), torch.bitwise_right_shift(xt, yt)),
                  (x << 1, xt << 1), (x >> 1, xt >> 1), (3 & x, 3 & xt), (3 | x, 3 | xt), (3 ^ x, 3 ^ xt)]
    for out, ref in pairs:
        assert str(out.dtype) == str(ref.dtype).replace("torch.", "")
        np.testing.assert_array_equal(out.data, ref.numpy())


def test_bitwise_on_floats_is_a_type_error():
    with pytest.raises(TypeError, match="bitwise_and: only integer and bool"):
        tg.bitwise_and(tg.tensor([1.0]), tg.tensor([1.0]))
    with pytest.raises(TypeError, match="bitwise_xor"):
        tg.tensor([1.0]) ^ tg.tensor([2.0])


# ---- compile stubs and print options ------------------------------------------------------------------
def test_compile_and_jit_return_their_argument():
    model = tg.nn.Linear(2, 3)
    assert tg.compile(model) is model
    assert tg.compile(model, mode="reduce-overhead", fullgraph=True) is model

    @tg.compile
    def f(x):
        return x * 2

    @tg.compile(dynamic=True)
    def g(x):
        return x + 1

    assert f(3) == 6 and g(1) == 2
    assert tg.jit.script(model) is model
    assert tg.jit.trace(model, tg.zeros(1, 2)) is model
    assert tg.jit.is_scripting() is False


def test_set_printoptions_changes_the_repr():
    try:
        tg.set_printoptions(precision=2)
        assert "3.14" in repr(tg.tensor([3.14159])) and "3.142" not in repr(tg.tensor([3.14159]))
        # (the profiles: tests/test_tensor_print.py)
    finally:
        tg.set_printoptions(profile="default")
