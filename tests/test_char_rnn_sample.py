"""Sampling: the next-character choice, prime warm-up, reproducibility, and the scatter helper."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from models.char_rnn.model import CharRNN
from models.char_rnn.sample import choose_next, generate, warm_up
from models.char_rnn.vocab import CharVocab


def test_float32_probabilities_summing_past_one_never_fail():
    rng = np.random.default_rng(0)
    for _ in range(200):
        logits = (rng.standard_normal(97) * 30).astype(np.float32)
        p32 = np.exp(logits - logits.max()).astype(np.float32)
        p32 /= p32.sum(dtype=np.float32)
        i = choose_next(logits, rng=rng)
        assert 0 <= i < 97
    # a distribution with all its mass on the last entry must still give that entry
    logits = np.full(5, -1e30, dtype=np.float32)
    logits[-1] = 0
    assert all(choose_next(logits, rng=rng) == 4 for _ in range(50))


def test_sampling_frequencies_follow_the_softmax():
    rng = np.random.default_rng(1)
    logits = np.log(np.array([0.5, 0.3, 0.2]))
    draws = np.bincount([choose_next(logits, rng=rng) for _ in range(6000)], minlength=3) / 6000
    np.testing.assert_allclose(draws, [0.5, 0.3, 0.2], atol=0.03)
    # temperature 0.5 squares the probabilities before renormalising
    draws = np.bincount([choose_next(logits, 0.5, rng=rng) for _ in range(6000)], minlength=3) / 6000
    sq = np.array([0.25, 0.09, 0.04]) / 0.38
    np.testing.assert_allclose(draws, sq, atol=0.03)


@given(st.lists(st.floats(-20, 20), min_size=2, max_size=30), st.integers(1, 30), st.integers(0, 1000))
def test_top_k_only_picks_among_the_k_largest(logits, k, seed):
    logits = np.array(logits)
    i = choose_next(logits, top_k=k, rng=np.random.default_rng(seed))
    assert np.sum(logits > logits[i]) < k
    assert choose_next(logits, argmax=True) == int(np.argmax(logits))
    assert logits[choose_next(logits, top_k=1, rng=np.random.default_rng(seed))] == logits.max()


def test_bad_sampling_arguments():
    with pytest.raises(ValueError):
        choose_next(np.zeros(3), temperature=0)
    with pytest.raises(ValueError):
        choose_next(np.zeros(3), top_k=0)


def _model(V=6, seed=0):
    return CharRNN(V, 7, generator=np.random.default_rng(seed), init="pytorch", dtype=np.float64)


def test_generate_is_reproducible_streams_and_has_the_right_length():
    vocab = CharVocab("abcdef")
    m = _model()
    a = "".join(generate(m, vocab, "abc", 50, seed=4))
    b = "".join(generate(m, vocab, "abc", 50, seed=4))
    assert a == b and len(a) == 50 and set(a) <= set("abcdef")
    assert "".join(generate(m, vocab, "abc", 50, seed=5)) != a
    it = generate(m, vocab, "ab", 3, seed=0)
    assert len(next(it)) == 1  # a generator: characters come out one at a time
    with pytest.raises(ValueError):
        list(generate(m, vocab, "xyz", 3))


def test_prime_warm_up_equals_feeding_characters_one_by_one():
    vocab = CharVocab("abcdef")
    m = _model(seed=3)
    ids = vocab.encode("fadebcab")
    state = warm_up(m, ids)
    step_state = m.init_state(1)
    for i in ids:
        step_state = warm_up(m, np.array([i]), step_state)
    np.testing.assert_allclose(state[0], step_state[0], rtol=1e-12)
    greedy = "".join(generate(m, vocab, "fadebcab", 5, argmax=True))
    logits, _ = m(np.array([[ids[-1]]]), warm_up(m, ids[:-1]))
    assert greedy[0] == vocab.chars[int(np.argmax(logits.data[0, 0]))]


def test_generate_restores_training_mode():
    m = _model()
    m.train()
    list(generate(m, CharVocab("abcdef"), "a", 2, seed=0))
    assert m.training


def test_large_batch_gradients_match_the_composed_path():
    # T*B*V > 20000 takes the sort-and-reduceat scatter in GatherRNN's backward
    rng = np.random.default_rng(0)
    a = CharRNN(7, 5, dtype=np.float64, init="pytorch", generator=rng)
    b = CharRNN(7, 5, dtype=np.float64, fused=False)
    b.load_state_dict(a.state_dict())
    ids, tg = rng.integers(0, 7, (100, 30)), rng.integers(0, 7, (100, 30))
    for m in (a, b):
        m.chunk_loss(ids, tg)[0].backward()
    np.testing.assert_allclose(a.rnn.weight_ih_l0.grad, b.rnn.weight_ih_l0.grad, rtol=1e-10)
