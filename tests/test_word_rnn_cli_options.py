"""The word CLI's new options in-process on tiny sizes: --softmax class|adaptive through train, score, eval
and generate; --tied's one-line refusal; a resume that contradicts the saved softmax; --data DIR and eval
--split; generate --prompt, --top-k, --argmax and --beam."""
import re

import numpy as np
import pytest

from models.word_rnn import cli
from models.word_rnn.checkpoint import load_checkpoint

from test_word_rnn_cli import TINY, _text


def _run(capsys, argv):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("c") / "corpus.txt"
    p.write_text(_text(), encoding="utf-8")
    return p


@pytest.fixture(scope="module", params=["class", "adaptive"])
def trained(request, corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    assert cli.main(["train", "--data", str(corpus), "--out", str(out), "--softmax", request.param, "--lr", "0.05",
                     "--num-layers", "2", "--embedding-size", "6", "--dropout", "0.1", *TINY]) == 0
    return out / "last.npz", request.param


def test_factorised_softmax_scores_evaluates_and_generates(trained, corpus, capsys):
    ck, softmax = trained
    assert load_checkpoint(ck)["config"]["softmax"] == softmax
    code, out, _ = _run(capsys, ["score", "--checkpoint", str(ck), "The cat saw the river."])
    assert code == 0
    logp, per_word, ppl = (float(v) for v in re.search(r"log-prob (\S+)  loss/token (\S+)  perplexity (\S+)", out).groups())
    assert per_word == pytest.approx(-logp / 7, rel=1e-3) and ppl == pytest.approx(np.exp(per_word), rel=1e-2)
    code, out, _ = _run(capsys, ["eval", "--checkpoint", str(ck), "--split", "valid"])
    assert code == 0 and "valid part of the checkpoint's split" in out
    history = load_checkpoint(ck)["training"]["history"]
    assert float(re.search(r"loss (\S+) per token", out).group(1)) == pytest.approx(history[-1]["loss"], abs=1e-4)
    code, out, _ = _run(capsys, ["generate", "--checkpoint", str(ck), "--num", "3", "--seed", "0"])
    assert code == 0 and len(out.strip().splitlines()) == 3


def test_a_resume_with_another_softmax_is_refused(trained, capsys):
    ck, softmax = trained
    other = "full" if softmax == "class" else "class"
    code, _, err = _run(capsys, ["train", "--resume", str(ck), "--softmax", other, "--epochs", "2"])
    assert code == 2 and "--softmax" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, words", [(["--tied", "--softmax", "adaptive"], "--softmax full"),
                                          (["--tied", "--embedding-size", "5"], "--embedding-size"),
                                          (["--cutoffs", "3,9"], "--softmax adaptive"),
                                          (["--softmax", "adaptive", "--cutoffs", "10,5"], "--cutoffs"),
                                          (["--tutorial", "--optimizer", "adam"], "--optimizer"),
                                          (["--dropout", "1.5"], "--dropout")])
def test_impossible_options_get_one_line(corpus, tmp_path, capsys, argv, words):
    code, _, err = _run(capsys, ["train", "--data", str(corpus), "--out", str(tmp_path / "o"), *TINY, *argv])
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "last.npz").exists()


def test_tied_model_trains_and_generates(corpus, tmp_path, capsys):
    code, _, _ = _run(capsys, ["train", "--data", str(corpus), "--out", str(tmp_path), "--tied", *TINY])
    assert code == 0
    code, out, err = _run(capsys, ["generate", "--checkpoint", str(tmp_path / "last.npz"), "--argmax",
                                   "--prompt", "The zebra saw"])
    assert code == 0 and out.startswith("The zebra saw") and "zebra" in err and "UNKNOWN_TOKEN" in err
    again = _run(capsys, ["generate", "--checkpoint", str(tmp_path / "last.npz"), "--argmax", "--prompt", "The zebra saw"])
    assert again[1] == out  # greedy decoding needs no seed
    code, out, _ = _run(capsys, ["generate", "--checkpoint", str(tmp_path / "last.npz"), "--beam", "4"])
    scores = [float(line.split()[0]) for line in out.strip().splitlines()]
    assert code == 0 and len(scores) == 4 and scores == sorted(scores, reverse=True) and max(scores) < 0
    code, out, _ = _run(capsys, ["generate", "--checkpoint", str(tmp_path / "last.npz"), "--top-k", "1", "--seed", "3",
                                 "--num", "1", "--prompt", "The zebra saw"])
    assert code == 0 and out == again[1]  # the single likeliest word is the greedy choice
    code, _, err = _run(capsys, ["generate", "--checkpoint", str(tmp_path / "last.npz"), "--beam", "2", "--argmax"])
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_split_directory_and_eval_split(tmp_path, capsys):
    d = tmp_path / "corpus"
    d.mkdir()
    lines = _text(200, seed=3).replace("\n\n", "\n").splitlines()
    (d / "train.txt").write_text("\n".join(lines[:160]), encoding="utf-8")
    (d / "valid.txt").write_text("\n".join(lines[160:180]), encoding="utf-8")
    (d / "test.txt").write_text("\n\n".join(lines[180:]), encoding="utf-8")  # blank lines are skipped
    code, out, _ = _run(capsys, ["train", "--data", str(d), "--out", str(tmp_path / "m"), "--softmax", "class", *TINY])
    assert code == 0 and "160 training sentences, 20 validation" in out
    ck = str(tmp_path / "m" / "last.npz")
    code, out, _ = _run(capsys, ["eval", "--data", str(d), "--checkpoint", ck])
    assert code == 0 and "test.txt: 20 sentences" in out
    code, out, _ = _run(capsys, ["eval", "--split", "valid", "--checkpoint", ck])
    assert code == 0 and "valid.txt: 20 sentences" in out
    # a file, a sentence or a prompt for such a model is read as its lines were; one note says so
    code, out, err = _run(capsys, ["eval", "--data", str(d / "test.txt"), "--checkpoint", ck])
    assert code == 0 and "one sentence per line, words split on whitespace" in err
    code, out, err = _run(capsys, ["score", "--checkpoint", ck, "the cat sat ."])
    assert code == 0 and "one sentence per line, words split on whitespace" in err
    code, _, err = _run(capsys, ["eval", "--data", str(d / "train.txt"), "--split", "test", "--checkpoint", ck])
    assert code == 2 and "--split test needs --data DIR" in err
    code, _, err = _run(capsys, ["train", "--data", str(d), "--out", str(tmp_path / "v"), "--val-fraction", "0.1", *TINY])
    assert code == 2 and "valid.txt" in err and len(err.strip().splitlines()) == 1
    (d / "test.txt").unlink()
    code, _, err = _run(capsys, ["train", "--data", str(d), "--out", str(tmp_path / "n"), *TINY])
    assert code == 2 and "test.txt" in err and len(err.strip().splitlines()) == 1


def test_a_file_is_read_as_the_split_directory_was_and_the_tutorial_refuses_other_models(tmp_path, capsys):
    from models.word_rnn import cli as wcli
    from models.word_rnn.options import check_tutorial
    from models.word_rnn.evaluation import eval_sentences
    from models.word_rnn.train import TrainConfig
    from models.common import UserError

    test = tmp_path / "test.txt"
    test.write_text("the cat sat . on the mat\nMr. Darcy left .\n\n")
    # a model trained on a split directory: one sentence per line, split on whitespace, not re-split by Punkt
    got, _ = eval_sentences(str(test), None, {"pretokenized": True}, None, None)
    assert got == [["the", "cat", "sat", ".", "on", "the", "mat"], ["Mr.", "Darcy", "left", "."]]
    for option in ({"softmax": "class"}, {"num_layers": 2}, {"cell": "gru", "bptt_truncate": None}):
        with pytest.raises(UserError, match=f"--tutorial is train_with_sgd exactly.*--{next(iter(option)).replace('_', '-')}"):
            check_tutorial(TrainConfig(tutorial=True, val_fraction=0.0, **option))
    assert wcli.main(["generate", "--num", "-1", "--checkpoint", str(tmp_path / "none.npz")]) == 2
    assert "got --num -1" in capsys.readouterr().err


@pytest.mark.parametrize("options, message", [
    (["--vocab-size", "-1"], "--vocab-size must be at least 4"),
    (["--softmax", "adaptive", "--vocab-size", "500", "--cutoffs", "10,5"], "--cutoffs must be increasing integers"),
    (["--softmax", "adaptive", "--vocab-size", "500", "--cutoffs", "10,500"], "size - 1 (499), got 10,500"),
])
def test_sizes_are_refused_before_any_corpus_is_read(tmp_path, capsys, options, message):
    # a missing --data file would be the error if the corpus were read first
    code, _, err = _run(capsys, ["train", "--data", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o"),
                                 *options])
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
