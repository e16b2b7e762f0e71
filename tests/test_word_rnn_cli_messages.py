"""What word-rnn tells a new user: counts named for what they count (a loss per token, tokens = words + one end
per sentence), continue hints that work, --resume --max-time alone past a reached goal (as char-rnn), one
validation at an epoch's end, and refusals that name the real limit or the ignored option."""
import re

import pytest

from models.word_rnn import cli
from models.word_rnn import train as wtrain
from models.word_rnn.checkpoint import load_checkpoint

SMALL = ["--vocab-size", "30", "--hidden-size", "6", "--quiet", "--seed", "2"]
TRAIN_LINES = ["the cat saw the dog .", "a dog met my friend", "my friend saw the old man again .",
               "the old man liked the river", "a cat met the dog at noon .", "her sister found a small house"]
VALID_LINES = ["the dog saw my friend .", "a cat liked the river again"]


def _run(capsys, argv):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _tokens(lines):
    """Predicted tokens of pre-tokenized sentences, counted independently of the model: words + one end each."""
    return sum(len(line.split()) + 1 for line in lines)


@pytest.fixture
def split_dir(tmp_path):
    """A --data DIR (one whitespace-tokenized sentence per line): every count is known exactly."""
    d = tmp_path / "ptb"
    d.mkdir()
    for name, lines in (("train", TRAIN_LINES), ("valid", VALID_LINES), ("test", VALID_LINES)):
        (d / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def _final_hint(out):
    """The arguments of the last line's "(continue with --resume ...)"."""
    return re.search(r"\(continue with (--resume [^)]*)\)", out.strip().splitlines()[-1]).group(1).split()


# ------------------------------------------------------------------------------------------- units
def test_training_eval_and_info_call_counts_with_sentence_ends_tokens(split_dir, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = _run(capsys, ["train", "--data", str(split_dir), "--out", str(out), "--epochs", "2", *SMALL])
    assert code == 0, err
    val_tokens = _tokens(VALID_LINES)
    lines = [line for line in stdout.splitlines() if "validation loss" in line]
    assert len(lines) == 2 and all(" per token, perplexity " in line for line in lines), stdout
    assert all(line.split("perplexity ")[1].split(" over ")[1] == f"{val_tokens} tokens (words + sentence ends)"
               for line in lines), lines
    assert "per word" not in stdout and " words" not in stdout.replace("(words", "")
    code, shown, _ = _run(capsys, ["eval", "--checkpoint", str(out / "last.npz"), "--data", str(split_dir),
                                   "--split", "valid"])
    assert code == 0 and f"{len(VALID_LINES)} sentences, {val_tokens} predicted tokens (words + sentence ends), " \
                          "loss " in shown.splitlines()[0], shown
    code, info, _ = _run(capsys, ["info", str(out / "last.npz")])
    words, sentences = 2 * sum(len(s.split()) for s in TRAIN_LINES), 2 * len(TRAIN_LINES)
    trained = next(line for line in info.splitlines() if line.startswith("trained"))
    assert (f"{sentences} sentences, {words + sentences} tokens ({words} words + {sentences} sentence ends)"
            in trained), trained
    assert f"{len(TRAIN_LINES)} sentences training (train.txt), {len(VALID_LINES)} validation (valid.txt)" in info
    assert re.search(r"throughput +[\d,]+ tokens/s", info) and re.search(r"best validation +[\d.]+ nats/token", info)


def test_init_from_counts_the_same_words_as_the_card_of_the_run(split_dir, tmp_path, capsys):
    first = tmp_path / "first"
    assert _run(capsys, ["train", "--data", str(split_dir), "--out", str(first), *SMALL])[0] == 0
    tuned = tmp_path / "tuned"
    code, stdout, err = _run(capsys, ["train", "--init-from", str(first / "last.npz"), "--data", str(split_dir),
                                      "--out", str(tuned), "--quiet"])
    assert code == 0, err
    words = sum(len(s.split()) for s in TRAIN_LINES)
    assert f"of the new text's {words} words" in stdout, stdout
    _, info, _ = _run(capsys, ["info", str(tuned / "last.npz")])
    assert f"({words} words + {len(TRAIN_LINES)} sentence ends)" in info, info


def test_the_plot_names_its_loss_per_token(split_dir, tmp_path, capsys, monkeypatch):
    seen = {}
    monkeypatch.setattr(wtrain, "plot_curves", lambda path, curves, **labels: seen.update(labels))
    code, _, err = _run(capsys, ["train", "--data", str(split_dir), "--out", str(tmp_path / "p"), "--plot", *SMALL])
    assert code == 0, err
    assert seen["ylabel"].startswith("loss per token") and "word" not in seen["ylabel"].replace("words and", "")


def test_score_names_the_end_it_counts(split_dir, tmp_path, capsys):
    assert _run(capsys, ["train", "--data", str(split_dir), "--out", str(tmp_path / "s"), *SMALL])[0] == 0
    code, out, _ = _run(capsys, ["score", "--checkpoint", str(tmp_path / "s" / "last.npz"), "the cat saw the dog ."])
    assert code == 0 and "tokens 7 (6 words + sentence end)" in out, out


# ------------------------------------------------------------------------------------------- the deprecated layout
def test_deprecated_checkpoint_creates_its_directory_as_out_does(split_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, ["train", "--data", str(split_dir), "--checkpoint", "dep2/sub/last.npz", *SMALL])
    assert code == 0, err
    assert (tmp_path / "dep2" / "sub" / "last.npz").is_file()
    (tmp_path / "afile").write_text("x")
    code, _, err = _run(capsys, ["train", "--data", str(split_dir), "--checkpoint", "afile/m.npz", *SMALL])
    assert code == 2 and err.strip().splitlines()[-1].startswith("error: ") and "'afile' is a file" in err


# ------------------------------------------------------------------------------------------- goals and hints
@pytest.mark.parametrize("goal", [["--max-sentences", "4"], ["--max-sentences", "9", "--epochs", "2"]])
def test_the_continue_hint_of_a_run_that_reached_its_goal_works(split_dir, tmp_path, capsys, goal):
    out = tmp_path / "run"
    code, stdout, err = _run(capsys, ["train", "--data", str(split_dir), "--out", str(out), *goal, *SMALL])
    assert code == 0, err
    hint = _final_hint(stdout)
    assert hint[:2] == ["--resume", str(out / "last.npz")] and "--max-sentences" in hint, hint
    target = int(hint[hint.index("--max-sentences") + 1])
    if target > len(TRAIN_LINES) * (int(goal[3]) if len(goal) > 2 else 1):  # past the run's --epochs: more of them
        assert int(hint[hint.index("--epochs") + 1]) * len(TRAIN_LINES) >= target, hint
    code, stdout, err = _run(capsys, ["train", *hint, "--quiet"])
    assert code == 0, err  # before: exit 2, "nothing to train"
    assert load_checkpoint(out / "last.npz")["training"]["sentences"] == target > int(goal[1])
    if "continue with" in stdout.strip().splitlines()[-1]:  # and the next one too (else the run finished)
        code, _, err = _run(capsys, ["train", *_final_hint(stdout), "--quiet"])
        assert code == 0, err
    else:
        assert stdout.strip().splitlines()[-1].startswith("finished"), stdout


def test_resume_with_max_time_alone_trains_past_the_goal_and_keeps_it(split_dir, tmp_path, capsys):
    out = tmp_path / "run"
    last = out / "last.npz"
    # (epochs enough that the session cannot finish them: it ends by its --max-time)
    assert _run(capsys, ["train", "--data", str(split_dir), "--out", str(out), "--max-sentences", "4", "--epochs",
                         "1000000", *SMALL])[0] == 0
    code, _, err = _run(capsys, ["train", "--resume", str(last), "--quiet"])
    assert code == 2 and "(or --max-time alone)" in err
    code, stdout, err = _run(capsys, ["train", "--resume", str(last), "--max-time", "0.3", "--quiet"])
    assert code == 0, err
    ck = load_checkpoint(last)
    assert ck["training"]["sentences"] > 4 and ck["settings"]["max_sentences"] == 4
    assert "the run has reached its goal (--max-sentences 4)" in stdout
    # the goal is still the run's own: a plain --resume has nothing to do, the printed hint goes on
    code, _, err = _run(capsys, ["train", "--resume", str(last), "--quiet"])
    assert code == 2 and "nothing to train" in err
    hint = _final_hint(stdout)
    assert hint == ["--resume", str(last), "--max-time", "0.3"], stdout
    # a goal given with --max-time is the user's: still refused when reached
    code, _, err = _run(capsys, ["train", "--resume", str(last), "--max-time", "0.3", "--max-sentences", "4"])
    assert code == 2 and "nothing to train" in err and "--max-sentences is 4;" in err


def test_resume_with_max_time_alone_goes_on_past_finished_epochs(split_dir, tmp_path, capsys):
    out = tmp_path / "run"
    last = out / "last.npz"
    assert _run(capsys, ["train", "--data", str(split_dir), "--out", str(out), *SMALL])[0] == 0
    code, _, err = _run(capsys, ["train", "--resume", str(last), "--max-time", "0.3", "--quiet"])
    assert code == 0, err
    ck = load_checkpoint(last)
    assert ck["training"]["sentences"] > len(TRAIN_LINES) and ck["settings"]["epochs"] == 1
    code, _, err = _run(capsys, ["train", "--resume", str(last), "--quiet"])
    assert code == 2 and "already at epoch" in err and "--epochs is 1" in err


# ------------------------------------------------------------------------------------------- one validation
@pytest.mark.parametrize("every, evaluations", [(6, 2), (3, 4), (4, 3)])
def test_an_evaluation_due_at_the_end_of_an_epoch_runs_once(split_dir, tmp_path, capsys, every, evaluations):
    # 6 training sentences, 2 epochs: every 6 -> at 6 and 12 (both epoch ends); every 3 -> 3, 6, 9, 12;
    # every 4 -> 4, 8 and the epoch ends 6, 12... of which 12 is both: 4, 6, 8, 12
    code, stdout, err = _run(capsys, ["train", "--data", str(split_dir), "--out", str(tmp_path / "e"), "--epochs", "2",
                                      "--eval-every", str(every), *SMALL])
    assert code == 0, err
    shown = [line.split(" (")[1].split()[0] for line in stdout.splitlines() if "validation loss" in line]
    expected = sorted({n for n in range(1, 13) if n % every == 0} | {6, 12})
    assert shown == [str(n) for n in expected], stdout
    history = load_checkpoint(tmp_path / "e" / "last.npz")["training"]["history"]
    assert [int(h["sentences"]) for h in history] == expected


# ------------------------------------------------------------------------------------------- refusals
def test_init_from_names_a_switch_the_model_was_trained_without(split_dir, tmp_path, capsys):
    first = tmp_path / "w1"
    assert _run(capsys, ["train", "--data", str(split_dir), "--out", str(first), *SMALL])[0] == 0
    for flag in ("--lowercase", "--tied"):
        code, _, err = _run(capsys, ["train", "--init-from", str(first / "last.npz"), flag, "--data", str(split_dir),
                                     "--out", str(tmp_path / "w2")])
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert f"(trained without {flag})" in err and "run (" not in err, err
    assert not (tmp_path / "w2").exists()


def test_cutoffs_are_checked_against_the_vocabulary_the_corpus_gives(tmp_path, capsys):
    seven = tmp_path / "seven.txt"
    seven.write_text("The cat saw the dog. A dog met my friend.\n", encoding="utf-8")
    base = ["train", "--data", str(seven), "--softmax", "adaptive", "--out", str(tmp_path / "o"), "--quiet"]
    code, _, err = _run(capsys, base + ["--cutoffs", "10,5"])
    assert code == 2 and "--cutoffs must be increasing integers" in err and "7999" not in err, err
    code, _, err = _run(capsys, base + ["--cutoffs", "3,20"])
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "7999" not in err, err
    distinct = len(set("The cat saw the dog . A dog met my friend .".split())) + 2  # and the start and end tokens
    assert f"vocabulary size - 1 ({distinct}: this corpus has {distinct} distinct tokens" in lines[0], err


@pytest.mark.parametrize("options", [["--column", "x"], ["--csv"]])
def test_eval_of_a_split_directory_refuses_csv_options(split_dir, tmp_path, capsys, options):
    assert _run(capsys, ["train", "--data", str(split_dir), "--out", str(tmp_path / "m"), *SMALL])[0] == 0
    code, out, err = _run(capsys, ["eval", "--checkpoint", str(tmp_path / "m" / "last.npz"), "--data", str(split_dir),
                                   *options])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert options[0] in err and "train/valid/test directory" in err


def test_gradflow_counts_its_positions_as_predicted_tokens(split_dir, tmp_path, capsys):
    # a sentence of n words has n + 1 positions to predict (the end too): --length cuts those
    assert _run(capsys, ["train", "--data", str(split_dir), "--out", str(tmp_path / "g"), *SMALL])[0] == 0
    code, out, err = _run(capsys, ["gradflow", "--checkpoint", str(tmp_path / "g" / "last.npz"), "--length", "5",
                                   "--sequences", "2", "--max-distance", "2"])
    assert code == 0, err
    assert "up to 5 predicted tokens each (words and the end)" in out.splitlines()[0], out
