"""The training loop: truncated BPTT over chunk streams, evaluation, samples, checkpoints, resume.

``Trainer`` holds everything a run needs to continue exactly where it stopped (model, optimizer,
data position, carried hidden state, random generators, counters); ``Trainer.checkpoint()`` turns
that into one dict and ``Trainer.from_checkpoint`` back, so an interrupted-and-resumed run ends with
the same parameters as an uninterrupted one.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from collections.abc import Callable
from typing import Any

import numpy as np

from ..common import UserError
from ..common.checkpoint import check_weights, one_line
from ..common.training import DTYPES, check_memory, make_optimizer
from tinygrad_rnn import manual_seed, nn, no_grad
from tinygrad_rnn.random import get_generator

from .data import ChunkStream, eval_streams, split_train_val
from .model import CELLS, CharRNN
from .sample import generate
from .vocab import CharVocab

OPTIMIZERS = ("adagrad", "adam", "rmsprop", "sgd")


@dataclass
class TrainConfig:
    """Hyperparameters of a run (saved in its checkpoints).

    The defaults are the configuration that learned fastest per minute of training on a 2-core CPU
    (benchmarks/char_default.py); ``TrainConfig.preset("min-char-rnn")`` is the classic one.
    """

    hidden_size: int = 192
    num_layers: int = 1
    cell: str = "gru"
    dropout: float = 0.2
    seq_length: int = 32
    batch_size: int = 16
    optimizer: str = "adam"
    lr: float = 3e-3
    clip: float = 5.0
    val_fraction: float = 0.1
    dtype: str = "float32"
    seed: int = 0
    init: str | None = None

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "TrainConfig":
        """The named preset (``PRESETS``) with ``overrides`` applied: ``TrainConfig.preset("min-char-rnn")``."""
        return cls(**{**PRESETS[name], **overrides})

    def validate(self) -> None:
        """Raise UserError naming the first nonsensical value and the accepted range."""
        for name in ("hidden_size", "num_layers", "seq_length", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise UserError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
        if self.cell not in CELLS:
            raise UserError(f"--cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        if self.optimizer not in OPTIMIZERS:
            raise UserError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.dtype not in DTYPES:
            raise UserError(f"--dtype must be float32 or float64, got {self.dtype!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise UserError(f"--lr must be a positive number, got {self.lr}")
        if not (math.isfinite(self.clip) and self.clip >= 0):
            raise UserError(f"--clip must be >= 0 (0 turns clipping off), got {self.clip}")
        if not 0.0 <= self.dropout < 1.0:
            raise UserError(f"--dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise UserError(f"--val-fraction must be in [0, 1), got {self.val_fraction}")
        if self.init not in (None, "min-char-rnn", "pytorch"):
            raise UserError(f"--init must be min-char-rnn or pytorch, got {self.init!r}")


# the classic configuration: Karpathy's min-char-rnn (tanh RNN, H 100, T 25, one stream, Adagrad 0.1, clip 5,
# N(0, 0.01^2) weights); `char-rnn train --preset min-char-rnn` reproduces the published loop
PRESETS: dict[str, dict[str, Any]] = {
    "min-char-rnn": {"hidden_size": 100, "num_layers": 1, "cell": "rnn", "dropout": 0.0, "seq_length": 25,
                     "batch_size": 1, "optimizer": "adagrad", "lr": 0.1, "clip": 5.0, "init": None},
}


class DivergedError(UserError):
    """The loss became NaN or infinite."""




def _rng_state(rng: np.random.Generator) -> str:
    return json.dumps(rng.bit_generator.state)


def _set_rng_state(rng: np.random.Generator, state: str) -> None:
    rng.bit_generator.state = json.loads(state)


def text_fingerprint(text: str) -> str:
    import hashlib
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Trainer:
    """One training run on ``text`` (its vocabulary is built from the whole text)."""

    def __init__(self, config: TrainConfig, text: str, vocab: CharVocab | None = None):
        config.validate()
        self.config = config
        self.text_sha256 = text_fingerprint(text)
        self.vocab = vocab or CharVocab.from_text(text)
        missing = self.vocab.missing(text)
        if missing:
            raise UserError(f"the data contain {len(missing)} character(s) the checkpoint's vocabulary lacks "
                            f"(e.g. {missing[0]!r}); resume with the text the checkpoint was trained on")
        ids = self.vocab.encode(text)
        train_ids, self.val_ids = split_train_val(ids, config.val_fraction)
        need = config.batch_size * (config.seq_length + 1)
        if len(train_ids) < need:
            raise UserError(
                f"the text is too short: its training part has {len(train_ids)} characters, but batch_size "
                f"{config.batch_size} x (seq_length {config.seq_length} + 1) = {need} are needed for one chunk; "
                "use a longer text or smaller --seq-length / --batch-size"
            )
        if config.val_fraction > 0 and len(self.val_ids) < 2:
            raise UserError(f"the validation part ({len(self.val_ids)} characters) is too short to evaluate; "
                            "raise --val-fraction, use a longer text, or pass --val-fraction 0")
        self.stream = ChunkStream(train_ids, config.batch_size, config.seq_length)
        check_memory(self.vocab.size, config.hidden_size, config.num_layers, config.cell,
                     np.dtype(config.dtype).itemsize, config.seq_length * config.batch_size)
        self.model = CharRNN(self.vocab.size, config.hidden_size, config.num_layers, config.cell, config.dropout,
                             dtype=np.dtype(config.dtype), init=config.init,
                             generator=np.random.default_rng(config.seed))
        # one buffer for all trainable tensors: the optimizer step and the clip are a few numpy calls each
        # (at min-char-rnn's sizes per-tensor overhead costs more than the arithmetic)
        self.flat = nn.utils.flatten_parameters_(self.model.trainable_parameters())
        self.optimizer = make_optimizer(config.optimizer, [self.flat], config.lr, adagrad="min-char-rnn")
        self.state = self.model.init_state(config.batch_size)
        self.sample_rng = np.random.default_rng([config.seed, 1])
        manual_seed(config.seed + 2)  # seeds the generator dropout draws from (tinygrad_rnn.random's)
        self.iteration = 0
        self.smooth_loss = -math.log(1.0 / self.vocab.size) * config.seq_length
        self.best_val: float | None = None
        self.history: dict[str, list[float]] = {"iter": [], "smooth_loss": [], "val_iter": [], "val_bpc": []}
        self.data_source: dict[str, Any] = {}  # where the text came from (set by the CLI, used by --resume)
        # the run's --max-iters, --eval-every, --sample-every (set by the CLI; a resumed run keeps them)
        self.run_goal: dict[str, Any] = {}
        self.card: Callable[[], str] | None = None  # renders the results card (set by the CLI; models/common/card.py)

    # ------------------------------------------------------------------ one step
    def step(self) -> float:
        """One truncated-BPTT iteration; returns the chunk loss (sum over steps, mean over streams)."""
        chunk = self.stream.next_chunk()
        if chunk.reset:
            self.state = self.model.init_state(self.config.batch_size)
        if not self.model.training:
            self.model.train()
        loss, new_state = self.model.chunk_loss(chunk.inputs, chunk.targets, self.state)
        value = float(loss.data)
        if not math.isfinite(value):
            raise DivergedError(f"the loss became {value} at iteration {self.iteration + 1}: training diverged")
        self.optimizer.zero_grad(set_to_none=False)  # zeroes the one gradient buffer in place
        loss.backward()
        if self.config.clip > 0:
            nn.utils.clip_grad_value_([self.flat], self.config.clip)
        self.optimizer.step()
        self.state = new_state
        self.iteration += 1
        self.smooth_loss = 0.999 * self.smooth_loss + 0.001 * value
        if self.iteration % 10 == 0:
            self.history["iter"].append(self.iteration)
            self.history["smooth_loss"].append(self.smooth_loss)
        return value

    def params_finite(self) -> bool:
        return bool(np.isfinite(self.flat.data).all())

    # ------------------------------------------------------------------ evaluation and samples
    def evaluate(self, chunk: int = 256) -> float | None:
        """Validation loss in nats per character (None without a validation split).

        The held-out text is read as up to 32 contiguous streams from a zero state, carrying the
        state across chunks of ``chunk`` steps, like training does.
        """
        if len(self.val_ids) < 2:
            return None
        streams = eval_streams(self.val_ids)
        L, B = streams.shape
        total, count = 0.0, 0
        self.model.eval()
        state = self.model.init_state(B)
        with no_grad():
            for start in range(0, L - 1, chunk):
                stop = min(start + chunk, L - 1)
                h, state = self.model.hidden_states(streams[start:stop], state)
                total += float(self.model.sequence_loss(h, streams[start + 1:stop + 1]).data)
                count += (stop - start) * B
        self.model.train()
        return total / count

    def record_validation(self, nats: float, eligible: bool = True) -> bool:
        """Store a validation result; True if it is the best so far (only an ``eligible`` one can be: the
        trainer passes False for a model that predicts worse than a uniform guess)."""
        self.history["val_iter"].append(self.iteration)
        self.history["val_bpc"].append(nats / math.log(2))
        if eligible and (self.best_val is None or nats < self.best_val):
            self.best_val = nats
            return True
        return False

    def sample(self, length: int, on_loop: Callable[[str], None] | None = None) -> str:
        """A sample continuing the first training stream from its current hidden state (``on_loop``: see
        ``generate``)."""
        # the state has read every input up to position - 1, so the next input is at position
        prime_id = int(self.stream.streams[self.stream.position, 0])
        state = tuple(s[:, :1].copy() for s in self.state)
        return "".join(generate(self.model, self.vocab, self.vocab.chars[prime_id], length,
                                seed=int(self.sample_rng.integers(2**63)), state=state, on_loop=on_loop))

    # ------------------------------------------------------------------ checkpoints
    def checkpoint(self) -> dict[str, Any]:
        return {
            "model_config": self.model.config(),
            "model": self.model.state_arrays(),
            "vocab": self.vocab.to_dict(),
            "train_config": asdict(self.config),
            "optimizer": self.optimizer.state_dict(),
            "data": self.stream.state_dict(),
            "hidden": list(self.state),
            "rng": {"sample": _rng_state(self.sample_rng), "dropout": _rng_state(get_generator())},
            "progress": {"iteration": self.iteration, "smooth_loss": self.smooth_loss, "best_val": self.best_val,
                         "history": {k: np.asarray(v, dtype=np.float64) for k, v in self.history.items()}},
            "text_sha256": self.text_sha256,
            "data_source": dict(self.data_source),
            "run_goal": dict(self.run_goal),
            **({"card": self.card()} if self.card is not None else {}),
        }

    @classmethod
    def from_checkpoint(cls, ckpt: dict[str, Any], text: str, path: str = "checkpoint") -> "Trainer":
        """Rebuild a run from ``checkpoint()``'s dict and the text it was trained on."""
        if "train_config" not in ckpt or "optimizer" not in ckpt:
            raise UserError(f"{path!r} holds a model but no training state; resume from last.npz or best.npz "
                            "written by `char-rnn train`")
        if ckpt.get("text_sha256") != text_fingerprint(text):
            raise UserError(f"the training text differs from the one checkpoint {path!r} was trained on; "
                            "resume with the same --data (and --corpus-chars) as the original run")
        try:
            names = {f.name for f in fields(TrainConfig)}
            config = TrainConfig(**{k: v for k, v in ckpt["train_config"].items() if k in names})
            trainer = cls(config, text, CharVocab.from_dict(ckpt["vocab"]))
            check_weights(ckpt["model"], trainer.model.state_dict(), path)
            trainer.model.load_state_dict(ckpt["model"])
            trainer.optimizer.load_state_dict(ckpt["optimizer"])
            trainer.stream.load_state_dict(ckpt["data"])
            trainer.state = tuple(np.asarray(h, dtype=trainer.model.dtype).copy() for h in ckpt["hidden"])
            if [s.shape for s in trainer.state] != [s.shape for s in trainer.model.init_state(config.batch_size)]:
                raise ValueError("the saved hidden state has the wrong shape")
            _set_rng_state(trainer.sample_rng, ckpt["rng"]["sample"])
            _set_rng_state(get_generator(), ckpt["rng"]["dropout"])
            progress = ckpt["progress"]
            trainer.iteration = int(progress["iteration"])
            trainer.smooth_loss = float(progress["smooth_loss"])
            trainer.best_val = None if progress["best_val"] is None else float(progress["best_val"])
            trainer.history = {k: [float(x) for x in np.asarray(v)] for k, v in progress["history"].items()}
        except UserError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise UserError(f"checkpoint {path!r} cannot be resumed ({one_line(err)}); it is corrupted or from another "
                            "version") from None
        return trainer

