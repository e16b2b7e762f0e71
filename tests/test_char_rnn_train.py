"""The Trainer (flat-parameter Adagrad + clip over chunk streams) IS min-char-rnn: same losses, same params."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from models.char_rnn import reference as ref
from models.char_rnn.model import from_reference, to_reference
from models.char_rnn.train import TrainConfig, Trainer

TEXT = "hello world! the rain in spain stays mainly in the plain.\n" * 5


@settings(max_examples=8)
@given(st.integers(1, 9), st.integers(2, 12), st.integers(1, 40), st.integers(0, 1000))
def test_trainer_reproduces_the_classic_loop(H, T, n_steps, seed):
    trainer = Trainer(TrainConfig.preset("min-char-rnn", hidden_size=H, seq_length=T, dtype="float64", val_fraction=0.0, seed=seed), TEXT)
    params = ref.init_params(trainer.vocab.size, H, np.random.default_rng(seed), scale=0.3)
    from_reference(trainer.model, params)  # writes into the flat parameter's views
    data = trainer.vocab.encode(TEXT).tolist()
    memory = {k: np.zeros_like(v) for k, v in params.items()}
    smooth = -math.log(1.0 / trainer.vocab.size) * T
    p, h = 0, np.zeros(H)
    for n in range(n_steps):
        if p + T + 1 >= len(data) or n == 0:   # min-char-rnn's data loop, verbatim
            h, p = np.zeros(H), 0
        loss, h = ref.train_step(data[p:p + T], data[p + 1:p + T + 1], h, params, memory, lr=0.1, clip=5.0)
        smooth = smooth * 0.999 + loss * 0.001
        p += T
        assert trainer.step() == pytest.approx(loss, rel=1e-9)
    assert trainer.smooth_loss == pytest.approx(smooth, rel=1e-9)
    for name, value in to_reference(trainer.model).items():
        np.testing.assert_allclose(value, params[name], rtol=1e-8, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(trainer.state[0][0, 0], h, rtol=1e-8, atol=1e-12)


def test_validation_loss_is_per_character_and_matches_a_direct_computation():
    trainer = Trainer(TrainConfig.preset("min-char-rnn", hidden_size=5, seq_length=4, dtype="float64", val_fraction=0.2), TEXT)
    nats = trainer.evaluate(chunk=7)
    val = trainer.val_ids
    params = to_reference(trainer.model)
    # eval_streams uses a single stream for a short validation text: one pass from a zero state
    loss, _ = ref.forward(val[:-1].tolist(), val[1:].tolist(), np.zeros(5), params)
    assert nats == pytest.approx(loss / (len(val) - 1), rel=1e-10)
    assert 0 < nats < 2 * math.log(trainer.vocab.size)


def test_training_lowers_validation_loss():
    trainer = Trainer(TrainConfig.preset("min-char-rnn", hidden_size=24, seq_length=10, val_fraction=0.1), TEXT * 4)
    before = trainer.evaluate()
    for _ in range(400):
        trainer.step()
    assert trainer.evaluate() < 0.6 * before


def test_validation_over_many_streams_matches_the_reference_per_stream():
    from models.char_rnn.data import eval_streams

    text = TEXT * 12
    trainer = Trainer(TrainConfig.preset("min-char-rnn", hidden_size=6, seq_length=4, dtype="float64", val_fraction=0.3), text)
    for _ in range(30):
        trainer.step()
    streams = eval_streams(trainer.val_ids)
    assert streams.shape[1] > 1
    params = to_reference(trainer.model)
    total = sum(ref.forward(streams[:-1, b].tolist(), streams[1:, b].tolist(), np.zeros(6), params)[0]
                for b in range(streams.shape[1]))
    assert trainer.evaluate(chunk=5) == pytest.approx(total / ((streams.shape[0] - 1) * streams.shape[1]), rel=1e-10)
