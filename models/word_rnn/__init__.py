"""Word-level RNN language model: the RNNNumpy tutorial model rebuilt on tinygrad_rnn.

Modules: ``text`` (NLTK tokenization, offline), ``vocab`` (vocabulary), ``reference`` (numpy tutorial
model + hand-derived BPTT), ``model`` (WordRNNLM), ``train``/``generate``/``score`` and ``cli``.
"""
