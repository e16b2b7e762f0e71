"""Character-level RNN language model: Karpathy's min-char-rnn rebuilt on tinygrad_rnn.

Modules: ``vocab`` (characters ↔ ids), ``data`` (train/validation split, chunk streams),
``reference`` (numpy-only min-char-rnn with hand-derived BPTT, the oracle), ``model`` (CharRNN on
tinygrad_rnn.nn), ``train``/``sample`` (the loops), ``checkpoint`` (save/resume), ``cli``.
"""
