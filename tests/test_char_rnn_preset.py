"""`char-rnn train --preset min-char-rnn` is the classic configuration; the default is another one; flags override."""
import math
from dataclasses import asdict

import pytest

from models.char_rnn import cli
from models.char_rnn.checkpoint import load_checkpoint
from models.char_rnn.train import PRESETS, TrainConfig

TEXT = ("The quick brown fox jumps over the lazy dog. " * 8 + "Pack my box with five dozen liquor jugs.\n") * 6
# min-char-rnn.py's settings, written out: the preset must stay exactly these
CLASSIC = dict(hidden_size=100, num_layers=1, cell="rnn", dropout=0.0, seq_length=25, batch_size=1,
               optimizer="adagrad", lr=0.1, clip=5.0, val_fraction=0.1, dtype="float32", seed=0, init=None)


def config_of(*argv):
    return cli._config_from_args(cli.build_parser().parse_args(["train", *argv]))


def test_the_preset_is_min_char_rnns_configuration():
    assert asdict(config_of("--preset", "min-char-rnn")) == CLASSIC
    assert asdict(TrainConfig.preset("min-char-rnn")) == CLASSIC


def test_the_default_is_a_gated_cell_over_a_batch_of_streams_with_adam():
    default = config_of()
    assert default == TrainConfig()
    assert default.cell in ("lstm", "gru") and default.batch_size > 1 and default.optimizer == "adam"
    assert config_of("--optimizer", "adam").lr == default.lr  # the default's own rate, not another rule's


def test_flags_given_with_a_preset_override_its_values():
    config = config_of("--preset", "min-char-rnn", "--hidden-size", "50", "--batch-size", "4")
    assert asdict(config) == {**CLASSIC, "hidden_size": 50, "batch_size": 4}
    # another optimizer brings its own usual learning rate unless --lr is given too
    assert config_of("--preset", "min-char-rnn", "--optimizer", "adam").lr == cli.DEFAULT_LR["adam"]
    assert config_of("--preset", "min-char-rnn", "--optimizer", "adam", "--lr", "0.01").lr == 0.01
    assert config_of("--preset", "min-char-rnn", "--optimizer", "adagrad").lr == 0.1
    assert config_of("--optimizer", "adagrad").lr == cli.DEFAULT_LR["adagrad"]
    assert config_of("--cell", "rnn").optimizer == TrainConfig().optimizer


def test_help_shows_the_default_and_the_preset():
    parser = cli.build_parser()
    text = " ".join(parser._subparsers._group_actions[0].choices["train"].format_help().split())
    d = TrainConfig()
    assert f"Default configuration: {d.cell} x{d.num_layers}, hidden {d.hidden_size}" in text
    assert ("min-char-rnn = rnn x1, hidden 100, seq-length 25, batch 1, adagrad lr 0.1, clip 5, min-char-rnn init"
            in text)
    assert "min-char-rnn" in " ".join(parser.format_help().split())
    assert set(PRESETS) == {"min-char-rnn"}


def test_a_preset_run_saves_the_classic_config_and_resume_keeps_it(tmp_path, capsys):
    data = tmp_path / "t.txt"
    data.write_text(TEXT)
    out = tmp_path / "run"
    run = ["--eval-every", "10", "--sample-every", "0", "--quiet"]
    assert cli.main(["train", "--data", str(data), "--out", str(out), "--preset", "min-char-rnn",
                     "--hidden-size", "8", "--max-iters", "12", *run]) == 0
    saved = load_checkpoint(out / "last.npz")["train_config"]
    assert {**saved, "hidden_size": 100} == CLASSIC and saved["hidden_size"] == 8
    capsys.readouterr()
    # resuming keeps the checkpoint's configuration; the command that started the run agrees with it...
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--preset", "min-char-rnn", "--hidden-size", "8",
                     "--max-iters", "15", *run]) == 0
    assert load_checkpoint(out / "last.npz")["progress"]["iteration"] == 15
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(out / "last.npz"), "--preset", "min-char-rnn", "--max-iters", "16",
                     *run]) == 2  # the preset's hidden size 100 is not the run's
    assert "--preset min-char-rnn differs from the checkpoint's hidden-size 8" in capsys.readouterr().err
    # ...but a run trained otherwise refuses it in one line that names what differs
    other = tmp_path / "other"
    assert cli.main(["train", "--data", str(data), "--out", str(other), "--hidden-size", "8", "--seq-length", "6",
                     "--batch-size", "2", "--max-iters", "3", *run]) == 0
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(other / "last.npz"), "--preset", "min-char-rnn", "--max-iters", "5",
                     *run]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--preset min-char-rnn differs from the checkpoint's" in err[0]
    assert f"cell {TrainConfig().cell}" in err[0] and "seq-length 6" in err[0]
    assert load_checkpoint(other / "last.npz")["progress"]["iteration"] == 3


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_default_configuration_trains_through_the_cli(tmp_path, capsys, cell):
    data = tmp_path / "t.txt"
    data.write_text(TEXT * 3)
    out = tmp_path / "run"
    assert cli.main(["train", "--data", str(data), "--out", str(out), "--hidden-size", "16", "--cell", cell,
                     "--batch-size", "4", "--seq-length", "16", "--max-iters", "80", "--eval-every", "80",
                     "--sample-every", "0", "--quiet"]) == 0
    ckpt = load_checkpoint(out / "best.npz")
    assert ckpt["train_config"]["optimizer"] == TrainConfig().optimizer and ckpt["model_config"]["cell"] == cell
    uniform = math.log(len(set(TEXT)))
    assert ckpt["progress"]["best_val"] < uniform - 0.3  # it learned something of the letter frequencies
