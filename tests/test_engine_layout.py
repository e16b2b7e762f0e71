"""The engine's import order is a straight line: dtypes <- autograd <- ops <- tensor, with the numpy-only
kernels beside it (and ``sparse`` and ``low_rank``, the numpy-only row-sparse and factored gradient types). These tests read the imports from the source (``ast``), so a cycle or a kernel that
reaches for autograd fails here by name instead of as a confusing partially-initialised module."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = "tinygrad_rnn"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
THIRD_PARTY = {"numpy"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports anywhere in its body (also inside functions), as absolute names."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.add(node.module or "")
                continue
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            if node.module:
                found.add(".".join(base + [node.module]))
            else:  # `from .. import autograd`: each name is a module of that package
                found.update(".".join(base + [alias.name]) for alias in node.names)
    found.discard("__future__")
    return found


def _internal(imported: set[str]) -> set[str]:
    return {m for m in imported if m == PACKAGE or m.startswith(PACKAGE + ".")}


def _external(imported: set[str]) -> set[str]:
    return {m.split(".")[0] for m in imported} - {PACKAGE}


def _under(module: str, *prefixes: str) -> bool:
    return any(module == f"{PACKAGE}.{p}" or module.startswith(f"{PACKAGE}.{p}.") for p in prefixes)


def _files(sub: str) -> list[Path]:
    return sorted((ROOT / sub).glob("*.py"))


def _check_external(path: Path) -> None:
    unknown = _external(_imports(path)) - THIRD_PARTY - set(sys.stdlib_module_names)
    assert not unknown, f"{path.name} imports {sorted(unknown)}: the engine needs only numpy and the standard library"


def test_layout_has_the_packages_it_describes():
    assert _files("kernels") and _files("ops")


@pytest.mark.parametrize("path", _files("kernels"), ids=lambda p: p.name)
def test_kernels_import_only_numpy_and_each_other(path):
    _check_external(path)
    bad = {m for m in _internal(_imports(path)) if not _under(m, "kernels")}
    assert not bad, f"kernels/{path.name} imports {sorted(bad)}: kernels are plain numpy, no autograd or Tensor"


@pytest.mark.parametrize("path", _files("ops"), ids=lambda p: p.name)
def test_ops_import_only_autograd_dtypes_kernels_and_ops(path):
    _check_external(path)
    bad = {m for m in _internal(_imports(path)) if not _under(m, "autograd", "dtypes", "kernels", "ops", "sparse", "low_rank")}
    assert not bad, f"ops/{path.name} imports {sorted(bad)}: ops sit below tensor, nn and optim"


def test_autograd_imports_neither_tensor_nor_ops():
    path = ROOT / "autograd.py"
    _check_external(path)
    bad = {m for m in _internal(_imports(path)) if not _under(m, "dtypes", "sparse", "low_rank", "kernels")}
    assert not bad, f"autograd.py imports {sorted(bad)}: tensor.py binds its class into autograd instead"


def test_sparse_gradient_type_imports_only_kernels():
    path = ROOT / "sparse.py"
    _check_external(path)
    bad = {m for m in _internal(_imports(path)) if not _under(m, "kernels")}
    assert not bad, f"sparse.py imports {sorted(bad)}: it sits beside the kernels, below autograd"


def test_low_rank_gradient_type_imports_nothing_of_the_package():
    path = ROOT / "low_rank.py"
    _check_external(path)
    assert not _internal(_imports(path)), "low_rank.py sits beside the kernels, below autograd: numpy only"


def test_dtypes_imports_nothing_of_the_package():
    path = ROOT / "dtypes.py"
    _check_external(path)
    assert not _internal(_imports(path))


def test_autograd_and_ops_load_without_tensor():
    # `import tinygrad_rnn.autograd` runs the package's __init__, which imports everything; an empty stand-in
    # package object lets the engine's own modules load alone, so what they pull in is all that is counted
    code = f"""
import importlib, sys, types
package = types.ModuleType({PACKAGE!r})
package.__path__ = [{str(ROOT)!r}]
sys.modules[{PACKAGE!r}] = package
importlib.import_module({PACKAGE!r} + ".autograd")
assert {PACKAGE!r} + ".tensor" not in sys.modules, "autograd imported tensor"
importlib.import_module({PACKAGE!r} + ".ops")
loaded = sorted(m for m in sys.modules if m.startswith({PACKAGE!r} + "."))
bad = [m for m in loaded if m.split(".")[1] not in ("dtypes", "sparse", "low_rank", "autograd", "kernels", "ops")]
assert not bad, "ops imported " + ", ".join(bad)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
