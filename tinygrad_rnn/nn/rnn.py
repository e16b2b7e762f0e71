"""Sequence layers ``RNN``, ``LSTM``, ``GRU`` (PyTorch's signatures, weight names and layouts).

``bidirectional=True`` adds a second direction per layer reading the sequence backwards (parameters
suffixed ``_reverse``); the output is ``(T, B, 2*H)`` (forward then reverse features) and the states
``(2*num_layers, B, H)`` in PyTorch's order. Input ``(T, B, input_size)`` (``(B, T, input_size)`` with ``batch_first=True``, or unbatched
``(T, input_size)``); initial state ``(num_layers, B, H)`` (``(num_layers, H)`` unbatched) or None
for zeros. Per layer k the parameters are ``weight_ih_l{k}`` ``(G*H, in_k)``, ``weight_hh_l{k}``
``(G*H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` ``(G*H,)`` with G = 1 (RNN), 4 (LSTM, gates
i,f,g,o), 3 (GRU, gates r,z,n); in_0 = input_size, in_k = H above.

For each layer the input projection of all time steps is one matmul; only the recurrence loops in
Python. Each layer runs as one fused autograd node by default (see :mod:`tinygrad_rnn.ops.fused_rnn`);
``fused=False`` uses the per-step composition of Tensor ops shared with the cells instead.

A ``PackedSequence`` input (see :mod:`.utils.rnn`) gives a ``PackedSequence`` output and the states of
each sequence at its own last step, in the batch's original order, as in PyTorch. That path runs the
per-step ops over the padded batch with a mask that freezes each sequence's state past its length (the
reverse direction then starts each sequence at its own last step); the unpacked path is unchanged.

``LSTM(proj_size=P)`` (0 < P < hidden_size) is PyTorch's LSTM with projections: each step's h is
``weight_hr_l{k}`` ``(P, H)`` times o * tanh(c), so h, the output and the next layer's input are P wide
(``weight_hh_l{k}`` ``(4H, P)``, in_k = D*P above the first layer) while c stays H wide. Those layers run
the per-step ops (the fused kernel has no projection); proj_size=0 is unchanged.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..kernels.rnn import check_nonlinearity
from ..tensor import Tensor
from . import functional as F
from . import init
from ._dtype import param_dtype
from .module import Module, Parameter
from .rnn_cells import gru_step, lstm_step, rnn_step
from .utils.rnn import PackedSequence, ScatterRows, packed_layout, packed_lengths

__all__ = ["RNN", "LSTM", "GRU"]


class _RNNBase(Module):
    _gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        fused: bool = True,
        dtype: Any = None,
        scheme: str = "pytorch",
        device: Any = None,
        *,
        proj_size: int = 0,
    ):
        super().__init__()
        if device is not None:
            check_device(device)
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{type(self).__name__} sizes must be positive, got input_size={input_size}, "
                f"hidden_size={hidden_size}, num_layers={num_layers}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout}")
        if proj_size and self._gates != 4:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size < 0:  # PyTorch's checks and messages
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.fused = bool(fused)
        self.proj_size = int(proj_size)
        dt = param_dtype(dtype)
        G = self._gates * hidden_size
        D, O = self._directions, self._out_size
        for k in range(num_layers):
            in_k = input_size if k == 0 else D * O
            for sfx in self._suffixes:  # PyTorch's registration order, so state_dicts line up name for name
                setattr(self, f"weight_ih_l{k}{sfx}", Parameter(np.empty((G, in_k), dtype=dt)))
                setattr(self, f"weight_hh_l{k}{sfx}", Parameter(np.empty((G, O), dtype=dt)))
                if bias:
                    setattr(self, f"bias_ih_l{k}{sfx}", Parameter(np.empty(G, dtype=dt)))
                    setattr(self, f"bias_hh_l{k}{sfx}", Parameter(np.empty(G, dtype=dt)))
                if self.proj_size:
                    setattr(self, f"weight_hr_l{k}{sfx}", Parameter(np.empty((O, hidden_size), dtype=dt)))
        self.reset_parameters(scheme)

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _out_size(self) -> int:
        """The width of h and of each direction's output: proj_size when projecting, else hidden_size."""
        return self.proj_size or self.hidden_size

    @property
    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    @property
    def _all_weights(self) -> list[list[str]]:
        """Each layer-direction's parameter names in PyTorch's order: weight_ih, weight_hh, [bias_ih, bias_hh],
        [weight_hr]; layer 0, its reverse, layer 1, ..."""
        names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
        names += ["bias_ih_l{}{}", "bias_hh_l{}{}"] if self.bias else []
        names += ["weight_hr_l{}{}"] if self.proj_size else []
        return [[n.format(k, sfx) for n in names] for k in range(self.num_layers) for sfx in self._suffixes]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """PyTorch's ``all_weights``: per layer and direction, the list of its Parameters (see ``_all_weights``)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op (PyTorch's compacts cuDNN weights; programs call it, so it exists)."""

    def reset_parameters(self, scheme: str = "pytorch", generator: np.random.Generator | None = None) -> None:
        """PyTorch: every weight and bias uniform(±1/sqrt(hidden)); see ``nn.init`` for the other schemes."""
        params = []
        for k in range(self.num_layers):
            for sfx in self._suffixes:
                w_ih, w_hh, b_ih, b_hh = self._layer_params(k, sfx)
                params += [(w_ih, init.Role.INPUT_WEIGHT), (w_hh, init.Role.HIDDEN_WEIGHT)]
                if self.bias:
                    params += [(b_ih, init.Role.BIAS), (b_hh, init.Role.BIAS)]
                if self.proj_size:  # (P, H): its input is the H-wide o * tanh(c), as weight_hh's is h
                    params.append((self._proj_weight(k, sfx), init.Role.HIDDEN_WEIGHT))
        init.init_recurrent_(params, self.hidden_size, scheme, generator)

    def _layer_params(self, k: int, sfx: str = "") -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        # through getattr: a weight under nn.utils.weight_norm is a plain attribute recomputed before each forward,
        # one under nn.utils.parametrizations a property of the module's class, not a parameter
        names = (f"weight_ih_l{k}{sfx}", f"weight_hh_l{k}{sfx}", f"bias_ih_l{k}{sfx}", f"bias_hh_l{k}{sfx}")
        return tuple([getattr(self, n, None) for n in names])  # type: ignore[return-value]

    def _proj_weight(self, k: int, sfx: str = "") -> Tensor | None:
        """LSTM's ``weight_hr_l{k}`` (None without proj_size), through getattr as ``_layer_params`` reads."""
        return getattr(self, f"weight_hr_l{k}{sfx}", None)

    # ---- input/state handling shared by the three layers ------------------------------------------
    def _prepare_input(self, x: Any) -> tuple[Tensor, bool]:
        """x as (T, B, I); also whether the caller passed an unbatched (T, I) sequence."""
        if not isinstance(x, Tensor):
            x = Tensor(x)
        name = type(self).__name__
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(batch, time, input_size)" if self.batch_first else "(time, batch, input_size)"
            raise ValueError(
                f"{name} expects input of shape {layout} or unbatched (time, input_size) with "
                f"input_size={self.input_size}, got {x.shape}"
            )
        if x.ndim == 2:
            T = x.shape[0]
            x = x.reshape(T, 1, self.input_size)
            unbatched = True
        else:
            unbatched = False
            if self.batch_first:
                x = x.transpose(1, 0, 2)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: the input sequence is empty (0 time steps)")
        return x, unbatched

    def _prepare_state(self, h: Any, B: int, unbatched: bool, what: str, size: int | None = None) -> list[Tensor] | None:
        """Split an initial state (L*D, B, H) ((L*D, H) unbatched; D = 2 if bidirectional) into per-layer and
        direction (B, H) tensors, in PyTorch's order l0, l0_reverse, l1, ...; H is ``size`` if given
        (an LSTM's c keeps hidden_size while a projected h is proj_size wide), else the h width."""
        if h is None:
            return None
        if not isinstance(h, Tensor):
            h = Tensor(h)
        L, H = self.num_layers * self._directions, self._out_size if size is None else size
        expected = (L, H) if unbatched else (L, B, H)
        if h.shape != expected:
            raise ValueError(f"{type(self).__name__}: {what} must have shape {expected}, got {h.shape}")
        if L == 1:
            return [h.reshape(B, H)]
        h = h.reshape(L, B, H)
        return [h[k] for k in range(L)]

    def _finish(self, output: Tensor, unbatched: bool) -> Tensor:
        """The output back in the caller's layout."""
        if unbatched:
            return output.reshape(output.shape[0], output.shape[-1])
        return output.transpose(1, 0, 2) if self.batch_first else output

    def _final_state(self, last: list[Tensor], unbatched: bool) -> Tensor:
        """Per-layer final states (B, H) stacked to (L, B, H) ((L, H) unbatched)."""
        B, H = last[0].shape
        L = len(last)
        h_n = last[0].reshape(1, B, H) if L == 1 else Tensor.stack(last, axis=0)
        return h_n.reshape(L, H) if unbatched else h_n

    def _between_layers(self, out: Tensor, k: int) -> Tensor:
        if self.dropout > 0.0 and self.training and k < self.num_layers - 1:
            return F.dropout(out, self.dropout, True)
        return out

    def _input_projection(self, x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
        """x (T, B, I) -> x W_ih^T + b_ih (T, B, G*H), as one 2-D matmul over all steps."""
        T, B, I = x.shape
        return F.linear(x.reshape(T * B, I), w_ih, b_ih).reshape(T, B, w_ih.shape[0])

    def _run_layers(self, x: Tensor, unbatched: bool, inits: list[list[Tensor] | None]) -> tuple[Tensor, list[Tensor]]:
        """The layer stack shared by RNN, LSTM and GRU.

        x (T, B, I) from ``_prepare_input``; ``inits`` one entry per state kind (h; or h and c), each
        the per-layer initial states from ``_prepare_state`` or None for zeros. Each layer runs
        ``_fused_layer`` (or the per-step ``_cell_step`` with ``fused=False``), dropout between layers.
        Returns the output in the caller's layout and each state kind's final states (L, B, H).
        """
        finals: list[list[Tensor]] = [[] for _ in inits]
        D = self._directions
        for k in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(self._suffixes):
                w_ih, w_hh, b_ih, b_hh = self._layer_params(k, sfx)
                w_hr = self._proj_weight(k, sfx)
                init_k = [None if s is None else s[k * D + d] for s in inits]
                x_d = x if d == 0 else x.flip(0)  # the reverse direction reads the sequence backwards
                if self.fused and w_hr is None:  # the fused kernels have no projection
                    out, last = self._fused_layer(x_d, init_k, w_ih, w_hh, b_ih, b_hh)
                else:
                    out, last = self._composed_layer(x_d, init_k, w_ih, w_hh, b_ih, b_hh, w_hr)
                outs.append(out if d == 0 else out.flip(0))
                for kind, state in zip(finals, last):
                    kind.append(state)
            out = outs[0] if D == 1 else F.concatenate(outs, axis=2)  # (T, B, D*H): forward then reverse
            x = self._between_layers(out, k)
        return self._finish(out, unbatched), [self._final_state(kind, unbatched) for kind in finals]

    # ---- PackedSequence input ---------------------------------------------------------------------
    def _packed_batch(self, packed: PackedSequence) -> int:
        """The batch size of a packed input, after checking its feature size."""
        data = packed.data
        if data.ndim != 2 or data.shape[1] != self.input_size:
            raise ValueError(f"{type(self).__name__} expects a PackedSequence whose data is (N, input_size) with "
                             f"input_size={self.input_size}, got {data.shape}")
        return int(packed.batch_sizes.data[0])

    def _run_packed(self, packed: PackedSequence, inits: list[list[Tensor] | None]) -> tuple[PackedSequence, list[Tensor]]:
        """``_run_layers`` for a PackedSequence: the output packed like the input, and each state kind's
        states (L, B, H) at every sequence's own last step, in the original batch order (as ``inits``)."""
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        steps, rows = packed_layout(batch_sizes, sorted_indices)
        T, B = len(batch_sizes.data), int(batch_sizes.data[0])
        positions = steps * B + rows  # each data row's place in the padded (T*B) batch, original order
        valid = np.arange(T)[:, None] < packed_lengths(batch_sizes, sorted_indices)[None, :]  # (T, B)
        finals: list[list[Tensor]] = [[] for _ in inits]
        D = self._directions
        x = data
        for k in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(self._suffixes):
                init_k = [None if s is None else s[k * D + d] for s in inits]
                w_hr = self._proj_weight(k, sfx)
                out, last = self._masked_layer(x, positions, valid, init_k, *self._layer_params(k, sfx), d == 1, w_hr)
                outs.append(out)
                for kind, state in zip(finals, last):
                    kind.append(state)
            out = outs[0] if D == 1 else F.concatenate(outs, axis=1)  # (N, D*H): forward then reverse
            x = self._between_layers(out, k)
        result = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        return result, [self._final_state(kind, False) for kind in finals]

    def _masked_layer(self, x: Tensor, positions: np.ndarray, valid: np.ndarray, init: list[Tensor | None],
                      w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None,
                      reverse: bool, w_hr: Tensor | None = None) -> tuple[Tensor, list[Tensor]]:
        """One direction of one layer over packed rows x (N, I): the output rows (N, H) and the last states.

        The input projection is one matmul over the N valid rows, scattered into the padded (T, B, G*H)
        batch; a row's state is kept unchanged at steps past its length (``valid`` (T, B) is False), so
        the state after the loop is the state at its own last step and, read backwards, the reverse
        direction starts at that step from the initial state."""
        T, B = valid.shape
        xp = ScatterRows.apply(F.linear(x, w_ih, b_ih), index=positions, n_rows=T * B, fill=0)
        xp = xp.reshape(T, B, w_ih.shape[0])
        states = self._initial_states(init, B)
        steps: list[Tensor] = [None] * T  # type: ignore[list-item]
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            new = self._step(xp[t], states, w_hh, b_hh, w_hr)
            if valid[t].all():
                states = new
            else:
                states = tuple(n.where(np.broadcast_to(valid[t][:, None], n.shape), s) for n, s in zip(new, states))
            steps[t] = states[0]
        out = Tensor.stack(steps, axis=0).reshape(T * B, self._out_size)[positions]
        return out, list(states)

    def _composed_layer(self, x: Tensor, init: list[Tensor | None], w_ih: Tensor, w_hh: Tensor,
                        b_ih: Tensor | None, b_hh: Tensor | None,
                        w_hr: Tensor | None = None) -> tuple[Tensor, list[Tensor]]:
        """One layer as per-step Tensor ops: output (T, B, H) (the first state of every step) and the last states."""
        T, B, _ = x.shape
        xp = self._input_projection(x, w_ih, b_ih)
        states = self._initial_states(init, B)
        steps = []
        for t in range(T):
            states = self._step(xp[t], states, w_hh, b_hh, w_hr)
            steps.append(states[0])
        return Tensor.stack(steps, axis=0), list(states)

    def _fused_layer(self, x: Tensor, init: list[Tensor | None], w_ih: Tensor, w_hh: Tensor,
                     b_ih: Tensor | None, b_hh: Tensor | None) -> tuple[Tensor, list[Tensor]]:
        """One layer as one fused autograd node: output (T, B, H) and the last states (B, H)."""
        raise NotImplementedError

    def _cell_step(self, xp: Tensor, states: tuple[Tensor, ...], w_hh: Tensor,
                   b_hh: Tensor | None) -> tuple[Tensor, ...]:
        """One step of the recurrence from the step's input projection: the new states."""
        raise NotImplementedError

    def _step(self, xp: Tensor, states: tuple[Tensor, ...], w_hh: Tensor, b_hh: Tensor | None,
              w_hr: Tensor | None) -> tuple[Tensor, ...]:
        """``_cell_step``, then the projection h = w_hr (o * tanh(c)) when the layer has one."""
        new = self._cell_step(xp, states, w_hh, b_hh)
        if w_hr is None:
            return new
        return (F.linear(new[0], w_hr),) + tuple(new[1:])

    def _initial_states(self, init: list[Tensor | None], B: int) -> tuple[Tensor, ...]:
        """The given initial states, zeros for None: h is _out_size wide, an LSTM's c hidden_size."""
        sizes = (self._out_size, self.hidden_size)
        return tuple(self._zeros(B, sizes[i]) if s is None else s for i, s in enumerate(init))

    def _zeros(self, B: int, size: int) -> Tensor:
        return Tensor(np.zeros((B, size), dtype=getattr(self, "weight_hh_l0").dtype))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        if not self.fused:
            s += ", fused=False"
        return s


class RNN(_RNNBase):
    """``RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, fused=True, dtype=None, scheme="pytorch")``.

    ``forward(x, h0=None) -> (output (T, B, H), h_n (num_layers, B, H))``; a PackedSequence x gives a
    PackedSequence output.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        fused: bool = True,
        dtype: Any = None,
        scheme: str = "pytorch",
        device: Any = None,
    ):
        check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, fused, dtype,
                         scheme, device)
        self.nonlinearity = nonlinearity

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        if isinstance(x, PackedSequence):
            output, (h_n,) = self._run_packed(x, [self._prepare_state(hx, self._packed_batch(x), False, "h0")])
            return output, h_n
        x, unbatched = self._prepare_input(x)
        output, (h_n,) = self._run_layers(x, unbatched, [self._prepare_state(hx, x.shape[1], unbatched, "h0")])
        return output, h_n

    def _fused_layer(self, x, init, w_ih, w_hh, b_ih, b_hh):
        out = F.fused_rnn(x, init[0], w_ih, w_hh, b_ih, b_hh, self.nonlinearity)
        return out, [out[x.shape[0] - 1]]

    def _cell_step(self, xp, states, w_hh, b_hh):
        return (rnn_step(xp, states[0], w_hh, b_hh, self.nonlinearity),)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s


class LSTM(_RNNBase):
    """``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, fused=True, dtype=None, scheme="pytorch", device=None)``.

    ``forward(x, (h0, c0) | None) -> (output (T, B, H), (h_n, c_n))``, each state ``(num_layers, B, H)``;
    a PackedSequence x gives a PackedSequence output. With ``proj_size=P`` the output and h are P wide
    (output ``(T, B, D*P)``, h0/h_n ``(num_layers*D, B, P)``), c stays H wide.
    """

    _gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,  # PyTorch's eighth positional argument
        fused: bool = True,
        dtype: Any = None,
        scheme: str = "pytorch",
        device: Any = None,
    ):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, fused, dtype,
                         scheme, device, proj_size=proj_size)

    def forward(self, x: Any, hx: tuple[Any, Any] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        packed = isinstance(x, PackedSequence)
        if packed:
            B, unbatched = self._packed_batch(x), False
        else:
            x, unbatched = self._prepare_input(x)
            B = x.shape[1]
        if hx is None:
            h0s = c0s = None
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: the initial state must be a pair (h0, c0) or None")
            h0s = self._prepare_state(hx[0], B, unbatched, "h0")
            c0s = self._prepare_state(hx[1], B, unbatched, "c0", self.hidden_size)
        if packed:
            output, (h_n, c_n) = self._run_packed(x, [h0s, c0s])
        else:
            output, (h_n, c_n) = self._run_layers(x, unbatched, [h0s, c0s])
        return output, (h_n, c_n)

    def _fused_layer(self, x, init, w_ih, w_hh, b_ih, b_hh):
        T = x.shape[0]
        y = F.fused_lstm(x, init[0], init[1], w_ih, w_hh, b_ih, b_hh)
        return y[0], [y[0, T - 1], y[1, T - 1]]

    def _cell_step(self, xp, states, w_hh, b_hh):
        return lstm_step(xp, states[0], states[1], w_hh, b_hh)


class GRU(_RNNBase):
    """``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, fused=True, dtype=None, scheme="pytorch")``.

    ``forward(x, h0=None) -> (output (T, B, H), h_n (num_layers, B, H))``; a PackedSequence x gives a
    PackedSequence output.
    """

    _gates = 3

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        if isinstance(x, PackedSequence):
            output, (h_n,) = self._run_packed(x, [self._prepare_state(hx, self._packed_batch(x), False, "h0")])
            return output, h_n
        x, unbatched = self._prepare_input(x)
        output, (h_n,) = self._run_layers(x, unbatched, [self._prepare_state(hx, x.shape[1], unbatched, "h0")])
        return output, h_n

    def _fused_layer(self, x, init, w_ih, w_hh, b_ih, b_hh):
        out = F.fused_gru(x, init[0], w_ih, w_hh, b_ih, b_hh)
        return out, [out[x.shape[0] - 1]]

    def _cell_step(self, xp, states, w_hh, b_hh):
        return (gru_step(xp, states[0], w_hh, b_hh),)
