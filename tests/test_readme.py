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
