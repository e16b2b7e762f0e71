"""The trainers' default BLAS thread count (models/common/threads.py)."""
import os
import subprocess
import sys
from pathlib import Path

from models.common.threads import THREAD_VARS, blas_threads_line, configure_blas_threads

ROOT = Path(__file__).resolve().parents[1]


def test_the_users_setting_wins_and_is_left_alone():
    env = {"OMP_NUM_THREADS": "2"}
    assert configure_blas_threads(env) == (2, "environment")
    assert env == {"OMP_NUM_THREADS": "2"}
    assert "from the environment" in blas_threads_line(2, "environment")


def test_after_numpy_is_imported_nothing_is_set():
    import numpy  # noqa: F401  (already imported by the test session; explicit here)

    env: dict[str, str] = {}
    assert configure_blas_threads(env) == (None, "numpy already imported")
    assert env == {}
    assert "numpy was imported" in blas_threads_line(None, "numpy already imported")


def test_the_default_is_set_when_the_package_has_not_imported_numpy_yet():
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    code = ("import sys, os\n"
            "import models.char_rnn, models.common.threads\n"
            "assert 'numpy' not in sys.modules, 'the package imports numpy before the thread count is set'\n"
            "from models.common.threads import configure_blas_threads\n"
            "print(configure_blas_threads(), os.environ['OPENBLAS_NUM_THREADS'])\n"
            "import numpy\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "(1, 'default') 1"


def test_the_console_scripts_set_the_default_before_numpy_and_the_trainers_say_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    code = ("import sys\n"
            "import models.console\n"
            "assert 'numpy' not in sys.modules, 'the console module imports numpy before the thread count is set'\n"
            "sys.argv = ['char-rnn', 'train', '--max-iters', '2', '--corpus-chars', '2000', '--quiet', "
            f"'--out', {str(tmp_path / 'out')!r}]\n"
            "sys.exit(models.console.char_rnn())\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "BLAS threads: 1 (the default" in res.stdout
