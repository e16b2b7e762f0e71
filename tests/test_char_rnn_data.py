"""Vocabulary and chunking: round trips, min-char-rnn's data loop, exact position save/restore."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from models.char_rnn.data import ChunkStream, eval_streams, split_train_val
from models.char_rnn.vocab import CharVocab, UnknownCharactersError


@given(st.text(min_size=1, max_size=200))
def test_vocab_round_trip(text):
    v = CharVocab.from_text(text)
    ids = v.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert v.decode(ids) == text
    assert list(v.chars) == sorted(set(text))
    again = CharVocab.from_dict(v.to_dict())
    assert again == v and again.decode(ids) == text


def test_vocab_unknown_characters_are_named():
    v = CharVocab.from_text("abc")
    with pytest.raises(UnknownCharactersError) as err:
        v.encode("abxyx")
    assert err.value.missing == ["x", "y"] and "'x'" in str(err.value)


@pytest.mark.parametrize("bad", [{}, {"format": "nope", "codepoints": np.array([97])},
                                 {"format": "char_vocab/1", "codepoints": np.array([97, 97])},
                                 {"format": "char_vocab/1", "codepoints": np.array([-1])},
                                 {"format": "char_vocab/1", "codepoints": np.array([], dtype=np.int64)}])
def test_vocab_from_bad_dict_raises(bad):
    with pytest.raises(ValueError):
        CharVocab.from_dict(bad)


def test_split_holds_out_the_end():
    ids = np.arange(100)
    tr, va = split_train_val(ids, 0.1)
    assert tr.tolist() == list(range(90)) and va.tolist() == list(range(90, 100))
    tr, va = split_train_val(ids, 0.0)
    assert len(tr) == 100 and len(va) == 0


@given(st.integers(1, 120), st.integers(200, 400))
def test_batch_one_reproduces_min_char_rnn_loop(T, N):
    data = np.arange(N)
    stream = ChunkStream(data, batch_size=1, seq_length=T)
    p, n = 0, 0
    for _ in range(40):
        reset = False
        if p + T + 1 >= len(data) or n == 0:
            p, reset = 0, True
        chunk = stream.next_chunk()
        assert chunk.inputs[:, 0].tolist() == data[p:p + T].tolist()
        assert chunk.targets[:, 0].tolist() == data[p + 1:p + T + 1].tolist()
        assert chunk.reset == reset
        p += T
        n += 1


@given(st.integers(1, 6), st.integers(1, 9), st.integers(0, 200))
def test_streams_are_contiguous_slices(B, T, extra):
    N = B * (T + 1) + extra
    data = np.arange(N)
    s = ChunkStream(data, B, T)
    L = N // B
    c = s.next_chunk()
    assert c.inputs.shape == c.targets.shape == (T, B)
    for b in range(B):
        assert c.inputs[:, b].tolist() == list(range(b * L, b * L + T))
        assert c.targets[:, b].tolist() == list(range(b * L + 1, b * L + T + 1))


@given(st.integers(1, 4), st.integers(1, 7), st.integers(0, 50), st.integers(0, 40))
def test_position_state_restores_exactly(B, T, extra, k):
    data = np.random.default_rng(0).integers(0, 9, B * (T + 1) + extra)
    a = ChunkStream(data, B, T)
    for _ in range(k):
        a.next_chunk()
    b = ChunkStream(data, B, T)
    b.load_state_dict(a.state_dict())
    for _ in range(10):
        ca, cb = a.next_chunk(), b.next_chunk()
        assert np.array_equal(ca.inputs, cb.inputs) and ca.reset == cb.reset
    assert a.epoch == b.epoch


def test_too_short_text_and_mismatched_state_raise():
    with pytest.raises(ValueError, match="shorter than one chunk"):
        ChunkStream(np.arange(10), 1, 10)
    s = ChunkStream(np.arange(100), 2, 5)
    state = s.state_dict()
    with pytest.raises(ValueError, match="seq_length"):
        ChunkStream(np.arange(100), 2, 6).load_state_dict(state)


def test_eval_streams_shape():
    v = eval_streams(np.arange(1000), max_streams=8, min_length=64)
    assert v.shape == (125, 8) and v[:, 1].tolist() == list(range(125, 250))
    assert eval_streams(np.arange(5)).shape == (5, 1)
    with pytest.raises(ValueError):
        eval_streams(np.arange(1))
