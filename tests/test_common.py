"""models/common, the spine both CLIs share: signals, the checkpoint envelope, sampling, the loop skeleton."""
import io
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from models.common import UserError
from models.common.checkpoint import load_envelope, one_line, save_envelope
from models.common.sampling import (argmax, check_temperature, inverse_cdf, softmax, softmax_weights,
                                    top_k_filter)
from models.common.signals import StopOnSignal
from models.common.training import (Budget, Conflict, check_out_dir, default_checkpoint, make_optimizer,
                                    progress_bar, refuse_resume_conflicts)
from tinygrad_rnn import load, nn, save


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_the_first_signal_sets_the_flag_a_second_aborts_and_handlers_come_back(sig):
    signum = getattr(signal, sig)
    before = signal.getsignal(signum)
    with StopOnSignal() as stop:
        assert not stop.requested
        signal.raise_signal(signum)
        assert stop.requested and stop.name == sig
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signum)
    assert signal.getsignal(signum) is before


def test_once_the_run_has_saved_further_signals_are_ignored():
    # a second Ctrl-C after the final save has nothing to abort: it must not add a second "interrupted" line
    with StopOnSignal() as stop:
        signal.raise_signal(signal.SIGTERM)
        stop.saved()
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGINT)
    assert stop.requested and stop.signum == signal.SIGTERM


def test_a_signal_the_process_ignores_stays_ignored_through_training():
    # nohup's SIGHUP, a script's background job's SIGINT: training must not start reacting to them
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with StopOnSignal() as stop:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) == stop._handle  # the others are still caught
            signal.raise_signal(signal.SIGHUP)
            assert not stop.requested
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


def test_outside_the_main_thread_no_handler_is_installed():
    seen = {}

    def run():
        with StopOnSignal() as stop:
            seen["handler"] = signal.getsignal(signal.SIGTERM)
            seen["requested"] = stop.requested

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen == {"handler": signal.SIG_DFL, "requested": False}


# a signal that lands while run_cli cleans up (the run's work already saved) ends quietly, not in a traceback
_LATE_SIGNAL = r"""
import signal, sys
from models.common import errors
real = signal.signal
def signal_then_late_arrival(sig, handler):
    if handler is signal.SIG_IGN and not getattr(signal_then_late_arrival, "sent", False):
        signal_then_late_arrival.sent = True
        signal.raise_signal(signal.{late})  # arrives just as the clean-up begins
    return real(sig, handler)
def main(argv):
    signal.signal = signal_then_late_arrival
    return {code}
sys.exit(errors.run_cli(main))
"""


@pytest.mark.parametrize("late", ["SIGINT", "SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("code", [0, 130])
def test_a_signal_during_run_clis_clean_up_is_ignored(late, code):
    proc = subprocess.run([sys.executable, "-c", _LATE_SIGNAL.format(late=late, code=code)],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (code, "")


def test_envelope_round_trip_and_every_problem_is_one_line(tmp_path):
    path = tmp_path / "deep" / "dir" / "x.npz"  # the directory is created
    save_envelope({"a": np.arange(3)}, path, "thing", 2)
    ckpt = load_envelope(path, "thing", 2, program="thing-tool train")
    assert ckpt["kind"] == "thing" and ckpt["format_version"] == 2 and ckpt["a"].tolist() == [0, 1, 2]
    cases = {"missing": (tmp_path / "nope.npz", "does not exist; give a .npz written by `thing-tool train`")}
    (tmp_path / "text.npz").write_text("hello")
    cases["unreadable"] = (tmp_path / "text.npz", "cannot be read: it is not an .npz (zip) file")
    save({"no": "kind"}, tmp_path / "nokind.npz")
    cases["not a checkpoint"] = (tmp_path / "nokind.npz", "is not a thing-tool checkpoint (no model kind")
    save({"kind": "other", "format_version": 1}, tmp_path / "other.npz")
    cases["kind"] = (tmp_path / "other.npz", "is not a thing-tool checkpoint (it holds a 'other' model)")
    save({"kind": "thing", "format_version": 3}, tmp_path / "newer.npz")
    cases["newer"] = (tmp_path / "newer.npz", "has format version 3, this program reads up to 2; upgrade")
    for name, (p, match) in cases.items():
        with pytest.raises(UserError) as err:
            load_envelope(p, "thing", 2, program="thing-tool train")
        text = str(err.value)
        assert match in text, (name, text)
        assert "\n" not in text and text.count(str(p)) == 1 and "cannot load checkpoint" not in text, text
    assert one_line(ValueError("a\n  b\tc")) == "a b c" and one_line(ValueError("x" * 400)).endswith(" ...")


def test_sampling_helpers():
    z = np.array([1.0, 3.0, 2.0, 3.0])
    assert argmax(z) == 1
    assert np.isclose(softmax(z).sum(), 1.0) and softmax_weights(z).max() == 1.0
    np.testing.assert_allclose(softmax(z, 0.5), softmax(2 * z))
    kept = top_k_filter(z, 2)
    assert np.isfinite(kept).sum() == 2 and set(np.flatnonzero(np.isfinite(kept))) == {1, 3}
    assert top_k_filter(z, None) is z and top_k_filter(z, 9) is z
    with pytest.raises(ValueError):
        top_k_filter(z, 0)
    rng = np.random.default_rng(0)
    draws = np.bincount([inverse_cdf([1.0, 0.0, 3.0], rng) for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(draws, [0.25, 0.0, 0.75], atol=0.03)
    with pytest.raises(ValueError):
        inverse_cdf([0.0, 0.0], rng)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(UserError, match="--temperature must be a positive finite number"):
            check_temperature(bad)
    assert check_temperature(0.7) == 0.7


def test_make_optimizer_keeps_each_models_adagrad_rule():
    p = nn.Parameter(np.ones(3))
    classic = make_optimizer("adagrad", [p], 0.1, adagrad="min-char-rnn")
    torch_like = make_optimizer("adagrad", [p], 0.1)
    assert classic.param_groups[0]["eps"] == 1e-8 and classic.param_groups[0]["eps_inside_sqrt"] is True
    assert torch_like.param_groups[0]["eps"] == 1e-10 and not torch_like.param_groups[0]["eps_inside_sqrt"]
    assert {type(make_optimizer(n, [p], 0.1)).__name__ for n in ("sgd", "adam", "rmsprop")} == {"SGD", "Adam",
                                                                                              "RMSprop"}
    with pytest.raises(ValueError):
        make_optimizer("lbfgs", [p], 0.1)


def test_budget_counts_the_same_way_for_both_trainers(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("models.common.training.time.perf_counter", lambda: clock[0])
    b = Budget(max_time=10, max_count=50, epochs=2, count_name="max-sentences")
    clock[0] = 200.0  # preparing the corpus took 100 s: it does not count
    b.start()
    assert b.reason(49, 1) is None and b.time_left() == 10
    assert b.reason(50, 1) == "max-sentences" and b.reason(0, 2) == "epochs"
    clock[0] = 210.0
    assert b.reason(0, 0) == "max-time" and b.time_left() == 0
    assert Budget().unbounded and not Budget(max_time=1).unbounded


def test_progress_bar_writes_plain_lines_when_stderr_is_not_a_terminal():
    buf = io.StringIO()
    bar = progress_bar(10, 0, "it", file=buf, mininterval=0)
    for _ in range(10):
        bar.update(1)
    bar.close()
    text = buf.getvalue()
    assert "\r" not in text and text.count("\n") >= 2 and "10/10" in text.splitlines()[-1]
    assert " 0/10 " not in text  # not tqdm's frame at creation, which says nothing in a log
    resumed = io.StringIO()
    bar = progress_bar(None, 5883, "it", file=resumed)
    bar.update(2)
    bar.close()
    assert resumed.getvalue().splitlines() == [resumed.getvalue().splitlines()[-1]] and "5885it" in resumed.getvalue()
    quiet = io.StringIO()
    bar = progress_bar(10, 0, "it", quiet=True, file=quiet)
    bar.update(5)
    bar.close()
    assert quiet.getvalue() == ""


def test_out_dir_checks_and_the_default_checkpoint(tmp_path):
    out = tmp_path / "run"
    check_out_dir(out, None, False)  # nothing there yet
    out.mkdir()
    (out / "best.npz").write_bytes(b"x")
    with pytest.raises(UserError, match=r"already holds checkpoints of an earlier run \(its best.npz, no last.npz\); "
                                        "pass --resume .*best.npz"):
        check_out_dir(out, None, False)
    check_out_dir(out, None, True)
    check_out_dir(out, str(out / "best.npz"), False)  # resuming into its own directory
    with pytest.raises(UserError, match="give only one of them"):
        check_out_dir(out, str(out / "best.npz"), True)
    assert default_checkpoint(str(out), "x train") == str(out / "best.npz")
    (out / "best.npz").unlink()
    (out / "last.npz").write_bytes(b"x")
    assert default_checkpoint(str(out), "x train") == str(out / "last.npz")
    with pytest.raises(UserError, match="train a model first with `x train`"):
        default_checkpoint(str(tmp_path / "empty"), "x train")


def test_one_message_for_resume_conflicts():
    refuse_resume_conflicts([])
    with pytest.raises(UserError) as err:
        refuse_resume_conflicts([Conflict("--lr", 0.5, 0.1)])
    assert str(err.value).startswith("--lr 0.5 differs from the checkpoint's 0.1; drop it or start a new run")
    with pytest.raises(UserError) as err:
        refuse_resume_conflicts([Conflict("--hidden-size", 9, 8), Conflict("--lowercase", True, False),
                                 Conflict("--bptt-truncate", None, 4), Conflict("--init", "pytorch")])
    assert str(err.value).startswith("--hidden-size 9, --lowercase, --bptt-truncate none, --init pytorch differ from "
                                     "the checkpoint's 8, run (trained without --lowercase), 4, (none recorded); "
                                     "drop them or start a new run")


def test_resuming_best_into_its_own_directory_refuses_to_write_over_the_runs_last(tmp_path):
    from models.common import UserError
    from models.common.training import check_out_dir

    out = tmp_path / "run"
    out.mkdir()
    (out / "last.npz").write_bytes(b"later")
    (out / "best.npz").write_bytes(b"earlier")
    with pytest.raises(UserError, match=r"would write over .*last.npz.*pass a new --out DIR"):
        check_out_dir(out, str(out / "best.npz"), False)
    check_out_dir(out, str(out / "last.npz"), False)  # continuing the run itself
    check_out_dir(tmp_path / "branch", str(out / "best.npz"), False)  # going on from best elsewhere
    (out / "last.npz").unlink()
    check_out_dir(out, str(out / "best.npz"), False)  # nothing further along to lose


def test_plot_paths_get_png_and_refuse_non_images():
    from models.common import UserError
    from models.common.plotting import plot_path

    assert plot_path("curves") == "curves.png" and plot_path("a/b.svg") == "a/b.svg"
    with pytest.raises(UserError, match=r"--plot 'gf.txt': .txt is not an image format"):
        plot_path("gf.txt")


class _UserNet(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.lin = nn.Linear(n, n)


def test_a_whole_module_file_given_as_a_checkpoint_is_one_line(tmp_path):
    path = tmp_path / "net.pt"
    save(_UserNet(3), path)
    with pytest.raises(UserError, match=r"cannot be read: Weights only load failed"):
        load_envelope(path, "char_rnn", 1)


def test_word_gradflow_fresh_model_keeps_the_trained_class_layout():
    from models.word_rnn.gradflow import fresh_like
    from models.word_rnn.model import WordRNNLM

    counts = np.arange(12, 0, -1) * 7
    model = WordRNNLM(12, 5, None, "rnn", softmax="class", word_counts=counts)
    fresh = fresh_like(model, seed=1)
    np.testing.assert_array_equal(fresh.word_counts, counts)
    np.testing.assert_array_equal(fresh.output.class_of_word, model.output.class_of_word)


def test_a_rescued_final_save_of_a_fresh_run_says_where_it_went_and_nothing_contrary(tmp_path):
    from models.common.training import RunFiles
    files = RunFiles(tmp_path / "last.npz", tmp_path / "best.npz", warn=lambda line: None)
    files.failing = "Permission denied"
    err = files.final_failure(lambda path: save({"x": np.zeros(1)}, path))
    message = str(err)
    rescued = Path(message.split("saved to ")[1].split(" instead")[0])
    try:
        assert rescued.is_file() and "can be written again (room, permissions)" in message
        assert "no checkpoint was saved" not in message and "lost" not in message
    finally:
        rescued.unlink()
        rescued.parent.rmdir()


def _runs_best(path, what, value):
    save({"what": what, "value": value}, path)


def _measure(path):
    obj = load(path)
    return obj["what"], obj["value"]


def _overwrite_run(tmp_path, notes, best=None, what="same text"):
    """One --overwrite run into tmp_path: its first save is last.npz, then (if ``best``) a best.npz of that value."""
    from models.common.training import RunFiles
    files = RunFiles(tmp_path / "last.npz", tmp_path / "best.npz", overwrite=True, warn=notes.append, measure=_measure)
    files.save(lambda p: save({"state": 1}, p), tmp_path / "last.npz")
    if best is not None:
        files.save(lambda p: _runs_best(p, what, best), tmp_path / "best.npz")
    return files


def test_a_second_overwrite_keeps_the_better_of_the_earlier_runs_best_models(tmp_path):
    _runs_best(tmp_path / "best.npz", "same text", 2.94)  # run 1: the good model
    save({"state": 0}, tmp_path / "last.npz")
    notes = []
    _overwrite_run(tmp_path, notes, best=3.76)  # run 2, stopped early: worse, run 1's is kept aside
    assert _measure(tmp_path / "best.previous.npz")[1] == 2.94
    _overwrite_run(tmp_path, notes, best=3.94)  # run 3: run 2's worse best goes, run 1's stays
    assert _measure(tmp_path / "best.previous.npz")[1] == 2.94 and _measure(tmp_path / "best.npz")[1] == 3.94
    assert any("the best model of the earlier runs, stays" in n for n in notes)
    _overwrite_run(tmp_path, notes, best=2.5)  # run 4 beats them all: nothing earlier needs keeping
    assert not (tmp_path / "best.previous.npz").exists() and _measure(tmp_path / "best.npz")[1] == 2.5


def test_an_overwritten_best_better_than_the_kept_one_replaces_it(tmp_path):
    _runs_best(tmp_path / "best.previous.npz", "same text", 3.5)
    _runs_best(tmp_path / "best.npz", "same text", 3.0)  # the overwritten run's best is better
    _overwrite_run(tmp_path, [], best=None)
    assert _measure(tmp_path / "best.previous.npz")[1] == 3.0 and not (tmp_path / "best.npz").exists()


def test_best_models_that_cannot_be_compared_are_both_kept(tmp_path):
    _runs_best(tmp_path / "best.previous.npz", "another text", 1.0)
    _runs_best(tmp_path / "best.npz", "same text", 3.0)
    notes = []
    _overwrite_run(tmp_path, notes, best=None)
    assert _measure(tmp_path / "best.previous.1.npz") == ("another text", 1.0)
    assert _measure(tmp_path / "best.previous.npz") == ("same text", 3.0)
    assert any("best.previous.1.npz" in n for n in notes)


def test_the_earlier_best_goes_aside_even_when_this_runs_first_save_is_its_best(tmp_path):
    from models.common.training import RunFiles
    _runs_best(tmp_path / "best.npz", "same text", 2.0)
    files = RunFiles(tmp_path / "last.npz", tmp_path / "best.npz", overwrite=True, warn=lambda n: None,
                     measure=_measure)
    files.save(lambda p: _runs_best(p, "same text", 4.0), tmp_path / "best.npz")
    assert _measure(tmp_path / "best.previous.npz")[1] == 2.0  # not replaced unseen by the worse new best


def test_an_earlier_best_that_cannot_be_moved_aside_is_never_replaced(tmp_path, monkeypatch):
    import models.common.training as training
    _runs_best(tmp_path / "best.npz", "same text", 2.0)
    notes = []
    files = training.RunFiles(tmp_path / "last.npz", tmp_path / "best.npz", overwrite=True, warn=notes.append,
                              measure=_measure)

    # os.replace refused (say, permissions) inside the move: the earlier best stays where it is
    monkeypatch.setattr(training.RunFiles, "_move_previous_best", lambda self: None)
    assert files.save(lambda p: save({"state": 1}, p), tmp_path / "last.npz")  # the first save: last.npz
    assert not files.save(lambda p: _runs_best(p, "same text", 4.0), tmp_path / "best.npz")
    assert _measure(tmp_path / "best.npz")[1] == 2.0 and any("could not keep" in n for n in notes)
    monkeypatch.undo()  # the move works again: this run's best goes in, the earlier one aside
    assert files.save(lambda p: _runs_best(p, "same text", 4.0), tmp_path / "best.npz")
    assert _measure(tmp_path / "best.previous.npz")[1] == 2.0 and _measure(tmp_path / "best.npz")[1] == 4.0


def test_a_reading_command_given_a_runs_directory_loads_its_best_else_its_last(tmp_path):
    from models.common.training import checkpoint_to_read
    run = tmp_path / "c1"
    run.mkdir()
    save({"x": 1}, run / "last.npz")
    assert checkpoint_to_read(str(run), "unused", "char-rnn train") == str(run / "last.npz")
    save({"x": 2}, run / "best.npz")
    assert checkpoint_to_read(str(run), "unused", "char-rnn train") == str(run / "best.npz")
    assert checkpoint_to_read(str(run / "last.npz"), "unused", "char-rnn train") == str(run / "last.npz")
    empty = tmp_path / "empty"
    empty.mkdir()  # no checkpoint inside: given as it is, so the loader's one line names it
    assert checkpoint_to_read(str(empty), "unused", "char-rnn train") == str(empty)
