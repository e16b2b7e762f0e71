"""Channel dropouts (``Dropout1d/2d/3d``: whole channels zeroed) and the self-normalising ``AlphaDropout`` /
``FeatureAlphaDropout``: masks from :mod:`tinygrad_rnn.random`'s generator, identity in eval."""
from __future__ import annotations

from . import functional as F
from .dropout import _DropoutNd

__all__ = ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class Dropout1d(_DropoutNd):
    """``Dropout1d(p=0.5)``: each channel of ``(N, C, L)`` / ``(C, L)`` zeroed with probability p, the rest
    scaled by 1/(1-p)."""
    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """``Dropout2d(p=0.5)``: each channel of ``(N, C, H, W)`` / ``(C, H, W)`` zeroed with probability p
    (a 3-D input is taken as ``(N, C, L)``, as in PyTorch)."""
    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """``Dropout3d(p=0.5)``: each channel of ``(N, C, D, H, W)`` / ``(C, D, H, W)`` zeroed with probability p."""
    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """``AlphaDropout(p=0.5)``: dropout that keeps SELU activations at mean 0, variance 1."""
    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """``FeatureAlphaDropout(p=0.5)``: alpha dropout of whole channels (dimension 1)."""
    _fn = staticmethod(F.feature_alpha_dropout)
