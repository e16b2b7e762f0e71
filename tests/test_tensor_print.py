"""repr/str/print of a Tensor read as PyTorch's: the same string as torch's for the same values and options."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
from tinygrad_rnn import nn


@pytest.fixture(autouse=True)
def _default_print_options():
    """Every test starts and ends with the default options (in torch too, when it is installed)."""
    tg.set_printoptions(profile="default")
    yield
    tg.set_printoptions(profile="default")
    try:
        import torch
        torch.set_printoptions(profile="default")
    except ImportError:
        pass


# ---- fixed strings: no torch needed ------------------------------------------------------------------
@pytest.mark.parametrize("make, expected", [
    (lambda: tg.tensor([1.5, 2.0]), "tensor([1.5000, 2.0000])"),
    (lambda: tg.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: tg.tensor([1e-5, 1e3]), "tensor([1.0000e-05, 1.0000e+03])"),
    (lambda: tg.tensor([1.5, float("nan"), -float("inf")]), "tensor([1.5000,    nan,   -inf])"),
    (lambda: tg.tensor([3, 10, -7]), "tensor([ 3, 10, -7])"),
    (lambda: tg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: tg.tensor(3.0), "tensor(3.)"),
    (lambda: tg.tensor([]), "tensor([])"),
    (lambda: tg.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: tg.zeros(0, dtype=tg.int64), "tensor([], dtype=torch.int64)"),
    (lambda: tg.tensor([1.0, 2.0], dtype=tg.float64), "tensor([1., 2.], dtype=torch.float64)"),
    (lambda: tg.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: tg.tensor([1.0, 2.0], requires_grad=True) + 1, "tensor([2., 3.], grad_fn=<AddBackward0>)"),
    (lambda: tg.ones(2, 2), "tensor([[1., 1.],\n        [1., 1.]])"),
    (lambda: tg.arange(2000).reshape(2, 1000),
     "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n        [1000, 1001, 1002,  ..., 1997, 1998, 1999]])"),
])
def test_fixed_strings(make, expected):
    t = make()
    assert repr(t) == expected and str(t) == expected
    assert f"{t}" == (expected if t.ndim else str(t.item()))  # as torch: a 0-d tensor formats as its number


def test_grad_fn_suffix_is_the_grad_fn_name():
    y = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(y) == f"tensor([2., 4.], grad_fn=<{y.grad_fn.name()}>)" == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_parameter_and_print(capsys):
    p = nn.Parameter(np.ones(2, dtype=np.float32))
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    print(tg.tensor([0.5]))
    assert capsys.readouterr().out == "tensor([0.5000])\n"


def test_long_rows_wrap_at_the_line_width():
    text = repr(tg.arange(30.0))
    assert text == ("tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                    "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
                    "        28., 29.])")
    assert max(len(line) for line in text.splitlines()) <= 80


def test_set_printoptions_profiles_and_sci_mode():
    tg.set_printoptions(precision=2)
    assert repr(tg.tensor([3.14159])) == "tensor([3.14])"
    tg.set_printoptions(sci_mode=False)  # and precision keeps 2
    assert repr(tg.tensor([1e-5, 1e3])) == "tensor([   0.00, 1000.00])"
    tg.set_printoptions(profile="short")
    assert repr(tg.arange(2000.0)) == "tensor([0.00e+00, 1.00e+00,  ..., 2.00e+03, 2.00e+03])"
    tg.set_printoptions(profile="full")
    assert "..." not in repr(tg.zeros(2000))
    tg.set_printoptions(profile="default")
    assert "..." in repr(tg.zeros(2000))
    with pytest.raises(ValueError, match="profile"):
        tg.set_printoptions(profile="tiny")


def test_set_printoptions_leaves_numpy_alone():
    before = np.get_printoptions()
    tg.set_printoptions(precision=1, sci_mode=False, linewidth=30)
    assert np.get_printoptions() == before


# ---- the same string as torch's --------------------------------------------------------------------
def _torch():
    return pytest.importorskip("torch")


def _both(array, **options):
    """(ours, torch's) repr of ``array`` under the print options ``options``."""
    torch = _torch()
    tg.set_printoptions(**options)
    torch.set_printoptions(**options)
    return repr(tg.tensor(array)), repr(torch.from_numpy(np.array(array)))


_nan, _inf = float("nan"), float("inf")
_EDGE_CASES = [
    np.array([1.5, 2.0], dtype=np.float32),
    np.array([1.0, 2.0, -3.0], dtype=np.float32),
    np.array([1e-5, 1e3], dtype=np.float32),
    np.array([1.0, 1e9], dtype=np.float32),
    np.array([1.0, 2000.0], dtype=np.float32),
    np.array([0.5, 1e-5], dtype=np.float64),
    np.array([-0.0, 0.0], dtype=np.float32),
    np.array([0.0, 0.0, 0.0], dtype=np.float32),
    np.array([_nan, _inf, -_inf], dtype=np.float32),
    np.array([_nan, 1.0, -_inf], dtype=np.float32),
    np.array([_nan, 1.25, 1e-7], dtype=np.float32),
    np.array(3.0, dtype=np.float32),
    np.array(-2.5, dtype=np.float64),
    np.array(0.0, dtype=np.float32),
    np.array(_nan, dtype=np.float32),
    np.array(1e-8, dtype=np.float32),
    np.array(7, dtype=np.int64),
    np.array(True),
    np.array([True, False, True]),
    np.array([3, -10, 200], dtype=np.int64),
    np.array([3, -10, 200], dtype=np.int32),
    np.array([1, 2], dtype=np.uint8),
    np.array([1, 2], dtype=np.int16),
    np.array([0.1, 0.2], dtype=np.float16),
    np.array([], dtype=np.float32),
    np.zeros((0, 3), dtype=np.float32),
    np.zeros((2, 0), dtype=np.int32),
    np.zeros((0,), dtype=np.int64),
    np.zeros((0,), dtype=np.bool_),
    np.zeros((0, 2, 1), dtype=np.float64),
    np.arange(30, dtype=np.float32) / 7,
    np.arange(100, dtype=np.int64).reshape(4, 25),
    np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    np.arange(24, dtype=np.float32).reshape(2, 1, 3, 4) - 12.5,
    np.arange(2000, dtype=np.float32),
    np.arange(2000, dtype=np.int64).reshape(40, 50),
    np.arange(2400, dtype=np.float64).reshape(3, 400, 2) / 3,
    np.linspace(-1, 1, 1001, dtype=np.float32),
    np.arange(1000, dtype=np.float32),
    np.array([1e-3, 1.0], dtype=np.float32) * np.float32(3),
    np.array([1 + 2j, 3.5 - 1j], dtype=np.complex64),
    np.array([1 + 2j, -2 - 0.5j, _nan + 1j], dtype=np.complex128),
    np.array([1e-6 + 1j, 2 + 0j], dtype=np.complex64),
]


@pytest.mark.parametrize("array", _EDGE_CASES, ids=lambda a: f"{a.dtype}{a.shape}")
def test_edge_cases_match_torch(array):
    ours, theirs = _both(array)
    assert ours == theirs


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=0), dict(precision=8), dict(sci_mode=True), dict(sci_mode=False),
    dict(linewidth=30), dict(linewidth=200), dict(threshold=10), dict(threshold=10, edgeitems=1),
    dict(profile="short"), dict(profile="full"), dict(profile="short", precision=6),
])
@pytest.mark.parametrize("array", [_EDGE_CASES[i] for i in (0, 1, 2, 3, 5, 8, 10, 19, 31, 33, 35, 36, 41)],
                         ids=lambda a: f"{a.dtype}{a.shape}")
def test_print_options_match_torch(options, array):
    ours, theirs = _both(array, **options)
    assert ours == theirs


def test_sci_mode_is_reset_by_a_later_call_as_in_torch():
    torch = _torch()
    for lib in (tg, torch):
        lib.set_printoptions(sci_mode=False)
        lib.set_printoptions(precision=3)
    assert repr(tg.tensor([1e-5, 1.0])) == repr(torch.tensor([1e-5, 1.0])) == "tensor([1.000e-05, 1.000e+00])"


def test_suffixes_match_torch():
    torch = _torch()
    x, tx = tg.tensor([[1.0, 2.0]] * 3, requires_grad=True), torch.tensor([[1.0, 2.0]] * 3, requires_grad=True)
    assert repr(x) == repr(tx)
    assert repr(x + 1) == repr(tx + 1)
    assert repr(x * 2) == repr(tx * 2)
    assert repr(x - 1) == repr(tx - 1)
    w, tw = tg.tensor(np.ones(40), requires_grad=True), torch.tensor(np.ones(40), requires_grad=True)
    assert repr(w) == repr(tw)  # a long last line: the suffixes go on their own lines
    assert repr(w * 3) == repr(tw * 3)
    assert repr(nn.Parameter(np.arange(3.0))) == repr(torch.nn.Parameter(torch.arange(3.0, dtype=torch.float64)))
    assert repr(tg.tensor(2.5, requires_grad=True)) == repr(torch.tensor(2.5, requires_grad=True))
    tg.set_printoptions(linewidth=40)
    torch.set_printoptions(linewidth=40)
    assert repr(x * 2) == repr(tx * 2)
    assert repr(tg.tensor(np.ones((3, 2)), requires_grad=True) * 2) == repr(torch.ones(3, 2, dtype=torch.float64,
                                                                                     requires_grad=True) * 2)


def test_default_dtype_float64_matches_torch():
    torch = _torch()
    try:
        tg.set_default_dtype(np.float64)
        torch.set_default_dtype(torch.float64)
        for array in (np.array([1.5, 2.0]), np.array([1.5, 2.0], dtype=np.float32), np.zeros(0),
                      np.zeros(0, dtype=np.float32), np.array([1j])):
            assert repr(tg.tensor(array)) == repr(torch.from_numpy(array))
    finally:
        tg.set_default_dtype(np.float32)
        torch.set_default_dtype(torch.float32)


_special = st.sampled_from([0.0, -0.0, _nan, _inf, -_inf, 1.0, -1.0, 1e-5, 1e-9, 1e5, 1e9, 0.5, 123.0])


def _floats(dtype):
    width = 32 if dtype == np.float32 else 64
    return st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=width), _special,
                     st.integers(-1000, 1000).map(float), st.floats(-10, 10, width=width))


_dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.bool_, np.int8, np.uint8, np.float16,
                           np.complex64, np.complex128])
_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)


@st.composite
def _arrays(draw):
    dtype = np.dtype(draw(_dtypes))
    if dtype == np.float16:
        elements = st.floats(-1e4, 1e4, width=16)
    elif dtype.kind == "f":
        elements = _floats(dtype)
    elif dtype.kind == "c":
        elements = st.builds(complex, _floats(np.float32), _floats(np.float32))
    elif dtype.kind == "b":
        elements = st.booleans()
    else:
        elements = hnp.from_dtype(dtype)
    return draw(hnp.arrays(dtype, draw(_shapes), elements=elements))


_options = st.fixed_dictionaries({}, optional={
    "precision": st.integers(0, 8), "linewidth": st.integers(10, 120), "threshold": st.integers(1, 40),
    "edgeitems": st.integers(1, 3), "sci_mode": st.sampled_from([True, False]),
    "profile": st.sampled_from(["default", "short", "full"])})


@settings(max_examples=300)
@given(array=_arrays())
def test_random_arrays_match_torch(array):
    ours, theirs = _both(array, profile="default")
    assert ours == theirs


@settings(max_examples=300)
@given(array=_arrays(), options=_options, requires_grad=st.booleans())
def test_random_arrays_and_options_match_torch(array, options, requires_grad):
    torch = _torch()
    tg.set_printoptions(**options)
    torch.set_printoptions(**options)
    requires_grad = requires_grad and array.dtype.kind == "f" and array.dtype != np.float16
    ours = tg.tensor(array, requires_grad=requires_grad)
    theirs = torch.tensor(array, requires_grad=requires_grad)
    assert repr(ours) == repr(theirs)


def test_a_custom_functions_node_is_named_as_torch_names_it():
    torch = pytest.importorskip("torch")
    for lib in (torch, tg):
        class MyReLU(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clip(0) if lib is tg else x.clamp(min=0)

            @staticmethod
            def backward(ctx, g):
                return g
        y = MyReLU.apply(lib.ones(2, requires_grad=True))
        assert y.grad_fn.name() == "MyReLUBackward"
        assert repr(y).endswith("grad_fn=<MyReLUBackward>)")
    assert (tg.ones(2, requires_grad=True) * 2).grad_fn.name() == "MulBackward0"  # built-in nodes keep the 0


def test_shape_and_size_are_torch_sizes_as_torch_gives_them():
    torch = pytest.importorskip("torch")
    for lib in (torch, tg):
        x = lib.zeros(3, 4)
        for s in (x.shape, x.size()):
            assert isinstance(s, lib.Size) and s == (3, 4) and s.numel() == 12
            assert repr(s) == str(s) == "torch.Size([3, 4])" and f"{s}" == "torch.Size([3, 4])"
        assert isinstance(x.shape[1:], lib.Size) and repr(x.shape[1:]) == "torch.Size([4])"
        assert x.shape[0] == 3 and type(x.shape[0]) is int and x.size(1) == 4
        assert repr(x.shape + (1,)) == "torch.Size([3, 4, 1])" and repr((1,) + x.shape) == "torch.Size([1, 3, 4])"
        assert repr(lib.zeros(()).shape) == "torch.Size([])"
