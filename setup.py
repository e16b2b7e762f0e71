"""Package layout only (metadata is in pyproject.toml).

The repository keeps the folder names fixed by the design card (``tinygrad_rnn/``, ``models/``), but a
top-level package called ``models`` must never reach site-packages: it is one of the commonest names in
ML code. So ``models/`` is installed as ``tinygrad_rnn_models``; inside it every import is relative, and
``python -m models.char_rnn`` keeps working in a checkout.
"""
from setuptools import find_packages, setup

INSTALLED_NAME = {"tinygrad_rnn": "tinygrad_rnn", "models": "tinygrad_rnn_models"}


def packages() -> list[str]:
    found = find_packages(include=["tinygrad_rnn", "tinygrad_rnn.*", "models", "models.*"])
    return [INSTALLED_NAME[p.split(".")[0]] + p[len(p.split(".")[0]):] for p in found]


setup(packages=packages(), package_dir={"tinygrad_rnn_models": "models"})
