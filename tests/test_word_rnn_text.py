"""NLTK pipeline (offline) and vocabulary of the word-level model."""
import random
import warnings

import numpy as np
import pytest

from models.common import UserError
from models.word_rnn import text as wtext
from models.word_rnn.vocab import (
    SENTENCE_END, SENTENCE_START, UNKNOWN_TOKEN, VocabSizeWarning, Vocabulary, training_pairs,
)


def _mr_corpus(n=200):
    rng = random.Random(0)
    names = ["Smith", "Jones", "Brown", "Green", "White"]
    verbs = ["saw", "met", "called", "visited", "thanked"]
    places = ["home", "town", "school", "work", "church"]
    docs = []
    for _ in range(n):
        a, b = rng.sample(names, 2)
        p1, p2 = rng.sample(places, 2)
        docs.append(
            f"Mr. {a} {rng.choice(verbs)} Mr. {b} at {p1}. Then {p2} was quiet and {b} went {p1}. "
            f"The {p1} stayed closed at {p2}. Later {b} {rng.choice(verbs)} {a} at {p2}."
        )
    return docs


def test_punkt_trained_on_corpus_keeps_mr_inside_sentences(monkeypatch):
    monkeypatch.setattr(wtext, "pretrained_punkt", lambda: None)
    sentences, origin = wtext.tokenize_documents(_mr_corpus())
    assert "trained on this corpus" in origin
    assert len(sentences) == 800  # four sentences per document, none split at "Mr."
    assert sentences[0][:1] == ["Mr."] and sentences[0].count("Mr.") == 2
    assert all(s[-1] == "." for s in sentences)


def test_word_tokenizer_and_lowercase_and_detokenize():
    toks = wtext.tokenize_sentence("Mr. Smith didn't go, \"he said\".")
    assert toks[:4] == ["Mr.", "Smith", "did", "n't"]
    assert wtext.tokenize_sentence("Hello World", lowercase=True) == ["hello", "world"]
    assert wtext.detokenize(toks) == "Mr. Smith didn't go, \"he said\"."


def test_paragraphs_never_share_a_sentence(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("First paragraph has no period\n\nSecond one\nwraps lines. And ends.\n", encoding="utf-8")
    docs = wtext.read_documents(p)
    assert docs == ["First paragraph has no period", "Second one wraps lines. And ends."]


def test_csv_column_multiline_and_errors(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text('id,body\n1,"Line one.\nStill the first comment."\n2,Second comment.\n3,\n', encoding="utf-8")
    assert wtext.read_documents(p, column="body") == ["Line one. Still the first comment.", "Second comment."]
    assert wtext.read_documents(p) == ["Line one. Still the first comment.", "Second comment."]  # its text column
    with pytest.raises(UserError, match=r"column 'text' not found.*'id', 'body'"):
        wtext.read_documents(p, column="text")
    with pytest.raises(UserError, match="not a .csv"):
        wtext.read_documents(tmp_path / "c.csv", column="body", csv_format=False)


@pytest.mark.parametrize("content,match", [(None, "does not exist"), (b"", "empty"), (b"caf\xe9 ab", "UTF-8"),
                                           (b"a\x00b", "binary")])
def test_bad_files(tmp_path, content, match):
    p = tmp_path / "f.txt"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(UserError, match=match):
        wtext.read_documents(p)


def test_vocabulary_most_frequent_with_deterministic_ties():
    sents = [["b", "a", "c"], ["a", "d", "b"], ["e"]]
    v = Vocabulary.build(sents, vocab_size=5)  # start, end, 2 words, unknown
    assert v.index_to_word == [SENTENCE_START, SENTENCE_END, "a", "b", UNKNOWN_TOKEN]
    assert v.least_frequent_kept() == ("b", 2)
    ids = v.encode(["a", "zzz", "b"])
    assert v.decode(ids) == [SENTENCE_START, "a", UNKNOWN_TOKEN, "b", SENTENCE_END]
    x, y = training_pairs(ids)
    np.testing.assert_array_equal(x, ids[:-1]) and np.testing.assert_array_equal(y, ids[1:])
    assert "3 sentences" in v.summary() and "'b', 2 times" in v.summary()
    assert Vocabulary.build(list(reversed(sents)), 5).index_to_word == v.index_to_word
    back = Vocabulary.from_dict(v.to_dict())
    assert back.index_to_word == v.index_to_word and back.counts == v.counts
    assert v.count_oov(["a", "zzz", "UNKNOWN_TOKEN"]) == 2


def test_vocab_size_clamped_with_warning():
    with pytest.warns(VocabSizeWarning, match="exceeds"):
        v = Vocabulary.build([["x", "y"], ["x"]], vocab_size=100)
    assert len(v) == 5 and v.index_to_word[-1] == UNKNOWN_TOKEN  # start, end, x, y, unknown
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Vocabulary.build([["x", "y"], ["x"]], vocab_size=5)


def test_vocab_errors():
    with pytest.raises(UserError, match="at least"):
        Vocabulary.build([["a"]], 2)
    v = Vocabulary.build([["SENTENCE_END", "a", "UNKNOWN_TOKEN"]], 4)  # literal marker strings are just unknown
    assert v.decode(v.encode(["SENTENCE_END", "a"])) == [SENTENCE_START, UNKNOWN_TOKEN, "a", SENTENCE_END]
    assert v.count_oov(["SENTENCE_END", "a"]) == 1
    with pytest.raises(UserError, match="corrupted"):
        Vocabulary.from_dict({"index_to_word": ["a"]})


def test_a_period_inside_a_users_text_is_split_off_where_training_would_have():
    from models.word_rnn.text import split_inner_periods, tokenize_sentence

    tokens = tokenize_sentence("Mr. Darcy smiled. He laughed.")
    assert "smiled." in tokens  # the Treebank rules alone split off only the final period
    known = {"Mr.", "Darcy", "smiled", "He", "laughed", "."}
    assert split_inner_periods(tokens, known) == ["Mr.", "Darcy", "smiled", ".", "He", "laughed", "."]
    assert split_inner_periods(["e.g.", "etc."], {"e.g", "etc."}) == ["e.g", ".", "etc."]


def test_load_corpus_tokenizes_a_file_once_until_it_changes(tmp_path, monkeypatch):
    """eval reads the evaluated split and then the baselines' training sentences from one file: the second read
    reuses the first's tokens, and a file changed in between (or other options) is read again."""
    import os

    from models.word_rnn import data as wdata
    from models.word_rnn import text as wtext

    path = tmp_path / "c.txt"
    path.write_text("The cat sat. The dog ran.\n")
    calls = []
    real = wtext.tokenize_documents
    monkeypatch.setattr(wtext, "tokenize_documents", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = wdata.load_corpus(str(path))
    assert wdata.load_corpus(str(path)) is first and len(calls) == 1
    assert wdata.load_corpus(str(path), lowercase=True) is not first and len(calls) == 2
    path.write_text("A bird flew away. It came back.\n")
    os.utime(path, ns=(1, 10**18))  # a new modification time even on a coarse clock
    again = wdata.load_corpus(str(path))
    assert len(calls) == 3 and "bird" in again.sentences[0]
