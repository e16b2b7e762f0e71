"""nn.utils.spectral_norm / remove_spectral_norm (the classic forward pre-hook) and
nn.utils.parametrizations.spectral_norm, against torch (float64): the same weight, u and v copied into both
libraries, then several training steps (the power iteration runs and updates the buffers) and eval steps (it does
not): outputs, the weight's gradient and the buffers agree; state dict keys, the default dim (1 for ConvTranspose),
removal and the errors are torch's."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn

from torch_reference import torch, needs_torch, close

LAYERS = [
    (lambda lib: lib.nn.Linear(4, 3, dtype=lib.float64), (5, 4)),
    (lambda lib: lib.nn.Conv2d(2, 3, 3, dtype=lib.float64), (2, 2, 5, 5)),
    (lambda lib: lib.nn.ConvTranspose2d(3, 2, 2, dtype=lib.float64), (1, 3, 3, 3)),
]


def _pair(make):
    """One layer of each library with the same parameters."""
    ours, theirs = make(tg), make(torch)
    for name, p in theirs.named_parameters():
        dict(ours.named_parameters())[name].data[...] = p.detach().numpy()
    return ours, theirs


def _steps(ours, theirs, shape, ours_weight, theirs_weight, buffers):
    """Train, train, eval, train: equal outputs, weight gradients and buffers after every step."""
    rng = np.random.default_rng(0)
    for mode in ("train", "train", "eval", "train"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x = rng.standard_normal(shape)
        out, ref = ours(tg.tensor(x)), theirs(torch.tensor(x))
        close(out.data, ref)
        up = rng.standard_normal(out.shape)
        out.backward(up)
        ref.backward(torch.tensor(up))
        close(ours_weight().grad, theirs_weight().grad)
        for a, b in buffers():
            close(a.data, b)


@needs_torch
@pytest.mark.parametrize("make,shape", LAYERS)
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_spectral_norm_trains_and_evaluates_as_torch(make, shape, n_power_iterations):
    ours, theirs = _pair(make)
    nn.utils.spectral_norm(ours, n_power_iterations=n_power_iterations)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=n_power_iterations)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.weight_u.data[...] = theirs.weight_u.numpy()  # the random start copied across
    ours.weight_v.data[...] = theirs.weight_v.numpy()
    _steps(ours, theirs, shape, lambda: ours.weight_orig, lambda: theirs.weight_orig,
           lambda: [(ours.weight_u, theirs.weight_u), (ours.weight_v, theirs.weight_v)])
    u = ours.weight_u.data.copy()
    ours.eval()
    ours(tg.tensor(np.zeros(shape)))
    np.testing.assert_array_equal(ours.weight_u.data, u)  # no power iteration in eval mode
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.weight, nn.Parameter)
    close(ours.weight.data, theirs.weight)


@needs_torch
def test_spectral_norm_dims_match_torch():
    for make, dim in ((lambda lib: lib.nn.ConvTranspose1d(3, 2, 2, dtype=lib.float64), None),
                      (lambda lib: lib.nn.Conv1d(3, 2, 2, dtype=lib.float64), 2)):
        ours, theirs = _pair(make)
        nn.utils.spectral_norm(ours, dim=dim)
        torch.nn.utils.spectral_norm(theirs, dim=dim)
        assert ours.weight_u.shape == tuple(theirs.weight_u.shape)
        assert ours.weight_v.shape == tuple(theirs.weight_v.shape)
        ours.weight_u.data[...], ours.weight_v.data[...] = theirs.weight_u.numpy(), theirs.weight_v.numpy()
        x = np.random.default_rng(1).standard_normal((1, 3, 4))
        close(ours(tg.tensor(x)).data, theirs(torch.tensor(x)))


def _error(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001  the type and message are what is compared
        return type(err), str(err).replace("torch.nn.", "").replace("tinygrad_rnn.nn.", "")
    raise AssertionError("no error raised")


@needs_torch
def test_spectral_norm_errors_match_torch():
    ours, theirs = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    assert _error(lambda: nn.utils.spectral_norm(ours, n_power_iterations=0)) == _error(
        lambda: torch.nn.utils.spectral_norm(theirs, n_power_iterations=0))
    nn.utils.spectral_norm(ours)
    torch.nn.utils.spectral_norm(theirs)
    assert _error(lambda: nn.utils.spectral_norm(ours)) == _error(lambda: torch.nn.utils.spectral_norm(theirs))
    mine = _error(lambda: nn.utils.remove_spectral_norm(ours, "bias"))
    ref = _error(lambda: torch.nn.utils.remove_spectral_norm(theirs, "bias"))
    assert mine[0] is ref[0] is ValueError and mine[1].startswith("spectral_norm of 'bias' not found in ")


@needs_torch
@pytest.mark.parametrize("make,shape", LAYERS)
def test_parametrized_spectral_norm_trains_and_evaluates_as_torch(make, shape):
    ours, theirs = _pair(make)
    nn.utils.parametrizations.spectral_norm(ours, n_power_iterations=2)
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=2)
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict({k: tg.tensor(v.numpy().copy()) for k, v in state.items()})
    po, pt = ours.parametrizations.weight, theirs.parametrizations.weight
    _steps(ours, theirs, shape, lambda: po.original, lambda: pt.original,
           lambda: [(po[0]._u, pt[0]._u), (po[0]._v, pt[0]._v)])
    nn.utils.parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    close(ours.weight.data, theirs.weight)


@needs_torch
def test_parametrized_spectral_norm_of_a_vector_normalizes_it():
    ours, theirs = _pair(LAYERS[0][0])
    nn.utils.parametrizations.spectral_norm(ours, "bias")
    torch.nn.utils.parametrizations.spectral_norm(theirs, "bias")
    close(ours.bias.data, theirs.bias)
    np.testing.assert_allclose(np.linalg.norm(ours.bias.data), 1.0)


@needs_torch
@pytest.mark.parametrize("kw", [dict(dim=2), dict(n_power_iterations=0), dict(name="nothing")])
def test_parametrized_spectral_norm_errors_match_torch(kw):
    ours = _error(lambda: nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), **kw))
    theirs = _error(lambda: torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(2, 2), **kw))
    assert ours[0] is theirs[0]
    if "name" not in kw:  # that message names the module, whose repr is each library's
        assert ours == theirs
