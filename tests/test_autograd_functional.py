"""torch.autograd.functional.jacobian / vjp / jvp against torch in float64; hessian and friends refuse clearly."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")
AF = torch.autograd.functional


def _fns(lib):
    return {
        "one_to_one": (lambda x: (x.exp() * x.sum()).reshape(2, 3), 1),
        "two_to_one": (lambda x, y: x.matmul(y).tanh(), 2),
        "two_to_two": (lambda x, y: (x * 2, (x.matmul(y)).sum()), 2),
        "one_to_two": (lambda x: (x.sin(), x.prod()), 1),
    }


SHAPES_BY_NAME = {"one_to_one": [(6,)], "two_to_one": [(2, 3), (3, 4)], "two_to_two": [(2, 3), (3, 4)],
                  "one_to_two": [(2, 3)]}


def _inputs(name, as_tuple):
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(s) for s in SHAPES_BY_NAME[name]]
    ours, ref = tuple(tg.tensor(x) for x in xs), tuple(torch.tensor(x) for x in xs)
    if len(xs) == 1 and not as_tuple:
        return ours[0], ref[0]
    return ours, ref


def _assert_same(ours, ref):
    if isinstance(ref, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(ref)
        for a, b in zip(ours, ref):
            _assert_same(a, b)
    else:
        assert isinstance(ours, tg.Tensor) and ours.shape == tuple(ref.shape)
        np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("name", list(SHAPES_BY_NAME))
@pytest.mark.parametrize("as_tuple", [False, True])
def test_jacobian_matches_torch(name, as_tuple):
    ours_in, ref_in = _inputs(name, as_tuple)
    _assert_same(tg.autograd.functional.jacobian(_fns(tg)[name][0], ours_in),
                 AF.jacobian(_fns(torch)[name][0], ref_in))


@pytest.mark.parametrize("name", list(SHAPES_BY_NAME))
def test_vjp_and_jvp_match_torch(name):
    ours_in, ref_in = _inputs(name, False)
    fn_ours, fn_ref = _fns(tg)[name][0], _fns(torch)[name][0]
    outs = fn_ref(*(ref_in if isinstance(ref_in, tuple) else (ref_in,)))
    rng = np.random.default_rng(1)
    v_out = tuple(rng.standard_normal(o.shape) for o in (outs if isinstance(outs, tuple) else (outs,)))
    v_in = tuple(rng.standard_normal(t.shape) for t in (ref_in if isinstance(ref_in, tuple) else (ref_in,)))

    def pack(vs, lib, like):
        vs = tuple(lib.tensor(v) for v in vs)
        return vs if isinstance(like, tuple) else vs[0]

    _assert_same(tg.autograd.functional.vjp(fn_ours, ours_in, pack(v_out, tg, outs)),
                 AF.vjp(fn_ref, ref_in, pack(v_out, torch, outs)))
    _assert_same(tg.autograd.functional.jvp(fn_ours, ours_in, pack(v_in, tg, ref_in)),
                 AF.jvp(fn_ref, ref_in, pack(v_in, torch, ref_in)))


def test_jacobian_unused_input_is_zero_and_strict_raises():
    def f(x, y):
        return x * 3

    x, y = np.ones(2), np.ones(3)
    _assert_same(tg.autograd.functional.jacobian(f, (tg.tensor(x), tg.tensor(y))),
                 AF.jacobian(f, (torch.tensor(x), torch.tensor(y))))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        tg.autograd.functional.jacobian(f, (tg.tensor(x), tg.tensor(y)), strict=True)


def test_jacobian_leaves_inputs_alone_and_is_importable_by_path():
    from tinygrad_rnn.autograd.functional import jacobian

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    jacobian(lambda t: (t * t).sum(), x)
    assert x.grad is None


def test_vjp_without_v_for_a_scalar_output_and_errors():
    f = tg.autograd.functional
    _assert_same(f.vjp(lambda t: (t * t).sum(), tg.tensor([1.0, 2.0])),
                 AF.vjp(lambda t: (t * t).sum(), torch.tensor([1.0, 2.0])))
    with pytest.raises(RuntimeError, match="can only be None"):
        f.vjp(lambda t: t * 2, tg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        f.jacobian(lambda t: 3, tg.tensor([1.0]))
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        f.jacobian(lambda t: t, [1.0])


@pytest.mark.parametrize("name", ["hessian", "hvp", "vhp"])
def test_second_order_functions_raise_not_implemented(name):
    with pytest.raises(NotImplementedError, match="second derivatives"):
        getattr(tg.autograd.functional, name)(lambda t: (t * t).sum(), tg.tensor([1.0, 2.0]))


def test_create_graph_refused():
    with pytest.raises(NotImplementedError, match="create_graph"):
        tg.autograd.functional.jacobian(lambda t: t * 2, tg.tensor([1.0]), create_graph=True)
