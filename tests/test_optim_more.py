"""NAdam, RAdam, Adamax, ASGD, Rprop, SparseAdam, LBFGS and MultiplicativeLR/ChainedScheduler against PyTorch
(float64, parameter by parameter, state entry by state entry), state_dict resumption, and errors."""
import copy

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import nn, optim
from tinygrad_rnn.low_rank import LowRankGrad
from tinygrad_rnn.optim import lr_scheduler as ours_ls
from tinygrad_rnn.sparse import RowSparseGrad

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,)]


@pytest.fixture(autouse=True)
def _torch_float64():
    """PyTorch keeps scalar state (step, mu_product, eta, mu) in its default dtype: float64 for exact comparison."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _grad(p: np.ndarray, k: int) -> np.ndarray:
    """A gradient that depends on the iterate (so both libraries must follow the same trajectory) and changes
    sign now and then (Rprop's flips, Adamax's max)."""
    target = np.linspace(-1.0, 1.0, p.size).reshape(p.shape) * (k + 1)
    return 1.3 * (p - target) + 0.4 * np.sin(3.0 * p + k)


def _params(seed: int, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _torch_sd_as_numpy(obj):
    """A PyTorch state_dict with every tensor turned into a numpy array (what this library loads)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().numpy().copy()
    if isinstance(obj, dict):
        return {k: _torch_sd_as_numpy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_torch_sd_as_numpy(v) for v in obj)
    return obj


class Run:
    """One optimizer of each library over the same starting parameters, stepped with ``_grad``."""

    def __init__(self, name, kwargs, seed=0, shapes=SHAPES):
        init = _params(seed, shapes)
        self.name, self.kwargs = name, kwargs
        self.ours = [nn.Parameter(tg.tensor(a.copy())) for a in init]
        self.theirs = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
        self.opt = getattr(optim, name)(self.ours, **kwargs)
        self.opt_t = getattr(torch.optim, name)(self.theirs, **kwargs)

    def step(self):
        for p in self.ours:
            p.grad = _grad(p.data, 0)
        self.opt.step()
        for p in self.theirs:
            p.grad = torch.tensor(_grad(p.detach().numpy(), 0))
        self.opt_t.step()

    def check(self, rtol=1e-10):
        for p, q in zip(self.ours, self.theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=1e-12)
            ours, theirs = self.opt.state[p], self.opt_t.state[q]
            assert set(ours) == set(theirs)
            for key, value in theirs.items():
                np.testing.assert_allclose(np.asarray(ours[key], dtype=float), value.detach().numpy(),
                                           rtol=rtol, atol=1e-12, err_msg=key)
        ours_g = {k: v for k, v in self.opt.param_groups[0].items() if k != "params"}
        theirs_g = {k: v for k, v in self.opt_t.param_groups[0].items() if k != "params"}
        assert ours_g == theirs_g


CASES = [
    ("NAdam", {}),
    ("NAdam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, momentum_decay=0.02)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.03, maximize=True)),
    ("RAdam", {}),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),  # rho_t > 5 from step 4
    ("RAdam", dict(lr=0.05, betas=(0.85, 0.9), weight_decay=0.2, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), maximize=True)),
    ("Adamax", {}),
    ("Adamax", dict(lr=0.05, betas=(0.7, 0.9), eps=1e-3, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True)),
    ("ASGD", {}),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.6, t0=3, weight_decay=0.05)),  # averaging from step 4
    ("ASGD", dict(lr=0.05, t0=2, maximize=True)),
    ("Rprop", {}),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.05, maximize=True)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_matches_torch_step_by_step(name, kwargs):
    run = Run(name, kwargs)
    for _ in range(12):
        run.step()
        run.check()


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_resume_equals_uninterrupted_run(name, kwargs):
    whole, part = Run(name, kwargs, seed=1), Run(name, kwargs, seed=1)
    for _ in range(5):
        whole.step()
        part.step()
    saved = part.opt.state_dict()
    part.step()  # the saved dict is a snapshot: stepping on does not change it
    resumed = [nn.Parameter(tg.tensor(p.data.copy())) for p in whole.ours]
    opt = getattr(optim, name)(resumed, **kwargs)
    opt.load_state_dict(saved)
    for p in resumed:
        p.grad = _grad(p.data, 0)
    opt.step()
    for p, q in zip(resumed, part.ours):
        np.testing.assert_array_equal(p.data, q.data)
    assert {k: v for k, v in opt.state[resumed[0]].items() if not isinstance(v, np.ndarray)} == \
        {k: v for k, v in part.opt.state[part.ours[0]].items() if not isinstance(v, np.ndarray)}


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_loads_torch_state_dict_and_continues_like_torch(name, kwargs):
    run = Run(name, kwargs, seed=2)
    for _ in range(6):
        run.step()
    ours = [nn.Parameter(tg.tensor(q.detach().numpy().copy())) for q in run.theirs]
    opt = getattr(optim, name)(ours, **kwargs)
    opt.load_state_dict(_torch_sd_as_numpy(run.opt_t.state_dict()))
    run.ours, run.opt = ours, opt
    for _ in range(4):
        run.step()
        run.check()


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3)), min_size=1, max_size=3),
       st.sampled_from(range(len(CASES))))
def test_matches_torch_for_varied_shapes(shapes, case):
    name, kwargs = CASES[case]
    run = Run(name, kwargs, seed=3, shapes=shapes)
    for _ in range(4):
        run.step()
    run.check()


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "ASGD", "Rprop"])
def test_factored_gradient_is_multiplied_out_and_sparse_one_refused(name):
    rng = np.random.default_rng(4)
    left, right = rng.standard_normal((6, 2)), rng.standard_normal((2, 5))
    a, b = nn.Parameter(tg.zeros(6, 5, dtype=tg.float64)), nn.Parameter(tg.zeros(6, 5, dtype=tg.float64))
    opt_a, opt_b = getattr(optim, name)([a]), getattr(optim, name)([b])
    for _ in range(3):
        a.grad, b.grad = LowRankGrad(left, right), left @ right
        opt_a.step()
        opt_b.step()
    np.testing.assert_allclose(a.data, b.data, rtol=1e-14, atol=1e-16)
    a.grad = RowSparseGrad(np.array([1]), np.ones((1, 5)), (6, 5))
    with pytest.raises(RuntimeError, match="sparse"):
        opt_a.step()


def test_asgd_average_is_the_mean_of_the_iterates_after_t0():
    p = nn.Parameter(tg.zeros(3, dtype=tg.float64))
    opt = optim.ASGD([p], lr=0.1, lambd=0.0, t0=2)
    iterates = []
    for k in range(7):
        p.grad = _grad(p.data, k)
        opt.step()
        iterates.append(p.data.copy())
    # step t uses the mu set after step t - 1, 1 / max(1, t - 1 - t0): ax is the mean of the iterates of
    # steps t0 + 2 .. t (a copy of the iterate before that)
    np.testing.assert_allclose(opt.state[p]["ax"], np.mean(iterates[3:], axis=0), rtol=1e-13)


def test_scalar_state_is_validated_when_loaded():
    run = Run("NAdam", {})
    run.step()
    sd = run.opt.state_dict()
    bad = copy.deepcopy(sd)
    bad["state"][0]["mu_product"] = np.ones(3)
    with pytest.raises(ValueError, match="mu_product"):
        run.opt.load_state_dict(bad)
    bad = copy.deepcopy(sd)
    del bad["state"][1]["mu_product"]
    with pytest.raises(ValueError, match="entries"):
        run.opt.load_state_dict(bad)
    assert run.opt.state_dict()["state"][0]["mu_product"] == sd["state"][0]["mu_product"]


# ------------------------------------------------------------------ SparseAdam
def _sparse_grad(rng, n_rows, width):
    rows = rng.choice(n_rows, size=3, replace=True)  # repeats: coalesced (summed) as torch's coalesce()
    return rows, rng.standard_normal((3, width))


@pytest.mark.parametrize("kwargs", [{}, dict(lr=0.05, betas=(0.8, 0.9), eps=1e-4), dict(lr=0.02, maximize=True)])
def test_sparse_adam_matches_torch_and_resumes(kwargs):
    rng = np.random.default_rng(5)
    init = rng.standard_normal((7, 3))
    ours, theirs = nn.Parameter(tg.tensor(init.copy())), torch.nn.Parameter(torch.tensor(init.copy()))
    opt, opt_t = optim.SparseAdam([ours], **kwargs), torch.optim.SparseAdam([theirs], **kwargs)
    for k in range(8):
        rows, values = _sparse_grad(rng, 7, 3)
        ours.grad = RowSparseGrad(rows, values, (7, 3))
        theirs.grad = torch.sparse_coo_tensor(torch.tensor(rows)[None], torch.tensor(values), (7, 3),
                                              check_invariants=True)
        opt.step()
        opt_t.step()
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_allclose(opt.state[ours][key], opt_t.state[theirs][key].numpy(), rtol=1e-10)
        assert opt.state[ours]["step"] == int(opt_t.state[theirs]["step"])
        if k == 3:  # resume from torch's state_dict
            resumed = nn.Parameter(tg.tensor(ours.data.copy()))
            opt2 = optim.SparseAdam([resumed], **kwargs)
            opt2.load_state_dict(_torch_sd_as_numpy(opt_t.state_dict()))
            ours, opt = resumed, opt2
    assert set(opt.param_groups[0]) == set(opt_t.param_groups[0])


def test_sparse_adam_refuses_dense_gradients_as_torch_does():
    p = nn.Parameter(tg.zeros(4, 2, dtype=tg.float64))
    opt = optim.SparseAdam([p])
    p.grad = np.ones((4, 2))
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, please consider Adam"):
        opt.step()
    p.grad = LowRankGrad(np.ones((4, 1)), np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="dense gradients"):
        opt.step()


def test_sparse_adam_with_an_embedding_only_moves_used_rows():
    emb = nn.Embedding(10, 4, sparse=True)
    before = emb.weight.data.copy()
    opt = optim.SparseAdam(emb.parameters(), lr=0.1)
    emb(tg.tensor(np.array([[1, 3, 3]]))).sum().backward()
    opt.step()
    moved = np.any(emb.weight.data != before, axis=1)
    assert moved.tolist() == [i in (1, 3) for i in range(10)]


@pytest.mark.parametrize("cls,kwargs,match", [
    (optim.NAdam, dict(betas=(1.0, 0.9)), "beta"),
    (optim.NAdam, dict(momentum_decay=-1.0), "momentum_decay"),
    (optim.RAdam, dict(eps=-1.0), "eps"),
    (optim.Adamax, dict(weight_decay=-0.1), "weight_decay"),
    (optim.ASGD, dict(lambd=-1.0), "lambd"),
    (optim.Rprop, dict(etas=(1.5, 1.2)), "eta"),
    (optim.Rprop, dict(step_sizes=(1e-6,)), "step_sizes"),
    (optim.SparseAdam, dict(lr=0.0), "learning rate"),
    (optim.NAdam, dict(differentiable=True), "differentiable"),
    (optim.LBFGS, dict(line_search_fn="armijo"), "line_search_fn"),
    (optim.LBFGS, dict(history_size=0), "history_size"),
])
def test_bad_hyperparameters_raise(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([nn.Parameter(tg.zeros(2))], **kwargs)


# ------------------------------------------------------------------ LBFGS
def _rosenbrock(x: np.ndarray):
    """The extended Rosenbrock function of the flat vector and its gradient."""
    a, b = x[:-1], x[1:]
    f = np.sum(100.0 * (b - a * a) ** 2 + (1 - a) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * a * (b - a * a) - 2 * (1 - a)
    g[1:] += 200.0 * (b - a * a)
    return f, g


_A = np.random.default_rng(7).standard_normal((9, 6))
_Y = (np.random.default_rng(8).random(9) < 0.5).astype(float)


def _logistic(x: np.ndarray):
    """A ridge-regularised logistic regression loss of the flat vector and its gradient (smooth and convex:
    the iterates are not chaotic, so the two libraries' round-off stays at round-off)."""
    z = _A @ x
    f = np.sum(np.logaddexp(0.0, z) - _Y * z) + 0.05 * x.dot(x)
    return f, _A.T @ (1.0 / (1.0 + np.exp(-z)) - _Y) + 0.1 * x


class LbfgsRun:
    """LBFGS of each library minimising a function of the concatenated parameters (Rosenbrock's by default)."""

    SHAPES = [(2,), (2, 2)]

    def __init__(self, kwargs, start=None, fn=_rosenbrock):
        start = np.array([-1.2, 1.0, -0.5, 0.8, 0.3, -0.2]) if start is None else start
        self.fn = fn
        parts = np.split(start, [2])
        self.ours = [nn.Parameter(tg.tensor(v.reshape(s).copy())) for v, s in zip(parts, self.SHAPES)]
        self.theirs = [torch.nn.Parameter(torch.tensor(v.reshape(s).copy())) for v, s in zip(parts, self.SHAPES)]
        self.opt = optim.LBFGS(self.ours, **kwargs)
        self.opt_t = torch.optim.LBFGS(self.theirs, **kwargs)
        self.kwargs = kwargs

    def closure_for(self, params, to_array, to_grad):
        def closure():
            x = np.concatenate([to_array(p).reshape(-1) for p in params])
            f, g = self.fn(x)
            offset = 0
            for p in params:
                n = to_array(p).size
                p.grad = to_grad(g[offset:offset + n].reshape(to_array(p).shape))
                offset += n
            return f
        return closure

    def step(self):
        a = self.opt.step(self.closure_for(self.ours, lambda p: p.data, lambda g: g))
        b = self.opt_t.step(self.closure_for(self.theirs, lambda p: p.detach().numpy(), torch.tensor))
        assert a == pytest.approx(float(b), rel=1e-10)

    def check(self, rtol=1e-10):
        """Iterates equal to ``rtol`` of their size; the same number of evaluations and iterations (the same
        path through the line search and the stopping tests); the state PyTorch's, entry for entry."""
        ours = np.concatenate([p.data.reshape(-1) for p in self.ours])
        theirs = np.concatenate([q.detach().numpy().reshape(-1) for q in self.theirs])
        assert np.abs(ours - theirs).max() <= rtol * np.abs(theirs).max()
        state, state_t = self.opt.state[self.ours[0]], self.opt_t.state[self.theirs[0]]
        assert set(state) == set(state_t)
        assert (state["func_evals"], state["n_iter"]) == (state_t["func_evals"], state_t["n_iter"])
        assert len(state["old_dirs"]) == len(state_t["old_dirs"])
        # near the minimum these are differences of nearly equal gradients: loose checks of the layout only
        for name in ("d", "prev_flat_grad"):
            np.testing.assert_allclose(state[name], state_t[name].numpy(), rtol=1e-5, atol=1e-9, err_msg=name)
        assert state["t"] == pytest.approx(float(state_t["t"]), rel=1e-5)


LBFGS_CASES = [
    dict(lr=0.5, max_iter=8),
    dict(lr=1, max_iter=6, history_size=3),
    dict(line_search_fn="strong_wolfe", max_iter=10),
    dict(line_search_fn="strong_wolfe", max_iter=7, history_size=2, lr=0.8),
    dict(line_search_fn="strong_wolfe", max_iter=20, tolerance_change=1e-12, tolerance_grad=1e-9),
]


@pytest.mark.parametrize("kwargs", LBFGS_CASES)
def test_lbfgs_matches_torch_iterates_on_a_smooth_problem(kwargs):
    run = LbfgsRun(kwargs, fn=_logistic)
    for _ in range(4):
        run.step()
        run.check(rtol=1e-12)


@pytest.mark.parametrize("kwargs", LBFGS_CASES)
def test_lbfgs_matches_torch_path_on_rosenbrock(kwargs):
    """Rosenbrock's valley exercises the line search's bracketing and zoom; its iterates amplify round-off (the
    two libraries' dot products sum in different orders) by ~1e6 over 30 iterations, so they are compared to
    1e-8 while the path (evaluations, iterations, history) must be the same."""
    run = LbfgsRun(kwargs)
    for _ in range(4):
        run.step()
        run.check(rtol=1e-8)


def test_lbfgs_strong_wolfe_converges_to_the_minimum():
    run = LbfgsRun(dict(line_search_fn="strong_wolfe", max_iter=100, tolerance_grad=1e-10,
                        tolerance_change=1e-14))
    for _ in range(3):
        run.step()
    np.testing.assert_allclose(np.concatenate([p.data.reshape(-1) for p in run.ours]), 1.0, atol=1e-6)


def _lbfgs_resumed_from(run, kwargs, state_dict):
    """A fresh pair of LBFGS runs at ``run``'s parameters, ours loaded from ``state_dict``, torch's from torch's."""
    resumed = LbfgsRun(kwargs, fn=run.fn)
    for p, q in zip(resumed.ours, run.ours):
        p.data[...] = q.data
    with torch.no_grad():
        for p, q in zip(resumed.theirs, run.theirs):
            p.copy_(q)
    resumed.opt.load_state_dict(state_dict)
    # a copy: torch's state_dict shares its tensors, which the original optimizer's next steps change in place
    resumed.opt_t.load_state_dict(copy.deepcopy(run.opt_t.state_dict()))
    return resumed


@pytest.mark.parametrize("kwargs", [LBFGS_CASES[1], LBFGS_CASES[3]])
def test_lbfgs_state_dict_resume_equals_uninterrupted_run(kwargs):
    whole = LbfgsRun(kwargs, fn=_logistic)
    whole.step()
    saved = whole.opt.state_dict()
    resumed = _lbfgs_resumed_from(whole, kwargs, saved)
    whole.step()  # the saved dict is a snapshot: stepping on does not change it
    resumed.opt.load_state_dict(saved)
    resumed.step()
    whole.step()
    resumed.step()
    for p, q in zip(whole.ours, resumed.ours):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("kwargs", [LBFGS_CASES[1], LBFGS_CASES[3]])
def test_lbfgs_loads_torch_state_dict_and_continues_like_torch(kwargs):
    run = LbfgsRun(kwargs, fn=_logistic)
    run.step()
    run.step()
    resumed = _lbfgs_resumed_from(run, kwargs, _torch_sd_as_numpy(run.opt_t.state_dict()))
    for _ in range(2):
        resumed.step()
        resumed.check(rtol=1e-12)


def test_lbfgs_trains_a_model_with_autograd_closure_like_torch():
    """A least-squares fit through the autograd engine (nn.Linear + MSE), as the sine-wave tutorials do."""
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    ours, theirs = nn.Linear(3, 2, dtype=tg.float64), torch.nn.Linear(3, 2)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    opt = optim.LBFGS(ours.parameters(), lr=0.8, line_search_fn="strong_wolfe", max_iter=5)
    opt_t = torch.optim.LBFGS(theirs.parameters(), lr=0.8, line_search_fn="strong_wolfe", max_iter=5)

    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(ours(tg.tensor(x)), tg.tensor(y))
        loss.backward()
        return loss

    def closure_t():
        opt_t.zero_grad()
        loss = torch.nn.functional.mse_loss(theirs(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        return loss

    for _ in range(3):
        loss, loss_t = opt.step(closure), opt_t.step(closure_t)
        assert float(loss) == pytest.approx(loss_t.item(), rel=1e-10)
        np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_lbfgs_refuses_parameter_groups():
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [nn.Parameter(tg.zeros(2))]}, {"params": [nn.Parameter(tg.zeros(2))]}])


def test_lbfgs_stops_at_once_at_a_stationary_point():
    p = nn.Parameter(tg.zeros(3, dtype=tg.float64))
    opt = optim.LBFGS([p])

    def closure():
        p.grad = np.zeros(3)
        return 0.0

    assert opt.step(closure) == 0.0
    assert opt.state[p] == {"func_evals": 1, "n_iter": 0}


# ------------------------------------------------------------------ schedulers
def _sched_pair(build):
    lrs = (0.1, 0.03)
    ours = optim.SGD([{"params": [nn.Parameter(tg.zeros(2))], "lr": lr} for lr in lrs], lr=lrs[0])
    theirs = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs], lr=lrs[0])
    return ours, build(ours_ls, ours), theirs, build(torch.optim.lr_scheduler, theirs)


SCHEDULE_BUILDS = {
    "multiplicative": lambda ls, o: ls.MultiplicativeLR(o, lambda e: 0.95),
    "multiplicative-per-group": lambda ls, o: ls.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.0 + 0.01 * e]),
    "chained": lambda ls, o: ls.ChainedScheduler([ls.ConstantLR(o, factor=0.1, total_iters=2),
                                                  ls.ExponentialLR(o, gamma=0.9)]),
    "chained-three": lambda ls, o: ls.ChainedScheduler([ls.LinearLR(o, start_factor=0.2, total_iters=4),
                                                        ls.StepLR(o, step_size=3, gamma=0.5),
                                                        ls.MultiplicativeLR(o, lambda e: 0.97)], optimizer=o),
}


@pytest.mark.parametrize("name", sorted(SCHEDULE_BUILDS))
def test_schedule_matches_torch_and_resumes(name):
    build = SCHEDULE_BUILDS[name]
    opt, sched, opt_t, sched_t = _sched_pair(build)
    for step in range(15):
        assert sched.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12), step
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([g["lr"] for g in opt_t.param_groups], rel=1e-12)
        if step == 6:  # resume: a fresh optimizer with the saved groups, a fresh scheduler with the saved state
            state = sched.state_dict()
            opt2, sched2, _, _ = _sched_pair(build)
            for g2, g in zip(opt2.param_groups, opt.param_groups):
                g2.update({k: v for k, v in g.items() if k != "params"})
            sched2.load_state_dict(state)
            opt, sched = opt2, sched2
        opt.step()
        opt_t.step()
        sched.step()
        sched_t.step()


def test_chained_scheduler_checks_its_schedulers():
    opt = optim.SGD([nn.Parameter(tg.zeros(2))], lr=0.1)
    other = optim.SGD([nn.Parameter(tg.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match="at least one"):
        ours_ls.ChainedScheduler([])
    with pytest.raises(ValueError, match="same optimizer"):
        ours_ls.ChainedScheduler([ours_ls.StepLR(opt, 2), ours_ls.StepLR(other, 2)])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        ours_ls.ChainedScheduler([ours_ls.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas"):
        ours_ls.MultiplicativeLR(opt, [lambda e: 1.0, lambda e: 1.0])


def test_a_custom_schedule_on_the_old_base_class_name_matches_torch():
    def build(ls, opt):
        class Halving(ls._LRScheduler):
            def get_lr(self):
                return [base * 0.5 ** (self.last_epoch // 2) for base in self.base_lrs]
        return Halving(opt)

    opt, sched, opt_t, sched_t = _sched_pair(build)
    for _ in range(6):
        assert sched.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)
        opt.step()
        opt_t.step()
        sched.step()
        sched_t.step()
