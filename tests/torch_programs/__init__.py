"""Short PyTorch programs in the classic tutorial style, written once and run on either library.

Each module's ``main(torch, state=None, steps=...)`` takes the torch-like module (``import tinygrad_rnn as
torch`` or real ``torch``) and returns the loss of every training step; ``build(torch)`` makes its model, so a
test can take one initial ``state_dict`` and start both libraries from it. Nothing else in a program differs
between the libraries; the one rewrite this framework asks for (``.data``/``.grad`` are numpy arrays here) is
used as the README says: ``with torch.no_grad(): p -= lr * p.grad``.
"""
