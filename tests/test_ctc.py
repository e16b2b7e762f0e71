"""CTC loss: values and logits gradients against torch, log-probability gradients against finite differences,
a brute-force sum over every alignment, the target formats, reductions, zero_infinity, errors, and a tiny
LSTM + CTC training run."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import F, nn


def _problem(seed, T, N, C, S, dtype=np.float64):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((T, N, C)).astype(dtype)
    tl = rng.integers(0, S + 1, N)
    il = rng.integers(1, T + 1, N)
    targets = rng.integers(1, C, (N, S))
    return logits, targets, il, tl


def _ours(logits, targets, il, tl, **kw):
    x = tg.tensor(logits, requires_grad=True)
    loss = F.ctc_loss(F.log_softmax(x, dim=-1), targets, il, tl, **kw)
    (loss.sum() if kw.get("reduction") == "none" else loss).backward()
    return loss.data, x.grad


def _brute_force_nll(lp, target, blank=0):
    """-log of the sum over every frame labelling that collapses to ``target`` (tiny cases only)."""
    T, C = lp.shape
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(target):
            total = np.logaddexp(total, sum(lp[t, c] for t, c in enumerate(path)))
    return -total


def test_equals_the_sum_over_every_alignment():
    rng = np.random.default_rng(0)
    for target in ([1, 2], [1, 1], [2], []):
        lp = np.log(rng.dirichlet(np.ones(3), size=5))
        got = F.ctc_loss(tg.tensor(lp[:, None]), np.array([target + [0] * (2 - len(target))]), [5], [len(target)],
                         reduction="none").data
        np.testing.assert_allclose(got[0], _brute_force_nll(lp, target), rtol=1e-12)


def test_log_prob_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    lp = tg.tensor(np.log(rng.dirichlet(np.ones(5), size=(7, 3))), requires_grad=True)
    targets, il, tl = np.array([[1, 2, 2], [3, 4, 0], [1, 0, 0]]), [7, 6, 4], [3, 2, 1]
    for reduction in ("sum", "mean", "none"):
        assert tg.gradcheck(lambda a: F.ctc_loss(a, targets, il, tl, reduction=reduction), (lp,))


@settings(deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 14), st.integers(1, 4), st.integers(2, 7), st.integers(1, 5),
       st.sampled_from(["mean", "sum", "none"]), st.booleans(), st.sampled_from([np.float32, np.float64]))
def test_value_and_logits_gradient_equal_torch(seed, T, N, C, S, reduction, zero_infinity, dtype):
    torch = pytest.importorskip("torch")
    logits, targets, il, tl = _problem(seed, T, N, C, S, dtype)
    value, grad = _ours(logits, targets, il, tl, reduction=reduction, zero_infinity=zero_infinity)
    x = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.ctc_loss(torch.log_softmax(x, -1), torch.tensor(targets), torch.tensor(il),
                                       torch.tensor(tl), reduction=reduction, zero_infinity=zero_infinity)
    (ref.sum() if reduction == "none" else ref).backward()
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert value.dtype == dtype
    np.testing.assert_allclose(value, ref.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=tol, atol=tol, equal_nan=True)


def test_concatenated_targets_and_tensor_lengths_equal_padded():
    logits, targets, il, tl = _problem(3, 10, 3, 5, 4)
    tl = np.array([4, 0, 2])
    flat = np.concatenate([targets[n, :tl[n]] for n in range(3)])
    a, ga = _ours(logits, targets, il, tl, reduction="none")
    b, gb = _ours(logits, tg.tensor(flat), tg.tensor(il), tuple(tl.tolist()), reduction="none")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ga, gb)


def test_unbatched_input_and_module():
    logits, targets, il, tl = _problem(4, 8, 1, 4, 3)
    tl = np.array([3])
    batched = F.ctc_loss(tg.tensor(logits), targets, il, tl, reduction="none").data
    single = nn.CTCLoss(reduction="none")(tg.tensor(logits[:, 0]), targets[0], il[0], tl[0])
    assert single.shape == () and np.isclose(single.item(), batched[0])
    assert nn.CTCLoss(blank=2, zero_infinity=True).blank == 2


def test_impossible_alignment_is_inf_or_zero_with_no_gradient():
    logits = np.random.default_rng(5).standard_normal((3, 1, 4))
    targets = np.array([[1, 1, 2]])  # needs 4 frames (a blank between the repeated 1s)
    loss, grad = _ours(logits, targets, [3], [3], reduction="sum")
    assert np.isinf(loss) and np.isnan(grad).all()
    loss, grad = _ours(logits, targets, [3], [3], reduction="sum", zero_infinity=True)
    assert loss == 0 and (grad == 0).all()


def test_bad_arguments_raise_one_clear_line():
    lp = tg.tensor(np.log(np.full((5, 2, 4), 0.25)))
    cases = [
        (dict(targets=np.array([[1, 0], [2, 0]]), input_lengths=[6, 5], target_lengths=[1, 1]), "input_lengths"),
        (dict(targets=np.array([[1, 0], [2, 0]]), input_lengths=[5, 5], target_lengths=[1, 3]), "targets"),
        (dict(targets=np.array([[1, 0], [0, 0]]), input_lengths=[5, 5], target_lengths=[1, 1]), "blank"),
        (dict(targets=np.array([[1, 0], [7, 0]]), input_lengths=[5, 5], target_lengths=[1, 1]), "classes"),
        (dict(targets=np.array([[1.0, 0], [2, 0]]), input_lengths=[5, 5], target_lengths=[1, 1]), "integer"),
        (dict(targets=np.array([[1, 0], [2, 0]]), input_lengths=[5], target_lengths=[1, 1]), "one length"),
    ]
    for kwargs, word in cases:
        with pytest.raises(ValueError, match=word):
            F.ctc_loss(lp, **kwargs)
    with pytest.raises(ValueError, match="blank"):
        F.ctc_loss(lp, np.array([[1], [2]]), [5, 5], [1, 1], blank=4)


def test_lstm_with_ctc_learns_a_toy_alignment():
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    T, N, C = 12, 8, 4
    targets = rng.integers(1, C, (N, 3))
    x = np.zeros((T, N, C), np.float32)
    for n in range(N):
        for s in range(3):
            x[3 * s + 1, n, targets[n, s]] = 1.0
    rnn, out = nn.LSTM(C, 16), nn.Linear(16, C)
    opt = tg.optim.Adam([*rnn.parameters(), *out.parameters()], lr=0.05)
    losses = []
    for _ in range(25):
        loss = nn.CTCLoss()(F.log_softmax(out(rnn(tg.tensor(x))[0]), dim=-1), targets, [T] * N, [3] * N)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
