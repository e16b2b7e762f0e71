"""``nn.AdaptiveLogSoftmaxWithLoss``: a normalised distribution, forward == log_prob at the targets,
gradients == central differences (float64), and PyTorch's numbers from the same weights when torch is installed."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import Tensor, gradcheck, nn


def _model(seed: int, in_features=8, n_classes=12, cutoffs=(3, 7), div_value=2.0, head_bias=True):
    m = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), div_value=div_value,
                                      head_bias=head_bias, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for p in m.parameters():
        p.data[...] = rng.normal(scale=0.5, size=p.shape)
    return m


def test_parameter_names_and_shapes_are_pytorchs():
    m = nn.AdaptiveLogSoftmaxWithLoss(16, 100, [10, 40], div_value=4.0)
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    assert shapes == {"head.weight": (12, 16), "tail.0.0.weight": (4, 16), "tail.0.1.weight": (30, 4),
                      "tail.1.0.weight": (1, 16), "tail.1.1.weight": (60, 1)}


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 9))
def test_log_prob_is_normalised_and_forward_gathers_it(seed, n):
    m = _model(seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(n, 8))
    target = rng.integers(0, 12, size=n)
    lp = m.log_prob(x).data
    np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0, rtol=1e-12)
    out, loss = m(x, target)
    np.testing.assert_allclose(out.data, lp[np.arange(n), target], rtol=1e-12, atol=1e-12)
    assert loss.item() == pytest.approx(-lp[np.arange(n), target].mean(), rel=1e-12)
    np.testing.assert_array_equal(m.predict(x).data, lp.argmax(axis=1))


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_gradients_match_finite_differences(seed):
    m = _model(seed)
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=(6, 8)), requires_grad=True)
    target = np.array([0, 2, 3, 6, 7, 11])  # every part: shortlist and both clusters
    params = list(m.parameters())

    def loss(x, *ps):
        return m(x, target).loss

    assert gradcheck(loss, [x, *params])


def test_bad_cutoffs_and_targets_are_refused():
    for cutoffs in ([], [5, 3], [0, 4], [4, 12], [3, 3]):
        with pytest.raises(ValueError, match="cutoffs"):
            nn.AdaptiveLogSoftmaxWithLoss(8, 12, cutoffs)
    m = _model(0)
    with pytest.raises(RuntimeError, match="Target values"):
        m(np.zeros((2, 8)), np.array([0, 12]))
    with pytest.raises(RuntimeError, match="same size"):
        m(np.zeros((2, 8)), np.array([0]))


def test_same_numbers_as_pytorch_from_the_same_weights():
    torch = pytest.importorskip("torch")
    ours = _model(3)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 7], div_value=2.0, head_bias=True).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()}, strict=True)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(10, 8))
    target = rng.integers(0, 12, size=10)
    out, loss = ours(Tensor(x), target)
    loss.backward()
    tx = torch.tensor(x)
    t_out, t_loss = theirs(tx, torch.tensor(target))
    t_loss.backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.log_prob(x).data, theirs.log_prob(tx).detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(x).data, theirs.predict(tx).numpy())
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


class _Wrapped(nn.Module):
    """A tail output layer that is not an ``nn.Linear`` (a user's own module): the composed path."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.inner = linear

    def forward(self, x):
        return self.inner(x)


def test_a_tail_whose_output_is_not_a_linear_gives_the_same_numbers():
    """forward runs each cluster's output layer fused with its loss when it is an ``nn.Linear`` and composes
    log_softmax and a gather otherwise: the same outputs and gradients either way."""
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=(9, 8))
    target = rng.integers(0, 12, size=9)
    results = []
    for wrap in (False, True):
        m = _model(11)
        if wrap:
            for tail in m.tail:
                tail[1] = _Wrapped(tail[1])
        x = Tensor(x0, requires_grad=True)
        out, loss = m(x, target)
        loss.backward()
        results.append((out.data, x.grad, m.tail[0][0].weight.grad))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_an_empty_batch_gives_no_log_probabilities_and_a_nan_loss_as_torch():
    m = nn.AdaptiveLogSoftmaxWithLoss(5, 5, [2])
    x = Tensor(np.zeros((0, 5), np.float32), requires_grad=True)
    out, loss = m(x, np.zeros(0, np.int64))
    assert out.shape == (0,) and np.isnan(loss.item())
    out.sum().backward()
    assert x.grad.shape == (0, 5)
