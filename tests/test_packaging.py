"""The installed wheel holds only this project's names: ``tinygrad_rnn`` and ``tinygrad_rnn_models``.

The repository's ``models/`` folder must not be installed as a top-level ``models`` package (it would
shadow, or be shadowed by, the ``models`` of a user's own project). The wheel is built offline from a
copy of the sources and then installed into a scratch folder, where the console-script modules must
import without the checkout on ``sys.path``.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("tinygrad_rnn", "models", "setup.py", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("wheel")  # the `test` extra installs it; without it setuptools cannot build offline
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, src / name)
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(out), str(src)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    (whl,) = out.glob("*.whl")
    return whl


def test_wheel_top_level_names_are_ours(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"tinygrad_rnn", "tinygrad_rnn_models"}


def test_wheel_holds_every_source_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package, installed in (("tinygrad_rnn", "tinygrad_rnn"), ("models", "tinygrad_rnn_models")):
        for path in (ROOT / package).rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(ROOT / package).as_posix()
            assert f"{installed}/{rel}" in names, f"{package}/{rel} is missing from the wheel"


def test_console_scripts_point_at_the_installed_name(wheel):
    with zipfile.ZipFile(wheel) as zf:
        (entry,) = [n for n in zf.namelist() if n.endswith("entry_points.txt")]
        text = zf.read(entry).decode()
    assert "char-rnn = tinygrad_rnn_models.console:char_rnn" in text
    assert "word-rnn = tinygrad_rnn_models.console:word_rnn" in text


def test_models_import_each_other_relatively():
    """An absolute ``models.`` import would work in a checkout but fail once installed."""
    for path in (ROOT / "models").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] != "models", f"{path}: from {node.module} import ..."
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] != "models", f"{path}: import {alias.name}"


def test_installed_wheel_runs_without_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    res = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                          str(wheel)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    code = ("import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
            "import tinygrad_rnn_models.char_rnn.cli, tinygrad_rnn_models.word_rnn.cli, tinygrad_rnn; "
            "assert tinygrad_rnn.__file__.startswith(sys.argv[1]), tinygrad_rnn.__file__; "
            "import importlib.util; assert importlib.util.find_spec('models') is None")
    res = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
