"""Text → ids, the train/validation split, and the chunk iterator of truncated BPTT.

The text of length N is cut into ``batch_size`` contiguous streams of length ``L = N // batch_size``
(what char-rnn does: stream b is ``ids[b*L:(b+1)*L]``). Each step reads the next ``seq_length``
characters of every stream as inputs and the characters one position later as targets, so the hidden
state at the end of one chunk is the right start for the next. With ``batch_size=1`` this is exactly
min-char-rnn's loop, including its wrap rule ``if p + seq_length + 1 >= len(data): p = 0; h = 0``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np


def split_train_val(ids: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Hold out the LAST ``val_fraction`` of ``ids`` (shape (N,)) for validation.

    Returns ``(train (N - n_val,), val (n_val,))`` with ``n_val = floor(N * val_fraction)``;
    ``val_fraction=0`` gives an empty validation array.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    ids = np.asarray(ids)
    n_val = int(len(ids) * val_fraction)
    cut = len(ids) - n_val
    return ids[:cut], ids[cut:]


@dataclass
class Chunk:
    """One step of training data.

    inputs, targets: int64 arrays of shape (seq_length, batch_size) (time-major, like nn.RNN).
    reset: True when the streams started over, so the carried hidden state must be zeroed first.
    """

    inputs: np.ndarray
    targets: np.ndarray
    reset: bool


class ChunkStream:
    """Gives ``Chunk``s (``next_chunk()``) over ``batch_size`` contiguous streams, forever, wrapping at the end.

    Position state (``position``, ``epoch``) is a pair of ints; ``state_dict``/``load_state_dict``
    save and restore it exactly, so a resumed run reads the same chunks an uninterrupted one would.
    """

    def __init__(self, ids: np.ndarray, batch_size: int, seq_length: int):
        ids = np.asarray(ids, dtype=np.int64)
        if batch_size < 1 or seq_length < 1:
            raise ValueError("batch_size and seq_length must be at least 1")
        self.stream_length = len(ids) // batch_size
        if self.stream_length < seq_length + 1:
            raise ValueError(
                f"{len(ids)} characters give {batch_size} stream(s) of {self.stream_length}, shorter than one "
                f"chunk of seq_length + 1 = {seq_length + 1}"
            )
        self.batch_size = batch_size
        self.seq_length = seq_length
        # (L, B): column b is stream b, so a chunk is a contiguous row slice (no gather).
        self.streams = ids[: batch_size * self.stream_length].reshape(batch_size, self.stream_length).T.copy()
        self.position = 0
        self.epoch = 0
        self._started = False

    def next_chunk(self) -> Chunk:
        T = self.seq_length
        reset = not self._started
        if self.position + T + 1 >= self.stream_length:
            # min-char-rnn's rule: fewer than T+2 characters left → start over with a fresh hidden state.
            if self._started:
                self.epoch += 1
            self.position = 0
            reset = True
        self._started = True
        p = self.position
        chunk = Chunk(self.streams[p:p + T], self.streams[p + 1:p + T + 1], reset)
        self.position = p + T
        return chunk

    def state_dict(self) -> dict:
        return {"position": self.position, "epoch": self.epoch, "started": self._started,
                "batch_size": self.batch_size, "seq_length": self.seq_length,
                "stream_length": self.stream_length}

    def load_state_dict(self, state: Mapping) -> None:
        for key in ("batch_size", "seq_length", "stream_length"):
            if int(state[key]) != getattr(self, key):
                raise ValueError(f"data position was saved with {key}={int(state[key])}, "
                                 f"this stream has {getattr(self, key)}")
        position = int(state["position"])
        if not 0 <= position < self.stream_length:
            raise ValueError(f"saved data position {position} is outside the stream")
        self.position = position
        self.epoch = int(state["epoch"])
        self._started = bool(state["started"])


def eval_streams(ids: np.ndarray, max_streams: int = 32, min_length: int = 64) -> np.ndarray:
    """Cut validation ids (N,) into an (L, B) array of contiguous streams for batched evaluation.

    Uses as many streams (≤ max_streams) as keep each at least ``min_length`` long; every stream is
    read from a zero hidden state, so fewer, longer streams measure the carried-state loss better.
    A tail of fewer than B characters is dropped.
    """
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) < 2:
        raise ValueError("validation needs at least 2 characters")
    B = int(max(1, min(max_streams, len(ids) // min_length)))
    L = len(ids) // B
    return ids[: B * L].reshape(B, L).T.copy()
