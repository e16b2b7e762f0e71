"""The results card in every checkpoint (both models) and `char-rnn info` / `word-rnn info`, also for a checkpoint
written before cards existed."""
import hashlib

from models.char_rnn import cli as char_cli
from models.char_rnn.checkpoint import load_checkpoint as load_char
from models.char_rnn.checkpoint import save_checkpoint as save_char
from models.common.card import UNRECORDED, read_card
from models.word_rnn import cli as word_cli
from models.word_rnn.checkpoint import load_checkpoint as load_word
from tinygrad_rnn import save

TEXT = ("The quick brown fox jumps over the lazy dog. " * 8 + "Pack my box with five dozen liquor jugs.\n") * 6
TINY = ["--preset", "min-char-rnn", "--hidden-size", "8", "--seq-length", "6", "--eval-every", "10", "--sample-every", "0", "--quiet"]
SCREEN = 24  # lines


def test_char_card_info_and_resume(tmp_path, capsys):
    data = tmp_path / "text.txt"
    data.write_text(TEXT)
    out = tmp_path / "run"
    argv = ["train", "--data", str(data), "--out", str(out), "--max-iters", "20", "--seed", "7", *TINY]
    assert char_cli.main(argv) == 0
    for name in ("last.npz", "best.npz"):
        card = read_card(load_char(out / name))
        assert card["command"] == "char-rnn train " + " ".join(argv[1:]) and card["seed"] == 7
        assert card["data sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
        assert card["data"] == str(data.resolve()) and "validation" in card["split"]
        assert card["trained"].startswith("20 iterations (120 characters") and card["wall time (s)"] > 0
        assert "chars/s" in card["throughput"] and "bits/char" in card["best validation"]
        assert card["sessions"] == 1
    capsys.readouterr()
    assert char_cli.main(["info", str(out / "last.npz")]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) <= SCREEN
    text = "\n".join(shown)
    for part in ("char_rnn: rnn x1, hidden 8", "--max-iters 20", "seed", "data sha256", "20 iterations",
                 "wall time", "chars/s", "bits/char"):
        assert part in text, part
    first = read_card(load_char(out / "last.npz"))

    assert char_cli.main(["train", "--resume", str(out / "last.npz"), "--max-iters", "30", "--quiet"]) == 0
    card = read_card(load_char(out / "last.npz"))
    assert card["sessions"] == 2 and card["command"] == first["command"]
    assert card["last command"].endswith("--max-iters 30 --quiet")
    assert card["wall time (s)"] > first["wall time (s)"] and card["trained"].startswith("30 iterations")


def test_info_of_a_checkpoint_without_a_card(tmp_path, capsys):
    data = tmp_path / "text.txt"
    data.write_text(TEXT)
    out = tmp_path / "run"
    assert char_cli.main(["train", "--data", str(data), "--out", str(out), "--max-iters", "10", *TINY]) == 0
    old = load_char(out / "last.npz")
    del old["card"]
    for key in ("kind", "format_version"):
        old.pop(key)
    save_char(old, tmp_path / "old.npz")
    capsys.readouterr()
    assert char_cli.main(["info", str(tmp_path / "old.npz")]) == 0
    text = capsys.readouterr().out
    assert "results card" in text and "none" in text
    assert "10 iterations" in text and str(data.resolve()) in text and "bits/char" in text
    # resuming such a checkpoint starts a card that says what it cannot know
    assert char_cli.main(["train", "--resume", str(tmp_path / "old.npz"), "--out", str(tmp_path / "more"),
                          "--max-iters", "15", "--quiet"]) == 0
    card = read_card(load_char(tmp_path / "more" / "last.npz"))
    assert card["command"] == UNRECORDED and card["last command"].startswith("char-rnn train --resume")
    assert "first session that wrote a card" in card["note"] and card["trained"].startswith("15 iterations")
    save({"kind": "char_rnn"}, tmp_path / "broken.npz")
    assert char_cli.main(["info", str(tmp_path / "broken.npz")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_word_card_and_info(tmp_path, capsys):
    data = tmp_path / "corpus.txt"
    data.write_text("\n\n".join(["The cat saw the garden.", "A dog met my friend.", "The old man liked the river.",
                                 "My friend saw a dog."] * 10))
    out = tmp_path / "w"
    argv = ["train", "--data", str(data), "--out", str(out), "--vocab-size", "20", "--hidden-size", "5",
            "--epochs", "2", "--seed", "3", "--quiet"]
    assert word_cli.main(argv) == 0
    card = read_card(load_word(out / "best.npz"))
    assert card["command"] == "word-rnn " + " ".join(argv) and card["seed"] == 3
    assert card["data sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert card["trained"].startswith("2.00 epochs") and "tokens/s" in card["throughput"]
    assert "nats/token" in card["best validation"] and "perplexity" in card["best validation"]
    capsys.readouterr()
    assert word_cli.main(["info", str(out / "last.npz")]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) <= SCREEN and any("word_rnn: rnn, hidden 5" in line for line in shown)
    old = load_word(out / "last.npz")
    del old["training"]["card"]
    save(old, tmp_path / "old.npz")
    assert word_cli.main(["info", str(tmp_path / "old.npz")]) == 0
    text = capsys.readouterr().out
    assert "none" in text and "epoch 2 done" in text and "nats/token" in text and "sentence ends)" in text
