"""The schedules PyTorch programs use beyond StepLR: LinearLR, ConstantLR, PolynomialLR, SequentialLR,
CosineAnnealingWarmRestarts, OneCycleLR and CyclicLR (with momentum / beta1 cycling). torch, when installed, is the
oracle: the same optimizer groups give the same lr (and momentum) after every step, to 1e-12, and a state_dict saved
midway and loaded into a fresh scheduler continues the same sequence."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import nn, optim
from tinygrad_rnn.optim import lr_scheduler as ours_ls

from torch_reference import torch, needs_torch


def _optimizers(kind: str, lrs=(0.1, 0.03)):
    """The same two-group optimizer in both libraries (SGD with momentum, or Adam)."""
    def groups(lib, make):
        return [{"params": [make()], "lr": lr} for lr in lrs]
    ours_groups = groups(tg, lambda: nn.Parameter(tg.zeros(2)))
    if kind == "sgd":
        ours = optim.SGD(ours_groups, lr=lrs[0], momentum=0.9)
    else:
        ours = optim.Adam(ours_groups, lr=lrs[0], betas=(0.9, 0.99))
    if torch is None:
        return ours, None
    theirs_groups = groups(torch, lambda: torch.nn.Parameter(torch.zeros(2)))
    theirs = (torch.optim.SGD(theirs_groups, lr=lrs[0], momentum=0.9) if kind == "sgd"
              else torch.optim.Adam(theirs_groups, lr=lrs[0], betas=(0.9, 0.99)))
    return ours, theirs


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


# name, constructor keyword arguments (per-batch schedules are given many steps)
SCHEDULES = [
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=7)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=5)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("PolynomialLR", dict(total_iters=9, power=2.0)),
    ("PolynomialLR", dict(total_iters=6)),
    ("CosineAnnealingWarmRestarts", dict(T_0=5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=40)),
    ("OneCycleLR", dict(max_lr=0.4, epochs=4, steps_per_epoch=10, anneal_strategy="linear", pct_start=0.25)),
    ("OneCycleLR", dict(max_lr=0.4, total_steps=40, three_phase=True, div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR", dict(max_lr=0.4, total_steps=40, cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.97)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, scale_fn=lambda x: 0.5 ** x,
                      scale_mode="iterations", base_momentum=0.7, max_momentum=0.95)),
]


def _resumed(opt, sched, kind, make):
    """A fresh optimizer and scheduler (``make(optimizer)``) continuing from ``sched``'s state_dict and ``opt``'s
    groups, as a resumed run does."""
    state = sched.state_dict()
    opt2, _ = _optimizers(kind)
    sched2 = make(opt2)
    for g2, g in zip(opt2.param_groups, opt.param_groups):  # as opt2.load_state_dict(opt.state_dict())
        g2.update({k: v for k, v in g.items() if k != "params"})
    sched2.load_state_dict(state)
    return opt2, sched2


def _steps(name):
    return 40 if name == "OneCycleLR" else 37


@needs_torch
@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name,kw", SCHEDULES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_schedule_matches_torch_and_resumes(name, kw, kind):
    opt, opt_t = _optimizers(kind)
    sched, sched_t = getattr(ours_ls, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(opt_t, **kw)
    half = _steps(name) // 2
    for step in range(_steps(name)):
        assert sched.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12, abs=1e-15), step
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([g["lr"] for g in opt_t.param_groups], rel=1e-12)
        assert _momenta(opt) == pytest.approx(_momenta(opt_t), rel=1e-12)
        if step == half:
            opt, sched = _resumed(opt, sched, kind, lambda o: getattr(ours_ls, name)(o, **kw))
        opt.step()
        opt_t.step()
        sched.step()
        sched_t.step()
    assert sched.last_epoch == sched_t.last_epoch


@needs_torch
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_sequential_lr_matches_torch_and_resumes(kind):
    def build(lib, opt):
        ls = lib.optim.lr_scheduler if lib is not tg else ours_ls
        warm = ls.LinearLR(opt, start_factor=0.1, total_iters=4)
        flat = ls.ConstantLR(opt, factor=0.5, total_iters=3)
        decay = ls.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
        return ls.SequentialLR(opt, [warm, flat, decay], milestones=[5, 9])

    opt, opt_t = _optimizers(kind)
    sched, sched_t = build(tg, opt), build(torch, opt_t)
    for step in range(30):
        assert sched.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12), step
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([g["lr"] for g in opt_t.param_groups], rel=1e-12)
        if step == 7:
            opt, sched = _resumed(opt, sched, kind, lambda o: build(tg, o))
        opt.step()
        opt_t.step()
        sched.step()
        sched_t.step()


@needs_torch
@given(st.lists(st.floats(0.0, 30.0), min_size=1, max_size=8), st.integers(1, 3))
def test_warm_restarts_fractional_epochs_match_torch(epochs, t_mult):
    opt, opt_t = _optimizers("sgd")
    sched = ours_ls.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=t_mult)
    sched_t = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_t, T_0=4, T_mult=t_mult)
    for e in epochs:
        sched.step(e)
        sched_t.step(e)
        assert sched.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12, abs=1e-15)
        assert sched.T_i == sched_t.T_i and sched.last_epoch == sched_t.last_epoch


@needs_torch
@pytest.mark.parametrize("name,kw", [("StepLR", dict(step_size=3, gamma=0.5)),
                                     ("MultiStepLR", dict(milestones=[2, 5], gamma=0.3)),
                                     ("ExponentialLR", dict(gamma=0.8)),
                                     ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01)),
                                     ("LinearLR", dict(start_factor=0.2, total_iters=4)),
                                     ("ConstantLR", dict(factor=0.4, total_iters=3)),
                                     ("PolynomialLR", dict(total_iters=5, power=1.5))])
@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's deprecation note on step(epoch)
def test_step_with_an_epoch_uses_the_closed_form(name, kw):
    opt, opt_t = _optimizers("sgd")
    sched, sched_t = getattr(ours_ls, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(opt_t, **kw)
    for epoch in (3, 1, 7, 0, 4):
        sched.step(epoch)
        sched_t.step(epoch)
        assert sched.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)


def test_closed_forms_without_torch():
    opt, _ = _optimizers("sgd", lrs=(1.0, 2.0))
    sched = ours_ls.LinearLR(opt, start_factor=0.5, end_factor=1.0, total_iters=4)
    seen = [sched.get_last_lr()[0]]
    for _ in range(6):
        sched.step()
        seen.append(sched.get_last_lr()[0])
    np.testing.assert_allclose(seen, [0.5, 0.625, 0.75, 0.875, 1.0, 1.0, 1.0], rtol=1e-12)
    opt, _ = _optimizers("sgd", lrs=(1.0, 2.0))
    sched = ours_ls.PolynomialLR(opt, total_iters=4, power=2.0)
    for t in range(1, 7):
        sched.step()
        assert sched.get_last_lr()[0] == pytest.approx((1 - min(t, 4) / 4) ** 2, abs=1e-15)


def test_one_cycle_shape_and_limits():
    opt, _ = _optimizers("sgd")
    sched = ours_ls.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.3)
    lrs, moms = [], []
    for _ in range(10):
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        if len(lrs) < 10:
            sched.step()
    assert lrs[0] == pytest.approx(1.0 / 25) and max(lrs) == pytest.approx(1.0) and lrs[-1] == pytest.approx(4e-6)
    assert moms[0] == pytest.approx(0.95) and min(moms) == pytest.approx(0.85)
    sched.step()
    with pytest.raises(ValueError, match="total_steps"):
        sched.step()
    with pytest.raises(ValueError, match="total_steps"):
        ours_ls.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        ours_ls.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="cosine")


def test_momentum_cycling_needs_momentum_and_sequential_checks():
    opt = optim.Adagrad([nn.Parameter(tg.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        ours_ls.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
    ours_ls.CyclicLR(opt, base_lr=0.01, max_lr=0.1, cycle_momentum=False)
    with pytest.raises(ValueError, match="one per parameter group"):
        ours_ls.OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=5)
    opt, _ = _optimizers("sgd")
    a = ours_ls.ConstantLR(opt)
    with pytest.raises(ValueError, match="milestone"):
        ours_ls.SequentialLR(opt, [a, ours_ls.ExponentialLR(opt, 0.9)], milestones=[])
    other, _ = _optimizers("sgd")
    with pytest.raises(ValueError, match="another optimizer"):
        ours_ls.SequentialLR(opt, [a, ours_ls.ExponentialLR(other, 0.9)], milestones=[3])


def test_cyclic_state_dict_leaves_out_the_scale_function():
    opt, _ = _optimizers("sgd")
    fn = lambda x: 1.0 / x  # noqa: E731
    sched = ours_ls.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=fn)
    sched.step()
    state = sched.state_dict()
    assert state["scale_fn_custom"] is None
    sched.load_state_dict(state)
    assert sched.scale_fn_custom is fn and math.isfinite(sched.get_last_lr()[0])
