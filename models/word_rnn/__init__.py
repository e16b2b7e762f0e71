"""Word-level RNN language model: the RNNNumpy tutorial model rebuilt on tinygrad_rnn.

Modules: ``text`` (NLTK tokenization, offline), ``vocab`` (vocabulary), ``reference`` (numpy tutorial
model + hand-derived BPTT), ``kernels`` (fused ops), ``model`` (WordRNNLM), ``data``/``train``/
``checkpoint`` (training), ``generate``/``score``/``gradcheck`` and ``cli`` (``word-rnn``).

The three names below are imported on first use: ``python -m models.word_rnn`` imports this package before
its entry point runs, and that must not import numpy: the entry point first sets the BLAS thread default and
catches the stop signals, which a third of a second of imports would otherwise leave uncaught.
"""
from importlib import import_module
from typing import Any

_LAZY = {"WordRNNLM": ".model", "RNNNumpy": ".reference", "Vocabulary": ".vocab"}

__all__ = ["WordRNNLM", "RNNNumpy", "Vocabulary"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
