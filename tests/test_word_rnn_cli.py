"""The word-rnn command line, in-process with tiny sizes: train/generate/score/eval/gradcheck, exact
resume, Ctrl-C, SIGTERM/SIGHUP, --out/--plot, the deprecated --checkpoint FILE layout, and every bad input of
the issue (one line on stderr, exit 2, nothing saved lost)."""
import os
import random
import signal
import subprocess
from pathlib import Path
import sys

import numpy as np
import pytest

from cli_subprocess import signal_after_first_checkpoint

from models.word_rnn import cli
from models.word_rnn import data as wdata
from models.common.sampling import inverse_cdf
from models.word_rnn.checkpoint import best_path, load_checkpoint, restore_model
from models.word_rnn.generate import generate_ids
from models.word_rnn.train import TrainConfig, train

TINY = ["--vocab-size", "40", "--hidden-size", "8", "--quiet", "--seed", "1"]


def _text(n=120, seed=0):
    rng = random.Random(seed)
    subj = ["The cat", "A dog", "My friend", "The old man", "Mr. Smith", "Her sister"]
    verb = ["saw", "liked", "found", "visited", "followed", "met"]
    obj = ["the garden", "a small house", "the river", "his brother", "the market", "an old friend"]
    tail = ["yesterday", "at noon", "again", "in the rain", "with joy", ""]
    return "\n\n".join(
        " ".join(f"{rng.choice(subj)} {rng.choice(verb)} {rng.choice(obj)} {rng.choice(tail)}".split()) + "."
        + (" It was late." if rng.random() < 0.3 else "")
        for _ in range(n))


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "corpus.txt"
    p.write_text(_text(), encoding="utf-8")
    return p


@pytest.fixture
def trained(tmp_path, corpus):
    """OUT/last.npz of a finished two-epoch run (OUT/best.npz beside it)."""
    ck = tmp_path / "m" / "last.npz"
    assert cli.main(["train", "--data", str(corpus), "--out", str(ck.parent), "--epochs", "2", "--lr", "0.05",
                     *TINY]) == 0
    return ck


def _run(capsys, argv):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_train_generate_score_eval(tmp_path, corpus, trained, capsys):
    assert trained.exists() and (trained.parent / "best.npz").exists()
    ck = load_checkpoint(trained)
    assert ck["kind"] == "word_rnn" and ck["training"]["epoch"] == 2 and len(ck["training"]["history"]) == 2
    code, out, err = _run(capsys, ["generate", "--checkpoint", str(trained), "--num", "4", "--seed", "3",
                                   "--min-length", "3"])
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 4
    assert all("UNKNOWN_TOKEN" not in line and "SENTENCE_" not in line and len(line.split()) >= 3 for line in lines)
    assert _run(capsys, ["generate", "--checkpoint", str(trained), "--num", "4", "--seed", "3",
                         "--min-length", "3"])[1] == out  # seeded: reproducible
    code, out, err = _run(capsys, ["score", "--checkpoint", str(trained), "The cat saw the river.",
                                   "The zebra saw quantum physics."])
    assert code == 0 and out.count("log-prob") == 2
    assert "out-of-vocabulary 0" in out and "zebra" in out and "UNKNOWN_TOKEN" in out and "out-of-vocabulary" in err
    f = tmp_path / "sents.txt"
    f.write_text("The cat saw the river.\n\nA dog met his brother.\n", encoding="utf-8")
    code, out, _ = _run(capsys, ["score", "--checkpoint", str(trained), "--file", str(f)])
    assert code == 0 and out.count("perplexity") == 2
    code, out, _ = _run(capsys, ["eval", "--checkpoint", str(trained), "--data", str(corpus)])
    assert code == 0 and "perplexity" in out
    ppl = float(out.split("perplexity ")[1].split(",")[0])
    assert ppl < 40  # learned something: below the uniform perplexity of the 40-word vocabulary
    # text the model does not know: the perplexity of UNKNOWN_TOKEN is flagged, the model's own text is not
    code, _, err = _run(capsys, ["eval", "--checkpoint", str(trained), "--data", str(corpus)])
    assert code == 0 and "warning" not in err
    strange = tmp_path / "strange.txt"
    strange.write_text("Zyx qwv plonk.\nGrr frotz blib.\n", encoding="utf-8")
    code, out, err = _run(capsys, ["eval", "--checkpoint", str(trained), "--data", str(strange)])
    assert code == 0 and "out-of-vocabulary" in out
    assert err.startswith("warning:") and "not comparable" in err and len(err.strip().splitlines()) == 1, err


def test_learning_and_schedule_and_validation(corpus, tmp_path, capsys):
    res = train(TrainConfig(data=str(corpus), vocab_size=40, hidden_size=8, epochs=3, lr=0.05,
                            out=str(tmp_path / "a"), quiet=True, val_fraction=0.1))
    losses = [h["loss"] for h in res["history"]]
    assert len(losses) == 3 and losses[-1] < np.log(40)
    out = capsys.readouterr().out
    assert "validation loss" in out and "perplexity" in out and "least frequent kept word" in out


def test_batched_training_with_adam_and_clip(corpus, tmp_path, capsys):
    code, out, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(tmp_path / "b"),
                                   "--batch-size", "8", "--optimizer", "adam", "--clip", "1.0", "--epochs", "2",
                                   *TINY])
    assert code == 0 and "validation loss" in out


@pytest.mark.parametrize("extra", [[], ["--batch-size", "4", "--optimizer", "adagrad"], ["--dropout", "0.3"],
                                   ["--dropout", "0.3", "--cell", "lstm", "--num-layers", "2", "--bptt-truncate", "none"]])
def test_resume_equals_uninterrupted(corpus, tmp_path, extra):
    base = ["train", "--data", str(corpus), "--eval-every", "30", "--epochs", "2", *TINY, *extra]
    full = tmp_path / "full" / "last.npz"
    part = tmp_path / "part" / "last.npz"
    assert cli.main(base + ["--out", str(full.parent), "--max-sentences", "150"]) == 0
    assert cli.main(base + ["--out", str(part.parent), "--max-sentences", "70"]) == 0
    # a resumed run writes next to the checkpoint it continues
    assert cli.main(["train", "--resume", str(part), "--max-sentences", "150", "--quiet",
                     "--eval-every", "30", "--epochs", "2"]) == 0
    a, b = load_checkpoint(full), load_checkpoint(part)
    for k in a["model"]:
        np.testing.assert_array_equal(a["model"][k], b["model"][k])
    assert a["training"]["history"] == b["training"]["history"]
    assert a["training"]["rng"] == b["training"]["rng"] and a["training"]["sentences"] == b["training"]["sentences"]


def test_ctrl_c_saves_then_resume_continues(corpus, tmp_path, capsys):
    ck = tmp_path / "c" / "last.npz"

    def interrupt(step):
        if step == 7:
            signal.raise_signal(signal.SIGINT)

    res = train(TrainConfig(data=str(corpus), vocab_size=40, hidden_size=8, out=str(ck.parent), quiet=True),
                on_step=interrupt)
    assert res["stop"] == "interrupted" and res["steps"] == 7
    assert load_checkpoint(ck)["training"]["steps"] == 7
    captured = capsys.readouterr()
    assert f"interrupted: saved '{ck}' (7 sentences done); continue with --resume {ck}" in captured.err
    assert "interrupted" not in captured.out
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert cli.main(["train", "--resume", str(ck), "--max-sentences", "12", "--quiet"]) == 0
    assert load_checkpoint(ck)["training"]["sentences"] == 12


def test_resume_keeps_the_interrupted_runs_epochs(corpus, tmp_path, capsys):
    ck = tmp_path / "e" / "last.npz"
    n_train = None

    def interrupt_in_epoch_2(step):
        if step == n_train + 3:
            signal.raise_signal(signal.SIGINT)

    # the epoch length (sentences after the validation split), from the plan of a one-sentence probe run
    train(TrainConfig(data=str(corpus), vocab_size=40, hidden_size=8, out=str(tmp_path / "p"),
                      quiet=True, max_sentences=1))
    n_train = len(wdata.unpack_plan(load_checkpoint(tmp_path / "p" / "last.npz")["training"]["plan"]))  # batch 1
    code = cli.main(["train", "--data", str(corpus), "--out", str(ck.parent), "--epochs", "3", *TINY])
    assert code == 0
    full = load_checkpoint(ck)["training"]
    assert full["epoch"] == 3
    ck.unlink()
    (ck.parent / "best.npz").unlink()
    res = train(TrainConfig(data=str(corpus), vocab_size=40, hidden_size=8, seed=1, epochs=3,
                            out=str(ck.parent), quiet=True), on_step=interrupt_in_epoch_2)
    assert res["stop"] == "interrupted" and load_checkpoint(ck)["training"]["epoch"] == 1
    capsys.readouterr()
    # resumed without repeating --epochs: trains on to epoch 3 of the interrupted run, same as uninterrupted
    code, out, err = _run(capsys, ["train", "--resume", str(ck), "--quiet"])
    assert code == 0, err
    done = load_checkpoint(ck)["training"]
    assert done["epoch"] == 3 and done["sentences"] == full["sentences"] == 3 * n_train
    assert "finished 3 epoch(s)" in out
    # the goal is reached: a further resume says so instead of "finishing" without training
    _expect_error(capsys, ["train", "--resume", str(ck), "--quiet"],
                  "nothing to train: the checkpoint is already at epoch 3 and --epochs is 3")
    _expect_error(capsys, ["train", "--resume", str(ck), "--epochs", "1", "--quiet"],
                  "nothing to train: the checkpoint is already at epoch 3 and --epochs is 1; pass a larger --epochs")
    _expect_error(capsys, ["train", "--resume", str(ck), "--epochs", "5", "--max-sentences",
                           str(3 * n_train), "--quiet"], "pass a larger --max-sentences")
    assert load_checkpoint(ck)["training"]["sentences"] == done["sentences"]
    code, out, err = _run(capsys, ["train", "--resume", str(ck), "--epochs", "4", "--quiet"])
    assert code == 0 and load_checkpoint(ck)["training"]["epoch"] == 4


def test_default_corpus_is_stdlib_docstrings_and_cached(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(wdata, "DEFAULT_CORPUS_CHARS", 20_000)
    monkeypatch.setenv("WORD_RNN_CACHE_DIR", str(tmp_path / "cache"))
    ck = tmp_path / "d"
    code, out, _ = _run(capsys, ["train", "--out", str(ck), "--max-sentences", "5", *TINY])
    assert code == 0 and "built-in default corpus" in out and "standard library" in out
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1
    code, out2, _ = _run(capsys, ["train", "--out", str(ck), "--max-sentences", "5", "--overwrite", *TINY])
    assert code == 0 and out2.splitlines()[2] == out.splitlines()[2]  # same vocabulary summary from the cache


def test_csv_input_and_missing_column(tmp_path, capsys):
    p = tmp_path / "c.csv"
    rows = ['"' + s.replace('"', '""') + '"' for s in _text(80).split("\n\n")]
    p.write_text("id,body\n" + "\n".join(f'{i},{r}' for i, r in enumerate(rows)), encoding="utf-8")
    code, out, _ = _run(capsys, ["train", "--data", str(p), "--column", "body", "--out",
                                 str(tmp_path / "c"), "--max-sentences", "5", *TINY])
    assert code == 0
    code, out, err = _run(capsys, ["train", "--data", str(p), "--column", "text", "--out",
                                   str(tmp_path / "c2"), *TINY])
    assert code == 2 and "'id', 'body'" in err and len(err.strip().splitlines()) == 1


def _expect_error(capsys, argv, match):
    code, out, err = _run(capsys, argv)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert match in err, err


def test_bad_data_files(tmp_path, capsys):
    ck = str(tmp_path / "x")
    _expect_error(capsys, ["train", "--data", str(tmp_path / "nope.txt"), "--out", ck], "does not exist")
    (tmp_path / "empty.txt").write_text("  \n")
    _expect_error(capsys, ["train", "--data", str(tmp_path / "empty.txt"), "--out", ck], "empty")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 au lait.".encode("latin-1"))
    _expect_error(capsys, ["train", "--data", str(tmp_path / "latin.txt"), "--out", ck], "not valid UTF-8")
    (tmp_path / "one.txt").write_text("Just one sentence here.")
    _expect_error(capsys, ["train", "--data", str(tmp_path / "one.txt"), "--out", ck],
                  "too few for a validation split")
    _expect_error(capsys, ["train", "--cell", "gru", "--bptt-truncate", "3", "--out", ck], "--bptt-truncate")
    _expect_error(capsys, ["train", "--lr", "-1", "--out", ck], "--lr")
    _expect_error(capsys, ["train", "--batch-size", "0", "--out", ck], "--batch-size")
    _expect_error(capsys, ["train", "--bogus"], "unrecognized arguments")
    assert not (tmp_path / "x").exists()


def test_vocab_clamp_and_one_token_sentences(tmp_path, capsys):
    p = tmp_path / "short.txt"
    p.write_text("\n\n".join(["Yes.", "No.", "Hello", "Yes", "Maybe.", "No"] * 5), encoding="utf-8")
    code, out, err = _run(capsys, ["train", "--data", str(p), "--out", str(tmp_path / "s"),
                                   "--vocab-size", "8000", "--hidden-size", "4", "--quiet", "--epochs", "2"])
    assert code == 0 and "warning: vocab_size 8000 exceeds" in err and "warning" not in out
    model, vocab = restore_model(load_checkpoint(tmp_path / "s" / "last.npz"))
    assert len(vocab) == model.vocab_size < 20
    code, out, _ = _run(capsys, ["score", "--checkpoint", str(tmp_path / "s" / "last.npz"), "Hello"])
    assert code == 0 and "tokens 2 (1 word + sentence end)" in out


def test_nan_loss_stops_without_overwriting(corpus, tmp_path, capsys, trained):
    before = trained.read_bytes()
    _expect_error(capsys, ["train", "--data", str(corpus), "--out", str(trained.parent), "--lr", "1e38",
                           "--hidden-size", "8", "--vocab-size", "40", "--quiet", "--overwrite"], "loss became")
    assert trained.read_bytes() == before


def test_existing_run_in_out_is_refused_without_resume_or_overwrite(tmp_path, corpus, trained, capsys, monkeypatch):
    out = trained.parent
    best = out / "best.npz"
    before, best_before = trained.read_bytes(), best.read_bytes()

    def no_corpus(*args, **kwargs):
        raise AssertionError("the corpus was loaded before --out was checked")

    monkeypatch.setattr(wdata, "load_corpus", no_corpus)
    _expect_error(capsys, ["train", "--data", str(corpus), "--out", str(out), *TINY],
                  f"{out} already holds checkpoints of an earlier run; pass --resume {trained} to continue it, "
                  "--overwrite to replace them, or another --out")
    assert trained.read_bytes() == before and best.read_bytes() == best_before
    trained.unlink()  # only the stale best model of an earlier run is left: still refused
    _expect_error(capsys, ["train", "--data", str(corpus), "--out", str(out), *TINY], "already holds checkpoints")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    _expect_error(capsys, ["train", "--out", str(blocker), *TINY], "is a file")
    _expect_error(capsys, ["train", "--out", str(blocker / "sub"), *TINY], "cannot be created")
    _expect_error(capsys, ["train", "--out", str(out), "--resume", str(best), "--overwrite", *TINY],
                  "give only one of them")
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        _expect_error(capsys, ["train", "--out", str(locked / "run"), *TINY], "not writable")
    monkeypatch.undo()
    # --overwrite: the stale best model is gone before training, and this run (no validation) writes none
    assert best.exists()
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(out), "--overwrite",
                                 "--val-fraction", "0", "--max-sentences", "5", *TINY])
    assert code == 0, err
    assert trained.exists() and not best.exists()
    assert load_checkpoint(trained)["training"]["sentences"] == 5


def test_deprecated_checkpoint_file_and_bare_resume_keep_working_with_one_notice_each(tmp_path, corpus, capsys,
                                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    ck = tmp_path / "legacy.npz"
    code, out, err = _run(capsys, ["train", "--data", str(corpus), "--checkpoint", str(ck), "--max-sentences", "20",
                                   "--eval-every", "10", *TINY])
    assert code == 0, err
    assert err.strip().splitlines() == ["warning: --checkpoint is deprecated for `word-rnn train`; use --out DIR "
                                        "(writes DIR/last.npz, DIR/best.npz)"]
    assert ck.exists() and best_path(ck).exists() and best_path(ck).name == "legacy.best.npz"
    assert not (tmp_path / "last.npz").exists() and not Path("checkpoints").exists()
    assert f"--checkpoint {ck} --resume" in out
    code, out, err = _run(capsys, ["train", "--checkpoint", str(ck), "--resume", "--max-sentences", "30", "--quiet"])
    assert code == 0, err
    notices = err.strip().splitlines()
    assert len(notices) == 2 and all(n.startswith("warning: ") and "deprecated" in n for n in notices)
    assert "--resume without a checkpoint" in notices[1] and "use --resume CKPT" in notices[1]
    assert load_checkpoint(ck)["training"]["sentences"] == 30
    # the old refusals of the FILE layout stay as they were
    monkeypatch.setattr(wdata, "load_corpus", lambda *a, **k: pytest.fail("the corpus was loaded"))
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--checkpoint", str(ck), *TINY])
    assert code == 2 and err.strip().splitlines()[-1].startswith(f"error: {ck} already exists (an earlier run)")
    code, _, err = _run(capsys, ["train", "--checkpoint", str(corpus / "m.npz"), *TINY])
    assert code == 2 and "is a file" in err
    code, _, err = _run(capsys, ["train", "--checkpoint", str(ck), "--out", str(tmp_path / "o"), *TINY])
    assert code == 2 and "give only --out DIR" in err
    _expect_error(capsys, ["train", "--resume", *TINY], "--resume needs the checkpoint to continue")  # no FILE


def test_the_old_checkpoint_spelling_on_an_out_directorys_last_keeps_its_best(tmp_path, corpus, capsys):
    # `--checkpoint DIR/last.npz --resume` continues a run of the --out layout: its best model stays DIR/best.npz,
    # the file generate/score/eval read, not a stale one beside a new DIR/last.best.npz
    out = tmp_path / "run"
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(out), "--max-sentences", "20",
                                 "--eval-every", "10", *TINY])
    assert code == 0, err
    assert best_path(out / "last.npz") == out / "best.npz"
    code, stdout, err = _run(capsys, ["train", "--checkpoint", str(out / "last.npz"), "--resume", "--max-sentences",
                                      "60", "--eval-every", "10", "--quiet"])
    assert code == 0, err
    assert not (out / "last.best.npz").exists() and sorted(p.name for p in out.iterdir() if p.suffix == ".npz") == [
        "best.npz", "last.npz"]
    assert load_checkpoint(out / "last.npz")["training"]["sentences"] == 60
    # the notice and the final line give the current spelling, which continues these very files
    assert f"use --resume CKPT (e.g. --resume {out / 'last.npz'})" in err
    final = stdout.strip().splitlines()[-1]
    # (the run reached its --max-sentences 60: the hint gives a larger one, as many again as the session trained)
    assert final.endswith(f"(continue with --resume {out / 'last.npz'} --max-sentences 100)") and "--checkpoint" not in final, final


def test_resume_writes_next_to_the_checkpoint_unless_out_is_given(tmp_path, corpus, trained, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "elsewhere"
    code, _, err = _run(capsys, ["train", "--resume", str(trained), "--out", str(other), "--epochs", "3", "--quiet"])
    assert code == 0, err
    assert load_checkpoint(other / "last.npz")["training"]["epoch"] == 3
    assert load_checkpoint(trained)["training"]["epoch"] == 2  # the original run is untouched
    assert not Path("checkpoints").exists()


def test_reading_commands_default_to_the_best_then_the_last_model_of_the_default_out(tmp_path, corpus, capsys,
                                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    _expect_error(capsys, ["generate", "--num", "1"],
                  "no --checkpoint given and neither checkpoints/word_rnn/best.npz nor checkpoints/word_rnn/last.npz "
                  "exists")
    assert _run(capsys, ["train", "--data", str(corpus), "--epochs", "1", *TINY])[0] == 0
    out = tmp_path / "checkpoints" / "word_rnn"
    assert (out / "last.npz").exists() and (out / "best.npz").exists()
    code, text, _ = _run(capsys, ["generate", "--num", "2", "--seed", "0"])
    assert code == 0 and len(text.strip().splitlines()) == 2
    assert _run(capsys, ["generate", "--num", "2", "--seed", "0", "--checkpoint", str(out / "best.npz")])[1] == text
    (out / "best.npz").unlink()
    code, text, _ = _run(capsys, ["score", "The cat saw the river."])
    assert code == 0 and "perplexity" in text


def test_plot_writes_the_loss_curves(tmp_path, corpus, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    code, text, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(out), "--epochs", "2",
                                    "--plot", *TINY])
    assert code == 0, err
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"loss curve: {out / 'loss.png'}" in text
    # the training curve is saved with the run, so a resumed run plots it whole
    curve = load_checkpoint(out / "last.npz")["training"]["curve"]
    assert len(curve["sentences"]) == len(curve["loss"]) > 0


def test_plot_without_matplotlib_is_one_error_line_before_any_work(tmp_path, corpus, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    _expect_error(capsys, ["train", "--data", str(corpus), "--out", str(tmp_path / "run"), "--plot", *TINY],
                  "--plot needs matplotlib")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv, option", [
    (["train", "--hidden-size", "x"], "--hidden-size"), (["train", "--eval-every", "1.5"], "--eval-every"),
    (["generate", "--num", "two"], "--num"), (["train", "--max-time", "soon"], "--max-time"),
])
def test_a_bad_number_is_one_line_naming_the_option(capsys, argv, option):
    _expect_error(capsys, argv, f"argument {option}: invalid")


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan"])
def test_temperature_must_be_positive_and_finite(trained, capsys, value):
    _expect_error(capsys, ["generate", "--checkpoint", str(trained), "--temperature", value],
                  f"--temperature must be a positive finite number, got {float(value)}")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_save_and_stop_a_training_subprocess(tmp_path, corpus, sig):
    """The signal a service manager or a closed terminal sends saves a checkpoint, like Ctrl-C (exit 130)."""
    out = tmp_path / "run"
    returncode, stdout, stderr = signal_after_first_checkpoint("models.word_rnn", ["train", "--data", str(corpus), "--out", str(out),
                        "--epochs", "100000", "--eval-every", "20", *TINY], out, sig)
    assert returncode == 130, stderr
    assert f"continue with --resume {out / 'last.npz'}" in stderr and "interrupted: saved" in stderr
    assert "Traceback" not in stderr and "interrupted" not in stdout
    done = load_checkpoint(out / "last.npz")["training"]
    assert done["sentences"] >= 20 and done["epoch"] < 100000


def test_bad_checkpoints(tmp_path, trained, capsys):
    _expect_error(capsys, ["generate", "--checkpoint", str(tmp_path / "none.npz")], "does not exist")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(trained.read_bytes()[: len(trained.read_bytes()) // 2])
    _expect_error(capsys, ["generate", "--checkpoint", str(bad)], "corrupted or truncated")
    other = tmp_path / "other.npz"
    from tinygrad_rnn import save
    save({"kind": "char_rnn", "format_version": 1}, other)
    _expect_error(capsys, ["score", "--checkpoint", str(other), "hi"], "not a word-rnn checkpoint")
    obj = load_checkpoint(trained)
    obj["config"]["hidden_size"] = 9
    save(obj, other)
    _expect_error(capsys, ["generate", "--checkpoint", str(other)], "array model.weight_hh has shape (8, 8)")
    _expect_error(capsys, ["train", "--resume", str(trained), "--data", str(bad), "--epochs", "3"],
                  "binary")
    _expect_error(capsys, ["score", "--checkpoint", str(trained), "  "], "empty")
    _expect_error(capsys, ["score", "--checkpoint", str(trained)], "give sentences")
    _expect_error(capsys, ["generate", "--checkpoint", str(trained), "--temperature", "0"], "--temperature")


def test_resume_refuses_options_that_contradict_the_checkpoint(tmp_path, trained, capsys):
    before = trained.read_bytes()
    resume = ["train", "--resume", str(trained), "--epochs", "3", "--quiet"]
    _expect_error(capsys, resume + ["--hidden-size", "50"],
                  "--hidden-size 50 differs from the checkpoint's 8; drop it or start a new run")
    _expect_error(capsys, resume + ["--cell", "gru"], "--cell gru differs from the checkpoint's rnn")
    _expect_error(capsys, resume + ["--lr", "0.1"], "--lr 0.1 differs from the checkpoint's 0.05")
    _expect_error(capsys, resume + ["--optimizer", "adam"], "--optimizer adam differs")
    _expect_error(capsys, resume + ["--bptt-truncate", "none"], "--bptt-truncate none differs from the checkpoint's 4")
    _expect_error(capsys, resume + ["--lowercase"], "--lowercase differs from the checkpoint's run (trained without")
    _expect_error(capsys, resume + ["--seed", "2"], "--seed 2 differs")
    assert trained.read_bytes() == before
    # repeating the original options (vocabulary size as asked for) is fine
    code, out, err = _run(capsys, resume + ["--hidden-size", "8", "--lr", "0.05", "--seed", "1", "--vocab-size", "40",
                                            "--bptt-truncate", "4", "--optimizer", "sgd"])
    assert code == 0, err
    assert load_checkpoint(trained)["training"]["epoch"] == 3


def test_resume_accepts_the_requested_vocab_size_before_clamping(tmp_path, capsys):
    p = tmp_path / "short.txt"
    p.write_text("\n\n".join(["Yes.", "No.", "Hello", "Yes", "Maybe.", "No"] * 5), encoding="utf-8")
    ck = tmp_path / "s" / "last.npz"
    base = ["train", "--data", str(p), "--out", str(ck.parent), "--vocab-size", "8000", "--hidden-size", "4",
            "--quiet"]
    assert _run(capsys, base)[0] == 0
    code, out, err = _run(capsys, base + ["--resume", str(ck), "--epochs", "2"])
    assert code == 0, err
    _expect_error(capsys, base + ["--resume", str(ck), "--epochs", "3", "--vocab-size", "7000"],
                  "--vocab-size 7000 differs")


def test_resume_refuses_other_data(tmp_path, trained, capsys):
    other = tmp_path / "other.txt"
    other.write_text(_text(seed=5), encoding="utf-8")
    obj = load_checkpoint(trained)
    assert obj["settings"]["data"]
    import tinygrad_rnn as ser
    obj["settings"]["data"] = str(other)
    ser.save(obj, trained)
    _expect_error(capsys, ["train", "--resume", str(trained), "--quiet", "--epochs", "3"], "differ")


def test_small_messages(tmp_path, trained, capsys):
    # score --file names --file, not the training option --data
    _expect_error(capsys, ["score", "--checkpoint", str(trained), "--file", str(tmp_path / "nonexist.txt")],
                  "check the path given to --file")
    (tmp_path / "bin.txt").write_bytes(b"a\x00b")
    code, out, err = _run(capsys, ["score", "--checkpoint", str(trained), "--file", str(tmp_path / "bin.txt")])
    assert code == 2 and "--file" in err and "--data" not in err and "data file" not in err
    # one sentence is "1 sentence"
    one = tmp_path / "one.txt"
    one.write_text("The cat saw the river.", encoding="utf-8")
    code, out, _ = _run(capsys, ["eval", "--checkpoint", str(trained), "--data", str(one)])
    assert code == 0 and ": 1 sentence," in out and "1 sentences" not in out
    # every --checkpoint that loads a model says what it loads and its default
    for cmd in ("generate", "score", "eval", "gradcheck"):
        help_text = " ".join(cli.build_parser()._subparsers._group_actions[0].choices[cmd].format_help().split())
        assert "--checkpoint CKPT" in help_text and "(default" in help_text.split("--checkpoint CKPT")[-1]
    gradcheck_help = " ".join(cli.build_parser()._subparsers._group_actions[0].choices["gradcheck"].format_help().split())
    assert "recurrence to check" in gradcheck_help


def test_overflowing_perplexity_prints_inf(tmp_path, trained, capsys):
    import tinygrad_rnn

    obj = load_checkpoint(trained)
    obj["model"]["output.weight"] = obj["model"]["output.weight"] * np.float32(1e5)
    huge = tmp_path / "huge.npz"
    tinygrad_rnn.save(obj, huge)
    code, out, err = _run(capsys, ["score", "--checkpoint", str(huge), "The cat saw the river and the market."])
    assert code == 0, err
    loss = float(out.split("loss/token ")[1].split()[0])
    assert loss > 710 and "perplexity inf " in out and "e+30" not in out
    code, out, err = _run(capsys, ["score", "--checkpoint", str(trained), "The cat saw the river."])
    assert code == 0 and "perplexity inf" not in out


def test_a_csv_is_read_from_its_first_text_column_and_a_numeric_one_warns(tmp_path, capsys):
    p = tmp_path / "n.csv"
    rows = ['"' + s.replace('"', '""') + '"' for s in _text(60).split("\n\n")]
    p.write_text("id,body\n" + "\n".join(f'{i},{r}' for i, r in enumerate(rows)), encoding="utf-8")
    code, out, err = _run(capsys, ["train", "--data", str(p), "--out", str(tmp_path / "n"),
                                   "--max-sentences", "3", "--val-fraction", "0", *TINY])
    assert code == 0 and "note: reading CSV column 'body'" in err and "choose another with --column" in err
    code, out, err = _run(capsys, ["train", "--data", str(p), "--column", "id", "--out", str(tmp_path / "i"),
                                   "--max-sentences", "3", "--val-fraction", "0", *TINY])
    assert code == 0 and "warning: column 'id' looks numeric; choose the text column with --column" in err
    code, out, err = _run(capsys, ["train", "--data", str(p), "--column", "body", "--out",
                                   str(tmp_path / "b"), "--max-sentences", "3", *TINY])
    assert code == 0 and "numeric" not in err


def test_generation_guards(trained):
    model, vocab = restore_model(load_checkpoint(trained))
    rng = np.random.default_rng(0)
    ids, finished = generate_ids(model, vocab, rng, max_length=3, min_length=3)
    assert len(ids) == 3 and not finished  # cut by the guard
    for _ in range(20):
        ids, _ = generate_ids(model, vocab, rng, temperature=2.0, min_length=2)
        assert vocab.unknown_id not in ids and vocab.start_id not in ids and len(ids) >= 2
    p = np.full(7, 1 / 7, dtype=np.float32) * np.float32(1.0000001)  # sums slightly past 1
    counts = np.bincount([inverse_cdf(p, rng) for _ in range(700)], minlength=7)
    assert counts.min() > 50 and inverse_cdf(np.array([0, 0, 1.0]), rng) == 2


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_gradcheck_command(capsys, cell):
    code, out, _ = _run(capsys, ["gradcheck", "--cell", cell, "--vocab-size", "6", "--hidden-size", "3",
                                 "--length", "4"])
    assert code == 0 and "gradient check passed" in out and out.count("PASS") >= 3
    if cell == "rnn":
        assert "reference BPTT" in out


def test_help_in_a_subprocess():
    root = Path(__file__).resolve().parents[1]  # `python -m models.word_rnn` is the checkout's way in
    r = subprocess.run([sys.executable, "-m", "models.word_rnn", "--help"], capture_output=True, text=True, timeout=60,
                       cwd=root)
    assert r.returncode == 0 and "train" in r.stdout and "generate" in r.stdout and "gradcheck" in r.stdout


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gated_cells_train_generate_and_score(corpus, tmp_path, capsys, cell):
    ck = tmp_path / cell / "last.npz"
    code, out, _ = _run(capsys, ["train", "--data", str(corpus), "--cell", cell, "--out", str(ck.parent),
                                 "--batch-size", "4", "--optimizer", "adam", "--lr", "0.01", *TINY])
    assert code == 0 and "'bptt_truncate': None" in out
    code, out, _ = _run(capsys, ["generate", "--checkpoint", str(ck), "--num", "2", "--seed", "0"])
    assert code == 0 and len(out.strip().splitlines()) == 2
    code, out, _ = _run(capsys, ["score", "--checkpoint", str(ck), "The cat saw the river."])
    assert code == 0 and "perplexity" in out


def test_batched_evaluation_equals_sentence_by_sentence(trained):
    from models.word_rnn.train import evaluate

    model, vocab = restore_model(load_checkpoint(trained))
    rng = np.random.default_rng(0)
    encoded = [vocab.encode(["The", "cat"] * int(n)) for n in rng.integers(1, 6, size=70)]
    idx = np.arange(70)
    loss, words = evaluate(model, encoded, idx)
    one_by_one = sum(float(model.token_losses(s[:-1], s[1:]).sum()) for s in encoded)
    assert words == sum(len(s) - 1 for s in encoded)
    np.testing.assert_allclose(loss, one_by_one / words, rtol=1e-5)


@pytest.mark.parametrize("decoder", [["--argmax"], ["--beam", "3"]])
def test_temperature_with_a_decoder_that_ignores_it_is_refused(trained, capsys, decoder):
    _expect_error(capsys, ["generate", "--checkpoint", str(trained), "--temperature", "0.5", *decoder],
                  "--temperature shapes sampling")


def test_options_that_would_be_silently_ignored_are_refused(trained, corpus, tmp_path, capsys):
    _expect_error(capsys, ["score", "--checkpoint", str(trained), "--top", "2", "The cat."], "add --tokens")
    _expect_error(capsys, ["train", "--data", str(corpus), "--out", str(tmp_path / "r"), "--evaluate-loss-after",
                           "2", *TINY], "--evaluate-loss-after belongs to --tutorial")


def test_a_refused_out_suggests_only_what_is_there(tmp_path, corpus, trained, capsys):
    # a directory left with only best.previous.npz (or only best.npz) has no last.npz: the refusal must not offer
    # `--resume DIR/last.npz`, and what it offers instead must work
    out = trained.parent
    trained.unlink()
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(out), *TINY])
    assert code == 2 and f"--resume {out / 'best.npz'}" in err and "last.npz to" not in err, err
    code, _, err = _run(capsys, ["train", "--resume", str(out / "best.npz"), "--epochs", "3", "--quiet"])
    assert code == 0, err
    (out / "last.npz").unlink()
    (out / "best.npz").rename(out / "best.previous.npz")
    before = (out / "best.previous.npz").read_bytes()
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(out), *TINY])
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--resume" not in err, err
    assert "--overwrite" in err and f"--init-from {out / 'best.previous.npz'}" in err
    assert (out / "best.previous.npz").read_bytes() == before and not (out / "last.npz").exists()
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(tmp_path / "new"), "--init-from",
                                 str(out / "best.previous.npz"), "--max-sentences", "5", "--quiet"])
    assert code == 0, err


def test_the_old_checkpoint_layout_with_only_its_best_is_not_offered_to_resume(tmp_path, corpus, capsys):
    ck = tmp_path / "legacy.npz"
    assert cli.main(["train", "--data", str(corpus), "--checkpoint", str(ck), "--max-sentences", "20",
                     "--eval-every", "10", *TINY]) == 0
    ck.unlink()
    capsys.readouterr()
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--checkpoint", str(ck), *TINY])
    last = err.strip().splitlines()[-1]
    assert code == 2 and "--resume" not in last and "--overwrite" in last and str(best_path(ck)) in last, err


@pytest.mark.parametrize("changed", ["Just one sentence.", "One here.\n\nTwo there.\n\nThree."])
def test_resume_onto_a_changed_text_names_that_first(tmp_path, corpus, trained, capsys, changed):
    # a text too short for the checkpoint's validation split, or one that splits: the same refusal, before any
    # line about the data (the vocabulary summary is the checkpoint's, the split counts are the new text's)
    before = {p.name: p.read_bytes() for p in trained.parent.iterdir()}
    corpus.write_text(changed, encoding="utf-8")
    code, out, err = _run(capsys, ["train", "--resume", str(trained), "--epochs", "3", "--quiet"])
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "the training data differ" in err and "resume with that text" in err and "--init-from" in err
    assert "unique tokens" not in out and "training sentence" not in out and "validation" not in out, out
    assert {p.name: p.read_bytes() for p in trained.parent.iterdir()} == before


def test_eval_baselines_are_in_the_unit_of_its_loss_per_predicted_token(tmp_path, trained, capsys):
    # the model's row is the loss of the line above it: -sum(log p) over the words and each sentence's end token,
    # here summed from `score` (each sentence's log-prob and token count), so the unit is per token, not per word
    sentences = ["The cat saw the river.", "A dog met his brother again."]
    f = tmp_path / "two.txt"
    f.write_text("\n\n".join(sentences), encoding="utf-8")
    code, out, err = _run(capsys, ["eval", "--checkpoint", str(trained), "--data", str(f)])
    assert code == 0, err
    rows = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(rows) == 3 and all(row.endswith(" nats/token") for row in rows), out
    code, scored, _ = _run(capsys, ["score", "--checkpoint", str(trained), *sentences])
    log_probs = [float(line.split("log-prob ")[1].split()[0]) for line in scored.splitlines() if "log-prob" in line]
    tokens = [int(line.split("tokens ")[1].split()[0]) for line in scored.splitlines() if "log-prob" in line]
    assert sum(tokens) == sum(len(s.split()) for s in sentences) + len(sentences) + 2  # 2 full stops, 2 ends
    model_nats = float(rows[0].split()[-2])
    assert model_nats == pytest.approx(-sum(log_probs) / sum(tokens), abs=2e-4)


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan"])
def test_a_bad_val_fraction_is_refused_before_the_corpus_is_read(tmp_path, corpus, capsys, monkeypatch, value):
    monkeypatch.setattr(wdata, "load_corpus", lambda *a, **k: pytest.fail("the corpus was read first"))
    _expect_error(capsys, ["train", "--data", str(corpus), "--out", str(tmp_path / "v"), "--val-fraction", value,
                           *TINY], "--val-fraction must be in [0, 1)")
    assert not (tmp_path / "v").exists()


def test_eval_split_of_another_text_is_refused(tmp_path, corpus, trained, capsys):
    # --split train|valid picks the checkpoint's own split: on another text (or the trained one, changed) that split
    # does not exist, and its figures would be labelled as if it did
    copy = tmp_path / "copy.txt"
    copy.write_bytes(corpus.read_bytes())
    code, out, err = _run(capsys, ["eval", "--checkpoint", str(trained), "--data", str(copy), "--split", "valid"])
    assert code == 0 and "valid part of the checkpoint's split" in out, err  # the same text under another name
    other = tmp_path / "other.txt"
    other.write_text(_text(seed=7), encoding="utf-8")
    short = tmp_path / "short.txt"
    short.write_text("The cat saw the river.", encoding="utf-8")
    for text in (other, short):
        _expect_error(capsys, ["eval", "--checkpoint", str(trained), "--data", str(text), "--split", "valid"],
                      f"{text} is not the text the checkpoint was trained on")
    corpus.write_text(_text(seed=8), encoding="utf-8")  # the recorded training data, changed since
    _expect_error(capsys, ["eval", "--checkpoint", str(trained), "--split", "train"],
                  "is not the text the checkpoint was trained on")
