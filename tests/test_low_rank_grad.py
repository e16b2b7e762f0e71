"""``LowRankGrad``: ``F.linear_cross_entropy`` leaves its weight gradient factored, and nobody can tell except by
speed. ``.grad`` reads as the plain array of the product; SGD applied block by block moves the weight as the
dense step does; accumulation, hooks, zeroing, clipping, dtype moves and the other optimizers see an array;
the factors belong to the gradient, so changing the input afterwards changes nothing. Both layouts of the op
(row-major, and class-major for many classes and few rows) are checked."""
from __future__ import annotations

import contextlib
import copy
from unittest import mock

import numpy as np
import pytest
from test_linear_cross_entropy import (
    LAYOUTS,  # the op's two layouts, forced through its thresholds
)

from tinygrad_rnn import F, Tensor, nn, optim
from tinygrad_rnn.gradcheck import gradcheck
from tinygrad_rnn.kernels import cross_entropy as ce_kernel
from tinygrad_rnn.low_rank import LowRankGrad, product_grad, stored_grad
from tinygrad_rnn.optim import optimizer as optimizer_module
from tinygrad_rnn.optim.optimizer import Optimizer
from tinygrad_rnn.optim.sgd import SGD


@pytest.fixture(params=sorted(LAYOUTS))
def layout(request):
    with mock.patch.multiple(ce_kernel, **LAYOUTS[request.param]):
        yield request.param


def problem(C=1500, H=40, N=6, seed=0, dtype=np.float64):
    """A weight of several update blocks plus a tail (at the test's small block size), an input, targets."""
    rng = np.random.default_rng(seed)
    w = nn.Parameter(rng.normal(size=(C, H)).astype(dtype) * 0.1)
    x = Tensor(rng.normal(size=(N, H)).astype(dtype), requires_grad=True)
    t = rng.integers(0, C, size=N)
    return w, x, t


def definition_grad(w, x, t, scale=None):
    """d(sum of the losses)/d(weight) in float64 numpy: (softmax - one_hot)^T x; ``scale`` (N,) weights each
    row's loss."""
    w, x = np.asarray(w, np.float64), np.asarray(x, np.float64)
    z = x @ w.T
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(t)), t] -= 1
    if scale is not None:
        p *= scale[:, None]
    return p.T @ x


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), b, rtol=1e-10, atol=1e-12)


def dense_twin_step(make_opt, w, x, t):
    """Step ``w`` (factored gradient) and a copy of it (the same gradient, multiplied out) with one optimizer each."""
    twin = nn.Parameter(w.data.copy())
    backward(w, x, t)
    assert type(stored_grad(w)) is LowRankGrad
    twin.grad = stored_grad(w).to_dense()
    make_opt([w]).step()
    make_opt([twin]).step()
    return twin


@pytest.fixture
def small_blocks():
    """Blocks of 4096 elements, so a (1500, 40) weight is 15 blocks of 102 rows and a tail of 72."""
    with mock.patch.object(optimizer_module, "UPDATE_BLOCK", 4096), \
            mock.patch("tinygrad_rnn.optim.sgd.UPDATE_BLOCK", 4096):
        yield


def backward(w, x, t, **kw):
    F.linear_cross_entropy(x, w, None, t, reduction="sum").backward(**kw)


def test_the_weight_gradient_is_kept_factored_and_reads_as_the_product(layout):
    w, x, t = problem()
    backward(w, x, t)
    assert type(stored_grad(w)) is LowRankGrad
    g = w.grad
    assert type(g) is np.ndarray and g.shape == w.shape and g.dtype == w.dtype
    np.testing.assert_allclose(g, definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)
    assert stored_grad(w) is g  # multiplied out once, then kept


def test_a_full_rank_product_stays_an_array(layout):
    # 200 rows against a (300, 40) weight: the factors would be bigger than the product
    w, x, t = problem(C=300, N=200)
    backward(w, x, t)
    assert type(stored_grad(w)) is np.ndarray
    np.testing.assert_allclose(w.grad, definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)


def test_changing_the_input_after_backward_leaves_the_gradient_as_it_was(layout):
    w, x, t = problem()
    backward(w, x, t)
    want = definition_grad(w.data, x.data, t)
    x.data[...] = 7.0  # e.g. a reused input buffer refilled before the gradient is read
    np.testing.assert_allclose(w.grad, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_applies_a_factored_gradient_block_by_block_as_the_dense_step(layout, small_blocks, dtype):
    w, x, t = problem(dtype=dtype)
    twin = nn.Parameter(w.data.copy())
    backward(w, x, t)
    assert type(stored_grad(w)) is LowRankGrad
    twin.grad = np.asarray(stored_grad(w))  # the same gradient, multiplied out: the dense path
    with mock.patch.object(LowRankGrad, "to_dense", side_effect=AssertionError("multiplied out whole")):
        optim.SGD([w], lr=0.3).step()
    optim.SGD([twin], lr=0.3).step()
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(w.data, twin.data, rtol=rtol, atol=rtol * 1e-2)
    assert not np.array_equal(w.data, problem(dtype=dtype)[0].data)  # it moved
    np.testing.assert_allclose(w.grad, twin.grad, rtol=rtol)  # and .grad still reads as the gradient


@pytest.mark.parametrize("opt", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                 lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01),
                                 lambda ps: optim.Adam(ps, lr=0.01),
                                 lambda ps: optim.Adagrad(ps, lr=0.1),
                                 lambda ps: optim.RMSprop(ps, lr=0.01),
                                 lambda ps: optim.AdamW(ps, lr=0.01),
                                 lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                                 lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1)],
                         ids=["momentum", "weight-decay", "adam", "adagrad", "rmsprop", "adamw", "nesterov",
                              "dampening"])
def test_other_optimizers_step_from_the_multiplied_out_gradient(layout, opt):
    """Optimizers other than plain SGD multiply the gradient out whole: bit-identical to the dense gradient."""
    w, x, t = problem()
    twin = nn.Parameter(w.data.copy())
    a, b = opt([w]), opt([twin])
    for step in range(3):
        a.zero_grad()
        b.zero_grad()
        backward(w, x, t)
        assert type(stored_grad(w)) is LowRankGrad
        twin.grad = np.asarray(stored_grad(w))
        a.step()
        b.step()
    assert np.array_equal(w.data, twin.data)


def test_gradients_accumulate_over_backward_calls_and_uses(layout):
    w, x, t = problem()
    backward(w, x, t)
    backward(w, x, t)  # a second backward() call: accumulated into .grad
    np.testing.assert_allclose(w.grad, 2 * definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)
    w.grad = None
    # the weight twice in one graph (a tied embedding, say): the two gradients meet inside the backward
    loss = F.linear_cross_entropy(x, w, None, t, reduction="sum") + (w * 3.0).sum()
    loss.backward()
    np.testing.assert_allclose(w.grad, definition_grad(w.data, x.data, t) + 3.0, rtol=1e-10, atol=1e-12)


def test_a_hook_sees_the_gradient_as_an_array(layout):
    w, x, t = problem()
    seen = []
    w.register_hook(lambda g: seen.append(g.data.copy()))
    backward(w, x, t)
    np.testing.assert_allclose(seen[0], definition_grad(w.data, x.data, t), rtol=1e-10, atol=1e-12)


def test_zero_grad_in_place_clipping_and_dtype_moves_see_an_array(layout):
    w, x, t = problem()
    backward(w, x, t)
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert type(w.grad) is np.ndarray and not w.grad.any()
    w.grad = None
    backward(w, x, t)
    want = definition_grad(w.data, x.data, t)
    norm = nn.utils.clip_grad_norm_([w], 1e-3)
    np.testing.assert_allclose(float(norm), np.linalg.norm(want), rtol=1e-10)
    np.testing.assert_allclose(w.grad, want * (1e-3 / (np.linalg.norm(want) + 1e-6)), rtol=1e-8)
    w.grad = None
    backward(w, x, t)
    layer = nn.Module()
    layer.weight = w
    layer.to(np.float32)
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("max_norm", [1e-3, 1e6], ids=["clipped", "unclipped"])
def test_clip_grad_norm_keeps_a_factored_gradient_factored(layout, small_blocks, max_norm):
    """The 2-norm comes from the factors and clipping scales the left one: with a dense and a row-sparse
    gradient beside it, the norm, the clipped numbers and the SGD step are the dense path's, and nothing is
    multiplied out before the optimizer's blocks."""
    w, x, t = problem()
    emb = nn.Embedding(7, 40, sparse=True).double()
    bias = nn.Parameter(np.zeros(40))
    ids = np.array([1, 3, 1, 0, 6, 3])
    x_in = x + emb(ids) + bias
    F.linear_cross_entropy(x_in, w, None, t, reduction="sum").backward()
    assert type(stored_grad(w)) is LowRankGrad
    want_w = definition_grad(w.data, x_in.data, t)
    dense = [want_w, emb.weight.grad.to_dense(), bias.grad]
    want_norm = np.sqrt(sum(float(np.sum(g * g)) for g in dense))
    twins = [nn.Parameter(p.data.copy()) for p in (w, emb.weight, bias)]
    for twin, g in zip(twins, dense):
        twin.grad = g.copy()
    with mock.patch.object(LowRankGrad, "to_dense", side_effect=AssertionError("multiplied out")):
        norm = nn.utils.clip_grad_norm_([w, emb.weight, bias], max_norm)
        assert type(stored_grad(w)) is LowRankGrad
        optim.SGD([w, emb.weight, bias], lr=0.1).step()
    np.testing.assert_allclose(float(norm), want_norm, rtol=1e-12)
    np.testing.assert_allclose(float(nn.utils.clip_grad_norm_(twins, max_norm)), want_norm, rtol=1e-12)
    optim.SGD(twins, lr=0.1).step()
    for p, twin in zip((w, emb.weight, bias), twins):
        np.testing.assert_allclose(p.data, twin.data, rtol=1e-12, atol=1e-15)


def test_clip_grad_norm_of_a_float32_factored_gradient_and_other_norms(layout):
    """float32 factors: the norm from them in float64 is the exact norm of the gradient (closer than the
    float32 product's); the inf-norm and a p-norm multiply the gradient out and agree with the definition."""
    w, x, t = problem(dtype=np.float32)
    backward(w, x, t)
    want = definition_grad(w.data, x.data, t)
    norm = nn.utils.clip_grad_norm_([w], 1e9)
    assert norm.dtype == np.float32 and type(stored_grad(w)) is LowRankGrad
    np.testing.assert_allclose(float(norm), np.linalg.norm(want), rtol=1e-6)
    for norm_type, exact in ((np.inf, np.abs(want).max()), (3.0, np.sum(np.abs(want) ** 3) ** (1 / 3))):
        w.grad = None
        backward(w, x, t)
        np.testing.assert_allclose(float(nn.utils.clip_grad_norm_([w], 1e9, norm_type=norm_type)), exact, rtol=1e-5)
        assert type(stored_grad(w)) is np.ndarray


def test_module_zero_grad_drops_a_factored_gradient_without_multiplying_it(layout):
    w, x, t = problem()
    backward(w, x, t)
    layer = nn.Module()
    layer.weight = w
    with mock.patch.object(LowRankGrad, "to_dense", side_effect=AssertionError("multiplied out")):
        layer.zero_grad()
        optim.SGD([w], lr=0.1).zero_grad()
    assert w.grad is None


def test_product_grad_factors_only_smaller_factors_of_one_dtype():
    left, right = np.ones((100, 3)), np.ones((3, 50))
    g = product_grad(left, right, right_is_own=False)
    assert type(g) is LowRankGrad and g.shape == (100, 50) and g.right is not right  # copied: not the caller's
    assert product_grad(left, right, right_is_own=True).right is right
    assert type(product_grad(np.ones((10, 9)), np.ones((9, 10)), True)) is np.ndarray  # rank 9 of 10: no gain
    assert type(product_grad(left, right.astype(np.float32), True)) is np.ndarray
    with pytest.raises(ValueError, match="factors"):
        LowRankGrad(np.ones((4, 2)), np.ones((3, 5)))


def test_sgd_factored_step_handles_rows_wider_than_the_update_block():
    """SGD steps a weight whose rows are wider than UPDATE_BLOCK (H > 65536 for real) like the dense step."""
    w, x, t = problem(C=300, H=100, N=3)
    w0 = w.data.copy()
    backward(w, x, t)
    assert type(stored_grad(w)) is LowRankGrad
    with mock.patch.object(optimizer_module, "UPDATE_BLOCK", 64), mock.patch("tinygrad_rnn.optim.sgd.UPDATE_BLOCK", 64):
        optim.SGD([w], lr=0.1).step()  # reviewed change: ValueError, cannot reshape array of size 64 into (1, 100)
    close(w.data, w0 - 0.1 * definition_grad(w0, x.data, t))


def test_sgd_factored_step_after_the_weight_data_changed_dtype():
    """A weight whose .data was rebound to float32 after backward steps as with the dense float64 gradient."""
    w, x, t = problem()
    backward(w, x, t)
    g = definition_grad(w.data, x.data, t)
    w.data = w.data.astype(np.float32)
    w0 = w.data.copy()
    optim.SGD([w], lr=0.1).step()  # reviewed change: ValueError from np.dot(out=) (float64 factors, float32 block)
    np.testing.assert_allclose(w.data, w0 - np.float32(0.1) * g.astype(np.float32), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("C,H,N,dtype,seed", [(2000, 100, 22, np.float64, 0),   # the word model in float64
                                              (2000, 100, 64, np.float64, 1),   # a batch of sentences
                                              (4127, 50, 38, np.float32, 0),    # float32, N >= ~32 rows
                                              (5947, 100, 38, np.float32, 0)])
def test_sgd_factored_step_is_the_dense_step_to_the_last_bits(C, H, N, dtype, seed):
    """SGD's block-by-block step gives the dense step's weights up to a block product's last bit (BLAS may round
    a block of rows differently from the same rows of the whole product)."""
    eps = np.finfo(dtype).eps
    for s in range(seed, seed + 3):
        w, x, t = problem(C=C, H=H, N=N, seed=s, dtype=dtype)
        w0 = w.data.copy()
        twin = dense_twin_step(lambda ps: optim.SGD(ps, lr=0.5), w, x, t)
        step = np.abs(twin.data - w0).max()
        np.testing.assert_allclose(w.data, twin.data, rtol=0, atol=8 * eps * (step + np.abs(w0).max()))
        assert not np.array_equal(w.data, w0)


def test_word_trainer_float32_batches_match_the_dense_path():
    """The word model's SGD trainer gives the dense step's weights (to float32 rounding) with batches of sentences."""
    from models.word_rnn.model import WordRNNLM
    from models.word_rnn.train import TrainStep

    def run(dense):
        m = WordRNNLM(vocab_size=2000, hidden_size=100, dtype=np.float32, seed=0)
        m.set_sparse_gradients(True)
        step = TrainStep(m, optim.SGD(m.parameters(), lr=0.1))
        rng = np.random.default_rng(0)
        real = SGD._low_rank_update
        with mock.patch.object(SGD, "_low_rank_update",
                               lambda self, *a: (Optimizer._low_rank_update if dense else real)(self, *a)):
            for _ in range(8):
                ids = rng.integers(1, 2000, size=(21, 4))
                step(ids[:-1], ids[1:])
        return {k: np.array(v, copy=True) for k, v in m.state_dict().items()}

    fast, dense = run(False), run(True)
    for k in fast:
        np.testing.assert_allclose(fast[k], dense[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_sgd_subclass_overriding_its_scaled_subtraction_is_used_for_a_factored_gradient():
    """A subclass's _sub_scaled_ (the last step of SGD's rule) applies to the factored weight too."""
    class Halved(optim.SGD):
        def _sub_scaled_(self, data, d, alpha, param):
            super()._sub_scaled_(data, d, alpha / 2, param)

    w, x, t = problem()
    w0 = w.data.copy()
    backward(w, x, t)
    Halved([w], lr=0.1).step()
    close(w.data, w0 - 0.05 * definition_grad(w0, x.data, t))


def test_sgd_subclass_overriding_update_is_used_for_a_factored_gradient():
    """An SGD subclass's _update (here: gradient ascent) is applied to the LCE weight as to any dense gradient."""
    class Ascent(optim.SGD):
        def _update(self, data, grad, state, group, param):
            super()._update(data, -grad, state, group, param)

    w, x, t = problem()
    w0 = w.data.copy()
    backward(w, x, t)
    Ascent([w], lr=0.1).step()  # reviewed change: SGD._low_rank_update bypasses the override (descends)
    close(w.data, w0 + 0.1 * definition_grad(w0, x.data, t))


def test_retain_graph_then_second_backward_accumulates(layout):
    """backward(retain_graph=True) twice gives twice the gradient, in both layouts."""
    w, x, t = problem()
    loss = F.linear_cross_entropy(x, w, None, t, reduction="sum")
    loss.backward(retain_graph=True)
    assert type(stored_grad(w)) is LowRankGrad
    loss.backward()
    close(w.grad, 2 * definition_grad(w.data, x.data, t))


def test_a_hook_that_replaces_the_gradient(layout):
    """A weight hook's returned gradient is what is stored."""
    w, x, t = problem()
    w.register_hook(lambda g: g * 2.0)
    backward(w, x, t)
    close(w.grad, 2 * definition_grad(w.data, x.data, t))


def test_a_non_leaf_weight_and_retain_grad(layout):
    """A weight that is not a leaf (w * 1.0, retain_grad) passes the gradient on as an array."""
    w, x, t = problem()
    w2 = w * 1.0
    w2.retain_grad()
    backward(w2, x, t)
    g = definition_grad(w.data, x.data, t)
    close(w.grad, g)
    assert type(w2.grad) is np.ndarray
    close(w2.grad, g)


@pytest.mark.parametrize("x_dtype,w_dtype", [(np.float32, np.float64), (np.float64, np.float32)])
def test_mixed_dtypes_give_the_weights_dtype(layout, x_dtype, w_dtype):
    """Mixed input/weight dtypes: .grad has the weight's dtype and the right numbers; SGD steps it."""
    w, x, t = problem()
    w = nn.Parameter(w.data.astype(w_dtype))
    x = Tensor(x.data.astype(x_dtype))
    backward(w, x, t)
    g = w.grad
    assert type(g) is np.ndarray and g.dtype == w_dtype
    np.testing.assert_allclose(g, definition_grad(w.data, x.data, t), rtol=1e-4, atol=1e-6)


def test_in_place_edit_of_grad_then_sgd(layout):
    """p.grad *= 0.5 after backward is what SGD then applies."""
    w, x, t = problem()
    w0 = w.data.copy()
    backward(w, x, t)
    w.grad *= 0.5
    optim.SGD([w], lr=1.0).step()
    close(w.data, w0 - 0.5 * definition_grad(w0, x.data, t))


def test_deepcopy_and_state_dict_with_a_pending_factored_gradient():
    """deepcopy of a model with a factored gradient pending gives an independent equal gradient; state_dict ignores it."""
    w, x, t = problem()
    m = nn.Module()
    m.weight = w
    backward(w, x, t)
    m2 = copy.deepcopy(m)
    g = definition_grad(w.data, x.data, t)
    close(m2.weight.grad, g)
    assert m2.weight.grad is not w.grad
    m.load_state_dict(m.state_dict())
    close(w.grad, g)


def test_clip_grad_value_sees_the_gradient():
    """clip_grad_value_ clamps the multiplied-out gradient."""
    w, x, t = problem()
    backward(w, x, t)
    nn.utils.clip_grad_value_([w], 0.01)
    close(w.grad, np.clip(definition_grad(w.data, x.data, t), -0.01, 0.01))


@pytest.mark.parametrize("sparse", [False, True])
def test_tied_embedding_and_output_weight_in_one_backward(layout, sparse):
    """A Parameter used as embedding (dense or sparse) and as the LCE weight gets the sum of both gradients."""
    w, _, t = problem()
    ids = np.array([3, 5, 3, 7])
    F.linear_cross_entropy(F.embedding(w, ids, sparse=sparse), w, None, t[:4], reduction="sum").backward()
    twin = nn.Parameter(w.data.copy())
    F.cross_entropy(F.embedding(twin, ids) @ twin.T, t[:4], reduction="sum").backward()
    close(np.asarray(w.grad), twin.grad)


@pytest.mark.parametrize("lce_first", [True, False])
def test_sparse_embedding_and_lce_in_separate_backward_calls(lce_first):
    """A sparse embedding gradient and a factored one from separate backward() calls accumulate."""
    w, x, t = problem()
    ids = np.array([3, 5])
    calls = [lambda: backward(w, x, t), lambda: F.embedding(w, ids, sparse=True).sum().backward()]
    for c in (calls if lce_first else calls[::-1]):
        c()
    g = definition_grad(w.data, x.data, t)
    g[3] += 1
    g[5] += 1
    close(np.asarray(w.grad), g)


def test_indexed_use_and_two_lce_uses_in_one_backward(layout):
    """The weight used by two LCE calls and an index (IndexedGrad) in one graph gets the sum."""
    w, x, t = problem()
    loss = (w[3].sum() + F.linear_cross_entropy(x, w, None, t, reduction="sum")
            + F.linear_cross_entropy(x * 2.0, w, None, t, reduction="sum") + w[5].sum())
    loss.backward()
    g = definition_grad(w.data, x.data, t) + definition_grad(w.data, 2 * x.data, t)
    g[3] += 1
    g[5] += 1
    close(w.grad, g)


def test_reduction_none_with_an_upstream_gradient(layout):
    """reduction='none' with backward(grad) weights each row's gradient."""
    w, x, t = problem()
    scale = np.arange(len(t), dtype=np.float64)
    F.linear_cross_entropy(x, w, None, t, reduction="none").backward(scale)
    close(w.grad, definition_grad(w.data, x.data, t, scale))


def test_gradcheck_on_the_weight_and_it_keeps_a_pending_gradient(layout):
    """gradcheck passes for the weight and leaves a pending factored gradient's numbers as they were."""
    w, x, t = problem(C=60, H=8, N=2)
    backward(w, x, t)
    g = definition_grad(w.data, x.data, t)
    assert gradcheck(lambda x_, w_: F.linear_cross_entropy(x_, w_, None, t, reduction="sum"), [x, w], max_elements=20)
    close(w.grad, g)


def test_lr_scheduler_with_sgd_factored_path():
    """A StepLR schedule over SGD's factored path moves the weight as with dense gradients."""
    w, x, t = problem(N=4)
    twin = nn.Parameter(w.data.copy())
    a, b = optim.SGD([w], lr=0.1), optim.SGD([twin], lr=0.1)
    sa, sb = optim.lr_scheduler.StepLR(a, 1, gamma=0.5), optim.lr_scheduler.StepLR(b, 1, gamma=0.5)
    for _ in range(3):
        a.zero_grad()
        b.zero_grad()
        backward(w, x, t)
        twin.grad = stored_grad(w).to_dense()
        a.step()
        b.step()
        sa.step()
        sb.step()
    np.testing.assert_allclose(w.data, twin.data, rtol=1e-14, atol=1e-16)


def test_zero_grad_keeping_arrays_then_backward_accumulates():
    """zero_grad(set_to_none=False) over a factored gradient, then backward: just the new gradient, an array."""
    w, x, t = problem()
    backward(w, x, t)
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    backward(w, x, t)
    assert hasattr(w, "grad") and isinstance(w.grad, np.ndarray) and w.grad.flags.writeable
    close(w.grad, definition_grad(w.data, x.data, t))


@pytest.mark.parametrize("set_to_none", [True, False])
@pytest.mark.parametrize("make_opt", [lambda ps: optim.SGD(ps, lr=0.1), lambda ps: optim.Adagrad(ps, lr=0.1),
                                      lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)],
                         ids=["sgd", "adagrad", "momentum"])
def test_flat_parameter_whose_member_gets_a_factored_gradient(make_opt, set_to_none):
    """A FlatParameter holding the LCE weight and bias trains exactly as the unflattened pair."""
    w, x, t = problem()
    b = nn.Parameter(np.zeros(w.shape[0]))
    tw, tb = nn.Parameter(w.data.copy()), nn.Parameter(b.data.copy())
    flat = nn.utils.flatten_parameters_([w, b])
    opt, topt = make_opt([flat]), make_opt([tw, tb])
    for _ in range(3):
        opt.zero_grad(set_to_none=set_to_none)
        topt.zero_grad(set_to_none=set_to_none)
        F.linear_cross_entropy(x, w, b, t, reduction="sum").backward()
        F.linear_cross_entropy(x, tw, tb, t, reduction="sum").backward()
        tw.grad = tw.grad  # the twin's dense path
        opt.step()
        topt.step()
    assert np.array_equal(w.data, tw.data) and np.array_equal(b.data, tb.data)


def test_flatten_after_backward_keeps_the_factored_gradient():
    """flatten_parameters_ after backward gathers the pending factored gradient into the flat buffer."""
    w, x, t = problem()
    backward(w, x, t)
    flat = nn.utils.flatten_parameters_([w])
    close(flat.grad.reshape(w.shape), definition_grad(w.data, x.data, t))
    assert np.shares_memory(w.grad, flat.grad)


def test_fortran_ordered_weight_takes_the_dense_fallback():
    """An F-ordered weight is stepped correctly by SGD (the dense fallback)."""
    w, x, t = problem()
    w.data = np.asfortranarray(w.data)
    w0 = w.data.copy()
    backward(w, x, t)
    optim.SGD([w], lr=0.1).step()
    close(w.data, w0 - 0.1 * definition_grad(w0, x.data, t))


def test_empty_input_and_float16():
    """No rows: a zero gradient that SGD applies as nothing; float16 weights step as the dense step."""
    w, _, _ = problem()
    w0 = w.data.copy()
    F.linear_cross_entropy(Tensor(np.zeros((0, 40))), w, None, np.zeros(0, np.int64), reduction="sum").backward()
    optim.SGD([w], lr=0.1).step()
    assert np.array_equal(w.data, w0) and not w.grad.any()
    w, x, t = problem(dtype=np.float16)
    twin = dense_twin_step(lambda ps: optim.SGD(ps, lr=0.1), w, x, t)
    np.testing.assert_allclose(w.data.astype(np.float64), twin.data, rtol=0, atol=2e-3)


def test_word_trainer_takes_sgds_factored_path_and_matches_the_dense_path():
    """The word model's SGD TrainStep (one sentence per step) never multiplies the output gradient out; the dense
    step's weights to float32 rounding."""
    from models.word_rnn.model import WordRNNLM
    from models.word_rnn.train import TrainStep

    def run(dense):
        m = WordRNNLM(vocab_size=2000, hidden_size=100, dtype=np.float32, seed=0)
        m.set_sparse_gradients(True)
        step = TrainStep(m, optim.SGD(m.parameters(), lr=0.005))
        rng = np.random.default_rng(0)
        calls = []
        real = SGD._low_rank_update

        def spy(self, *a):
            calls.append(1)
            return (Optimizer._low_rank_update if dense else real)(self, *a)

        with mock.patch.object(SGD, "_low_rank_update", spy):
            guard = (mock.patch.object(LowRankGrad, "to_dense", side_effect=AssertionError("multiplied out"))
                     if not dense else contextlib.nullcontext())
            with guard:
                for _ in range(5):
                    ids = rng.integers(1, 2000, size=int(rng.integers(8, 25)))
                    step(ids[:-1], ids[1:])
        return len(calls), {k: np.array(v, copy=True) for k, v in m.state_dict().items()}

    (n_fast, fast), (_, dense) = run(False), run(True)
    assert n_fast == 5
    for k in fast:
        np.testing.assert_allclose(fast[k], dense[k], rtol=1e-5, atol=1e-7, err_msg=k)
