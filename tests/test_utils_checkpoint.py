"""torch.utils.checkpoint's checkpoint / checkpoint_sequential: importable by PyTorch's path, the same values and
gradients as the plain call (here nothing is recomputed), PyTorch's warning when use_reentrant is not passed and its
errors for unexpected arguments; checkpoint_sequential's segments against torch's on the same weights."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn

from torch_reference import torch, needs_torch, close


def _model():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))


def _grads(model):
    return [p.grad.copy() for p in model.parameters()]


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_gives_the_plain_call_s_values_and_gradients(use_reentrant):
    from tinygrad_rnn.utils.checkpoint import checkpoint

    x = tg.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    model = _model()
    plain = model(x)
    plain.sum().backward()
    expected, x_grad = _grads(model), x.grad.copy()
    model.zero_grad()
    x.grad = None
    out = checkpoint(model, x, use_reentrant=use_reentrant)
    np.testing.assert_array_equal(out.data, plain.data)
    out.sum().backward()
    for got, want in zip(_grads(model), expected):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x.grad, x_grad)


def test_checkpoint_passes_keyword_arguments_without_reentrance():
    from tinygrad_rnn.utils.checkpoint import checkpoint

    x = tg.ones(2)
    assert checkpoint(lambda a, scale: a * scale, x, use_reentrant=False, scale=3.0).tolist() == [3.0, 3.0]
    assert tg.utils.checkpoint.checkpoint is checkpoint


@needs_torch
def test_checkpoint_warnings_and_errors_match_torch():
    from torch.utils.checkpoint import checkpoint as theirs
    from tinygrad_rnn.utils.checkpoint import checkpoint as ours

    for fn, lib in ((ours, tg), (theirs, torch)):
        x = lib.ones(2, requires_grad=True)
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
            fn(lambda a: a * 2, x)
        with pytest.warns(UserWarning, match="^None of the inputs have requires_grad=True. Gradients will be None$"):
            fn(lambda a: a * 2, lib.ones(2), use_reentrant=True)
        with pytest.raises(ValueError, match="^Unexpected keyword arguments: scale$"):
            fn(lambda a, scale: a * scale, x, use_reentrant=True, scale=2.0)
        with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
            fn(lambda a: a, x, use_reentrant=True, debug=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # passing use_reentrant: no warning
            fn(lambda a: a * 2, x, use_reentrant=False, preserve_rng_state=False)


@needs_torch
@pytest.mark.parametrize("segments", [1, 2, 3, 5])
@pytest.mark.parametrize("as_list", [False, True])
def test_checkpoint_sequential_matches_torch(segments, as_list):
    from torch.utils.checkpoint import checkpoint_sequential as theirs
    from tinygrad_rnn.utils.checkpoint import checkpoint_sequential as ours

    model = _model().to(tg.float64)
    ref_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 4), torch.nn.ReLU(),
                                    torch.nn.Linear(4, 2)).double()
    ref_model.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((5, 3))
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ours(list(model) if as_list else model, segments, a, use_reentrant=False)
    ref = theirs(list(ref_model) if as_list else ref_model, segments, b, use_reentrant=False)
    close(out.data, ref)
    out.sum().backward()
    ref.sum().backward()
    close(a.grad, b.grad)
    for p, q in zip(model.parameters(), ref_model.parameters()):
        close(p.grad, q.grad)
    with pytest.raises(ValueError, match="^Unexpected keyword arguments: extra$"):
        ours(model, segments, a, use_reentrant=False, extra=1)
