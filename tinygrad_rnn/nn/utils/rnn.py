"""Variable-length batches (PyTorch's ``nn.utils.rnn``): padding, packing and unpacking.

A ``PackedSequence`` holds a batch of B sequences as one ``data`` tensor ``(N, *)`` of all their valid
steps, time-major: step 0 of every sequence (longest first), then step 1 of every sequence still running,
and so on; ``batch_sizes[t]`` counts the sequences of length > t. ``sorted_indices[s]`` is the batch row
of the s-th longest sequence (None when the batch was already sorted), ``unsorted_indices`` its inverse.

Every function here is differentiable: packing is one row gather from the padded batch (``x[index]``),
padding and unpacking are its transpose, one row scatter (``ScatterRows``).

    padded = pad_sequence([a, b, c], batch_first=True)           # (3, T, *)
    packed = pack_padded_sequence(padded, [5, 2, 4], batch_first=True, enforce_sorted=False)
    out, h_n = nn.LSTM(...)(packed)                              # out is a PackedSequence
    y, lengths = pad_packed_sequence(out, batch_first=True)      # (3, 5, H), tensor([5, 2, 4])
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ...autograd import Context, Function
from ...tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence", "invert_permutation"]


class ScatterRows(Function):
    """``out = full((n_rows, *x.shape[1:]), fill); out[index] = x`` for distinct row ``index`` (N,).
    The transpose of the row gather ``out[index]``: backward picks the upstream's rows at ``index``."""

    @staticmethod
    def forward(ctx: Context, x, index, n_rows, fill):
        x = np.asarray(x)
        out = np.full((n_rows,) + x.shape[1:], fill, dtype=x.dtype)
        out[index] = x
        ctx.index = index
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        return grad[ctx.index]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _index_array(x: Any) -> np.ndarray:
    """A list, numpy array or Tensor of integers as a 1-D int64 array."""
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    if arr.dtype.kind not in "iu" and arr.size:
        if arr.dtype.kind != "f" or not np.all(arr == np.round(arr)):
            raise TypeError(f"lengths must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64).reshape(-1)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation (B,) of the batch rows (None stays None)."""
    if permutation is None:
        return None
    perm = _index_array(permutation)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(len(perm), dtype=np.int64)
    return Tensor(inv)


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """``PackedSequence(data (N, *), batch_sizes (T,) int64, sorted_indices (B,) | None, unsorted_indices | None)``.

    A named tuple, as in PyTorch; build one with ``pack_padded_sequence``/``pack_sequence``. When only
    ``sorted_indices`` is given, ``unsorted_indices`` is its inverse. ``to``/``float``/``double``/... convert
    ``data`` only (the index tensors stay int64).
    """

    __slots__ = ()

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> PackedSequence:
        if batch_sizes is None:  # PyTorch also accepts the pair (data, batch_sizes) as the first argument
            data, batch_sizes = data
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, _tensor(data), Tensor(_index_array(batch_sizes)),
                               None if sorted_indices is None else Tensor(_index_array(sorted_indices)),
                               None if unsorted_indices is None else Tensor(_index_array(unsorted_indices)))

    def _with_data(self, data: Tensor) -> PackedSequence:
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(...)`` (a dtype and/or the CPU device); self when nothing changes."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cpu(self) -> PackedSequence:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._with_data(self.data.cuda(*args, **kwargs))  # raises: CPU only

    def float(self) -> PackedSequence:
        return self.to(np.float32)

    def double(self) -> PackedSequence:
        return self.to(np.float64)

    def half(self) -> PackedSequence:
        return self.to(np.float16)

    def long(self) -> PackedSequence:
        return self.to(np.int64)

    def int(self) -> PackedSequence:
        return self.to(np.int32)

    def short(self) -> PackedSequence:
        return self.to(np.int16)

    def char(self) -> PackedSequence:
        return self.to(np.int8)

    def byte(self) -> PackedSequence:
        return self.to(np.uint8)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def packed_layout(batch_sizes: Any, sorted_indices: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Where each row of a packed ``data`` (N,) comes from: its time step and its (unsorted) batch row."""
    sizes = _index_array(batch_sizes)
    steps = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    starts = np.cumsum(sizes) - sizes
    rank = np.arange(len(steps), dtype=np.int64) - np.repeat(starts, sizes)  # place among the running sequences
    rows = rank if sorted_indices is None else _index_array(sorted_indices)[rank]
    return steps, rows


def packed_lengths(batch_sizes: Any, sorted_indices: Any = None) -> np.ndarray:
    """Each sequence's length (B,) int64, in the batch's own (unsorted) order."""
    sizes = _index_array(batch_sizes)
    B = int(sizes[0]) if len(sizes) else 0
    by_rank = (sizes[None, :] > np.arange(B)[:, None]).sum(axis=1).astype(np.int64)
    if sorted_indices is None:
        return by_rank
    lengths = np.empty_like(by_rank)
    lengths[_index_array(sorted_indices)] = by_rank
    return lengths


def _positions(steps: np.ndarray, rows: np.ndarray, T: int, B: int, batch_first: bool) -> np.ndarray:
    """Row indices into a padded batch flattened to (T*B, *) (or (B*T, *) batch-first)."""
    return rows * T + steps if batch_first else steps * B + rows


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """B sequences ``(L_b, *)`` padded with ``padding_value`` to ``(T, B, *)`` (``(B, T, *)`` with
    ``batch_first``), T the longest length; ``padding_side="left"`` puts the padding first."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = [_tensor(s) for s in sequences]
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs):
        if s.ndim == 0 or s.shape[1:] != trailing:
            raise ValueError(f"pad_sequence: every sequence must be (length, *{trailing}); "
                             f"sequence {i} has shape {s.shape}")
    lengths = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    B, T = len(seqs), int(lengths.max())
    rows = np.repeat(np.arange(B, dtype=np.int64), lengths)
    steps = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    if padding_side == "left":
        steps += np.repeat(T - lengths, lengths)
    flat = seqs[0] if B == 1 else Tensor.concatenate(seqs, axis=0)
    out = ScatterRows.apply(flat, index=_positions(steps, rows, T, B, batch_first), n_rows=T * B,
                            fill=padding_value)
    return out.reshape((B, T) + trailing if batch_first else (T, B) + trailing)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose b-th sequence has
    ``lengths[b]`` valid steps (a list, numpy array or int64 CPU Tensor, each in 1..T).

    With ``enforce_sorted`` the lengths must be non-increasing (``sorted_indices`` is then None);
    otherwise the batch is sorted by decreasing length (stable, as PyTorch's sort).
    """
    input = _tensor(input)
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must have at least 2 dimensions, got shape {input.shape}")
    lens = _index_array(lengths)
    T, B = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if len(lens) != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} (batch_size={B})")
    if enforce_sorted and np.any(np.diff(lens) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
            "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
            "if you do not need ONNX exportability."
        )
    if lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if lens.max() > T:
        raise ValueError(f"pack_padded_sequence: a length is {int(lens.max())}, longer than the input's {T} steps")
    sorted_indices = None if enforce_sorted else np.argsort(-lens, kind="stable")
    order = np.arange(B) if sorted_indices is None else sorted_indices
    batch_sizes = (lens[order][None, :] > np.arange(int(lens.max()))[:, None]).sum(axis=1)
    steps, rows = packed_layout(batch_sizes, sorted_indices)
    flat = input.reshape((T * B,) + input.shape[2:])
    data = flat[_positions(steps, rows, T, B, batch_first)]
    return PackedSequence(data, batch_sizes, sorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The inverse of ``pack_padded_sequence``: ``(padded (T, B, *) or (B, T, *), lengths (B,) int64)``, in
    the batch's original order; T is the longest length, or ``total_length`` if given (at least that)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence expects a PackedSequence, got {type(sequence).__name__}")
    data, batch_sizes, sorted_indices, _ = sequence
    T = len(batch_sizes)
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {T}")
        T = int(total_length)
    B = int(batch_sizes.data[0])
    steps, rows = packed_layout(batch_sizes, sorted_indices)
    out = ScatterRows.apply(data, index=_positions(steps, rows, T, B, batch_first), n_rows=T * B,
                            fill=padding_value)
    trailing = data.shape[1:]
    padded = out.reshape((B, T) + trailing if batch_first else (T, B) + trailing)
    return padded, Tensor(packed_lengths(batch_sizes, sorted_indices))


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack B sequences ``(L_b, *)`` (``pad_sequence`` then ``pack_padded_sequence``)."""
    seqs = [_tensor(s) for s in sequences]
    return pack_padded_sequence(pad_sequence(seqs), [s.shape[0] for s in seqs], enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """The B sequences ``(L_b, *)`` of a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``)."""
    lens = _index_array(lengths)
    if batch_first:
        return [padded_sequences[b, :int(n)] for b, n in enumerate(lens)]
    return [padded_sequences[:int(n), b] for b, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The B sequences ``(L_b, *)`` of a PackedSequence, in the batch's original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
