"""More of PyTorch's torch-level functions and Tensor methods, one module a group; bind_methods puts them on Tensor."""
# Each function takes its tensor first, as ``torch.X(input, ...)``; the names in ``METHODS`` are also bound as
# ``Tensor`` methods (at the end of tensor.py), so ``x.tan()`` is ``tan(x)``. Inputs may be Tensors, numpy
# arrays or numbers. Differentiable ones are Function ops (ops/math_more.py, ops/special.py, ops/products.py)
# or compositions of differentiable Tensor methods.
from __future__ import annotations

from . import (aliases, arrangement, creation_random, elementwise, indexing, linalg, logical, matrix_functions,
               products, reductions)
from .aliases import *  # noqa: F403
from .aliases import _nelement
from .creation_random import *  # noqa: F403
from .creation_random import _bernoulli_
from .elementwise import *  # noqa: F403
from .elementwise import _FLOAT_UNARY, _polygamma_method
from .indexing import *  # noqa: F403
from .indexing import _index_copy_, _index_put_, _masked_scatter_, _put_, unfold  # noqa: F401 (METHODS, by name)
from .logical import *  # noqa: F403
from .matrix_functions import *  # noqa: F403
from .logical import _lshift, _rand, _ror, _rshift, _rxor, _xor
from .products import *  # noqa: F403
from .products import multi_dot  # noqa: F401 (linalg.multi_dot's function, reachable here as before)
from .reductions import *  # noqa: F403
from .arrangement import *  # noqa: F403

# the names this package adds to torch, in the order of its sections
__all__ = [*elementwise.__all__, *aliases.__all__, *products.__all__, *reductions.__all__, *logical.__all__,
           *creation_random.__all__, *indexing.__all__, *matrix_functions.__all__, "linalg", *arrangement.__all__]

METHODS = {  # method name -> function (self first)
    **{n: globals()[n] for n in _FLOAT_UNARY},
    **{n: globals()[n] for n in (
        "atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "copysign", "xlogy", "logit", "float_power",
        "heaviside", "signbit", "nextafter", "absolute", "positive", "ravel", "is_complex", "is_signed",
        "is_same_size", "mv", "addmm", "addmv", "addr", "addbmm", "baddbmm", "vdot", "kron", "trace", "cross",
        "cummax", "cummin", "kthvalue", "mode", "nanmean", "quantile", "nanquantile", "aminmax", "histc", "dist",
        "renorm", "unique_consecutive", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
        "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "bernoulli", "diag_embed",
        "diagflat", "unfold", "masked_scatter", "index_copy", "index_put", "put", "inverse", "det", "logdet",
        "slogdet", "matrix_power", "pinverse", "cholesky_solve")},
    **{n: globals()[n] for n in arrangement.__all__},
    "polygamma": _polygamma_method, "nelement": _nelement, "index_put_": _index_put_, "index_copy_": _index_copy_,
    "masked_scatter_": _masked_scatter_, "put_": _put_, "bernoulli_": _bernoulli_,
    "__xor__": _xor, "__rxor__": _rxor, "__rand__": _rand, "__ror__": _ror, "__lshift__": _lshift,
    "__rshift__": _rshift,
}
# PyTorch's other spellings of existing methods
METHOD_ALIASES = {"divide": "div", "multiply": "mul", "subtract": "sub", "true_divide": "div", "greater": "gt",
                  "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne"}


def bind_methods(cls: type) -> None:
    """Bind ``METHODS``, the aliases and the ``itemsize``/``nbytes`` properties onto ``cls`` (Tensor); names
    the class already has are left alone."""
    for name, fn in METHODS.items():
        if name not in cls.__dict__:
            setattr(cls, name, fn)
    for alias, target in METHOD_ALIASES.items():
        if alias not in cls.__dict__:
            setattr(cls, alias, getattr(cls, target))
    if "itemsize" not in cls.__dict__:
        cls.itemsize = property(lambda self: int(self.data.itemsize), doc="Bytes per element.")
    if "nbytes" not in cls.__dict__:
        cls.nbytes = property(lambda self: int(self.data.nbytes), doc="Bytes of all the elements.")
