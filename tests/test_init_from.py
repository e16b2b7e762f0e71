"""`--init-from CKPT` in both trainers: a new run from another run's weights (fine-tuning on another text), the
vocabulary rule, the model configuration taken from the checkpoint, and the refusals (one line each)."""
import numpy as np
import pytest

from models.char_rnn import cli as char_cli
from models.char_rnn.checkpoint import load_checkpoint as load_char
from models.common.card import read_card
from models.word_rnn import cli as word_cli
from models.word_rnn.checkpoint import load_checkpoint as load_word

TEXT = ("The quick brown fox jumps over the lazy dog. " * 8 + "Pack my box with five dozen liquor jugs.\n") * 6
OTHER = ("the lazy dog jumps over the quick brown fox. " * 10 + "five boxes.\n") * 5  # a subset of TEXT's characters
TINY = ["--hidden-size", "8", "--seq-length", "6", "--eval-every", "10", "--sample-every", "0", "--quiet"]


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.fixture
def char_base(tmp_path):
    data = tmp_path / "base.txt"
    data.write_text(TEXT)
    assert char_cli.main(["train", "--data", str(data), "--out", str(tmp_path / "base"), "--cell", "gru",
                          "--max-iters", "20", "--checkpoint-every", "10", *TINY]) == 0
    return tmp_path / "base" / "last.npz"


def test_char_init_from_starts_a_new_run_from_the_weights(char_base, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text(OTHER)
    source = load_char(char_base)
    # no flag names the model: its configuration (a gru of 8 units here) comes from the checkpoint
    assert char_cli.main(["train", "--data", str(other), "--out", str(tmp_path / "zero"), "--init-from",
                          str(char_base), "--max-iters", "0", "--seq-length", "6", "--quiet"]) == 0
    assert "starting from the weights of" in capsys.readouterr().out
    start = load_char(tmp_path / "zero" / "last.npz")
    assert start["model_config"]["cell"] == "gru" and start["model_config"]["hidden_size"] == 8
    assert start["progress"]["iteration"] == 0 and start["text_sha256"] != source["text_sha256"]
    for name, value in source["model"].items():
        np.testing.assert_array_equal(start["model"][name], value)
    np.testing.assert_array_equal(start["vocab"]["codepoints"], source["vocab"]["codepoints"])
    # a fresh optimizer: the source's Adagrad memory is not carried over
    assert any(np.asarray(v).any() for v in _arrays(source["optimizer"]["state"]))
    assert not any(np.asarray(v).any() for v in _arrays(start["optimizer"]["state"]))
    assert read_card(start)["initialised from"] == str(char_base)

    assert char_cli.main(["train", "--data", str(other), "--out", str(tmp_path / "tuned"), "--init-from",
                          str(char_base), "--max-iters", "5", "--seq-length", "6", "--lr", "0.05", "--quiet"]) == 0
    tuned = load_char(tmp_path / "tuned" / "last.npz")
    assert tuned["progress"]["iteration"] == 5 and tuned["train_config"]["lr"] == 0.05
    assert not np.array_equal(tuned["model"]["decoder.weight"], source["model"]["decoder.weight"])


def _arrays(tree):
    if isinstance(tree, dict):
        for v in tree.values():
            yield from _arrays(v)
    elif isinstance(tree, (list, tuple)):
        for v in tree:
            yield from _arrays(v)
    elif isinstance(tree, np.ndarray) and tree.dtype.kind == "f":
        yield tree


def test_char_init_from_refusals(char_base, tmp_path, capsys):
    new_chars = tmp_path / "new.txt"
    new_chars.write_text(OTHER + "Zebra!\n")
    base = ["train", "--out", str(tmp_path / "x"), "--init-from", str(char_base), "--max-iters", "1", "--quiet"]
    assert char_cli.main([*base, "--data", str(new_chars)]) == 2
    line = error_line(capsys)
    assert "'!'" in line and "'Z'" in line and "2 character(s)" in line
    assert char_cli.main([*base, "--data", str(tmp_path / "base.txt"), "--hidden-size", "9", "--cell", "rnn"]) == 2
    line = error_line(capsys)
    assert "--hidden-size 9, --cell rnn differ" in line and "8, gru" in line
    assert char_cli.main([*base, "--data", str(tmp_path / "base.txt"), "--resume", str(char_base)]) == 2
    assert "give only one of them" in error_line(capsys)
    assert not (tmp_path / "x").exists()
    # the flag equal to the checkpoint's is no conflict
    assert char_cli.main([*base, "--data", str(tmp_path / "base.txt"), "--hidden-size", "8"]) == 0


WORDS = ("The cat saw the garden. A dog met my friend. The old man liked the river. " * 30).split(". ")
OTHER_WORDS = "\n\n".join(["The dog saw the old man at noon.", "My friend liked a zebra.",
                           "The cat met the river again."] * 12)


def test_word_init_from(tmp_path, capsys):
    data = tmp_path / "base.txt"
    data.write_text("\n\n".join(s.strip().rstrip(".") + "." for s in WORDS if s.strip()))
    assert word_cli.main(["train", "--data", str(data), "--out", str(tmp_path / "base"), "--vocab-size", "30",
                          "--hidden-size", "6", "--cell", "gru", "--bptt-truncate", "none", "--quiet"]) == 0
    source = load_word(tmp_path / "base" / "last.npz")
    other = tmp_path / "other.txt"
    other.write_text(OTHER_WORDS)
    capsys.readouterr()
    # a learning rate of 1e-12: one step leaves the weights where the checkpoint had them
    assert word_cli.main(["train", "--data", str(other), "--out", str(tmp_path / "tuned"), "--init-from",
                          str(tmp_path / "base" / "last.npz"), "--max-sentences", "1", "--lr", "1e-12",
                          "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "outside its vocabulary" in out and "UNKNOWN_TOKEN" in out
    tuned = load_word(tmp_path / "tuned" / "last.npz")
    assert tuned["config"] == source["config"]
    assert list(tuned["vocab"]["index_to_word"]) == list(source["vocab"]["index_to_word"])
    assert tuned["training"]["sentences"] == 1 and tuned["training"]["epoch"] == 0
    for name, value in source["model"].items():
        np.testing.assert_allclose(tuned["model"][name], value, rtol=0, atol=1e-9)
    assert read_card(tuned)["initialised from"] == str(tmp_path / "base" / "last.npz")

    base = ["train", "--data", str(other), "--out", str(tmp_path / "x"), "--init-from",
            str(tmp_path / "base" / "last.npz"), "--quiet"]
    assert word_cli.main([*base, "--hidden-size", "7"]) == 2
    assert "--hidden-size 7 differs from the model in" in error_line(capsys)
    assert word_cli.main([*base, "--resume", str(tmp_path / "base" / "last.npz")]) == 2
    assert "give only one of them" in error_line(capsys)
    assert word_cli.main([*base, "--lowercase"]) == 2
    assert "--lowercase" in error_line(capsys)
    assert not (tmp_path / "x").exists()
