"""The degenerate-loop warning: a sample stuck on one symbol or a two-symbol cycle is reported once."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from models.char_rnn import cli
from models.char_rnn.checkpoint import save_checkpoint
from models.char_rnn.model import CharRNN
from models.char_rnn.sample import generate
from models.char_rnn.train import TrainConfig, Trainer
from models.char_rnn.vocab import CharVocab
from models.common.sampling import LOOP_LENGTH, LoopDetector, loop_warning, watches_for_loops
from tinygrad_rnn import Tensor


def first_detection(symbols, min_length=LOOP_LENGTH):
    """Index of the symbol on which the detector fires (None if it never does), and how often it fired."""
    detector, hits = LoopDetector(min_length), []
    for i, s in enumerate(symbols):
        if detector.update(s):
            hits.append(i)
    return (hits[0] if hits else None), len(hits), detector.pattern


def test_one_symbol_repeated_fires_on_the_run_that_reaches_the_length_and_only_once():
    index, count, pattern = first_detection("xyz" + "a" * 100)
    assert (index, count, pattern) == (3 + LOOP_LENGTH - 1, 1, ("a",))
    assert first_detection("b" + "a" * (LOOP_LENGTH - 1) + "b")[0] is None  # one short


def test_a_two_symbol_cycle_fires_and_names_both_symbols():
    index, count, pattern = first_detection("the " + "ab" * 60)
    assert (index, count) == (4 + LOOP_LENGTH - 1, 1) and set(pattern) == {"a", "b"}
    # period 2 means s[i] == s[i-2]: 'a a a b a b' breaks at the first b and restarts there (length 2)
    assert first_detection("a" * 30 + "ba" * 10)[0] is None
    assert first_detection("a" * 30 + "ba" * 20)[0] == 30 + LOOP_LENGTH - 2


@given(st.text(alphabet="abcdefghij ", min_size=0, max_size=300))
def test_text_without_long_runs_never_fires(text):
    longest, run = 0, 0
    for i in range(len(text)):
        run = run + 1 if i >= 2 and text[i] == text[i - 2] else min(i + 1, 2)
        longest = max(longest, run)
    assert (first_detection(text)[0] is not None) == (longest >= LOOP_LENGTH)


def test_three_symbol_cycles_and_words_are_not_loops():
    assert first_detection("abc" * 100)[0] is None
    words = ["the", "cat", "sat"] * 50
    assert first_detection(words)[0] is None
    assert first_detection(["the", "the"] * 30)[2] == ("the",)  # works on any hashable symbols (word ids)


def test_the_warning_names_the_pattern_and_the_remedy():
    assert "'\\n'" in loop_warning(("\n",)) and "undertrained or saturated" in loop_warning(("\n",))
    assert "cycles between 'a' 'b'" in loop_warning(("a", "b")) and "lower --lr" in loop_warning(("a", "b"))
    assert watches_for_loops(0.5) and watches_for_loops(1.0) and not watches_for_loops(0.49)
    assert not watches_for_loops(1.0, argmax=True)
    with pytest.raises(ValueError):
        LoopDetector(1)


# ------------------------------------------------------------------------- generate() with a fake model
class FakeModel:
    """Stands in for CharRNN: the next character's logits are a fixed function of the current one."""

    training = False

    def __init__(self, vocab_size, next_of):
        self.vocab_size, self.next_of = vocab_size, next_of

    def eval(self):
        return self

    def train(self, mode=True):
        return self

    def init_state(self, batch):
        return (np.zeros((1, batch, 1)),)

    def hidden_states(self, ids, state):
        return None, state

    def __call__(self, ids, state):
        logits = np.full((1, 1, self.vocab_size), -30.0)
        target = self.next_of(int(ids[0, 0]))
        if target is None:
            logits[...] = 0.0  # uniform
        else:
            logits[0, 0, target] = 30.0
        return Tensor(logits), state


VOCAB = CharVocab.from_text("abcdefgh \n")


def warnings_of(model, **kw):
    seen = []
    text = "".join(generate(model, VOCAB, "a", 200, seed=0, on_loop=seen.append, **kw))
    return text, seen


def test_generate_warns_once_for_a_model_stuck_on_one_character():
    e = int(VOCAB.encode("e")[0])
    text, seen = warnings_of(FakeModel(VOCAB.size, lambda i: e))
    assert text == "e" * 200 and len(seen) == 1 and "'e'" in seen[0]


def test_generate_warns_for_a_two_character_cycle():
    a, b = int(VOCAB.encode("a")[0]), int(VOCAB.encode("b")[0])
    _, seen = warnings_of(FakeModel(VOCAB.size, lambda i: b if i == a else a))
    assert len(seen) == 1 and "cycles between" in seen[0]


def test_generate_stays_quiet_for_a_varied_sample_greedy_decoding_and_low_temperature():
    def step(i):  # a cycle through the whole vocabulary
        return (i + 1) % VOCAB.size
    assert warnings_of(FakeModel(VOCAB.size, step))[1] == []
    assert warnings_of(FakeModel(VOCAB.size, lambda i: None))[1] == []  # uniform draws
    stuck = FakeModel(VOCAB.size, lambda i: 0)
    assert warnings_of(stuck, argmax=True)[1] == []  # the user asked for the likeliest character
    assert warnings_of(stuck, temperature=0.3)[1] == []
    assert len(warnings_of(stuck, temperature=0.5)[1]) == 1
    assert "".join(generate(stuck, VOCAB, "a", 50, seed=0)) == VOCAB.chars[0] * 50  # no callback: no check


def test_generate_with_a_real_model_whose_output_is_saturated():
    model = CharRNN(VOCAB.size, 4, generator=np.random.default_rng(0))
    model.decoder.bias.data[int(VOCAB.encode("h")[0])] = 40.0
    _, seen = warnings_of(model)
    assert len(seen) == 1 and "'h'" in seen[0]


# ------------------------------------------------------------------------- the sample command
@pytest.fixture
def checkpoints(tmp_path):
    text = "the quick brown fox jumps over the lazy dog.\n" * 20
    trainer = Trainer(TrainConfig.preset("min-char-rnn", hidden_size=6, seq_length=5), text)
    good = trainer.checkpoint()
    save_checkpoint(good, tmp_path / "good.npz")
    bad = trainer.checkpoint()
    bad["model"] = {k: v.copy() for k, v in bad["model"].items()}
    bad["model"]["decoder.bias"][int(trainer.vocab.encode("o")[0])] = 60.0  # a model that only ever says 'o'
    save_checkpoint(bad, tmp_path / "bad.npz")
    return tmp_path / "good.npz", tmp_path / "bad.npz"


def test_sample_command_says_so_on_stderr_once_after_the_sample(checkpoints, capsys):
    good, bad = checkpoints
    assert cli.main(["sample", "--checkpoint", str(bad), "--prime", "the", "--length", "300", "--seed", "1"]) == 0
    out, err = capsys.readouterr()
    assert out == "the" + "o" * 300 + "\n"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: the sample repeats 'o'") and "--lr" in lines[0]
    assert cli.main(["sample", "--checkpoint", str(bad), "--length", "300", "--temperature", "0.4"]) == 0
    assert capsys.readouterr().err == ""
    assert cli.main(["sample", "--checkpoint", str(good), "--length", "300", "--seed", "1"]) == 0
    assert capsys.readouterr().err == ""  # an untrained (near-uniform) model's sample is varied


def test_a_periodic_training_sample_that_loops_is_reported_on_stderr(tmp_path, capsys):
    data = tmp_path / "t.txt"
    data.write_text("the quick brown fox jumps over the lazy dog.\n" * 20)
    args = cli.build_parser().parse_args([
        "train", "--data", str(data), "--out", str(tmp_path / "run"), "--preset", "min-char-rnn", "--hidden-size", "6",
        "--seq-length", "5", "--max-iters", "20", "--sample-every", "10", "--sample-length", "80", "--quiet"])

    def saturate(trainer):  # from iteration 5 on the model only ever says 'z'
        if trainer.iteration == 5:
            trainer.model.decoder.bias.data[int(trainer.vocab.encode("z")[0])] = 80.0

    assert cli.train_command(args, on_iteration=saturate) == 0
    out, err = capsys.readouterr()
    assert "z" * 80 in out
    warnings = [line for line in err.splitlines() if line.startswith("warning: the sample repeats 'z'")]
    assert len(warnings) == 2  # one per periodic sample (iterations 10 and 20)
