"""The fault battery (issue 11): signals at random points, kill -9 mid-save, a full disk, a read-only --out,
closed pipes, bad files and corrupt checkpoints, against both trainers. Every case checks what a user sees
(the exit code, one line on stderr, no traceback) and what is left on disk (the last checkpoint loadable,
never older than the one before, no orphaned temporary file after a clean exit, an exact resume).

Subprocesses are bounded in time and use tiny models and corpora; the whole file runs in well under two
minutes. FAULT_SEED picks other random points (default 0, so CI is repeatable).
"""
import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cli_subprocess import default_stop_signals
from models.char_rnn import cli as char_cli
from models.char_rnn.checkpoint import load_checkpoint as load_char
from models.common import UserError, read_text_file
from models.common.training import DivergenceWatch
from models.word_rnn import cli as word_cli
from models.word_rnn import data as wdata
from models.word_rnn.checkpoint import load_checkpoint as load_word
from models.word_rnn.text import read_documents
from tinygrad_rnn import load, save, serialization

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
RNG = random.Random(int(os.environ.get("FAULT_SEED", "0")))

CHAR_TEXT = ("The quick brown fox jumps over the lazy dog. " * 8 + "Pack my box with five dozen liquor jugs.\n") * 6
CHAR_TINY = ["--preset", "min-char-rnn", "--hidden-size", "8", "--seq-length", "6", "--eval-every", "50", "--sample-every", "0",
             "--checkpoint-every", "40", "--quiet"]
WORD_TINY = ["--vocab-size", "20", "--hidden-size", "8", "--quiet", "--seed", "1", "--eval-every", "40", "--lr", "0.05"]
CHAR_GOAL, WORD_GOAL = 600, 400  # iterations / sentences of the runs that are interrupted and resumed


def _word_text(n=60, seed=0):
    rng = random.Random(seed)
    subj, verb = ["The cat", "A dog", "My friend", "The old man"], ["saw", "liked", "found", "met"]
    obj = ["the garden", "a small house", "the river", "his brother"]
    return "\n\n".join(f"{rng.choice(subj)} {rng.choice(verb)} {rng.choice(obj)}." for _ in range(n))


@pytest.fixture
def char_data(tmp_path):
    p = tmp_path / "char.txt"
    p.write_text(CHAR_TEXT, encoding="utf-8")
    return p


@pytest.fixture
def word_data(tmp_path):
    p = tmp_path / "word.txt"
    p.write_text(_word_text(), encoding="utf-8")
    return p


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def in_process(cli, capsys, argv):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def char_train_argv(data, out, *extra):
    return ["train", "--data", str(data), "--out", str(out), *CHAR_TINY, *extra]


def word_train_argv(data, out, *extra):
    return ["train", "--data", str(data), "--out", str(out), *WORD_TINY, "--epochs", "1000", *extra]


def params(path, kind):
    ckpt = load_char(path) if kind == "char" else load_word(path)
    return {k: np.asarray(v) for k, v in ckpt["model"].items()}


def progress(path, kind):
    ckpt = load_char(path) if kind == "char" else load_word(path)
    return int(ckpt["progress"]["iteration"]) if kind == "char" else int(ckpt["training"]["sentences"])


def orphans(directory):
    return sorted(p.name for p in Path(directory).glob(".*.tmp"))


def spawn(module, argv):
    # the stop signals at their defaults, as for a command a shell runs in the foreground
    return subprocess.Popen([sys.executable, "-m", module, *argv], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_stop_signals)


def finish(proc, timeout=60):
    try:
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


# ------------------------------------------------------------------------------------------ signals
@pytest.mark.parametrize("kind", ["char", "word"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_at_a_random_point_saves_stops_and_resumes_exactly(kind, sig, char_data, word_data, tmp_path,
                                                                   capsys):
    """From the first line of output on (corpus preparation, training, evaluation, saving), a signal
    stops the run with exit 130 and one line; what it saved resumes to exactly the uninterrupted result."""
    data = char_data if kind == "char" else word_data
    module, cli = ("models.char_rnn", char_cli) if kind == "char" else ("models.word_rnn", word_cli)
    goal = ["--max-iters", str(CHAR_GOAL)] if kind == "char" else ["--max-sentences", str(WORD_GOAL)]
    argv = char_train_argv if kind == "char" else word_train_argv
    ref, out = tmp_path / "ref", tmp_path / "run"
    assert cli.main(argv(data, ref, *goal)) == 0
    capsys.readouterr()

    proc = spawn(module, argv(data, out, *goal))
    try:
        assert proc.stdout.readline(), "the run printed nothing"
        time.sleep(RNG.uniform(0.0, 0.6))
        if proc.poll() is None:
            proc.send_signal(getattr(signal, sig))
        _, stderr = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in stderr, stderr
    if proc.returncode == 0:  # the run ended before the signal came: nothing to resume
        assert stderr.strip() == "" or "warning" in stderr
        return
    assert proc.returncode == 130, stderr
    one_error_line(stderr)
    assert orphans(out) == []
    last = out / "last.npz"
    if not last.exists():  # stopped before training began: nothing to save, nothing lost
        assert stderr.strip() == "interrupted"
        return
    assert "interrupted: saved" in stderr and f"--resume {last}" in stderr
    code, _, err = in_process(cli, capsys, ["train", "--resume", str(last), *goal, "--quiet"])
    # a signal during the final evaluation/save of a run that had reached its goal leaves a checkpoint at the
    # goal: resuming it is refused in one line, and the checkpoint must already be the uninterrupted result
    assert code == 0 or (code == 2 and "nothing to train" in err), err
    mine, theirs = params(last, kind), params(ref / "last.npz", kind)
    assert mine.keys() == theirs.keys()
    for k in mine:
        np.testing.assert_array_equal(mine[k], theirs[k], err_msg=k)


def test_kill_9_mid_save_repeatedly_never_loses_or_rolls_back_a_checkpoint(char_data, tmp_path):
    """A checkpoint every iteration of a model large enough for saving to take a while, killed at random
    five times: what is on disk is always a loadable checkpoint, never older than the one seen before;
    the next start removes the temporary files the killed writer left; a clean end leaves none."""
    out = tmp_path / "run"
    last = out / "last.npz"
    seen = -1
    argv = char_train_argv(char_data, out, "--hidden-size", "96", "--checkpoint-every", "1", "--max-iters", "100000")
    for attempt in range(5):
        run = argv if not last.exists() else ["train", "--resume", str(last), "--checkpoint-every", "1", "--quiet",
                                              "--max-iters", "100000", "--sample-every", "0"]
        if not last.exists() and attempt:
            run = run + ["--overwrite"]
        proc = spawn("models.char_rnn", run)
        try:
            assert proc.stdout.readline()
            deadline = time.monotonic() + 30
            while not (last.exists() and progress(last, "char") > seen) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(RNG.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert last.exists()
        now = progress(last, "char")  # loadable, whatever the kill interrupted
        assert now >= seen
        seen = now
    stray = out / ".last.npz.0123456789ab.tmp"
    stray.write_bytes(b"half a checkpoint")  # as a kill in the middle of a write leaves it
    assert char_cli.main(["train", "--resume", str(last), "--max-iters", str(seen + 5), "--quiet",
                          "--sample-every", "0"]) == 0
    assert orphans(out) == [] and progress(last, "char") == seen + 5


def test_a_second_signal_while_saving_aborts_at_once_and_leaves_a_loadable_checkpoint(char_data, tmp_path):
    out = tmp_path / "run"
    last = out / "last.npz"
    for attempt in range(2):
        argv = char_train_argv(char_data, out, "--hidden-size", "96", "--checkpoint-every", "1", "--max-iters",
                               "100000", "--overwrite")
        proc = spawn("models.char_rnn", argv)
        try:
            assert proc.stdout.readline()
            deadline = time.monotonic() + 30
            while not last.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(RNG.uniform(0.0, 0.2))
            proc.send_signal(signal.SIGTERM)
            time.sleep(RNG.uniform(0.0, 0.01))
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            _, stderr = finish(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 130, stderr
        assert one_error_line(stderr).startswith("interrupted")
        assert progress(last, "char") >= 1 and orphans(out) == []


# ------------------------------------------------------------------------------------------ disk
def _full_disk(monkeypatch, fail_calls):
    """tinygrad_rnn.save's writer raises ENOSPC after a few bytes on the given (1-based) calls."""
    real = serialization._write_npz
    calls = {"n": 0}

    def writer(f, arrays, compress):
        calls["n"] += 1
        if calls["n"] in fail_calls:
            f.write(b"PK\x03\x04partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(f, arrays, compress)

    monkeypatch.setattr(serialization, "_write_npz", writer)
    return calls


def test_char_a_full_disk_keeps_training_warns_once_and_retries(char_data, tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    seen = {}

    def watch(trainer):
        if trainer.iteration == 79:  # the save at 40 worked; the ones at 80 and 120 will fail
            seen["before"] = (out / "last.npz").read_bytes()
    calls = _full_disk(monkeypatch, fail_calls={3, 4})  # save 1: last@40, 2: last@50 (best), 3: best@50 ...
    args = char_cli.build_parser().parse_args(char_train_argv(char_data, out, "--max-iters", "200", "--eval-every",
                                                              "1000"))
    calls["n"] = 0
    code = char_cli.train_command(args, on_iteration=watch)
    captured = capsys.readouterr()
    assert code == 0
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "No space left on device" in warnings[0] and "retried" in warnings[0], captured.err
    assert "saved" in captured.err and "Traceback" not in captured.err
    assert progress(out / "last.npz", "char") == 200 and orphans(out) == []


@pytest.mark.parametrize("rescue", [True, False])
def test_char_a_full_disk_at_the_final_save_keeps_the_previous_checkpoint(rescue, char_data, tmp_path, capsys,
                                                                          monkeypatch):
    out = tmp_path / "run"
    assert char_cli.main(char_train_argv(char_data, out, "--max-iters", "40")) == 0
    before = (out / "last.npz").read_bytes()
    capsys.readouterr()
    # the disk of --out is full; the temporary directory the run's state is rescued to has room, or not
    opened = []
    real_open = serialization._open_temp_beside
    monkeypatch.setattr(serialization, "_open_temp_beside", lambda path: opened.append(path) or real_open(path))
    real_write = serialization._write_npz

    def writer(f, arrays, compress):
        if str(out) in opened[-1] or not rescue:
            f.write(b"PK\x03\x04partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(f, arrays, compress)
    monkeypatch.setattr(serialization, "_write_npz", writer)
    code, _, err = in_process(char_cli, capsys, ["train", "--resume", str(out / "last.npz"), "--max-iters", "100",
                                                 "--quiet"])
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("warning:") and lines[-1].startswith("error: the final checkpoint could not be "
                                                                    "written") and len(lines) == 2, err
    assert f"the last good checkpoint is kept at {out / 'last.npz'}" in lines[-1]
    assert (out / "last.npz").read_bytes() == before and orphans(out) == []
    if rescue:
        rescued = Path(lines[-1].split("saved to ")[1].split(" instead")[0])
        assert progress(rescued, "char") == 100
        if _best_val(rescued) < _best_val(out / "best.npz"):  # a better best, not written either: rescued with it
            assert f"mv {rescued} {rescued.with_name('best.npz')} {out}/`" in lines[-1]
        else:
            assert f"mv {rescued} {out / 'last.npz'}`" in lines[-1]
        import shutil
        shutil.rmtree(rescued.parent)
    else:
        assert "the training of this session is lost" in lines[-1]


def _best_val(path):
    return float(load_char(path)["progress"]["best_val"])


def test_char_out_gone_read_only_mid_run_rescues_the_newer_best_with_last(char_data, tmp_path, capsys, monkeypatch):
    """--out turns read-only after a best.npz was saved; a later validation is better still, and the final save
    fails: the rescue directory holds last.npz AND that better best.npz, the closing validation line is printed,
    and the one printed command puts both in place, so the resumed run's best value is best.npz's model."""
    import shlex
    out = tmp_path / "run"
    read_only = {"on": False}
    real_open = serialization._open_temp_beside

    def open_temp(path):
        if read_only["on"] and str(out) in path:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path)
    monkeypatch.setattr(serialization, "_open_temp_beside", open_temp)
    seen = {}

    def remount(trainer):
        if trainer.iteration == 110:  # best.npz of iteration 100 is on disk
            read_only["on"] = True
            seen["best_on_disk"] = trainer.best_val
    args = char_cli.build_parser().parse_args(char_train_argv(char_data, out, "--max-iters", "300"))
    with pytest.raises(UserError) as failure:
        char_cli.train_command(args, on_iteration=remount)
    read_only["on"] = False
    stdout = capsys.readouterr().out
    assert seen["best_on_disk"] == pytest.approx(_best_val(out / "best.npz"))
    line = str(failure.value)
    assert line.startswith("the final checkpoint could not be written") and "Read-only file system" in line, line
    assert "iteration 300: validation" in stdout, stdout  # the validation the rescued checkpoint records
    rescued = Path(line.split("saved to ")[1].split(" ")[0])
    rescued_best = rescued.with_name("best.npz")
    session_best = _best_val(rescued)
    assert session_best < seen["best_on_disk"], "the test needs a better validation after the remount"
    assert rescued_best.exists() and _best_val(rescued_best) == session_best
    assert progress(rescued, "char") == 300
    model = params(rescued_best, "char")
    command = line.split("`")[1]
    subprocess.run(command, shell=True, check=True)
    assert not rescued.exists() and not rescued_best.exists()
    rescued.parent.rmdir()
    assert _best_val(out / "best.npz") == _best_val(out / "last.npz") == session_best
    assert all(np.array_equal(model[k], v) for k, v in params(out / "best.npz", "char").items())
    assert f"--resume {shlex.quote(str(out / 'last.npz'))}" in line or f"--resume {out / 'last.npz'}" in line


def test_char_a_best_that_could_not_be_saved_follows_the_next_saved_last(char_data, tmp_path, capsys, monkeypatch):
    """The best of a validation whose save failed is written (as it was then) right after the next last.npz that
    is saved, so last.npz never records a best value that best.npz's model does not have."""
    out = tmp_path / "run"
    real_open = serialization._open_temp_beside
    state = {"iteration": 0}

    def open_temp(path):
        if 110 <= state["iteration"] <= 155 and str(out) in path:  # read-only for the validation at 150
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path)
    monkeypatch.setattr(serialization, "_open_temp_beside", open_temp)
    seen = {}

    def watch(trainer):
        state["iteration"] = trainer.iteration
        if trainer.iteration == 150:
            seen["best"] = trainer.best_val
            seen["model"] = {k: v.copy() for k, v in trainer.model.state_arrays().items()}
        if trainer.iteration == 161:  # last.npz was saved at 160 (--checkpoint-every 40)
            seen["last"] = load_char(out / "last.npz")["progress"]
            seen["best.npz"] = load_char(out / "best.npz")
    args = char_cli.build_parser().parse_args(char_train_argv(char_data, out, "--max-iters", "170"))
    assert char_cli.train_command(args, on_iteration=watch) == 0
    assert int(seen["last"]["iteration"]) == 160 and seen["last"]["best_val"] == seen["best"]
    best = seen["best.npz"]
    assert int(best["progress"]["iteration"]) == 150 and best["progress"]["best_val"] == seen["best"]
    assert all(np.array_equal(np.asarray(best["model"][k]), v) for k, v in seen["model"].items())
    assert f"saved {out / 'best.npz'} too: the run's best model" in capsys.readouterr().err


def test_word_a_full_disk_keeps_training_and_retries(word_data, tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    _full_disk(monkeypatch, fail_calls={1, 2})
    code, _, err = in_process(word_cli, capsys, word_train_argv(word_data, out, "--max-sentences", "200"))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: cannot write")]
    assert len(warnings) == 1 and "No space left on device" in warnings[0], err
    assert progress(out / "last.npz", "word") == 200 and orphans(out) == []


@pytest.mark.parametrize("kind", ["char", "word"])
def test_an_unwritable_out_is_refused_before_any_work(kind, char_data, word_data, capsys):
    cli = char_cli if kind == "char" else word_cli
    argv = char_train_argv(char_data, "/proc/tinygrad-rnn-run") if kind == "char" else \
        word_train_argv(word_data, "/proc/tinygrad-rnn-run")
    code, out, err = in_process(cli, capsys, argv)
    assert code == 2 and "is not writable" in one_error_line(err) and out == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory anyway")
def test_a_read_only_out_is_refused_before_any_work(char_data, tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        code, stdout, err = in_process(char_cli, capsys, char_train_argv(char_data, out / "run"))
    finally:
        out.chmod(0o755)
    assert code == 2 and "is not writable" in one_error_line(err) and stdout == ""


# ------------------------------------------------------------------------------------------ lost work
@pytest.mark.parametrize("kind", ["char", "word"])
@pytest.mark.parametrize("failure", ["bad option", "diverges"])
def test_overwrite_removes_nothing_before_the_new_run_has_saved(kind, failure, char_data, word_data, tmp_path,
                                                                capsys):
    cli = char_cli if kind == "char" else word_cli
    argv = char_train_argv if kind == "char" else word_train_argv
    data = char_data if kind == "char" else word_data
    goal = ["--max-iters", "100"] if kind == "char" else ["--max-sentences", "100"]
    out = tmp_path / "run"
    assert cli.main(argv(data, out, *goal)) == 0
    before = {name: (out / name).read_bytes() for name in ("last.npz", "best.npz")}
    capsys.readouterr()
    if failure == "bad option":
        bad = ["--seq-length", "5000"] if kind == "char" else ["--bptt-truncate", "2", "--cell", "gru"]
    else:
        bad = ["--lr", "1e30"] if kind == "char" else ["--lr", "1e4"]
    code, _, err = in_process(cli, capsys, argv(data, out, *goal, *bad, "--overwrite"))
    assert code == 2
    line = one_error_line(err)
    if failure == "diverges":
        assert "diverged" in line and "the earlier run's files" in line and "untouched" in line, line
    assert {name: (out / name).read_bytes() for name in before} == before


def test_the_best_value_travels_in_every_checkpoint(char_data, tmp_path, capsys):
    out = tmp_path / "run"
    assert char_cli.main(char_train_argv(char_data, out, "--max-iters", "120")) == 0  # evals at 50, 100, 120
    last, best = load_char(out / "last.npz"), load_char(out / "best.npz")
    history = [float(x) for x in last["progress"]["history"]["val_bpc"]]
    assert len(history) == 3 and last["progress"]["best_val"] == best["progress"]["best_val"]
    assert last["progress"]["best_val"] == pytest.approx(min(history) * np.log(2))


def test_a_resumed_run_never_replaces_best_with_a_worse_model(char_data, tmp_path, capsys):
    out = tmp_path / "run"
    assert char_cli.main(char_train_argv(char_data, out, "--max-iters", "60")) == 0
    ckpt = load(out / "last.npz")
    ckpt["progress"]["best_val"] = 1e-6  # a best model no later evaluation can beat
    save(ckpt, out / "last.npz")
    best = (out / "best.npz").read_bytes()
    capsys.readouterr()
    code, stdout, _ = in_process(char_cli, capsys, ["train", "--resume", str(out / "last.npz"), "--max-iters",
                                                    "160", "--quiet", "--eval-every", "50"])
    assert code == 0 and "(best)" not in stdout
    assert (out / "best.npz").read_bytes() == best


def test_a_resumed_run_reads_the_best_value_of_its_best_npz(char_data, word_data, tmp_path, capsys, monkeypatch):
    """A last.npz that does not know the best value (written by an older version, or before the run's last
    evaluation): the run's own best.npz says it, and a worse model never replaces it."""
    import models.word_rnn.train as wtrain
    from models.char_rnn.train import Trainer
    out = tmp_path / "c"
    assert char_cli.main(char_train_argv(char_data, out, "--max-iters", "60")) == 0
    recorded = load_char(out / "best.npz")["progress"]["best_val"]
    ckpt = load(out / "last.npz")
    ckpt["progress"]["best_val"] = None
    save(ckpt, out / "last.npz")
    best = (out / "best.npz").read_bytes()
    monkeypatch.setattr(Trainer, "evaluate", lambda self, chunk=256: recorded + 0.2)  # worse, yet not uniform
    capsys.readouterr()
    code, stdout, _ = in_process(char_cli, capsys, ["train", "--resume", str(out / "last.npz"), "--max-iters",
                                                    "160", "--quiet"])
    assert code == 0 and "(best)" not in stdout and (out / "best.npz").read_bytes() == best

    out = tmp_path / "w"
    assert word_cli.main(word_train_argv(word_data, out, "--max-sentences", "80")) == 0
    recorded = load_word(out / "best.npz")["training"]["best_val"]
    ckpt = load(out / "last.npz")
    ckpt["training"]["best_val"] = None
    save(ckpt, out / "last.npz")
    best = (out / "best.npz").read_bytes()
    monkeypatch.setattr(wtrain, "evaluate", lambda model, encoded, idx: (recorded + 0.2, 10))
    assert word_cli.main(["train", "--resume", str(out / "last.npz"), "--max-sentences", "200", "--quiet"]) == 0
    assert (out / "best.npz").read_bytes() == best


@pytest.mark.parametrize("lr", ["1e3", "1e30"])
def test_char_divergence_under_clipping_stops_and_never_marks_a_best(lr, char_data, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = in_process(char_cli, capsys, char_train_argv(char_data, out, "--max-iters", "3000",
                                                                    "--lr", lr))
    assert code == 2
    line = one_error_line(err)
    assert "diverged" in line and "uniform" in line and "lower --lr" in line
    assert not (out / "best.npz").exists() and "(best)" not in stdout


def test_word_divergence_stops_with_a_clear_line(word_data, tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = in_process(word_cli, capsys, word_train_argv(word_data, out, "--lr", "1e4", "--max-sentences",
                                                                "2000"))
    assert code == 2
    line = one_error_line(err)
    assert "diverged" in line and "lower --lr" in line
    assert not (out / "best.npz").exists()


def test_a_model_worse_than_uniform_is_never_marked_best(char_data, tmp_path, capsys, monkeypatch):
    from models.char_rnn.train import Trainer
    monkeypatch.setattr(Trainer, "evaluate", lambda self, chunk=256: 9.0)  # > log 31 nats: worse than uniform
    out = tmp_path / "run"
    code, stdout, _ = in_process(char_cli, capsys, char_train_argv(char_data, out, "--max-iters", "60"))
    assert code == 0 and "(best)" not in stdout and "no model better than a uniform guess yet" in stdout
    assert not (out / "best.npz").exists() and (out / "last.npz").exists()
    watch = DivergenceWatch(100)
    assert watch.better_than_uniform(np.log(100) - 0.01) and not watch.better_than_uniform(np.log(100))


def test_word_saves_on_a_sentence_and_a_time_cadence(word_data, tmp_path, capsys):
    from models.word_rnn.train import TrainConfig, train
    seen = []
    cfg = TrainConfig(data=str(word_data), vocab_size=20, hidden_size=8, quiet=True, epochs=1000,
                      max_sentences=60, checkpoint_every=7, checkpoint_minutes=None, out=str(tmp_path / "a"))
    train(cfg, on_step=lambda step: seen.append(progress(tmp_path / "a" / "last.npz", "word")
                                                if (tmp_path / "a" / "last.npz").exists() else 0))
    assert seen[6] == 0 and seen[7] == 7 and seen[14] == 14 and 14 in seen  # saved after sentences 7, 14, ...
    seen.clear()
    cfg = TrainConfig(data=str(word_data), vocab_size=20, hidden_size=8, quiet=True, epochs=1000,
                      max_sentences=20, checkpoint_minutes=1e-9, out=str(tmp_path / "b"))
    train(cfg, on_step=lambda step: seen.append(progress(tmp_path / "b" / "last.npz", "word")
                                                if (tmp_path / "b" / "last.npz").exists() else 0))
    assert seen == list(range(20))  # every step once a (tiny) interval has passed


# ------------------------------------------------------------------------------------------ closed stdout
def test_sample_into_a_closed_pipe_ends_quietly(char_data, tmp_path):
    out = tmp_path / "run"
    assert char_cli.main(char_train_argv(char_data, out, "--max-iters", "20")) == 0
    for module, argv in [("models.char_rnn", ["sample", "--checkpoint", str(out / "last.npz"), "--length",
                                              "200000"])]:
        proc = spawn(module, argv)
        proc.stdout.read(5)
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=60)
        assert proc.returncode == 0 and err == "", err


def test_word_generate_into_a_closed_pipe_ends_quietly(word_data, tmp_path):
    out = tmp_path / "run"
    assert word_cli.main(word_train_argv(word_data, out, "--max-sentences", "40")) == 0
    proc = subprocess.Popen(f"{sys.executable} -m models.word_rnn generate --checkpoint {out / 'last.npz'} "
                            "--num 20000 --seed 1 | head -n 2", shell=True, cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = finish(proc)
    assert len(stdout.splitlines()) == 2 and stderr == "", stderr


def test_train_into_a_closed_pipe_trains_on_and_saves(char_data, tmp_path):
    out = tmp_path / "run"
    cmd = (f"{sys.executable} -m models.char_rnn train --data {char_data} --out {out} --preset min-char-rnn --hidden-size 8 "
           "--seq-length 6 --eval-every 10 --sample-every 10 --sample-length 50 --max-iters 300 --quiet | head -n 1; "
           "echo ${PIPESTATUS[0]}")
    proc = subprocess.run(["bash", "-c", cmd], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=90, check=False)
    assert proc.stdout.splitlines()[-1] == "0" and "Traceback" not in proc.stderr, proc.stderr
    assert progress(out / "last.npz", "char") == 300


# ------------------------------------------------------------------------------------------ one line, not a traceback
@pytest.mark.parametrize("cli, argv", [
    (char_cli, ["train", "--seed", "-1"]), (char_cli, ["sample", "--seed", "-3"]),
    (word_cli, ["train", "--seed", "-1"]), (word_cli, ["generate", "--seed", "-1"]),
    (word_cli, ["gradcheck", "--seed", "-1"]),
])
def test_a_negative_seed_is_one_line(cli, argv, capsys):
    code, _, err = in_process(cli, capsys, argv)
    assert code == 2 and "argument --seed: must be a non-negative integer, got" in one_error_line(err)


@pytest.mark.parametrize("cli, argv", [
    (char_cli, ["train", "--hidden-size", "x"]), (word_cli, ["train", "--hidden-size", "x"]),
    (char_cli, ["sample", "--length", "1.5"]), (word_cli, ["generate", "--num", "many"]),
])
def test_a_bad_integer_is_one_line_in_both_clis(cli, argv, capsys):
    code, _, err = in_process(cli, capsys, argv)
    assert code == 2 and "invalid int value" in one_error_line(err) and "usage" not in err


def test_a_huge_hidden_size_is_refused_with_the_figure(char_data, word_data, tmp_path, capsys):
    code, _, err = in_process(char_cli, capsys, char_train_argv(char_data, tmp_path / "c", "--hidden-size",
                                                                "2000000"))
    assert code == 2 and "of memory" in one_error_line(err) and "TB" in err
    code, _, err = in_process(word_cli, capsys, word_train_argv(word_data, tmp_path / "w", "--hidden-size",
                                                                "2000000"))
    assert code == 2 and "of memory" in one_error_line(err)


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_non_regular_data_file_is_refused_by_type(special, tmp_path, capsys):
    path = special
    if special == "fifo":
        path = str(tmp_path / "fifo")
        os.mkfifo(path)
    for cli, argv in [(char_cli, ["train", "--data", path, "--out", str(tmp_path / "c")]),
                      (word_cli, ["train", "--data", path, "--out", str(tmp_path / "w")])]:
        code, _, err = in_process(cli, capsys, argv)
        assert code == 2 and "not a regular file" in one_error_line(err)


def test_a_cache_of_valid_json_but_the_wrong_shape_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("WORD_RNN_CACHE_DIR", str(tmp_path))
    first = wdata.default_corpus(False, max_chars=20_000)
    (cache,) = tmp_path.rglob("word_rnn_stdlib_*.json")
    for wrong in ({"sentences": 5, "description": 1}, [1, 2], {"sentences": [["a", 3]], "description": "x"}):
        cache.write_text(json.dumps(wrong))
        assert wdata.default_corpus(False, max_chars=20_000).sentences == first.sentences
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = cache.with_suffix(f".tmp{dead.pid}")  # what a writer killed mid-write leaves (its PID gone)
    killed.write_text("{half")
    cache.unlink()
    wdata.default_corpus(False, max_chars=20_000)
    assert not killed.exists() and json.loads(cache.read_text())["sentences"] == first.sentences


def _corrupt(path, kind, how):
    ckpt = load(path)
    name = next(iter(ckpt["model"]))
    arr = np.asarray(ckpt["model"][name])
    ckpt["model"][name] = {"nan": np.full_like(arr, np.nan), "inf": np.full_like(arr, np.inf),
                           "int": arr.astype(np.int64), "shape": np.zeros((arr.shape[0] + 1,) + arr.shape[1:],
                                                                           arr.dtype)}[how]
    save(ckpt, path)
    return name


@pytest.mark.parametrize("how, match", [("nan", "NaN or infinite"), ("inf", "NaN or infinite"),
                                        ("int", "not floating point"), ("shape", "has shape")])
def test_a_corrupt_but_parseable_checkpoint_is_refused_naming_the_array(how, match, char_data, word_data,
                                                                        tmp_path, capsys):
    c, w = tmp_path / "c", tmp_path / "w"
    assert char_cli.main(char_train_argv(char_data, c, "--max-iters", "10")) == 0
    assert word_cli.main(word_train_argv(word_data, w, "--max-sentences", "10")) == 0
    capsys.readouterr()
    cname, wname = _corrupt(c / "last.npz", "char", how), _corrupt(w / "last.npz", "word", how)
    for cli, argv, name in [
        (char_cli, ["sample", "--checkpoint", str(c / "last.npz")], cname),
        (char_cli, ["train", "--resume", str(c / "last.npz"), "--max-iters", "20", "--quiet"], cname),
        (word_cli, ["generate", "--checkpoint", str(w / "last.npz")], wname),
        # --epochs 1 would be "nothing to train" for a sound checkpoint: the corrupt array is named first
        (word_cli, ["train", "--resume", str(w / "last.npz"), "--epochs", "1", "--quiet"], wname),
    ]:
        code, _, err = in_process(cli, capsys, argv)
        line = one_error_line(err)
        assert code == 2 and match in line and f"model.{name}" in line, line


# ------------------------------------------------------------------------------------------ hints
def test_latin1_text_gets_an_iconv_command_that_works(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("café au lait, naïve façade\n".encode("latin-1"))
    with pytest.raises(UserError, match="iconv -f LATIN1 -t UTF-8") as info:
        read_text_file(p)
    command = str(info.value).split("`")[1].split(">")[0].split()
    converted = subprocess.run(command, capture_output=True, check=False)  # the suggested command really converts it
    if converted.returncode == 0:
        assert converted.stdout.decode("utf-8") == "café au lait, naïve façade\n"
    p.write_bytes("“smart quotes”".encode("cp1252"))
    with pytest.raises(UserError, match="iconv -f WINDOWS-1252"):
        read_text_file(p)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_a_byte_order_mark_is_honoured(encoding, tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffHello, wörld.\n".encode(encoding))
    assert read_text_file(p) == "Hello, wörld.\n"


def test_windows_and_old_mac_line_ends_read_as_newlines(tmp_path, capsys):
    unix, windows = tmp_path / "unix.txt", tmp_path / "windows.txt"
    unix.write_bytes(b"First line.\nSecond line.\n\nThird.\n" * 40)
    windows.write_bytes(b"First line.\r\nSecond line.\r\n\r\nThird.\r\n" * 40)
    (tmp_path / "mac.txt").write_bytes(b"First line.\rSecond line.\r\rThird.\r" * 40)
    assert read_text_file(windows) == read_text_file(tmp_path / "mac.txt") == read_text_file(unix)
    # so a model trained on the Unix copy goes on training on the Windows one (same characters, same text)
    out = tmp_path / "run"
    assert char_cli.main(char_train_argv(unix, out, "--max-iters", "5")) == 0
    capsys.readouterr()
    code, _, err = in_process(char_cli, capsys, ["train", "--resume", str(out / "last.npz"), "--data", str(windows),
                                                 "--max-iters", "10"])
    assert code == 0, err


def test_a_broken_utf16_file_names_its_encoding(tmp_path):
    p = tmp_path / "bad16.txt"
    p.write_bytes(b"\xff\xfeh\x00i\x00\x00")  # odd length after the mark
    with pytest.raises(UserError, match="UTF-16 byte-order mark"):
        read_text_file(p)


def test_a_csv_field_over_128k_is_read(tmp_path):
    p = tmp_path / "big.csv"
    long = "word " * 40_000
    p.write_text(f'text,id\n"{long}",1\nshort one,2\n', encoding="utf-8")
    assert [len(d) for d in read_documents(p)] == [len(long.strip()), len("short one")]


def test_an_unterminated_csv_quote_is_refused_with_its_line(tmp_path):
    p = tmp_path / "broken.csv"
    p.write_text('text,id\nfine,1\n"never closed,2\nmore,3\nand more,4\n', encoding="utf-8")
    with pytest.raises(UserError, match="unterminated quote.*starting on line 3"):
        read_documents(p)
    p.write_text('text,id\n"a ""quoted"" word",1\n"spans\ntwo lines",2\n', encoding="utf-8")
    assert read_documents(p) == ['a "quoted" word', "spans two lines"]  # (a document's lines are joined)


def test_the_ctrl_c_line_and_the_temperature_rule_are_the_same_in_both_clis(char_data, word_data, tmp_path,
                                                                            capsys):
    c, w = tmp_path / "c", tmp_path / "w"
    assert char_cli.main(char_train_argv(char_data, c, "--max-iters", "10")) == 0
    assert word_cli.main(word_train_argv(word_data, w, "--max-sentences", "10")) == 0
    capsys.readouterr()
    for cli, argv in [(char_cli, ["sample", "--checkpoint", str(c / "last.npz")]),
                      (word_cli, ["generate", "--checkpoint", str(w / "last.npz")])]:
        code, _, err = in_process(cli, capsys, [*argv, "--temperature", "inf"])
        assert code == 2 and "--temperature must be a positive finite number, got inf" in one_error_line(err)


# ------------------------------------------------------------------------------------------ first-run trip-ups
@pytest.mark.parametrize("kind", ["char", "word"])
def test_progress_off_a_terminal_is_plain_lines_without_carriage_returns(kind, char_data, word_data, tmp_path,
                                                                        capsys):
    if kind == "char":
        argv = [a for a in char_train_argv(char_data, tmp_path / "r", "--max-iters", "60") if a != "--quiet"]
        code, _, err = in_process(char_cli, capsys, argv)
    else:
        argv = [a for a in word_train_argv(word_data, tmp_path / "r", "--max-sentences", "60") if a != "--quiet"]
        code, _, err = in_process(word_cli, capsys, argv)
    assert code == 0 and "\r" not in err and "100%|" in err  # the final state of the bar, as a plain line


def test_the_default_run_does_not_bury_its_progress_bar_in_samples():
    args = char_cli.build_parser().parse_args(["train"])
    # --sample-every is left to the run (a resumed run keeps its own), defaulting to RUN_GOAL_DEFAULTS'
    assert args.sample_every is None and char_cli.RUN_GOAL_DEFAULTS["sample_every"] >= 50_000
    assert args.checkpoint_minutes == 5.0


def test_the_readme_commands_work_on_a_fresh_clone():
    """Every --data a README command names is a file of the repository, and the first word-rnn command
    evaluates (so it prints the validation line and writes the best model its README quotes)."""
    import shlex
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    commands = [shlex.split(line.split("  #")[0]) for line in readme.splitlines()
                if line.startswith(("char-rnn train", "word-rnn train"))]
    for words in commands:
        if "--data" in words:
            assert (ROOT / words[words.index("--data") + 1]).is_file(), words
        if "--plot" in words:
            pytest.fail(f"{words}: --plot needs matplotlib, which the main install lacks")
    first_word = next(w for w in commands if w[0] == "word-rnn")
    args = word_cli.build_parser().parse_args(first_word[1:])
    assert args.eval_every is not None and args.eval_every <= args.max_sentences


def test_gradcheck_of_a_checkpoint_without_a_valid_cell_is_one_line(word_data, tmp_path, capsys):
    out = tmp_path / "w"
    assert word_cli.main(word_train_argv(word_data, out, "--max-sentences", "10")) == 0
    ckpt = load(out / "last.npz")
    ckpt["config"].pop("cell")
    save(ckpt, out / "last.npz")
    capsys.readouterr()
    code, _, err = in_process(word_cli, capsys, ["gradcheck", "--checkpoint", str(out / "last.npz")])
    assert code == 2 and "no valid cell type" in one_error_line(err)


@pytest.mark.parametrize("cli", [char_cli, word_cli])
@pytest.mark.parametrize("value", ["inf", "nan", "0", "-5"])
def test_max_time_has_one_rule_in_both_clis(cli, value, char_data, word_data, tmp_path, capsys):
    data = char_data if cli is char_cli else word_data
    code, _, err = in_process(cli, capsys, ["train", "--data", str(data), "--out", str(tmp_path / "r"),
                                            "--max-time", value, "--quiet"])
    assert code == 2 and "--max-time must be a positive finite number of seconds" in one_error_line(err)
    assert not (tmp_path / "r").exists()


def test_a_checkpoint_that_is_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "ckpt.npz"
    os.mkfifo(fifo)
    for cli, argv in [(char_cli, ["sample", "--checkpoint", str(fifo)]),
                      (word_cli, ["generate", "--checkpoint", str(fifo)]),
                      (char_cli, ["train", "--resume", str(fifo)])]:
        code, _, err = in_process(cli, capsys, argv)
        assert code == 2 and "is not a regular file" in one_error_line(err)


def test_a_huge_batch_is_estimated_from_the_sentences_there_are(word_data, tmp_path, capsys):
    code, _, err = in_process(word_cli, capsys, word_train_argv(word_data, tmp_path / "w", "--batch-size",
                                                                "100000000", "--max-sentences", "5"))
    assert code == 0, err


def test_one_very_long_sentence_that_wrecks_a_word_model_is_caught(tmp_path, capsys):
    rng = random.Random(0)
    words = ["the", "cat", "dog", "saw", "a", "river", "house", "man", "old", "my", "friend", "liked", "found", "met"]
    paras = [" ".join(rng.choice(words) for _ in range(8)).capitalize() + "." for _ in range(300)]
    paras.insert(150, " ".join(rng.choice(words) for _ in range(20000)) + ".")  # the per-sentence loss is a sum
    data = tmp_path / "long.txt"
    data.write_text("\n\n".join(paras), encoding="utf-8")
    code, _, err = in_process(word_cli, capsys, ["train", "--data", str(data), "--out", str(tmp_path / "r"),
                                                 "--epochs", "3", "--vocab-size", "20", "--hidden-size", "16",
                                                 "--quiet", "--lr", "0.05", "--seed", "1"])
    assert code == 2 and "training diverged" in one_error_line(err)


def test_a_word_model_worse_than_uniform_is_never_marked_best(word_data, tmp_path, capsys, monkeypatch):
    import models.word_rnn.train as wtrain
    monkeypatch.setattr(wtrain, "evaluate", lambda model, encoded, idx: (9.0, 10))  # > log 20 nats per word
    out = tmp_path / "w"
    code, stdout, err = in_process(word_cli, capsys, ["train", "--data", str(word_data), "--out", str(out),
                                                      *WORD_TINY, "--epochs", "1"])
    assert code == 0, err
    assert not (out / "best.npz").exists() and "no model better than a uniform guess yet" in stdout


@pytest.mark.parametrize("kind", ["char", "word"])
def test_resuming_when_the_recorded_text_is_gone_says_so(kind, char_data, word_data, tmp_path, capsys):
    import shutil
    cli = char_cli if kind == "char" else word_cli
    argv = char_train_argv if kind == "char" else word_train_argv
    data = tmp_path / "moved" / Path(char_data if kind == "char" else word_data).name
    data.parent.mkdir()
    shutil.copy(char_data if kind == "char" else word_data, data)
    out = tmp_path / "run"
    assert cli.main(argv(data, out, *(["--max-iters", "20"] if kind == "char" else ["--max-sentences", "20"]))) == 0
    data.unlink()
    capsys.readouterr()
    goal = ["--max-iters", "40"] if kind == "char" else ["--max-sentences", "40"]
    code, _, err = in_process(cli, capsys, ["train", "--resume", str(out / "last.npz"), *goal])
    line = one_error_line(err)
    assert code == 2 and "the text this run was trained on" in line and "pass --data" in line, line


@pytest.mark.parametrize("kind", ["char", "word"])
def test_resuming_the_other_tool_s_best_npz_names_the_tool_first(kind, char_data, word_data, tmp_path, capsys):
    """--resume DIR/best.npz beside a DIR/last.npz, both written by the other tool: the refusal is that it is the
    other tool's checkpoint, not the resume conflict, whose suggestions (--resume DIR/last.npz, a new --out) would
    fail the same way."""
    import shutil
    other = tmp_path / "other"
    if kind == "char":  # char-rnn given word-rnn's run
        assert word_cli.main(word_train_argv(word_data, other, "--max-sentences", "20")) == 0
        cli, goal = char_cli, ["--max-iters", "40"]
    else:
        assert char_cli.main(char_train_argv(char_data, other, "--max-iters", "20")) == 0
        cli, goal = word_cli, ["--max-sentences", "40"]
    if not (other / "best.npz").exists():
        shutil.copy(other / "last.npz", other / "best.npz")
    capsys.readouterr()
    code, _, err = in_process(cli, capsys, ["train", "--resume", str(other / "best.npz"), *goal])
    line = one_error_line(err)
    assert code == 2 and f"is not a {kind}-rnn checkpoint" in line and "would write over" not in line, line


@pytest.mark.parametrize("kind", ["char", "word"])
def test_an_out_on_a_read_only_file_system_says_so(kind, char_data, word_data, tmp_path, capsys, monkeypatch):
    """A read-only mount (EROFS): access() says no even to root, and the reason is the file system, not the
    permissions; the line says which (root cannot make a directory read-only with chmod: the mount is simulated)."""
    from models.common import training
    mount = tmp_path / "romnt"
    mount.mkdir()
    real_access = os.access
    monkeypatch.setattr(training.os, "access", lambda path, mode, **kw: False if Path(path) == mount
                        else real_access(path, mode, **kw))

    def read_only(directory):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(directory))
    monkeypatch.setattr(training, "_write_test_file", read_only, raising=False)  # the write probe
    cli = char_cli if kind == "char" else word_cli
    argv = char_train_argv(char_data, mount / "run") if kind == "char" else word_train_argv(word_data, mount / "run")
    code, out, err = in_process(cli, capsys, argv)
    line = one_error_line(err)
    assert code == 2 and "is not writable" in line and "read-only file system" in line.lower(), line
    assert "permission denied" not in line.lower() and out == ""


def test_progress_off_a_terminal_ends_with_one_line_and_a_run_with_nothing_to_do_shows_none(char_data, tmp_path,
                                                                                           capsys):
    """To a log (stderr not a terminal) the bar's final state is printed once, also when --max-time ended the run
    (whose estimated total is set to the count reached); --max-iters 0 has no bar to show, and --quiet shows none."""
    argv = [a for a in char_train_argv(char_data, tmp_path / "timed", "--max-time", "0.5") if a != "--quiet"]
    code, _, err = in_process(char_cli, capsys, argv)
    bars = [line for line in err.splitlines() if "it/s" in line]
    assert code == 0 and len(bars) == 1 and "100%|" in bars[0], err
    for extra, out in ([], "zero"), (["--quiet"], "zero-quiet"):
        argv = [a for a in char_train_argv(char_data, tmp_path / out, "--max-iters", "0") if a != "--quiet"]
        code, _, err = in_process(char_cli, capsys, [*argv, *extra])
        assert code == 0 and "it/s" not in err and "0it" not in err and err == "", err


def test_word_a_best_that_could_not_be_saved_follows_the_next_saved_last(word_data, tmp_path, capsys, monkeypatch):
    """As char-rnn's: the best of a validation whose save failed is written (as it was then) after the next last.npz
    that is saved, so last.npz never records a best value that best.npz's model does not have."""
    out = tmp_path / "run"
    # saves at steps 10, 20, 30, then the validation at 40 (last.npz, the 4th write, fails: its best is held)
    _full_disk(monkeypatch, fail_calls={4})
    code, _, err = in_process(word_cli, capsys, word_train_argv(word_data, out, "--checkpoint-every", "10",
                                                                "--max-sentences", "50"))
    assert code == 0, err
    assert f"saved {out / 'best.npz'} too: the run's best model" in err, err
    last, best = load_word(out / "last.npz"), load_word(out / "best.npz")
    assert best["training"]["best_val"] == last["training"]["best_val"]
    assert int(best["training"]["sentences"]) == 40  # the model as it was at that validation
