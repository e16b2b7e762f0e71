"""Stop signals at exact moments of a char-rnn or word-rnn run, sent as real signals to a real process
(tests/signal_driver.py): during start-up, before training, during the save on stop, after the run reached its
goal, and an --overwrite run stopped before it has a best model as good as the earlier run's."""
import pytest

from cli_subprocess import run_with_signal_plan
from test_char_rnn_cli import TEXT, TINY as CHAR_TINY
from test_word_rnn_cli import TINY as WORD_TINY, _text

from models.char_rnn.checkpoint import load_checkpoint as load_char
from models.word_rnn.checkpoint import load_checkpoint as load_word


@pytest.fixture
def char_data(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def word_data(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(_text(), encoding="utf-8")
    return path


def char_train(data, out, *extra):
    return ["train", "--data", str(data), "--out", str(out), *CHAR_TINY, *extra]


def word_train(data, out, *extra):
    return ["train", "--data", str(data), "--out", str(out), *WORD_TINY, *extra]


def char_best(path):
    return load_char(path)["progress"]["best_val"]


def word_best(path):
    return load_word(path)["training"]["best_val"]


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("tool", ["char", "word"])
def test_a_signal_during_start_up_is_one_line_and_exit_130(tmp_path, char_data, sig, tool):
    # sent before the CLI modules (numpy, the model) are imported: it ended the process silently (SIGTERM, SIGHUP)
    # or with a KeyboardInterrupt traceback (Ctrl-C)
    out = tmp_path / "run"
    code, stdout, stderr = run_with_signal_plan(tool, f"startup:{sig}", ["train", "--data", str(char_data),
                                                                          "--out", str(out)])
    assert (code, stdout, stderr) == (130, "", "interrupted during start-up; nothing was done or saved\n")
    assert not out.exists()


@pytest.mark.parametrize("tool", ["char", "word"])
def test_a_signal_before_training_started_says_that_nothing_was_saved(tmp_path, char_data, word_data, tool):
    out = tmp_path / "run"
    argv = char_train(char_data, out) if tool == "char" else word_train(word_data, out)
    code, stdout, stderr = run_with_signal_plan(tool, "line:BLAS threads:SIGTERM", argv)  # printed before training
    assert (code, stderr) == (130, "interrupted before training started; nothing was saved\n")
    assert not out.exists()


@pytest.mark.parametrize("during", ["last.npz", "best.npz"])
def test_char_a_second_signal_during_the_save_on_stop_lets_it_complete(tmp_path, char_data, during):
    # stopped at iteration 25, before its first scheduled validation: it validates, then writes last.npz and
    # best.npz; the second SIGTERM came while it wrote one of them, and last.npz recorded a best value no best.npz held
    out = tmp_path / "run"
    code, stdout, stderr = run_with_signal_plan("char", f"step:25:SIGTERM,write:{during}:SIGTERM",
                                                char_train(char_data, out, "--eval-every", "1000"))
    last, best = out / "last.npz", out / "best.npz"
    assert code == 130
    assert stderr == f"interrupted: saved {last} and {best}; continue with --resume {last}\n"
    assert load_char(last)["progress"]["iteration"] == load_char(best)["progress"]["iteration"] == 25
    assert char_best(last) is not None and char_best(last) == char_best(best)


@pytest.mark.parametrize("plan, steps", [("step:7:SIGTERM,write:last.npz:SIGTERM", 7),  # the final save
                                         ("step:10:SIGTERM,write:best.npz:SIGTERM", 10)])  # a validation's pair
def test_word_a_second_signal_during_a_save_lets_it_complete(tmp_path, word_data, plan, steps):
    out = tmp_path / "run"
    code, stdout, stderr = run_with_signal_plan("word", plan, word_train(word_data, out, "--epochs", "1000",
                                                                         "--eval-every", "10"))
    last, best = out / "last.npz", out / "best.npz"
    assert code == 130
    assert stderr == f"interrupted: saved '{last}' ({steps} sentences done); continue with --resume {last}\n"
    assert load_word(last)["training"]["steps"] == steps
    if best.exists():
        assert word_best(last) == word_best(best) is not None
    else:
        assert word_best(last) is None


@pytest.mark.parametrize("tool", ["char", "word"])
def test_a_signal_once_the_run_has_reached_its_goal_changes_nothing(tmp_path, char_data, word_data, tool):
    # the signal arrives during the closing save of a run that has reached --max-iters / --max-sentences: the run
    # is complete, so it reports as one (char-rnn said "interrupted" and exited 130, word-rnn 0)
    out = tmp_path / "run"
    if tool == "char":
        argv = char_train(char_data, out, "--max-iters", "25", "--eval-every", "1000", "--checkpoint-every", "1000")
        done = f"saved {out / 'last.npz'}"
    else:
        argv = word_train(word_data, out, "--max-sentences", "25", "--eval-every", "1000")
        done = "stopped (max-sentences) after 25 sentences; saved"
    code, stdout, stderr = run_with_signal_plan(tool, "write:last.npz:SIGTERM", argv)
    assert (code, stderr) == (0, "")
    assert done in stdout


@pytest.mark.parametrize("tool", ["char", "word"])
def test_overwrite_keeps_the_earlier_best_until_this_runs_is_as_good(tmp_path, char_data, word_data, tool):
    out = tmp_path / "run"
    if tool == "char":  # the new run is stopped at iteration 25, before its first scheduled validation
        earlier = char_train(char_data, out, "--max-iters", "300", "--eval-every", "100")
        new = char_train(char_data, out, "--eval-every", "1000", "--overwrite")
        plan, best_of = "step:25:SIGTERM", char_best
    else:  # the new run is stopped after its first validation (sentence 10)
        earlier = word_train(word_data, out, "--epochs", "3", "--lr", "0.05")
        new = word_train(word_data, out, "--epochs", "3", "--lr", "0.05", "--eval-every", "10", "--overwrite")
        plan, best_of = "step:10:SIGTERM", word_best
    code, _, stderr = run_with_signal_plan(tool, "", earlier)
    assert code == 0, stderr
    kept, old = (out / "best.npz").read_bytes(), best_of(out / "best.npz")
    code, _, stderr = run_with_signal_plan(tool, plan, new)
    assert code == 130, stderr
    previous = out / "best.previous.npz"
    assert best_of(out / "best.npz") > old  # this run's own best, worse than the earlier run's
    assert previous.read_bytes() == kept
    assert f"note: {previous} (the earlier run's best model) is kept: this run's best model is not as good" in stderr
    # a run whose best is as good replaces it (the earlier run again: the same model, the same best value)
    code, _, stderr = run_with_signal_plan(tool, "", [*earlier, "--overwrite"])
    assert code == 0, stderr
    assert not previous.exists() and best_of(out / "best.npz") == old


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_stop_signal_whose_keyboard_interrupt_was_dropped_still_stops_before_training(capsys):
    # a SIGTERM while a library's __del__ runs (word-rnn's corpus preparation): Python prints the KeyboardInterrupt
    # and drops it, and the run went on to train as if never signalled
    import signal

    from models.common import errors
    from models.common.signals import StopOnSignal

    class CleansUp:
        def __del__(self):
            signal.raise_signal(signal.SIGTERM)

    def main(argv):
        errors.interrupted_line("interrupted before training started; nothing was saved")
        CleansUp()  # dropped at once: its __del__ runs, the signal's KeyboardInterrupt is lost
        with StopOnSignal():
            return 0

    assert errors.run_cli(main, []) == 130
    assert capsys.readouterr().err.endswith("interrupted before training started; nothing was saved\n")
