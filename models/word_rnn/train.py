"""Training: per-sentence SGD as in the tutorial (or padded minibatches), evaluation with the
halve-on-increase schedule, checkpoints that resume exactly, Ctrl-C (or SIGTERM, SIGHUP) that saves first."""
from __future__ import annotations

import copy
import functools
import json
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Hashable, Sequence

import numpy as np
from tqdm import tqdm

from tinygrad_rnn import manual_seed, nn, optim
from tinygrad_rnn.random import get_generator
from ..common import UserError, check_recorded_data
from ..common.errors import interrupted_line
from ..common.plotting import PLOT_NAME, plot_curves, require_matplotlib
from ..common.signals import StopOnSignal
from ..common.threads import chosen_blas_threads_line
from ..common.training import (DTYPES, Budget, better_best, check_max_time, check_memory, Conflict, DivergenceWatch, RunFiles, SaveCadence, check_out_dir, checkpoint_paths, make_optimizer, out_dir,
                               progress_bar, refuse_resume_conflicts)

from . import data as wdata
from ..common.card import read_card
from .checkpoint import (DEFAULT_OUT, best_path, checkpoint_payload, load_checkpoint, restore_model,
                         save_checkpoint, save_payload)
from .info import render_card, results_card
from .init_from import InitFrom
from .model import CELLS, PAD, WordRNNLM
from .vocab import MIN_VOCAB_SIZE, Vocabulary, VocabSizeWarning, encode_sentences
from .wording import perplexity, plural
from .options import ARCHITECTURE, build_model, check_architecture, check_cutoffs_fit, check_split_dir_options, check_tutorial, eval_mode, in_order_plan, target_counts

OPTIMIZERS = ("sgd", "adagrad", "adam")
SPARSE_OPTIMIZERS = ("sgd", "adagrad")  # apply the embedding's row-sparse gradient to the used rows only
DEFAULT_LR = {"sgd": 0.005, "adagrad": 0.01, "adam": 0.001}
EVAL_BATCH = 64
EVAL_TOKENS = 1024
LOSS_CURVE_STEPS = 50
DIVERGENCE_WINDOW = 50  # steps in a row above twice the uniform loss per token: a diverged run


@dataclass
class TrainConfig:
    """Every option of ``word-rnn train`` (see ``cli.py`` for the help texts)."""

    data: str | None = None
    column: str | None = None
    csv: bool | None = None
    lowercase: bool = False
    vocab_size: int = 8000
    hidden_size: int = 100
    bptt_truncate: int | None = 4
    cell: str = "rnn"
    softmax: str = "full"  # full (the tutorial's) | class | adaptive
    cutoffs: tuple[int, ...] | None = None  # adaptive softmax (default: model.default_cutoffs)
    num_layers: int = 1
    dropout: float = 0.0
    embedding_size: int | None = None  # default: hidden_size
    tied: bool = False
    tutorial: bool = False  # the seed tutorial's train_with_sgd: in order, loss on the training set before epochs
    evaluate_loss_after: int = 5  # --tutorial: evaluate every N epochs (the tutorial's evaluate_loss_after)
    optimizer: str = "sgd"
    lr: float | None = None
    clip: float | None = None
    schedule: str = "halve"
    batch_size: int = 1
    epochs: int = 1
    max_sentences: int | None = None
    max_time: float | None = None
    val_fraction: float = 0.05
    eval_every: int | None = None
    checkpoint_every: int | None = None  # also save last.npz every N sentences
    checkpoint_minutes: float | None = 5.0  # and after this many minutes without a save
    out: str | None = None  # directory for last.npz/best.npz (default checkpoints/word_rnn, or --resume's)
    resume: str | None = None  # the checkpoint to continue
    checkpoint: str | None = None  # deprecated: write exactly this file and its NAME.best.npz instead of --out
    overwrite: bool = False
    seed: int = 0
    dtype: str = "float32"
    quiet: bool = False
    plot: bool = False
    # the options the user gave explicitly (the CLI fills it in); None = those that differ from the defaults
    explicit: frozenset[str] | None = None
    init_from: str | None = None  # start a new run from this checkpoint's weights (init_from.py)
    command: str | None = None  # the command line, for the results card


# options that define the run; a resumed run takes them from the checkpoint
_FIXED = ("data", "column", "csv", "lowercase", "vocab_size", "hidden_size", "bptt_truncate", "cell", "optimizer",
          "lr", "clip", "schedule", "batch_size", "val_fraction", "seed", "dtype") + ARCHITECTURE
# when the run stops; saved so that a resumed run keeps the goal of the interrupted one unless given again.
# --max-time is not among them: it is a budget for one session, counted from its start
_GOAL = ("epochs", "max_sentences", "eval_every")


def explicit_options(cfg: TrainConfig) -> frozenset[str]:
    """The options the user chose: ``cfg.explicit``, or (for a TrainConfig built in code) those off their default."""
    if cfg.explicit is not None:
        return cfg.explicit
    return frozenset(f.name for f in fields(TrainConfig) if f.name != "explicit" and getattr(cfg, f.name) != f.default)


def validate(cfg: TrainConfig) -> None:
    checks = [
        (cfg.vocab_size >= MIN_VOCAB_SIZE, f"--vocab-size must be at least {MIN_VOCAB_SIZE} (start, end, unknown and "
         f"one word), got {cfg.vocab_size}"),
        (cfg.hidden_size >= 1, f"--hidden-size must be >= 1, got {cfg.hidden_size}"),
        (cfg.bptt_truncate is None or cfg.bptt_truncate >= 0, f"--bptt-truncate must be >= 0 or 'none', got {cfg.bptt_truncate}"),
        (cfg.optimizer in OPTIMIZERS, f"--optimizer must be one of {', '.join(OPTIMIZERS)}"),
        (cfg.lr is None or (math.isfinite(cfg.lr) and cfg.lr > 0), f"--lr must be a positive number, got {cfg.lr}"),
        (cfg.clip is None or cfg.clip > 0, f"--clip must be positive, got {cfg.clip}"),
        (cfg.batch_size >= 1, f"--batch-size must be >= 1, got {cfg.batch_size}"),
        (0.0 <= cfg.val_fraction < 1.0, f"--val-fraction must be in [0, 1), got {cfg.val_fraction}"),
        (cfg.epochs >= 1, f"--epochs must be >= 1, got {cfg.epochs}"),
        (cfg.max_sentences is None or cfg.max_sentences >= 1, f"--max-sentences must be >= 1, got {cfg.max_sentences}"),
        (cfg.eval_every is None or cfg.eval_every >= 1, f"--eval-every must be >= 1, got {cfg.eval_every}"),
        (cfg.checkpoint_every is None or cfg.checkpoint_every >= 1,
         f"--checkpoint-every must be >= 1, got {cfg.checkpoint_every}"),
        (cfg.checkpoint_minutes is None or (math.isfinite(cfg.checkpoint_minutes) and cfg.checkpoint_minutes > 0),
         f"--checkpoint-minutes must be a positive number, got {cfg.checkpoint_minutes}"),
        (cfg.schedule in ("halve", "none"), f"--schedule must be 'halve' or 'none', got {cfg.schedule!r}"),
        (cfg.dtype in DTYPES, f"--dtype must be float32 or float64, got {cfg.dtype!r}"),
    ]
    for ok, msg in checks:
        if not ok:
            raise UserError(msg)
    check_max_time(cfg.max_time)
    if cfg.cell not in CELLS:
        raise UserError(f"--cell must be one of {', '.join(CELLS)}, got {cfg.cell!r}")
    if cfg.cell != "rnn" and cfg.bptt_truncate is not None:
        raise UserError(f"--bptt-truncate applies to --cell rnn only; use --bptt-truncate none with --cell {cfg.cell}")
    check_architecture(cfg)
    check_tutorial(cfg)
    if not cfg.tutorial and "evaluate_loss_after" in explicit_options(cfg):
        raise UserError("--evaluate-loss-after belongs to --tutorial (the seed's train_with_sgd loop); add --tutorial, "
                        "or use --eval-every N to validate every N sentences")


def run_paths(cfg: TrainConfig) -> tuple[Path, Path]:
    """Where the run writes its last state and its best model: ``OUT/last.npz``, ``OUT/best.npz`` (OUT is
    --out, else the directory of --resume's checkpoint, else checkpoints/word_rnn); with the deprecated
    ``--checkpoint FILE``, FILE and FILE's ``.best.npz``."""
    if cfg.checkpoint is not None:
        return Path(cfg.checkpoint), best_path(cfg.checkpoint)
    return checkpoint_paths(out_dir(cfg.out, cfg.resume, DEFAULT_OUT))


def check_outputs(cfg: TrainConfig) -> None:
    """Refuse, before any slow work, outputs that cannot be written or that would silently replace an
    earlier run (and its best model, which ``generate`` would otherwise pick up as if it were this run's)."""
    if cfg.checkpoint is None:
        out = out_dir(cfg.out, cfg.resume, DEFAULT_OUT)
        check_out_dir(out, cfg.resume, cfg.overwrite, read_resume=load_checkpoint)
        if cfg.overwrite:
            _check_best_is_a_file(checkpoint_paths(out)[1], "--out")
        return
    if cfg.out is not None:
        raise UserError("--checkpoint FILE (deprecated) and --out DIR both say where to write; give only --out DIR")
    _check_legacy_checkpoint_path(cfg)


def _check_best_is_a_file(best: Path, option: str) -> None:
    """The earlier run's best model is removed (by ``RunFiles``) once this run has saved a checkpoint of its own;
    a directory in its place could not be."""
    if best.is_dir():
        raise UserError(f"{str(best)!r} is a directory; remove it or choose another {option}")


def _check_legacy_checkpoint_path(cfg: TrainConfig) -> None:
    """The checks of the deprecated ``--checkpoint FILE`` layout (FILE and FILE.best.npz)."""
    path = Path(cfg.checkpoint)
    if path.is_dir():
        raise UserError(f"--checkpoint {cfg.checkpoint!r} is a directory; give a file name such as "
                        f"{str(path / 'word_rnn.npz')!r}")
    # a missing directory is created at the first save, as --out DIR's is: what must hold is its nearest existing
    # ancestor, a writable directory
    parent = path.parent if str(path.parent) else Path(".")
    existing = next(part for part in (parent, *parent.parents, Path(".")) if part.exists())
    if not existing.is_dir():
        raise UserError(f"the directory of --checkpoint {cfg.checkpoint!r} ({str(parent)!r}) cannot be created: "
                        f"{str(existing)!r} is a file; choose another --checkpoint")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"the directory of --checkpoint {cfg.checkpoint!r} ({str(existing)!r}) is not writable; "
                        "choose another --checkpoint")
    if cfg.resume:
        if cfg.overwrite:
            raise UserError("--resume continues the run in --checkpoint and --overwrite replaces it; give one of them")
        return
    best = best_path(path)
    if not cfg.overwrite:
        if path.exists():
            raise UserError(f"{str(path)} already exists (an earlier run); pass --resume to continue it, "
                            "--overwrite to replace it, or another --checkpoint")
        if best.exists():  # its best model alone: there is no FILE for --resume to continue
            raise UserError(f"{str(best)} already exists (an earlier run's best model, without {str(path)}); pass "
                            "--overwrite to replace it, or another --checkpoint")
        return
    _check_best_is_a_file(best, "--checkpoint")


def evaluate(model: WordRNNLM, encoded: Sequence[np.ndarray], idx: np.ndarray) -> tuple[float, int]:
    """Mean cross-entropy per predicted token over sentences ``idx`` (each word and each sentence's end: the
    tutorial's ``calculate_loss``, whose "words" include the end token), and the number of those tokens (dropout
    off)."""
    with eval_mode(model):
        return _evaluate(model, encoded, idx)


def _evaluate(model: WordRNNLM, encoded: Sequence[np.ndarray], idx: np.ndarray) -> tuple[float, int]:
    total, tokens = 0.0, 0
    order = idx[np.argsort([len(encoded[i]) for i in idx], kind="stable")]
    start = 0
    while start < len(order):
        # similar lengths together (sorted), at most EVAL_TOKENS padded positions per batch: the
        # (T, B, vocab) logits of a batch stay around 30 MB in the tutorial configuration
        longest = len(encoded[order[min(start + EVAL_BATCH, len(order)) - 1]]) - 1
        batch = order[start:start + max(1, min(EVAL_BATCH, EVAL_TOKENS // max(longest, 1)))]
        start += len(batch)
        x, y = wdata.make_batch(encoded, batch)
        losses = model.token_losses(x, y)
        total += float(losses.sum())
        tokens += int((np.asarray(y) != PAD).sum())
    return total / max(tokens, 1), tokens


class TrainStep:
    """One optimisation step on a batch: loss, backward, optional clipping, optimizer step.

    Gradients are dropped before each step (PyTorch's ``zero_grad()``, ``set_to_none=True``): the backward
    then stores each fresh gradient as it is, where zeroing in place would cost one pass over the vocab × hidden
    output gradient to zero it and one to add the new gradient into it (measured: ~0.13 ms of a 2 ms step in
    the tutorial setting; the allocator reuses the freed block, so the fresh array costs no page faults). The
    embedding's gradient is row-sparse when the model's ``nn.Embedding`` has ``sparse=True`` (the trainer sets
    it for SGD and Adagrad): the optimizer then updates only the rows of the batch's words, the same numbers as
    the dense update without touching the other vocab − k rows.
    """

    def __init__(self, model: WordRNNLM, opt: optim.Optimizer, clip: float | None = None):
        self.model, self.opt, self.clip = model, opt, clip
        self.params = list(model.parameters())

    def __call__(self, x: np.ndarray, y: np.ndarray) -> float:
        """The step's loss (per-sentence sum, averaged over the batch); a non-finite loss skips the update."""
        self.opt.zero_grad()
        loss = self.model.loss(x, y)
        value = loss.item()
        if not math.isfinite(value):
            return value
        loss.backward()
        if self.clip is not None:
            nn.utils.clip_grad_norm_(self.params, self.clip)
        self.opt.step()
        return value


@dataclass
class _State:
    epoch: int = 0
    position: int = 0  # batches of the current epoch's plan already done
    plan: list[np.ndarray] | None = None
    steps: int = 0
    sentences: int = 0
    tokens: int = 0  # predicted: the words and one end per sentence (saved as "words" in checkpoints)
    best_val: float | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    # the training loss per token every LOSS_CURVE_STEPS steps, as (sentences, loss) pairs: --plot's curve
    curve: list[tuple[float, float]] = field(default_factory=list)


def _settings(cfg: TrainConfig, requested_vocab_size: int, pretokenized: bool = False) -> dict[str, Any]:
    settings = {**{k: getattr(cfg, k) for k in _FIXED + _GOAL}, "requested_vocab_size": requested_vocab_size,
                "pretokenized": pretokenized}
    if cfg.data is not None:  # absolute: --resume, eval --split and gradflow find it from any directory
        settings["data"] = str(Path(cfg.data).resolve())
    return settings


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _refuse_conflicts(cfg: TrainConfig, stored: dict[str, Any], explicit: frozenset[str]) -> None:
    """UserError for an option given with --resume that contradicts the saved run (it would be silently ignored:
    the checkpoint defines the model, optimizer and data split). The data file itself may be named again."""
    conflicts = []
    for k in _FIXED:
        if k in ("data", "column", "csv") or k not in explicit or k not in stored:
            continue
        given, saved = getattr(cfg, k), stored[k]
        if k == "cutoffs":  # saved as an array
            given, saved = (None if v is None else [int(c) for c in np.asarray(v).reshape(-1)] for v in (given, saved))
        if k == "lr" and saved is None:
            saved = DEFAULT_LR.get(str(stored.get("optimizer")), saved)
        if k == "vocab_size" and given == stored.get("requested_vocab_size"):
            continue  # the size asked for originally, clamped to the corpus's distinct words
        if given != saved:
            conflicts.append(Conflict(_flag(k), given, saved))
    refuse_resume_conflicts(conflicts)


@dataclass
class _Limits:
    """How far this session trains: to ``epochs`` (None: no limit) and a total of ``max_sentences``. They are the
    run's goal, except that ``--resume --max-time S`` alone on a run that has reached its goal trains past it for
    S seconds (as char-rnn's --max-iters): ``past_goal`` names the goals passed, which the checkpoints keep."""

    epochs: int | None
    max_sentences: int | None
    past_goal: tuple[str, ...] = ()


def _goal_reached(cfg: TrainConfig, epoch: int, sentences: int) -> list[str]:
    """The run's goals (``--epochs N``, ``--max-sentences N``) already reached at ``epoch``, ``sentences``."""
    reached = [f"--epochs {cfg.epochs}"] if epoch >= cfg.epochs else []
    if cfg.max_sentences is not None and sentences >= cfg.max_sentences:
        reached.append(f"--max-sentences {cfg.max_sentences}")
    return reached


def _session_limits(cfg: TrainConfig, training: dict[str, Any] | None, explicit: frozenset[str]) -> _Limits:
    """The limits of this session; UserError when a resumed run has already reached its goal (exit 0 with no
    training would look like success)."""
    if training is None:
        return _Limits(cfg.epochs, cfg.max_sentences)
    epoch, sentences = int(training["epoch"]), int(training["sentences"])
    reached = _goal_reached(cfg, epoch, sentences)
    if reached and cfg.max_time is not None and not explicit & {"epochs", "max_sentences"}:
        # --max-time alone: this session trains that long past the goal; the run's own goal stays its goal, so a
        # later plain --resume still has nothing to do
        return _Limits(None if epoch >= cfg.epochs else cfg.epochs,
                       None if any(r.startswith("--max-sentences") for r in reached) else cfg.max_sentences,
                       tuple(reached))
    if epoch >= cfg.epochs:
        origin = "" if "epochs" in explicit else " (the goal saved in the checkpoint)"
        raise UserError(f"nothing to train: the checkpoint is already at epoch {epoch} and --epochs is "
                        f"{cfg.epochs}{origin}; pass a larger --epochs (or --max-time alone)")
    if cfg.max_sentences is not None and sentences >= cfg.max_sentences:
        origin = "" if "max_sentences" in explicit else " (the goal saved in the checkpoint)"
        raise UserError(f"nothing to train: the checkpoint has already trained {plural(sentences, 'sentence')} and "
                        f"--max-sentences is {cfg.max_sentences}{origin}; pass a larger --max-sentences (or "
                        "--max-time alone)")
    return _Limits(cfg.epochs, cfg.max_sentences)


def _continue_hint(resume: str, cfg: TrainConfig, limits: _Limits, epoch: int, sentences: int, session: int,
                   n_train: int) -> str:
    """A command that continues the run from where it stopped: ``resume`` (``--resume OUT/last.npz``) alone while
    the run's goal is not reached; past it, with this session's --max-time again (a session that trained past
    the goal) or a goal further on (as many sentences again as this session trained, the epochs they need)."""
    if not _goal_reached(cfg, epoch, sentences):
        return resume
    if limits.past_goal and cfg.max_time is not None:
        return f"{resume} --max-time {cfg.max_time:g}"
    options, epochs = [], epoch + 1 if epoch >= cfg.epochs else 0
    if cfg.max_sentences is not None and sentences >= cfg.max_sentences:
        target = sentences + max(session, 1)
        options.append(f"--max-sentences {target}")
        epochs = max(epochs, math.ceil(target / max(n_train, 1)))  # an epoch is n_train sentences
    if epochs > cfg.epochs:
        options.append(f"--epochs {epochs}")
    return " ".join([resume, *options])


def _other_data(cfg: TrainConfig) -> UserError:
    """The refusal of a --resume onto a text that is not the one its checkpoint was trained on."""
    text = f"--data {cfg.data!r}" if cfg.data is not None else "the built-in corpus (of this Python)"
    return UserError(f"the training data differ from those of {cfg.resume!r}: {text} is not the text it was trained "
                     f"on (it changed since, or is another file); resume with that text, or start a new run on this "
                     f"one (--init-from {cfg.resume} with a new --out keeps the model's weights)")


def _best_measure(path: Path) -> tuple[Hashable, float | None]:
    """What a checkpoint's best value measures (the loss per token of the validation sentences of one corpus, split
    and vocabulary), and the value: RunFiles keeps an earlier run's best.previous.npz until this run's best is at
    least as good by it."""
    obj = load_checkpoint(path)
    training, settings = obj.get("training") or {}, obj["settings"]
    what = (training.get("fingerprint"), settings.get("val_fraction"), settings.get("seed"),
            tuple(obj["vocab"]["index_to_word"]))
    return what, training.get("best_val")


def train(cfg: TrainConfig, out: Any = None, on_step: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run (or resume) training as ``cfg`` says; returns a summary dict. Messages go to ``out`` (stdout)."""
    out = out or sys.stdout
    interrupted_line("interrupted before training started; nothing was saved")

    def say(msg: str) -> None:
        tqdm.write(msg, file=out)

    if cfg.resume is True:  # the deprecated bare --resume: continue the run in --checkpoint FILE
        cfg.resume = cfg.checkpoint
    if cfg.plot:
        require_matplotlib()
    check_outputs(cfg)
    init = InitFrom(cfg, explicit_options(cfg)) if cfg.init_from else None  # before the corpus is read
    last_path, best = run_paths(cfg)
    # the deprecated --checkpoint DIR/last.npz writes the files --out DIR writes: the hint is the current spelling
    # (a FILE of another name has its FILE.best.npz, which only the old spelling continues)
    current = cfg.checkpoint is None or (last_path, best) == checkpoint_paths(last_path.parent)
    resume_hint = f"--resume {last_path}" if current else f"--checkpoint {last_path} --resume"
    ckpt = None
    if cfg.resume:
        ckpt = load_checkpoint(cfg.resume)
        if not ckpt.get("training"):
            raise UserError(f"{cfg.resume!r} holds no training state to resume; start a new run without --resume")
        stored = ckpt["settings"]
        # the run is defined by the checkpoint; only the data file may be named again (it may have moved:
        # the fingerprint check below refuses different data)
        keep = {"data": cfg.data, "column": cfg.column, "csv": cfg.csv} if cfg.data is not None else {}
        explicit = explicit_options(cfg)
        _refuse_conflicts(cfg, stored, explicit)
        for k in _FIXED:
            if k in stored:
                setattr(cfg, k, stored[k])
        for k, v in keep.items():
            setattr(cfg, k, v)
        for k in _GOAL:
            if k not in explicit and k in stored:
                setattr(cfg, k, stored[k])
        if not keep and cfg.data is not None:
            check_recorded_data(cfg.data, cfg.resume)
    validate(cfg)
    if ckpt is not None:
        restore_model(ckpt, cfg.resume)  # a corrupt model is named before any goal or data problem
    limits = _session_limits(cfg, ckpt["training"] if ckpt is not None else None, explicit_options(cfg))
    lr = cfg.lr if cfg.lr is not None else DEFAULT_LR[cfg.optimizer]

    if cfg.data is None:
        say("no --data given: training on the built-in default corpus, the docstrings of Python's standard library")
    corpus = wdata.load_corpus(cfg.data, cfg.column, cfg.lowercase, cfg.csv)
    say(f"corpus: {corpus.description}")
    requested_vocab = cfg.vocab_size
    vocab_warnings: list[str] = []
    if ckpt is not None:
        requested_vocab = int(ckpt["settings"].get("requested_vocab_size", cfg.vocab_size))
        model, vocab = restore_model(ckpt, cfg.resume)
    elif init is not None:
        model, vocab = init.model, init.vocab
        cfg.vocab_size = len(vocab)
        say(init.oov_note(corpus.sentences))
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", VocabSizeWarning)
            vocab = Vocabulary.build(corpus.sentences, cfg.vocab_size)
        vocab_warnings = [str(w.message) for w in caught]
        check_cutoffs_fit(cfg, len(vocab), requested_vocab)
        cfg.vocab_size = len(vocab)
        check_memory(len(vocab), cfg.hidden_size, 1, cfg.cell, np.dtype(cfg.dtype).itemsize,
                     min(cfg.batch_size, len(corpus.sentences)) * max(len(s) for s in corpus.sentences),
                     hint="--hidden-size, --vocab-size or --batch-size")
    if init is None and ckpt is None:  # (an --init-from vocabulary is the checkpoint's, described by its note)
        say(vocab.summary())
    encoded = encode_sentences(vocab, corpus.sentences)
    if corpus.valid is not None and ckpt is None:
        check_split_dir_options(cfg, explicit_options(cfg))
    if corpus.valid is not None:  # --data DIR: train.txt trains, valid.txt validates (the vocabulary is train's)
        train_idx = np.arange(len(encoded))
        encoded = encoded + encode_sentences(vocab, corpus.valid)
        val_idx = np.arange(len(train_idx), len(encoded))
    else:
        try:
            train_idx, val_idx = wdata.split_indices(len(encoded), cfg.val_fraction, cfg.seed)
        except UserError:
            if ckpt is None:
                raise
            # the checkpoint's run split its text with these very settings: this text is another one
            raise _other_data(cfg) from None
    for w in vocab_warnings:  # on stderr with the errors, and only once the data are usable (an error stays one line)
        tqdm.write(f"warning: {w}", file=sys.stderr)
    train_set = [encoded[i] for i in train_idx]
    digest = wdata.fingerprint(train_set)
    if ckpt is not None:  # before any line about the data: a resumed run's figures are those of its own text
        if ckpt["training"]["fingerprint"] != digest:
            raise _other_data(cfg)
        say(vocab.summary())
    if ckpt is None and init is None:  # (an --init-from model keeps its weights and its softmax layout)
        model = build_model(cfg, len(vocab), target_counts(train_set, len(vocab)), requested_vocab)
    lengths = np.asarray([len(s) - 1 for s in train_set])
    print_val = f"{len(val_idx)} validation" if len(val_idx) else "no validation (loss reported on training sentences)"
    say(f"{plural(len(train_set), 'training sentence')}, {print_val}; model {model.config()}")
    say(chosen_blas_threads_line())
    # --tutorial: calculate_loss over the whole training set, as train_with_sgd does
    eval_idx = val_idx if len(val_idx) else (train_idx if cfg.tutorial else train_idx[:2000])

    opt = make_optimizer(cfg.optimizer, list(model.parameters()), lr)
    sched = (optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.0, compare_to="last")
             if cfg.schedule == "halve" else None)  # the tutorial's rule: halve whenever the loss rose
    rng = np.random.default_rng(cfg.seed)
    manual_seed(cfg.seed + 2)  # the generator dropout masks draw from (tinygrad_rnn.random's), as the char model
    st = _State()
    if ckpt is not None:
        tr = ckpt["training"]
        try:
            opt.load_state_dict(tr["optimizer"])
            if sched is not None:
                sched.load_state_dict(tr["scheduler"])
        except (KeyError, ValueError, TypeError) as err:
            raise UserError(f"checkpoint {cfg.resume!r} has unusable optimizer state ({err})") from None
        rng.bit_generator.state = json.loads(tr["rng"])
        if "dropout_rng" in tr:  # (checkpoints from before it was saved resume with fresh masks)
            get_generator().bit_generator.state = json.loads(tr["dropout_rng"])
        st = _State(epoch=int(tr["epoch"]), position=int(tr["position"]),
                    plan=wdata.unpack_plan(tr["plan"]) if tr["plan"] is not None else None,
                    steps=int(tr["steps"]), sentences=int(tr["sentences"]), tokens=int(tr["words"]),
                    best_val=tr["best_val"], history=list(tr["history"]),
                    curve=[(float(n), float(v)) for n, v in zip(*_curve_arrays(tr.get("curve")))])
        # epochs counted as the progress lines count them: complete ones (3.42 is 42% into the fourth)
        say(f"resuming from {cfg.resume!r}: {plural(st.epoch, 'epoch')} complete, {plural(st.sentences, 'sentence')} "
            "trained on")
        if limits.past_goal:
            say(f"the run has reached its goal ({', '.join(limits.past_goal)}): training on past it for --max-time "
                f"{cfg.max_time:g} s (the checkpoints keep that goal)")

        def best_of(path: Path) -> float | None:
            recorded = load_checkpoint(path).get("training") or {}
            return recorded.get("best_val") if recorded.get("fingerprint") == digest else None
        st.best_val = better_best(st.best_val, best, best_of)
    first_sentences = st.sentences  # where this session starts

    def snapshot() -> dict[str, Any]:
        return {
            "epoch": st.epoch, "position": st.position,
            "plan": wdata.pack_plan(st.plan) if st.plan is not None else None,
            "steps": st.steps, "sentences": st.sentences, "words": st.tokens, "best_val": st.best_val,
            "history": st.history, "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict() if sched is not None else None,
            "rng": json.dumps(rng.bit_generator.state), "dropout_rng": json.dumps(get_generator().bit_generator.state),
            "fingerprint": digest,
            "curve": {"sentences": np.asarray([c[0] for c in st.curve], dtype=np.float64),
                      "loss": np.asarray([c[1] for c in st.curve], dtype=np.float64)},
            "card": render_card(card, st.epoch, st.position, len(st.plan or ()), st.sentences, st.tokens, st.steps,
                                cfg.batch_size, st.best_val),
        }

    plot_path = last_path.parent / PLOT_NAME if cfg.checkpoint is None else last_path.with_suffix(".loss.png")
    # --overwrite: the earlier run's files stay until this run has written a checkpoint of its own
    files = RunFiles(last_path, best, cfg.overwrite and not cfg.resume, warn=lambda line: tqdm.write(line, file=sys.stderr),
                     extra=[plot_path] if cfg.plot else (), measure=_best_measure)
    watch = DivergenceWatch(len(vocab), window=DIVERGENCE_WINDOW)
    cadence = SaveCadence(cfg.checkpoint_every, cfg.checkpoint_minutes)
    saved_at = [-1]  # the step last.npz was last written at
    interrupt = StopOnSignal()  # (entered around the training loop below; saves complete whatever signal arrives)

    def save(path: Any = None, final: bool = False) -> bool:
        if not final and watch.suspect:
            return False  # never a periodic save of a model whose loss is exploding (the end of a run saves)
        path = Path(path or last_path)
        with interrupt.deferred():
            ok = files.save(lambda p: save_checkpoint(p, model, vocab, _settings(cfg, requested_vocab, corpus.pretokenized), snapshot()), path)
        if ok and path == last_path:
            saved_at[0] = st.steps
            cadence.saved()
        return ok

    def run_eval(schedule: bool = True) -> float:
        """Evaluate, report, save best.npz when better; ``schedule``: also let the lr schedule see the loss."""
        loss, tokens = evaluate(model, encoded, eval_idx)
        which = "validation" if len(val_idx) else "training"
        if not math.isfinite(loss):
            raise UserError(f"the {which} loss became {loss} after {st.steps} steps: training diverged; "
                            f"{files.kept_message()}; lower --lr or use --clip")
        prev_lr = opt.param_groups[0]["lr"]
        if sched is not None and schedule:
            sched.step(loss)
        now_lr = opt.param_groups[0]["lr"]
        if schedule:  # the history is the schedule's: what a resumed run must repeat exactly
            st.history.append({"sentences": float(st.sentences), "loss": loss, "lr": prev_lr})
        note = f"; loss rose, lr halved to {now_lr:g}" if now_lr < prev_lr else ""
        progress = st.epoch + (st.position / len(st.plan) if st.plan else 0.0)
        say(f"epoch {progress:.2f} ({plural(st.sentences, 'sentence')}): {which} loss {loss:.4f} per token, "
            f"perplexity {perplexity(loss):.2f} over {plural(tokens, 'token')} (words + sentence ends){note}")
        # a model that predicts worse than a uniform guess over the vocabulary is never a run's best
        if len(val_idx) and watch.better_than_uniform(loss) and (st.best_val is None or loss < st.best_val):
            st.best_val = loss
            with interrupt.deferred():  # last.npz first: both then carry the best value so far
                files.hold_best(None)  # an older best still waiting to be written is superseded by this one
                if not (save() and save(best)):
                    # not written (a failing disk, a put-off save): kept, as it is now, for the next save of
                    # last.npz or the rescue of a failed final save (a copy: training goes on changing the weights)
                    held = copy.deepcopy(checkpoint_payload(model, vocab, _settings(cfg, requested_vocab,
                                                                                    corpus.pretokenized), snapshot()))
                    files.hold_best(functools.partial(save_payload, payload=held))
        return loss

    total_planned = None if limits.epochs is None else limits.epochs * len(train_set)
    if limits.max_sentences is not None:
        total_planned = min(total_planned or limits.max_sentences, limits.max_sentences)
    bar = progress_bar(total_planned, st.sentences if total_planned is None else min(st.sentences, total_planned),
                       "sent", quiet=cfg.quiet, smoothing=0.05)
    budget = Budget(max_time=cfg.max_time, max_count=limits.max_sentences, count_name="max-sentences")
    card = results_card(cfg, len(train_set), len(val_idx), read_card(ckpt) if ckpt is not None else None,
                        resumed=ckpt is not None)
    budget.start()  # the corpus is ready: --max-time counts training from here
    recent_loss, recent_tokens, tok_t0, tok_count = 0.0, 0, time.perf_counter(), 0
    stop_reason = "done"
    model.set_sparse_gradients(cfg.optimizer in SPARSE_OPTIMIZERS)
    model.train()
    step = TrainStep(model, opt, cfg.clip)
    # non-finite values are detected and reported below; numpy's overflow warnings would only add noise
    with interrupt, np.errstate(over="ignore", invalid="ignore"):
        interrupted_line(lambda: f"interrupted again, before the run could save; {files.kept_message()}")
        try:
            while limits.epochs is None or st.epoch < limits.epochs:
                if st.plan is None:
                    if cfg.tutorial and st.epoch % cfg.evaluate_loss_after == 0:
                        run_eval()  # train_with_sgd: the loss on the training set before the epoch's steps
                    plan = in_order_plan(len(lengths)) if cfg.tutorial else wdata.epoch_plan(lengths, cfg.batch_size, rng)
                    st.plan, st.position = plan, 0
                while st.position < len(st.plan):
                    if interrupt.requested:
                        stop_reason = "interrupted"
                        break
                    reason = budget.reason(st.sentences)
                    if reason is not None:
                        stop_reason = reason
                        break
                    batch = st.plan[st.position]
                    x, y = wdata.make_batch(train_set, batch)
                    value = step(x, y)
                    n_tokens = int(np.count_nonzero(np.asarray(y) != PAD))
                    per_token = value * len(batch) / max(n_tokens, 1)
                    if watch.update(per_token):
                        raise UserError(f"{watch.message(per_token, f'at step {st.steps + 1}')}; {files.kept_message()}; "
                                        f"lower --lr (now {opt.param_groups[0]['lr']:g}) or use --clip")
                    st.position += 1
                    st.steps += 1
                    st.sentences += len(batch)
                    st.tokens += n_tokens
                    recent_loss += value * len(batch)
                    recent_tokens += n_tokens
                    tok_count += n_tokens
                    bar.update(len(batch))
                    if st.steps % LOSS_CURVE_STEPS == 0:
                        now = time.perf_counter()
                        st.curve.append((float(st.sentences), recent_loss / max(recent_tokens, 1)))
                        if not cfg.quiet:
                            bar.set_postfix({"loss": f"{st.curve[-1][1]:.3f}",
                                             "tokens/s": f"{tok_count / max(now - tok_t0, 1e-9):.0f}"}, refresh=False)
                        recent_loss, recent_tokens, tok_t0, tok_count = 0.0, 0, now, 0
                    if on_step is not None:
                        on_step(st.steps)
                    if st.position == len(st.plan) and not cfg.tutorial:
                        continue  # the epoch's end (below) validates and saves this very model: once, not twice
                    if cfg.eval_every is not None and st.sentences // cfg.eval_every != (st.sentences - len(batch)) // cfg.eval_every:
                        run_eval()
                        if saved_at[0] != st.steps:
                            save()
                    elif cadence.due(st.sentences, len(batch)):  # (a failed save is retried at the next one)
                        save()
                else:
                    st.epoch += 1
                    st.plan, st.position = None, 0
                    if not cfg.tutorial:
                        run_eval()
                    if saved_at[0] != st.steps:
                        save()
                    continue
                break
            interrupt.ending()  # the closing validation, save and report complete whatever signal arrives now
            if stop_reason not in ("done", "interrupted") and len(val_idx) and saved_at[0] != st.steps:
                # a run stopped by its budget ends with a validation, so that it has a best.npz; the schedule is
                # not stepped (it halves at the evaluations the run defines), so a resumed run is unchanged
                run_eval(schedule=False)
        finally:
            bar.close()
        if saved_at[0] != st.steps or files.failing is not None:
            save(final=True)
        if files.failing is not None:
            raise files.final_failure(
                lambda p: save_checkpoint(p, model, vocab, _settings(cfg, requested_vocab, corpus.pretokenized), snapshot()))
        interrupt.saved()
        if cfg.plot:
            _plot(st, plot_path, model, "validation" if len(val_idx) else "training")
            say(f"loss curve: {plot_path}")
        note = files.previous_best_note()
        if note is not None:
            files.warn(note)
        hint = _continue_hint(resume_hint, cfg, limits, st.epoch, st.sentences, st.sentences - first_sentences,
                              len(train_set))
        if stop_reason == "interrupted":  # a status report on stderr, like char-rnn's: stdout keeps the run's lines
            tqdm.write(f"interrupted: saved {str(last_path)!r} ({plural(st.sentences, 'sentence')} done); "
                       f"continue with {hint}", file=sys.stderr)
        elif stop_reason != "done":
            say(f"stopped ({stop_reason}) after {plural(st.sentences, 'sentence')}; saved {str(last_path)!r} "
                f"(continue with {hint})")
        else:
            best_note = ""
            if len(val_idx):
                best_note = (f", best validation model {str(best)!r}" if st.best_val is not None and best.exists()
                             else "; no model better than a uniform guess yet, so no best model")
            say(f"finished {cfg.epochs} epoch(s); saved {str(last_path)!r}" + best_note)
    elapsed = budget.elapsed()
    return {"stop": stop_reason, "steps": st.steps, "sentences": st.sentences, "tokens": st.tokens,
            "history": st.history, "elapsed": elapsed, "model": model, "vocab": vocab}


def _curve_arrays(curve: Any) -> tuple[np.ndarray, np.ndarray]:
    """The saved training-loss curve (absent from checkpoints written before --plot existed)."""
    if not curve:
        return np.zeros(0), np.zeros(0)
    return np.asarray(curve["sentences"], dtype=np.float64), np.asarray(curve["loss"], dtype=np.float64)


def _plot(st: _State, path: Path, model: WordRNNLM, which: str) -> None:
    curve = np.asarray(st.curve, dtype=np.float64).reshape(-1, 2)
    evals = [(h["sentences"], h["loss"]) for h in st.history]
    cfg = model.config()
    plot_curves(path, [(curve[:, 0], curve[:, 1], f"training (mean of {LOSS_CURVE_STEPS} steps)", "-"),
                       ([e[0] for e in evals], [e[1] for e in evals], which, "o-")],
                xlabel="training sentences", ylabel="loss per token (nats; words and sentence ends)",
                title=f"word-rnn: {cfg['cell']}, vocabulary {cfg['vocab_size']}, hidden {cfg['hidden_size']}")
