"""Models fit: an MLP regresses a known function, recurrent layers learn to recall a delayed input.

These are end-to-end checks that modules, autograd and optimizers work together; the thresholds are
far below what an untrained model (or one with a broken gradient) reaches.
"""
from __future__ import annotations

import numpy as np
import pytest

from tinygrad_rnn import Tensor, manual_seed, nn, optim

F64 = np.float64


def _mse(pred: Tensor, target: np.ndarray) -> Tensor:
    diff = pred - target
    return (diff * diff).mean()


def test_mlp_regresses_sine():
    manual_seed(0)
    r = np.random.default_rng(0)
    x = r.uniform(-3, 3, size=(256, 1)).astype(np.float32)
    y = np.sin(x)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    first = None
    for step in range(600):
        opt.zero_grad()
        loss = _mse(model(Tensor(x)), y)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    x_test = np.linspace(-2.9, 2.9, 101, dtype=np.float32)[:, None]
    test_loss = _mse(model(Tensor(x_test)), np.sin(x_test)).item()
    assert first > 0.1
    assert test_loss < 2e-3, f"test MSE {test_loss} (started at {first})"


def _delay_data(r: np.random.Generator, T: int, B: int, delay: int) -> tuple[np.ndarray, np.ndarray]:
    x = r.choice([-1.0, 1.0], size=(T, B, 1)).astype(np.float32)
    y = np.zeros_like(x)
    y[delay:] = x[:-delay]
    return x, y


@pytest.mark.parametrize("kind", ["rnn_fused", "rnn_composed", "lstm", "gru"])
def test_recurrent_layer_learns_to_recall_delayed_input(kind):
    """Output at step t must be the input at step t-2: impossible without a working recurrence."""
    manual_seed(1)
    r = np.random.default_rng(1)
    H, delay = 16, 2
    if kind.startswith("rnn"):
        rnn = nn.RNN(1, H, fused=kind == "rnn_fused")
    else:
        rnn = nn.LSTM(1, H) if kind == "lstm" else nn.GRU(1, H)
    head = nn.Linear(H, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=0.02)
    steps = {"rnn_fused": 300, "rnn_composed": 300, "lstm": 250, "gru": 250}[kind]
    for _ in range(steps):
        x, y = _delay_data(r, 12, 16, delay)
        opt.zero_grad()
        out, _ = rnn(x)
        loss = _mse(head(out)[delay:], y[delay:])
        loss.backward()
        nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
    x, y = _delay_data(np.random.default_rng(99), 20, 64, delay)
    out, _ = rnn(x)
    test_loss = _mse(head(out)[delay:], y[delay:]).item()
    # predicting 0 (the best without memory) gives MSE 1.0
    assert test_loss < 0.05, f"{kind}: test MSE {test_loss}"
