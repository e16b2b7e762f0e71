"""Word-model checkpoints: one ``.npz`` via ``tinygrad_rnn.save``/``load`` (never pickle), tagged with a kind
and a format version so a char-model file or an older layout is refused with a clear message."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..common import UserError
from ..common.checkpoint import check_weights, load_envelope, one_line, save_envelope
from ..common.training import BEST, LAST

from .model import WordRNNLM
from .vocab import Vocabulary

KIND = "word_rnn"
FORMAT_VERSION = 1
DEFAULT_OUT = "checkpoints/word_rnn"


def best_path(path: str | os.PathLike) -> Path:
    """The best-model file of a run written with the deprecated ``--checkpoint FILE``: ``FILE.best.npz``; for
    ``FILE = DIR/last.npz`` (a run of the ``--out DIR`` layout, continued with the old spelling) its
    ``DIR/best.npz``, the file ``generate``, ``score`` and ``eval`` read."""
    p = Path(path)
    if p.name == LAST:
        return p.with_name(BEST)
    return p.with_name(p.stem + ".best" + (p.suffix or ".npz"))


def checkpoint_payload(model: WordRNNLM, vocab: Vocabulary, settings: dict[str, Any],
                       training: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a checkpoint holds: model + vocabulary + text settings (+ optimizer/schedule/data order/RNG state)."""
    return {
        "config": model.config(),
        "dtype": str(model.dtype),
        "model": dict(model.state_arrays()),
        # the target frequencies a class/adaptive softmax's layout is built from (absent for the full softmax)
        **({"word_counts": model.word_counts} if model.word_counts is not None else {}),
        "vocab": vocab.to_dict(),
        "settings": settings,
        "training": training,
    }


def save_payload(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Atomically write a ``checkpoint_payload``."""
    save_envelope(payload, path, KIND, FORMAT_VERSION)


def save_checkpoint(path: str | os.PathLike, model: WordRNNLM, vocab: Vocabulary, settings: dict[str, Any],
                    training: dict[str, Any] | None = None) -> None:
    """Atomically write model + vocabulary + text settings (+ optimizer/schedule/data order/RNG state)."""
    save_payload(path, checkpoint_payload(model, vocab, settings, training))


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict after checking kind and version; UserError for anything unusable."""
    obj = load_envelope(path, KIND, FORMAT_VERSION, program="word-rnn train", default_dir=DEFAULT_OUT)
    for key in ("config", "model", "vocab", "settings"):
        if key not in obj:
            raise UserError(f"checkpoint {str(path)!r} lacks its {key!r} section; the file is corrupted")
    return obj


def model_options(cfg: dict[str, Any], word_counts: Any = None) -> dict[str, Any]:
    """The keyword options of ``WordRNNLM`` a checkpoint's config records (a tutorial model's records none)."""
    opts: dict[str, Any] = {}
    for key, kind in (("num_layers", int), ("dropout", float), ("embedding_size", int), ("tied", bool),
                      ("softmax", str), ("n_classes", int)):
        if key in cfg:
            opts[key] = kind(cfg[key])
    if opts.get("softmax") == "class":  # class-softmax checkpoints from before the bias-free default had biases
        opts["output_bias"] = bool(cfg.get("output_bias", True))
    if "cutoffs" in cfg:
        opts["cutoffs"] = [int(c) for c in np.asarray(cfg["cutoffs"]).reshape(-1)]
    if opts.get("softmax", "full") != "full":
        if word_counts is None:
            raise KeyError("word_counts")
        opts["word_counts"] = np.asarray(word_counts)
    return opts


def restore_model(obj: dict[str, Any], path: str | os.PathLike = "checkpoint") -> tuple[WordRNNLM, Vocabulary]:
    """Model with the checkpoint's weights, and its vocabulary."""
    vocab = Vocabulary.from_dict(obj["vocab"])
    cfg = obj["config"]
    try:
        model = WordRNNLM(int(cfg["vocab_size"]), int(cfg["hidden_size"]),
                          None if cfg["bptt_truncate"] is None else int(cfg["bptt_truncate"]),
                          cell=str(cfg["cell"]), seed=0, dtype=np.dtype(obj.get("dtype", "float32")),
                          **model_options(cfg, obj.get("word_counts")))
    except (KeyError, TypeError, ValueError) as err:
        raise UserError(f"checkpoint {str(path)!r} has a bad model config ({one_line(err)}); the file is corrupted") from None
    if model.vocab_size != len(vocab):
        raise UserError(f"checkpoint {str(path)!r}: model vocabulary {model.vocab_size} != stored vocabulary "
                        f"{len(vocab)}; the file is corrupted")
    check_weights(obj["model"], model.state_dict(), path)
    try:
        model.load_state_dict(obj["model"], strict=True)
    except (KeyError, ValueError, TypeError, RuntimeError) as err:
        raise UserError(f"checkpoint {str(path)!r} does not match its model config ({one_line(err)})") from None
    for name, p in model.named_parameters():
        if not np.all(np.isfinite(p.data)):
            raise UserError(f"checkpoint {str(path)!r} holds non-finite values in {name}; it is unusable")
    model.eval()  # dropout off: restored models score and generate; the trainer switches back to train()
    return model, vocab
