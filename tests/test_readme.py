"""The README's Python examples run as written and print what the README says they print."""
import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example{i}" for i in range(len(BLOCKS))])
def test_readme_example_prints_what_it_claims(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write checkpoints
    claimed = re.findall(r"print\(.*\)\s+# (.+)$", block, re.M)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})
    printed = out.getvalue().split("\n")[:len(claimed)]
    assert len(printed) == len(claimed)
    for got, want in zip(printed, claimed):
        # same words; numbers within 25% (another BLAS may round a float32 training run differently)
        assert re.sub(r"[\d.]+", "#", got) == re.sub(r"[\d.]+", "#", want)
        for g, w in zip(re.findall(r"\d+\.\d+", got), re.findall(r"\d+\.\d+", want)):
            assert float(g) == pytest.approx(float(w), rel=0.25), (got, want)


def test_readme_has_examples_and_the_ci_block():
    text = README.read_text(encoding="utf-8")
    assert len(BLOCKS) >= 2
    assert "<!-- ci:test -->" in text


WORD_README = README.parent / "models" / "word_rnn" / "README.md"


def _commands(path):
    """The char-rnn/word-rnn command lines of a README's shell blocks (prompt and trailing comment removed)."""
    import shlex

    text = path.read_text(encoding="utf-8")
    for block in re.findall(r"```(?:bash|console)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.removeprefix("$ ").strip()
            for part in line.split("&&"):
                if part.strip().startswith(("char-rnn ", "word-rnn ")):
                    yield shlex.split(part.split("  #")[0], comments=True)


@pytest.mark.parametrize("path", [README, WORD_README], ids=["README", "word_rnn-README"])
def test_readme_commands_use_the_current_flags_and_no_deprecated_spelling(path, capsys):
    from models.char_rnn.cli import build_parser as char_parser
    from models.word_rnn.cli import build_parser as word_parser

    commands = list(_commands(path))
    assert len(commands) >= 4
    for words in commands:
        parser = char_parser() if words[0] == "char-rnn" else word_parser()
        args = parser.parse_args(words[1:])  # an unknown or malformed option raises
        assert not getattr(args, "deprecations", None), words
        if words[0] == "word-rnn" and words[1] == "train":
            assert args.checkpoint is None and (args.resume is None or isinstance(args.resume, str)), words
