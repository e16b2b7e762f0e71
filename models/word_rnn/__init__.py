"""Word-level RNN language model: the RNNNumpy tutorial model rebuilt on tinygrad_rnn.

Modules: ``text`` (NLTK tokenization, offline), ``vocab`` (vocabulary), ``reference`` (numpy tutorial
model + hand-derived BPTT), ``kernels`` (fused ops), ``model`` (WordRNNLM), ``data``/``train``/
``checkpoint`` (training), ``generate``/``score``/``gradcheck`` and ``cli`` (``word-rnn``).
"""
from .model import WordRNNLM
from .reference import RNNNumpy
from .vocab import Vocabulary

__all__ = ["WordRNNLM", "RNNNumpy", "Vocabulary"]
