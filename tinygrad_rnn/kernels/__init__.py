"""Numpy-only kernels: plain functions on arrays, no autograd, no Tensor.

Each can be tested in isolation (against finite differences or a slower numpy formulation); the
``Function`` subclasses in :mod:`tinygrad_rnn.ops` and the models' own fast paths wrap them.

* :mod:`.rnn`     -- whole-sequence Elman RNN forward and hand-derived BPTT
* :mod:`.gated`   -- whole-sequence LSTM and GRU forward and hand-derived BPTT
* :mod:`.scatter` -- scatter-add of rows by integer id (the backward of every gather)
"""
