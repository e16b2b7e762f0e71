"""Learning-rate schedules: closed forms, the RNN tutorial's halving rule, PyTorch's plateau rule, resumption."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinygrad_rnn import Tensor, optim
from tinygrad_rnn.optim.lr_scheduler import ExponentialLR, ReduceLROnPlateau, StepLR
from tinygrad_rnn.serialization import load, save


def _opt(*lrs):
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0])


def _lrs(opt):
    return [g["lr"] for g in opt.param_groups]


# ------------------------------------------------------------------ StepLR / ExponentialLR
@given(st.integers(1, 5), st.floats(0.05, 1.0), st.integers(0, 20), st.floats(1e-3, 1.0))
def test_steplr_closed_form(step_size, gamma, epochs, lr0):
    opt = _opt(lr0, 2 * lr0)
    sched = StepLR(opt, step_size=step_size, gamma=gamma)
    assert sched.get_last_lr() == [lr0, 2 * lr0]
    for epoch in range(1, epochs + 1):
        opt.step()
        sched.step()
        expected = [lr0 * gamma ** (epoch // step_size), 2 * lr0 * gamma ** (epoch // step_size)]
        np.testing.assert_allclose(_lrs(opt), expected, rtol=1e-12)
        assert sched.get_last_lr() == _lrs(opt)
        assert sched.last_epoch == epoch


@given(st.floats(0.05, 1.0), st.integers(0, 20), st.floats(1e-3, 1.0))
def test_exponentiallr_closed_form(gamma, epochs, lr0):
    opt = _opt(lr0)
    sched = ExponentialLR(opt, gamma=gamma)
    for epoch in range(1, epochs + 1):
        sched.step()
        np.testing.assert_allclose(sched.get_last_lr(), [lr0 * gamma ** epoch], rtol=1e-12)


def test_schedules_chain_with_manual_changes():
    opt = _opt(1.0)
    sched = ExponentialLR(opt, gamma=0.5)
    sched.step()
    opt.param_groups[0]["lr"] = 10.0  # a user (or another schedule) changed it: keep going from there
    sched.step()
    assert sched.get_last_lr() == [5.0]


def test_resume_with_last_epoch():
    opt = _opt(1.0)
    with pytest.raises(ValueError, match="initial_lr"):
        StepLR(opt, step_size=2, gamma=0.5, last_epoch=3)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    assert _lrs(opt) == [0.5] and opt.param_groups[0]["initial_lr"] == 1.0
    resumed = StepLR(opt, step_size=2, gamma=0.5, last_epoch=sched.last_epoch - 1)
    assert resumed.base_lrs == [1.0] and resumed.last_epoch == 3


@pytest.mark.parametrize("make", [
    lambda o: StepLR(o, step_size=3, gamma=0.5),
    lambda o: ExponentialLR(o, gamma=0.9),
    lambda o: ReduceLROnPlateau(o, patience=1, cooldown=1),
    lambda o: ReduceLROnPlateau(o, compare_to="best", threshold=1e-4, min_lr=[0.01, 0.02]),
])
def test_state_dict_roundtrip_through_a_file(make, tmp_path):
    losses = [3.0, 2.0, 2.5, 2.6, 1.0, 1.0, 1.5, 0.5, 0.7, 0.8, 0.9]
    opt = _opt(1.0, 0.5)
    sched = make(opt)

    def advance(s, loss):
        s.step(loss) if isinstance(s, ReduceLROnPlateau) else s.step()

    for loss in losses[:5]:
        advance(sched, loss)
    save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "s.npz")
    ckpt = load(tmp_path / "s.npz")
    opt2 = _opt(1.0, 0.5)
    sched2 = make(opt2)
    opt2.load_state_dict(ckpt["opt"])
    sched2.load_state_dict(ckpt["sched"])
    for loss in losses[5:]:
        advance(sched, loss)
        advance(sched2, loss)
        assert _lrs(opt2) == _lrs(opt) and sched2.get_last_lr() == sched.get_last_lr()


def test_load_state_dict_from_another_scheduler():
    opt = _opt(1.0)
    with pytest.raises(ValueError, match="unexpected keys.*step_size"):
        ExponentialLR(opt, gamma=0.5).load_state_dict(StepLR(_opt(1.0), step_size=2).state_dict())


@pytest.mark.parametrize("make, match", [
    (lambda o: StepLR(o, step_size=0), "step_size"),
    (lambda o: StepLR(o, step_size=2.5), "step_size"),
    (lambda o: ExponentialLR(o, gamma="x"), "gamma"),
    (lambda o: StepLR(o, step_size=1, last_epoch=-2), "last_epoch"),
    (lambda o: ReduceLROnPlateau(o, mode="minimum"), "mode"),
    (lambda o: ReduceLROnPlateau(o, factor=1.0), "factor"),
    (lambda o: ReduceLROnPlateau(o, factor=0.0), "factor"),
    (lambda o: ReduceLROnPlateau(o, patience=-1), "patience"),
    (lambda o: ReduceLROnPlateau(o, cooldown=1.5), "cooldown"),
    (lambda o: ReduceLROnPlateau(o, threshold=-0.1), "threshold"),
    (lambda o: ReduceLROnPlateau(o, threshold_mode="relative"), "threshold_mode"),
    (lambda o: ReduceLROnPlateau(o, min_lr=[0.1, 0.2]), "min_lr has 2 values"),
    (lambda o: ReduceLROnPlateau(o, min_lr=-1.0), "min_lr"),
    (lambda o: ReduceLROnPlateau(o, compare_to="previous"), "compare_to"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make(_opt(1.0))


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="Optimizer"):
        StepLR([{"lr": 0.1}], step_size=1)
    with pytest.raises(TypeError, match="Optimizer"):
        ReduceLROnPlateau(None)


def test_plateau_step_needs_a_number():
    with pytest.raises(ValueError, match="number"):
        ReduceLROnPlateau(_opt(1.0)).step("high")


# ------------------------------------------------------------------ the tutorial rule
def tutorial_rule(losses, learning_rate):
    """The RNN tutorial's training loop, verbatim in spirit: halve when the loss went up since last time."""
    seen, lrs = [], []
    for loss in losses:
        seen.append(loss)
        if len(seen) > 1 and seen[-1] > seen[-2]:
            learning_rate = learning_rate * 0.5
        lrs.append(learning_rate)
    return lrs


_losses = st.lists(st.one_of(st.sampled_from([1.0, 2.0, 3.0]), st.floats(0.0, 10.0)), max_size=30)


@given(_losses, st.floats(1e-3, 1.0))
def test_the_tutorial_settings_reproduce_its_halving_rule(losses, lr0):
    opt = _opt(lr0)
    sched = ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=0, threshold=0.0, compare_to="last")
    got = []
    for loss in losses:
        sched.step(loss)
        got.append(opt.param_groups[0]["lr"])
    assert got == tutorial_rule(losses, lr0)  # exact: halving is exact in binary floating point


def test_tutorial_rule_differs_from_pytorchs_best_rule():
    losses = [1.0, 3.0, 2.0, 2.0, 2.5]
    tutorial = dict(factor=0.5, patience=0, threshold=0.0)
    last = ReduceLROnPlateau(opt_last := _opt(1.0), compare_to="last", **tutorial)
    best = ReduceLROnPlateau(opt_best := _opt(1.0), compare_to="best", **tutorial)
    got_last, got_best = [], []
    for loss in losses:
        last.step(loss)
        best.step(loss)
        got_last.append(opt_last.param_groups[0]["lr"])
        got_best.append(opt_best.param_groups[0]["lr"])
    assert got_last == [1.0, 0.5, 0.5, 0.5, 0.25]     # up, down, equal, up
    assert got_best == [1.0, 0.5, 0.25, 0.125, 0.0625]  # nothing after the first beats the best


# ------------------------------------------------------------------ PyTorch's rule, written out
def pytorch_plateau_rule(metrics, lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps):
    best = math.inf if mode == "min" else -math.inf
    bad = cooldown_left = 0
    lrs = []
    for m in metrics:
        if mode == "min":
            better = m < (best * (1 - threshold) if threshold_mode == "rel" else best - threshold)
        else:
            better = m > (best * (1 + threshold) if threshold_mode == "rel" else best + threshold)
        if better:
            best, bad = m, 0
        else:
            bad += 1
        if cooldown_left > 0:
            cooldown_left -= 1
            bad = 0
        if bad > patience:
            new = max(lr * factor, min_lr)
            if lr - new > eps:
                lr = new
            cooldown_left, bad = cooldown, 0
        lrs.append(lr)
    return lrs


def last_plateau_rule(metrics, lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps):
    last, bad, cooldown_left, lrs = None, 0, 0, []
    for m in metrics:
        if last is None:
            worse = False
        elif mode == "min":
            worse = m > (last * (1 + threshold) if threshold_mode == "rel" else last + threshold)
        else:
            worse = m < (last * (1 - threshold) if threshold_mode == "rel" else last - threshold)
        bad = bad + 1 if worse else 0
        last = m
        if cooldown_left > 0:
            cooldown_left -= 1
            bad = 0
        if bad > patience:
            new = max(lr * factor, min_lr)
            if lr - new > eps:
                lr = new
            cooldown_left, bad = cooldown, 0
        lrs.append(lr)
    return lrs


_plateau_kwargs = st.fixed_dictionaries(dict(
    mode=st.sampled_from(["min", "max"]), factor=st.floats(0.1, 0.9), patience=st.integers(0, 3),
    threshold=st.one_of(st.just(0.0), st.floats(0.0, 0.2)), threshold_mode=st.sampled_from(["rel", "abs"]),
    cooldown=st.integers(0, 2), min_lr=st.one_of(st.just(0.0), st.floats(0.0, 0.1)),
    eps=st.sampled_from([0.0, 1e-8, 1e-3])))


@pytest.mark.parametrize("compare_to, rule", [("best", pytorch_plateau_rule), ("last", last_plateau_rule)])
@given(metrics=_losses, kwargs=_plateau_kwargs)
def test_plateau_matches_the_rule_written_out(compare_to, rule, metrics, kwargs):
    opt = _opt(1.0)
    sched = ReduceLROnPlateau(opt, compare_to=compare_to, **kwargs)
    got = []
    for m in metrics:
        sched.step(m)
        got.append(sched.get_last_lr()[0])
    assert got == rule(metrics, 1.0, **kwargs)


@given(metrics=_losses)
def test_the_defaults_are_pytorchs(metrics):
    """ReduceLROnPlateau(opt): PyTorch's defaults and rule (best so far, factor 0.1, patience 10, rel 1e-4)."""
    opt = _opt(1.0)
    sched = ReduceLROnPlateau(opt)
    got = []
    for m in metrics:
        sched.step(m)
        got.append(sched.get_last_lr()[0])
    assert got == pytorch_plateau_rule(metrics, 1.0, "min", 0.1, 10, 1e-4, "rel", 0, 0.0, 1e-8)


def test_a_plateau_reduces_with_pytorchs_defaults_and_a_shorter_patience():
    opt = _opt(0.1)
    sched = ReduceLROnPlateau(opt, factor=0.1, patience=2)
    for v in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95]:
        sched.step(v)
    assert _lrs(opt) == pytest.approx([0.01])


def test_plateau_per_group_min_lr_and_nan_counts_as_worse():
    opt = _opt(1.0, 0.1)
    sched = ReduceLROnPlateau(opt, factor=0.1, patience=0, threshold=0.0, compare_to="last", min_lr=[0.05, 0.0])
    for loss in [1.0, 2.0, 3.0]:
        sched.step(loss)
    assert _lrs(opt) == pytest.approx([0.05, 0.001])
    sched.step(float("nan"))
    assert _lrs(opt) == pytest.approx([0.05, 0.0001])
