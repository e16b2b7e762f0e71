"""The char-rnn command line: training, exact resume, Ctrl-C/SIGTERM/SIGHUP, sampling, deprecated aliases,
and every bad input."""
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_subprocess import signal_after_first_checkpoint

from models.char_rnn import cli
from models.common import EXIT_INTERRUPTED
from models.char_rnn.checkpoint import load_checkpoint
from tinygrad_rnn import load, save

TEXT = ("The quick brown fox jumps over the lazy dog. " * 8 + "Pack my box with five dozen liquor jugs.\n") * 6
TINY = ["--preset", "min-char-rnn", "--hidden-size", "8", "--seq-length", "6", "--eval-every", "10", "--sample-every", "15",
        "--sample-length", "12", "--checkpoint-every", "10", "--quiet"]


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def train(data, out, *extra):
    return cli.main(["train", "--data", str(data), "--out", str(out), *TINY, *extra])


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_help_in_a_real_subprocess():
    root = Path(__file__).resolve().parents[1]
    res = subprocess.run([sys.executable, "-m", "models.char_rnn", "--help"], capture_output=True, text=True,
                         cwd=root, timeout=120)
    assert res.returncode == 0 and "train" in res.stdout and "sample" in res.stdout
    res = subprocess.run([sys.executable, "-m", "models.char_rnn", "train", "--help"], capture_output=True,
                         text=True, cwd=root, timeout=120)
    assert res.returncode == 0 and "--seq-length" in res.stdout and "standard library" in res.stdout



@pytest.mark.parametrize("tool", ["models.char_rnn", "models.word_rnn"])
def test_version_and_a_bare_command(tool):
    import tinygrad_rnn
    root = Path(__file__).resolve().parents[1]
    res = subprocess.run([sys.executable, "-m", tool, "--version"], capture_output=True, text=True, cwd=root,
                         timeout=120)
    assert res.returncode == 0 and res.stdout.strip().endswith(f"(tinygrad_rnn {tinygrad_rnn.__version__})")
    res = subprocess.run([sys.executable, "-m", tool], capture_output=True, text=True, cwd=root, timeout=120)
    assert res.returncode == 2 and res.stdout.startswith("usage: ") and "Traceback" not in res.stderr


def test_train_then_sample(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "30") == 0
    text = capsys.readouterr().out
    assert "bits/char" in text and "sample at iter 15" in text
    ckpt = load_checkpoint(out / "last.npz")
    assert ckpt["kind"] == "char_rnn" and ckpt["format_version"] == 1 and ckpt["progress"]["iteration"] == 30
    assert (out / "best.npz").exists()
    # np.load without pickle reads the weights: nothing in the file needs unpickling
    with np.load(out / "last.npz", allow_pickle=False) as z:
        assert any("weight_hh_l0" in k for k in z.files)
    args = ["sample", "--checkpoint", str(out / "best.npz"), "--prime", "The ", "--length", "40", "--seed", "3"]
    assert cli.main(args) == 0
    first = capsys.readouterr().out
    assert cli.main(args) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("The ") and len(first) == len("The ") + 40 + 1
    assert cli.main(["sample", "--checkpoint", str(out / "last.npz"), "--argmax", "--length", "20"]) == 0
    # a greedy sample has no temperature and no top-k to apply: refused, as word-rnn generate refuses them
    for extra in (["--temperature", "0.5"], ["--top-k", "3"]):
        capsys.readouterr()
        assert cli.main(["sample", "--checkpoint", str(out / "last.npz"), "--argmax", *extra]) == 2
        assert "give one" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [
    [],
    ["--cell", "lstm", "--num-layers", "2", "--dropout", "0.3", "--batch-size", "3", "--optimizer", "adam",
     "--lr", "0.01"],
    ["--num-layers", "2", "--dropout", "0.2", "--batch-size", "2", "--dtype", "float64"],
])
def test_interrupted_and_resumed_run_ends_with_identical_parameters(data, tmp_path, extra):
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert train(data, whole, "--max-iters", "34", *extra) == 0
    assert train(data, part, "--max-iters", "13", *extra) == 0
    # --data is not repeated: the checkpoint remembers which text it was trained on
    assert cli.main(["train", "--out", str(part), "--resume", str(part / "last.npz"), "--max-iters", "34",
                     *TINY, *extra]) == 0  # the command that started the run, repeated
    a, b = load(whole / "last.npz"), load(part / "last.npz")
    assert a["progress"]["iteration"] == b["progress"]["iteration"] == 34
    for key in a["model"]:
        assert np.array_equal(a["model"][key], b["model"][key]), key
    for x, y in zip(a["hidden"], b["hidden"]):
        assert np.array_equal(x, y)
    assert a["data"] == b["data"] and a["progress"]["smooth_loss"] == b["progress"]["smooth_loss"]
    assert a["rng"] == b["rng"]


def test_ctrl_c_saves_a_checkpoint_then_exits(data, tmp_path, capsys):
    out = tmp_path / "run"

    def interrupt(trainer):
        if trainer.iteration == 7:
            signal.raise_signal(signal.SIGINT)

    args = cli.build_parser().parse_args(["train", "--data", str(data), "--out", str(out), *TINY])
    assert cli.train_command(args, on_iteration=interrupt) == EXIT_INTERRUPTED == 130
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert load_checkpoint(out / "last.npz")["progress"]["iteration"] == 7
    captured = capsys.readouterr()
    assert f"interrupted: saved {out / 'last.npz'}" in captured.err and "interrupted" not in captured.out
    assert f"continue with --resume {out / 'last.npz'}" in captured.err
    assert not hasattr(cli, "EXIT_INTERRUPTED") or cli.EXIT_INTERRUPTED is EXIT_INTERRUPTED  # one source


def test_diverging_loss_stops_with_a_clear_message_and_keeps_the_last_checkpoint(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "10") == 0
    before = (out / "last.npz").read_bytes()
    capsys.readouterr()
    code = cli.main(["train", "--data", str(data), "--out", str(out), *TINY, "--lr", "1e38",
                     "--checkpoint-every", "1000", "--max-iters", "50", "--overwrite"])
    assert code == 2
    line = error_line(capsys)
    assert "diverged" in line or "NaN" in line
    assert "lower --lr" in line
    assert (out / "last.npz").read_bytes() == before


@pytest.mark.parametrize("content, match", [
    (None, "does not exist"), (b"", "empty"), (b"   \n", "empty"), (b"abc\x00def", "binary"),
    (b"caf\xe9 au lait", "UTF-8"), (b"short text", "too short"),
])
def test_bad_data_files(tmp_path, capsys, content, match):
    path = tmp_path / "data.txt"
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["train", "--data", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert match in error_line(capsys)


@pytest.mark.parametrize("option", [
    ["--hidden-size", "0"], ["--hidden-size", "-3"], ["--seq-length", "0"], ["--batch-size", "0"],
    ["--num-layers", "0"], ["--lr", "0"], ["--lr", "-0.1"], ["--lr", "nan"], ["--clip", "-1"],
    ["--dropout", "1.5"], ["--val-fraction", "1"], ["--max-iters", "-1"], ["--max-time", "0"],
    ["--eval-every", "0"], ["--checkpoint-every", "0"],
])
def test_nonsense_hyperparameters(data, tmp_path, capsys, option):
    assert cli.main(["train", "--data", str(data), "--out", str(tmp_path / "o"), "--quiet", *option]) == 2
    flag = option[0]
    assert flag in error_line(capsys)


def test_text_too_short_for_the_batch(tmp_path, capsys):
    path = tmp_path / "t.txt"
    path.write_text("x" * 200)
    assert cli.main(["train", "--data", str(path), "--batch-size", "20", "--quiet",
                     "--out", str(tmp_path / "o")]) == 2
    assert "too short" in error_line(capsys)


@pytest.fixture
def trained(data, tmp_path):
    out = tmp_path / "trained"
    assert train(data, out, "--max-iters", "5") == 0
    return out / "last.npz"


def test_bad_sampling_inputs(trained, tmp_path, capsys):
    capsys.readouterr()
    cases = [
        (["--prime", "Zürich"], "never saw"),
        (["--temperature", "0"], "--temperature"),
        (["--temperature", "-1"], "--temperature"),
        (["--top-k", "0"], "--top-k"),
        (["--length", "-5"], "--length"),
    ]
    for extra, match in cases:
        assert cli.main(["sample", "--checkpoint", str(trained), *extra]) == 2
        assert match in error_line(capsys)


def test_bad_checkpoints(trained, tmp_path, capsys):
    capsys.readouterr()
    missing = tmp_path / "nope.npz"
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(trained.read_bytes()[: trained.stat().st_size // 2])
    other = tmp_path / "word.npz"
    save({"kind": "word_rnn", "format_version": 1, "model": {}}, other)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    newer = tmp_path / "newer.npz"
    ckpt = load(trained)
    ckpt["format_version"] = 99
    save(ckpt, newer)
    broken = tmp_path / "broken.npz"
    ckpt = load(trained)
    ckpt["model"]["decoder.weight"] = np.zeros((3, 3), dtype=np.float32)
    save(ckpt, broken)
    for path, match in [(missing, "does not exist"), (truncated, "cannot be read"), (other, "'word_rnn' model"),
                        (text, "cannot be read"), (newer, "format version"),
                            (broken, "array model.decoder.weight has shape (3, 3)")]:
        assert cli.main(["sample", "--checkpoint", str(path)]) == 2
        line = error_line(capsys)
        assert match in line
        # one sentence: the path named once, no nested 'cannot load checkpoint ...' from the loader
        assert line.count(str(path)) == 1 and "cannot load checkpoint" not in line, line
        assert cli.main(["train", "--resume", str(path), "--quiet", "--out", str(tmp_path / "o")]) == 2
        error_line(capsys)


def test_resume_with_other_data_or_options_is_refused(trained, data, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text(TEXT.upper())
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(trained), "--data", str(other), "--quiet",
                     "--out", str(tmp_path / "o")]) == 2
    assert "differs" in error_line(capsys) or "lacks" in error_line(capsys)
    assert cli.main(["train", "--resume", str(trained), "--data", str(data), "--lr", "0.5", "--quiet",
                     "--out", str(tmp_path / "o")]) == 2
    line = error_line(capsys)
    assert "--lr 0.5 differs from the checkpoint's 0.1" in line and "drop it" in line, line
    assert cli.main(["train", "--resume", str(trained), "--data", str(data), "--lr", "0.5", "--hidden-size", "9",
                     "--quiet", "--out", str(tmp_path / "o")]) == 2
    line = error_line(capsys)
    assert "--hidden-size 9, --lr 0.5 differ from the checkpoint's 8, 0.1" in line and "drop them" in line, line


def test_plot_writes_a_png(data, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "20", "--plot") == 0
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_is_a_clear_error(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert train(data, tmp_path / "run", "--max-iters", "5", "--plot") == 2
    assert "matplotlib" in error_line(capsys)
    assert not (tmp_path / "run" / "last.npz").exists()


def test_default_corpus_is_the_stdlib_source_and_says_so(tmp_path, capsys):
    assert cli.main(["train", "--corpus-chars", "5000", "--max-iters", "3", "--out", str(tmp_path / "o"),
                     "--hidden-size", "4", "--quiet", "--sample-every", "0"]) == 0
    assert "standard library" in capsys.readouterr().out
    # resuming needs no data options: the corpus size is recorded in the checkpoint
    assert cli.main(["train", "--resume", str(tmp_path / "o" / "last.npz"), "--max-iters", "5",
                     "--out", str(tmp_path / "o"), "--quiet", "--sample-every", "0"]) == 0
    assert load_checkpoint(tmp_path / "o" / "last.npz")["progress"]["iteration"] == 5


def test_a_new_run_refuses_to_replace_an_earlier_runs_checkpoints(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "20") == 0
    last, best = (out / "last.npz").read_bytes(), (out / "best.npz").read_bytes()
    capsys.readouterr()
    assert train(data, out, "--max-iters", "5") == 2
    line = error_line(capsys)
    assert "already holds checkpoints" in line and f"--resume {out / 'last.npz'}" in line
    assert "--overwrite" in line and "--out" in line
    assert (out / "last.npz").read_bytes() == last and (out / "best.npz").read_bytes() == best
    # only a best.npz left behind counts too
    (out / "last.npz").unlink()
    assert train(data, out, "--max-iters", "5") == 2
    assert "already holds checkpoints" in error_line(capsys)
    assert (out / "best.npz").read_bytes() == best


def test_a_refused_out_suggests_only_what_is_there(data, tmp_path, capsys):
    # only best.previous.npz (an --overwrite run that saved no best) or only best.npz: no last.npz to --resume
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "20") == 0
    (out / "last.npz").unlink()
    capsys.readouterr()
    assert train(data, out, "--max-iters", "5") == 2
    line = error_line(capsys)
    assert f"--resume {out / 'best.npz'}" in line and "last.npz to" not in line
    assert cli.main(["train", "--resume", str(out / "best.npz"), "--max-iters", "30", "--quiet",
                     "--sample-every", "0"]) == 0
    (out / "last.npz").unlink()
    (out / "best.npz").rename(out / "best.previous.npz")
    before = (out / "best.previous.npz").read_bytes()
    capsys.readouterr()
    assert train(data, out, "--max-iters", "5") == 2
    line = error_line(capsys)
    assert "--resume" not in line and "--overwrite" in line and f"--init-from {out / 'best.previous.npz'}" in line
    assert (out / "best.previous.npz").read_bytes() == before and not (out / "last.npz").exists()
    assert cli.main(["train", "--data", str(data), "--out", str(tmp_path / "new"), "--init-from",
                     str(out / "best.previous.npz"), "--max-iters", "5", "--quiet", "--sample-every", "0"]) == 0


def test_overwrite_replaces_an_earlier_run_and_keeps_its_best_model_aside_until_it_has_its_own(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "20") == 0
    last, best = (out / "last.npz").read_bytes(), (out / "best.npz").read_bytes()
    capsys.readouterr()
    # the new run holds out no validation text, so it never writes a best.npz of its own: the earlier run's best
    # model is not lost, but moved aside, so that `sample` (best.npz first) reads this run's last.npz
    assert train(data, out, "--max-iters", "5", "--val-fraction", "0", "--overwrite") == 0
    assert load_checkpoint(out / "last.npz")["progress"]["iteration"] == 5
    assert (out / "last.npz").read_bytes() != last
    assert not (out / "best.npz").exists() and (out / "best.previous.npz").read_bytes() == best
    captured = capsys.readouterr()
    assert f"note: the earlier run's best model is kept as {out / 'best.previous.npz'}" in captured.err
    # a run that writes a best of its own replaces it
    assert train(data, out, "--max-iters", "20", "--overwrite") == 0
    assert (out / "best.npz").exists() and not (out / "best.previous.npz").exists()


def test_resume_may_write_into_its_own_directory(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "10") == 0
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--out", str(out), "--max-iters", "15",
                     "--quiet", "--sample-every", "0"]) == 0
    assert load_checkpoint(out / "last.npz")["progress"]["iteration"] == 15


def test_out_that_is_a_file_is_refused_before_training(data, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    for out in (blocker, blocker / "sub"):
        capsys.readouterr()
        assert train(data, out, "--max-iters", "3") == 2
        line = error_line(capsys)
        assert "is a file" in line and "--out" in line
        assert "iteration" not in capsys.readouterr().out  # nothing was trained
    assert blocker.read_text() == "not a directory"


def test_sample_help_shows_the_prime_default_once_and_without_a_raw_newline():
    sub = cli.build_parser()._subparsers._group_actions[0].choices["sample"]
    text = " ".join(sub.format_help().split())
    assert "default: a newline" in text and "(default: )" not in text


def test_no_progress_is_a_deprecated_alias_of_quiet_with_one_notice(data, tmp_path, capsys):
    out = tmp_path / "run"
    flags = [f for f in TINY if f != "--quiet"]
    assert cli.main(["train", "--data", str(data), "--out", str(out), *flags, "--no-progress", "--max-iters", "5"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["warning: --no-progress is deprecated for `char-rnn train`; use --quiet"]
    assert cli.build_parser().parse_args(["train", "--no-progress"]).quiet is True
    assert "--no-progress" not in cli.build_parser()._subparsers._group_actions[0].choices["train"].format_help()


def test_a_resumed_run_writes_next_to_its_checkpoint_unless_out_is_given(data, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default --out would be checkpoints/char_rnn here
    run = tmp_path / "run"
    assert train(data, run, "--max-iters", "10") == 0
    assert cli.main(["train", "--resume", str(run / "last.npz"), "--max-iters", "15", *TINY]) == 0
    assert load_checkpoint(run / "last.npz")["progress"]["iteration"] == 15
    assert not (tmp_path / "checkpoints").exists()
    other = tmp_path / "other"
    assert cli.main(["train", "--resume", str(run / "last.npz"), "--out", str(other), "--max-iters", "20",
                     *TINY]) == 0
    assert load_checkpoint(other / "last.npz")["progress"]["iteration"] == 20
    assert load_checkpoint(run / "last.npz")["progress"]["iteration"] == 15


def test_sample_defaults_to_the_best_then_the_last_model_of_the_default_out(data, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["sample", "--length", "5"]) == 2
    assert "no --checkpoint given and neither checkpoints/char_rnn/best.npz nor" in error_line(capsys)
    assert cli.main(["train", "--data", str(data), *TINY, "--max-iters", "20"]) == 0
    out = tmp_path / "checkpoints" / "char_rnn"
    capsys.readouterr()
    assert cli.main(["sample", "--length", "30", "--seed", "1"]) == 0
    default = capsys.readouterr().out
    assert cli.main(["sample", "--checkpoint", str(out / "best.npz"), "--length", "30", "--seed", "1"]) == 0
    assert capsys.readouterr().out == default
    (out / "best.npz").unlink()
    assert cli.main(["sample", "--length", "30", "--seed", "1"]) == 0


@pytest.mark.parametrize("argv, option", [
    (["train", "--hidden-size", "x"], "--hidden-size"), (["train", "--max-iters", "1.5"], "--max-iters"),
    (["sample", "--length", "many"], "--length"), (["train", "--max-time", "soon"], "--max-time"),
])
def test_a_bad_number_is_one_line_naming_the_option(capsys, argv, option):
    assert cli.main(argv) == 2
    line = error_line(capsys)
    assert f"argument {option}: invalid" in line and "usage" not in line


@pytest.mark.parametrize("value", ["inf", "nan", "0"])
def test_temperature_must_be_positive_and_finite(trained, capsys, value):
    capsys.readouterr()
    assert cli.main(["sample", "--checkpoint", str(trained), "--temperature", value]) == 2
    assert f"--temperature must be a positive finite number, got {float(value)}" in error_line(capsys)


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_save_and_stop_a_training_subprocess(data, tmp_path, sig):
    """The signal a service manager or a closed terminal sends saves a checkpoint, like Ctrl-C (exit 130)."""
    out = tmp_path / "run"
    argv = ["train", "--data", str(data), "--out", str(out), *TINY]
    returncode, stdout, stderr = signal_after_first_checkpoint("models.char_rnn", argv, out, sig)
    assert returncode == 130, stderr
    assert f"interrupted: saved {out / 'last.npz'}" in stderr and f"continue with --resume {out / 'last.npz'}" in stderr
    assert "Traceback" not in stderr and "interrupted" not in stdout
    assert load_checkpoint(out / "last.npz")["progress"]["iteration"] >= 10


def test_resume_with_nothing_to_train_is_refused_and_an_unchanged_best_is_not_claimed(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "20") == 0
    before = (out / "last.npz").read_bytes()
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--max-iters", "20", "--quiet"]) == 2
    assert "nothing to train" in error_line(capsys) and (out / "last.npz").read_bytes() == before
    best = (out / "best.npz").read_bytes()
    # one more iteration: whether or not it made a better model, the last line says what happened to best.npz
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--max-iters", "21", "--quiet"]) == 0
    said = capsys.readouterr().out
    if (out / "best.npz").read_bytes() == best:
        assert "the best so far, unchanged" in said and f"and {out / 'best.npz'}" not in said
    else:
        assert f"and {out / 'best.npz'}" in said


def test_a_resumed_run_keeps_its_max_iters_and_cadence_unless_given_again(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "20", "--eval-every", "7", "--sample-every", "0") == 0
    ckpt = load_checkpoint(out / "last.npz")
    assert ckpt["run_goal"] == {"max_iters": 20, "eval_every": 7, "sample_every": 0}
    capsys.readouterr()
    # the goal is reached: resuming without --max-iters says so (the run's own goal), instead of training forever
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--quiet"]) == 2
    assert "--max-iters is 20 (the run's own" in error_line(capsys)
    # a larger --max-iters goes on, validating every 7 iterations as the run did
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--max-iters", "28"]) == 0
    said = capsys.readouterr().out
    assert "the run's own --eval-every 7, --sample-every 0" in said and "iter 21:" in said and "iter 28:" in said
    assert load_checkpoint(out / "last.npz")["run_goal"] == {"max_iters": 28, "eval_every": 7, "sample_every": 0}


def test_a_finished_run_goes_on_for_max_time_alone_as_the_refusal_suggests(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(data, out, "--max-iters", "10") == 0
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--max-iters", "10"]) == 2
    assert "(or --max-time alone)" in error_line(capsys)
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--max-time", "0.5"]) == 0
    assert load_checkpoint(out / "last.npz")["progress"]["iteration"] > 10
    # the run's goal is still its own --max-iters: a plain --resume has nothing to do, it does not train forever
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(out / "last.npz")]) == 2
    assert "nothing to train" in error_line(capsys)
