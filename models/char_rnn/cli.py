"""``char-rnn`` / ``python -m models.char_rnn``: train a character-level RNN and sample from it.

    char-rnn train [--data FILE] [--max-iters N | --max-time SECONDS] ...
    char-rnn sample --checkpoint checkpoints/char_rnn/best.npz --prime "def " --length 500
"""
from __future__ import annotations

import argparse
import functools
import math
import sys
import sysconfig
from pathlib import Path
from typing import Any, Callable, Hashable, Sequence

import numpy as np

from ..common import EXIT_INTERRUPTED, UserError, check_recorded_data, read_text_file, run_cli, stdlib_source_corpus
from ..common.errors import interrupted_line, stop_when_stdout_closes
from ..common.card import add_info_parser
from ..common.export import add_export_parser
from ..common.cli import DeprecatedFlag, OneLineParser, add_version_argument, print_deprecations, seed_value
from ..common.plotting import PLOT_NAME, plot_curves, require_matplotlib
from ..common.sampling import check_temperature
from ..common.signals import StopOnSignal
from ..common.threads import chosen_blas_threads_line
from ..common.training import (MAX_TIME_HELP, NOT_RECORDED, Budget, Conflict, DivergenceWatch, RunFiles,
                               SaveCadence, better_best, check_max_time, check_out_dir, checkpoint_paths, checkpoint_to_read, out_dir,
                               progress_bar, refuse_resume_conflicts)

from ..common.card import read_card
from ..common.init_from import refuse_with_resume

from . import evaluate, gradflow
from .checkpoint import DEFAULT_OUT, load_checkpoint, model_from_checkpoint, save_checkpoint
from .export import export_command
from .info import info_command, results_card
from .init_from import InitFrom
from .model import CELLS
from .sample import generate
from .train import DTYPES, OPTIMIZERS, PRESETS, DivergedError, TrainConfig, Trainer

DIVERGENCE_WINDOW = 50  # iterations in a row above twice the uniform loss: a diverged run
DEFAULT_LR = {"adagrad": 0.1, "sgd": 0.1, "adam": 2e-3, "rmsprop": 2e-3}
# model/optimizer options fixed by a checkpoint when resuming
RUN_DEFINING = ("hidden_size", "num_layers", "cell", "dropout", "seq_length", "batch_size", "optimizer", "lr",
                "clip", "val_fraction", "dtype", "seed", "init")


def _show_config(values: dict) -> str:
    """``rnn x1, hidden 100, seq-length 25, batch 1, adagrad lr 0.1, clip 5, min-char-rnn init``."""
    v = {**vars(TrainConfig()), **values}
    init = v["init"] or ("min-char-rnn" if v["cell"] == "rnn" else "pytorch")
    dropout = f", dropout {v['dropout']:g}" if v["dropout"] else ""
    return (f"{v['cell']} x{v['num_layers']}, hidden {v['hidden_size']}{dropout}, seq-length {v['seq_length']}, "
            f"batch {v['batch_size']}, {v['optimizer']} lr {v['lr']:g}, clip {v['clip']:g}, {init} init")


def _config_summary() -> str:
    return f"Default configuration: {_show_config(vars(TrainConfig()))}."


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows '(default: X)' only where the default is a real value (None means 'see the help text')."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False, "", argparse.SUPPRESS):
            return action.help or ""
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="char-rnn",
        description="Character-level RNN language model (Karpathy's min-char-rnn, rebuilt on tinygrad_rnn): "
                    "train on any UTF-8 text, then sample from it.",
    )
    add_version_argument(parser)
    sub = parser.add_subparsers(dest="command", metavar="{train,sample,export,info,eval,gradflow}")
    sub.required = True
    d = TrainConfig()

    t = sub.add_parser("train", help="train a model (--preset min-char-rnn: the classic settings)",
                       description="Train with truncated BPTT over chunks of --seq-length characters, the hidden "
                                   "state carried from chunk to chunk. Without --data it trains on the Python "
                                   "standard library's own source code (every machine has it: the 'generate "
                                   "code' demo). " + _config_summary(),
                       formatter_class=_HelpFormatter)
    t.add_argument("--preset", choices=sorted(PRESETS), default=None,
                   help="start from a named configuration instead of the default (flags given with it override "
                        "its values): " + "; ".join(f"{name} = {_show_config(values)}" for name, values in
                                                   PRESETS.items()))
    g = t.add_argument_group("data")
    g.add_argument("--data", metavar="FILE", help="UTF-8 text file to train on (default: stdlib source code)")
    g.add_argument("--corpus-chars", type=int, default=1_000_000, metavar="N",
                   help="size cap of the built-in stdlib corpus, in characters")
    g.add_argument("--val-fraction", type=float, default=None, metavar="F", help=f"last part of the text held out for "
                   f"validation (default {d.val_fraction})")
    m = t.add_argument_group("model (fixed by the checkpoint when resuming)")
    m.add_argument("--cell", choices=CELLS, default=None, help=f"recurrent cell (default {d.cell})")
    m.add_argument("--hidden-size", type=int, default=None, metavar="H", help=f"hidden units (default {d.hidden_size})")
    m.add_argument("--num-layers", type=int, default=None, metavar="L", help=f"stacked layers (default {d.num_layers})")
    m.add_argument("--dropout", type=float, default=None, metavar="P", help="dropout between layers and before the output "
                   f"(default {d.dropout})")
    m.add_argument("--init", choices=("min-char-rnn", "pytorch"), default=None,
                   help="weight init (default: min-char-rnn's N(0, 0.01^2) for rnn, pytorch's for lstm/gru)")
    m.add_argument("--dtype", choices=DTYPES, default=None, help=f"float precision (default {d.dtype})")
    o = t.add_argument_group("optimisation (fixed by the checkpoint when resuming)")
    o.add_argument("--seq-length", type=int, default=None, metavar="T",
                   help=f"characters per chunk, the BPTT length (default {d.seq_length})")
    o.add_argument("--batch-size", type=int, default=None, metavar="B",
                   help=f"parallel contiguous streams over the text (default {d.batch_size}; 1 is the classic script)")
    o.add_argument("--optimizer", choices=OPTIMIZERS, default=None,
                   help=f"update rule (default {d.optimizer}; adagrad is min-char-rnn's, eps 1e-8 inside the sqrt)")
    o.add_argument("--lr", type=float, default=None, metavar="LR",
                   help=f"learning rate (default {d.lr:g} for the default {d.optimizer}; with another --optimizer its "
                        "own: " + ", ".join(f"{v:g} for {k}" for k, v in DEFAULT_LR.items() if k != d.optimizer) + ")")
    o.add_argument("--clip", type=float, default=None, metavar="CLIP",
                   help=f"clip every gradient entry to [-CLIP, CLIP]; 0 = off (default {d.clip})")
    o.add_argument("--seed", type=seed_value, default=None, metavar="N", help=f"seed of initialisation, dropout and samples "
                   f"(default {d.seed})")
    r = t.add_argument_group("run")
    r.add_argument("--max-iters", type=int, default=None, metavar="N",
                   help="stop after iteration N (counted from the start of training; a resumed run keeps its own "
                   "unless given again)")
    r.add_argument("--max-time", type=float, default=None, metavar="SECONDS",
                   help=MAX_TIME_HELP)
    r.add_argument("--eval-every", type=int, default=None, metavar="N",
                   help=f"validate (nats and bits per char) every N iterations (default {RUN_GOAL_DEFAULTS['eval_every']}; "
                   "a resumed run keeps its own)")
    r.add_argument("--sample-every", type=int, default=None, metavar="N", help="print a sample every N iterations "
                   f"(0 = never; default {RUN_GOAL_DEFAULTS['sample_every']}; a resumed run keeps its own)")
    r.add_argument("--sample-length", type=int, default=200, metavar="N", help="characters per periodic sample")
    r.add_argument("--checkpoint-every", type=int, default=5000, metavar="N",
                   help="save OUT/last.npz every N iterations (and at the end, and on Ctrl-C, SIGTERM or SIGHUP)")
    r.add_argument("--checkpoint-minutes", type=float, default=5.0, metavar="M",
                   help="also save OUT/last.npz after M minutes without a save (a kill -9 loses at most that)")
    r.add_argument("--out", default=None, metavar="DIR",
                   help=f"directory for last.npz, best.npz (best validation loss) and loss.png (default {DEFAULT_OUT}; "
                        "with --resume: the directory of CKPT)")
    r.add_argument("--overwrite", action="store_true", help="replace the checkpoints of an earlier run in --out "
                   "(its best.npz is kept as best.previous.npz until this run saves a best at least as good on the "
                   "same validation text; without --overwrite a new run refuses to)")
    r.add_argument("--resume", metavar="CKPT", help="continue exactly where CKPT stopped (on the same text: "
                   "the --data recorded in CKPT unless given)")
    r.add_argument("--init-from", metavar="CKPT", help="start a new run from the weights of CKPT's model (fine-tuning "
                   "on another text: its characters must all be in CKPT's vocabulary; the model options come from "
                   "CKPT, the optimizer state and the iteration count start afresh)")
    r.add_argument("--plot", action="store_true", help=f"write OUT/{PLOT_NAME} (needs matplotlib)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--no-progress", action=DeprecatedFlag, dest="quiet", command="char-rnn train",
                   instead="use --quiet")

    s = sub.add_parser("sample", help="generate text from a checkpoint",
                       description="Generate text, streaming it to stdout.",
                       formatter_class=_HelpFormatter)
    s.add_argument("--checkpoint", metavar="CKPT", help=f"a .npz written by `char-rnn train` (default "
                   f"{DEFAULT_OUT}/best.npz, else {DEFAULT_OUT}/last.npz); a run's --out directory loads its "
                   "best.npz, else its last.npz")
    s.add_argument("--prime", default="", help="text to start from (the hidden state is warmed on it); "
                   "default: a newline")
    s.add_argument("--length", type=int, default=500, help="characters to generate")
    s.add_argument("--temperature", type=float, default=None, help="<1 = safer, >1 = wilder (default 1; not with "
                   "--argmax)")
    s.add_argument("--top-k", type=int, default=None, help="sample only among the K likeliest characters")
    s.add_argument("--argmax", action="store_true", help="always take the likeliest character (greedy)")
    s.add_argument("--seed", type=seed_value, default=None, help="seed for a reproducible sample")

    add_export_parser(sub, "char-rnn")
    add_info_parser(sub, "char-rnn")

    evaluate.add_parser(sub, _HelpFormatter)
    gradflow.add_parser(sub, _HelpFormatter)
    return parser


# ---------------------------------------------------------------------------------- train
def _load_text(args: argparse.Namespace, say: Callable[[str], None]) -> str:
    if args.data is not None:
        return read_text_file(args.data)
    if args.corpus_chars < 1000:
        raise UserError(f"--corpus-chars must be at least 1000, got {args.corpus_chars}")
    text = stdlib_source_corpus(args.corpus_chars)
    if not text:
        raise UserError("no Python standard library source files were found for the default corpus; "
                        "pass --data FILE")
    root = sysconfig.get_paths()["stdlib"]
    say(f"no --data given: training on the Python standard library's own source code ({len(text):,} characters "
        f"from {root}, the 'generate code' demo); pass --data FILE to use your own text")
    return text


def _base_config(preset: str | None) -> TrainConfig:
    """The default configuration, or the named preset's."""
    return TrainConfig.preset(preset) if preset is not None else TrainConfig()


def _config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The preset (or the default) with every flag given on the command line applied over it."""
    base = _base_config(getattr(args, "preset", None))
    values = {name: getattr(args, name) for name in RUN_DEFINING}
    config = TrainConfig(**{k: (getattr(base, k) if v is None else v) for k, v in values.items()})
    if args.lr is None and args.optimizer is not None and args.optimizer != base.optimizer:
        config.lr = DEFAULT_LR.get(config.optimizer, base.lr)  # another update rule: its own usual rate
    return config


# the run's goal and cadence: saved in the checkpoint, so that a resumed run keeps them unless given again
RUN_GOAL_DEFAULTS = {"max_iters": None, "eval_every": 5000, "sample_every": 50_000}


def _resolve_run_goal(args: argparse.Namespace, saved: dict[str, Any] | None) -> list[str]:
    """Fill the goal options not given on the command line: a resumed run's saved values (named in the
    returned list), else the defaults."""
    kept = []
    for name, default in RUN_GOAL_DEFAULTS.items():
        if getattr(args, name) is None:
            if saved is not None and name in saved:
                setattr(args, name, saved[name])
                if saved[name] is not None and saved[name] != default:
                    kept.append(f"--{name.replace('_', '-')} {saved[name]}")
            else:
                setattr(args, name, default)
    return kept


def _check_run_args(args: argparse.Namespace) -> None:
    for name in ("eval_every", "checkpoint_every"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    if (args.sample_every is not None and args.sample_every < 0) or args.sample_length < 0:
        raise UserError("--sample-every and --sample-length must be >= 0")
    if not (math.isfinite(args.checkpoint_minutes) and args.checkpoint_minutes > 0):
        raise UserError(f"--checkpoint-minutes must be a positive number, got {args.checkpoint_minutes}")
    if args.max_iters is not None and args.max_iters < 0:
        raise UserError(f"--max-iters must be >= 0, got {args.max_iters}")
    check_max_time(args.max_time)


def _plot(trainer: Trainer, path: Path) -> None:
    h, cfg = trainer.history, trainer.config
    plot_curves(path, [(h["iter"], np.asarray(h["smooth_loss"]) / cfg.seq_length / math.log(2), "train (smoothed)", "-"),
                       (h["val_iter"], h["val_bpc"], "validation", "o-")],
                xlabel="iteration", ylabel="bits per character", title=f"char-rnn: {cfg.cell}, hidden {cfg.hidden_size}")


def it_rate(bar, it: int, elapsed: float, first: int) -> float:
    """Iterations per second: tqdm's smoothed rate, else the session average."""
    return bar.format_dict.get("rate") or (it - first) / max(elapsed, 1e-9)


def _best_measure(path: Path) -> tuple[Hashable, float | None]:
    """What a checkpoint's best value measures (nats per character of the held-out end of one text), and the value:
    RunFiles keeps an earlier run's best.previous.npz until this run's best is at least as good by it."""
    ckpt = load_checkpoint(path)
    return (ckpt["text_sha256"], ckpt["train_config"]["val_fraction"]), ckpt["progress"]["best_val"]


def train_command(args: argparse.Namespace, on_iteration: Callable[[Trainer], None] | None = None) -> int:
    interrupted_line("interrupted before training started; nothing was saved")
    _check_run_args(args)
    refuse_with_resume(args.init_from, args.resume)
    out = out_dir(args.out, args.resume, DEFAULT_OUT)
    check_out_dir(out, args.resume, args.overwrite, read_resume=load_checkpoint)
    say = print
    if args.plot:
        require_matplotlib()
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        saved = ckpt.get("train_config", {})
        refuse_resume_conflicts(
            Conflict(f"--{n.replace('_', '-')}", getattr(args, n), saved.get(n, NOT_RECORDED)) for n in RUN_DEFINING
            if getattr(args, n) is not None and getattr(args, n) != saved.get(n))
        if args.preset is not None:
            # a flag given with the preset stands for itself (checked above), as when the run was started
            differs = {k: v for k, v in PRESETS[args.preset].items()
                       if getattr(args, k) is None and saved.get(k, NOT_RECORDED) != v}
            shown = ", ".join(f"{k.replace('_', '-')} {saved.get(k, '(none recorded)')}" for k in differs)
            refuse_resume_conflicts([Conflict("--preset", args.preset, shown)] if differs else [])
        source = ckpt.get("data_source") or {}
        if args.data is None and source.get("path"):
            args.data = source["path"]  # the text the run was trained on, unless told otherwise
            check_recorded_data(args.data, args.resume)
        if args.data is None and source.get("corpus_chars"):
            args.corpus_chars = int(source["corpus_chars"])
        given_max_iters = args.max_iters is not None
        kept = _resolve_run_goal(args, ckpt.get("run_goal"))
        text = _load_text(args, say)
        trainer = Trainer.from_checkpoint(ckpt, text, args.resume)
        goal_max_iters = args.max_iters  # what the checkpoint keeps as the run's goal
        if (args.max_time is not None and not given_max_iters and args.max_iters is not None
                and args.max_iters <= trainer.iteration):
            # --max-time alone on a run that reached its count: this session trains that long, past the count;
            # the run's own --max-iters stays its goal, so a later plain --resume still has nothing to do
            args.max_iters = None
            kept = [k for k in kept if not k.startswith("--max-iters")]
        if args.max_iters is not None and args.max_iters <= trainer.iteration:
            origin = "" if given_max_iters else " (the run's own, saved in the checkpoint)"
            raise UserError(f"nothing to train: {args.resume} is already at iteration {trainer.iteration} and "
                            f"--max-iters is {args.max_iters}{origin}; pass a larger --max-iters (or --max-time alone)")
        say(f"resuming {args.resume} at iteration {trainer.iteration}"
            + (f" (the run's own {', '.join(kept)})" if kept else ""))

        def best_of(path: Path) -> float | None:
            best = load_checkpoint(path)
            return best["progress"]["best_val"] if best.get("text_sha256") == trainer.text_sha256 else None
        trainer.best_val = better_best(trainer.best_val, checkpoint_paths(out)[1], best_of)
    else:
        _resolve_run_goal(args, None)
        config = _config_from_args(args)
        init = InitFrom(args, config) if args.init_from else None  # read and checked before the corpus
        config.validate()  # before reading a large corpus
        text = _load_text(args, say)
        trainer = Trainer(config, text) if init is None else init.trainer(config, text)
        if init is not None:
            say(f"starting from the weights of {args.init_from} (a new run: fresh optimizer state, iteration 0)")
    trainer.data_source = ({"path": str(Path(args.data).resolve())} if args.data is not None
                           else {"corpus_chars": args.corpus_chars})
    trainer.run_goal = {name: getattr(args, name) for name in RUN_GOAL_DEFAULTS}
    if args.resume:
        trainer.run_goal["max_iters"] = goal_max_iters
    cfg = trainer.config
    n_params = sum(p.data.size for p in trainer.model.trainable_parameters())
    say(f"{len(text):,} characters, vocabulary {trainer.vocab.size}, {len(trainer.val_ids):,} held out for "
        f"validation; {cfg.cell} x{cfg.num_layers}, hidden {cfg.hidden_size}, {n_params:,} parameters, "
        f"{cfg.dtype}; chunks of {cfg.seq_length} x {cfg.batch_size} stream(s)")
    say(chosen_blas_threads_line())
    last_path, best_path = checkpoint_paths(out)
    # --overwrite: the earlier run's files stay until this run has written a checkpoint of its own
    files = RunFiles(last_path, best_path, args.overwrite, extra=[out / PLOT_NAME] if args.plot else (),
                     measure=_best_measure)
    budget = Budget(max_time=args.max_time, max_count=args.max_iters, count_name="max-iters")
    if budget.unbounded:
        say("no --max-iters or --max-time: training until Ctrl-C (which saves a checkpoint first)")
    watch = DivergenceWatch(trainer.vocab.size, window=DIVERGENCE_WINDOW)
    cadence = SaveCadence(args.checkpoint_every, args.checkpoint_minutes)

    saved_at = [-1]  # the iteration last.npz was last written at
    stop = StopOnSignal()  # (entered around the training loop below; saves complete whatever signal arrives)

    def save_last(final: bool = False) -> bool:
        if not final and watch.suspect:
            return False  # never a periodic save of a model whose loss is exploding (the end of a run saves)
        if not trainer.params_finite():
            raise DivergedError(f"the parameters became NaN/inf at iteration {trainer.iteration}")
        with stop.deferred():
            ok = files.save(lambda path: save_checkpoint(trainer.checkpoint(), path), last_path)
        if ok:
            cadence.saved()
            saved_at[0] = trainer.iteration
        return ok

    def validate(final: bool = False) -> float | None:
        """Evaluate, record, and save best.npz (with last.npz first, so both carry the new best value)."""
        nats = trainer.evaluate()
        if nats is None:
            return None
        best = trainer.record_validation(nats, watch.better_than_uniform(nats))
        with stop.deferred():  # the pair is written whole: last.npz never records a best value best.npz lacks
            if best:
                files.hold_best(None)  # an older best still waiting to be written is superseded by this one
                if not (save_last() and files.save(lambda path: save_checkpoint(trainer.checkpoint(), path),
                                                    best_path)):
                    # not written (a failing disk, a put-off save): kept, as it is now, for the next save of last.npz
                    files.hold_best(functools.partial(save_checkpoint, trainer.checkpoint()))
        if not final:
            write(f"iter {trainer.iteration}: smooth loss {trainer.smooth_loss:.2f} | validation {nats:.4f} "
                  f"nats/char = {nats / math.log(2):.4f} bits/char" + (" (best)" if best else ""))
        return nats

    chars_per_iter = cfg.seq_length * cfg.batch_size
    bar = progress_bar(args.max_iters, trainer.iteration, "it", quiet=args.quiet)
    write = (lambda s: bar.write(s, file=sys.stdout)) if not args.quiet else print
    trainer.card = results_card(trainer, args, len(text), read_card(ckpt) if args.resume else None)
    warn = (lambda s: bar.write(s, file=sys.stderr)) if not args.quiet else (lambda s: print(s, file=sys.stderr))
    loop_warnings: list[str] = []  # a degenerate periodic sample's warning (printed after the sample)
    budget.start()  # the text is read and the model built: --max-time counts training from here
    session_start_iter = trainer.iteration
    status = 0
    interrupted = False  # the loop stopped for a signal (one that arrives after it has ended changes nothing)
    with stop:
        interrupted_line(lambda: f"interrupted again, before the run could save; {files.kept_message()}")
        try:
            # a diverging run overflows on purpose-built checks below; numpy's warnings would only add noise
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                while True:
                    if budget.reason(trainer.iteration) is not None:
                        break
                    if stop.requested:
                        interrupted = True
                        break
                    value = trainer.step()
                    it = trainer.iteration
                    if watch.update(value / cfg.seq_length):
                        raise DivergedError(watch.message(value / cfg.seq_length, f"at iteration {it}"))
                    bar.update(1)
                    if it % 20 == 0:
                        elapsed = budget.elapsed()
                        rate = it_rate(bar, it, elapsed, session_start_iter)
                        post = {"loss": f"{trainer.smooth_loss:.2f}", "chars/s": f"{rate * chars_per_iter:,.0f}"}
                        left = budget.time_left()
                        if left is not None:
                            post["left"] = f"{left:.0f}s"
                            if args.max_iters is None:  # a time budget: give the bar a total so it shows an ETA
                                bar.total = it + int(left * rate)
                        bar.set_postfix(post, refresh=False)
                    if it % args.eval_every == 0:
                        validate()
                    if args.sample_every and it % args.sample_every == 0 and args.sample_length:
                        sample = trainer.sample(args.sample_length, on_loop=loop_warnings.append)
                        write(f"----- sample at iter {it} -----\n{sample}\n-----")
                        for line in loop_warnings:
                            warn(line)
                        loop_warnings.clear()
                    if saved_at[0] != it and cadence.due(it):  # (a failed save is retried at the next one)
                        save_last()
                    if on_iteration is not None:
                        on_iteration(trainer)
            stop.ending()  # the closing validation, save and report complete whatever signal arrives now
            if args.max_iters is None and not interrupted:  # the estimated total was reached: end the bar at 100%
                bar.total = bar.n  # (close() draws it so: a refresh() here would print the last line twice to a log)
            bar.close()
            # The run's final validation comes before its final save, so last.npz carries the best value so far
            # (a resumed run then never marks a worse model best)
            nats = None
            if not trainer.history["val_iter"] or trainer.history["val_iter"][-1] != trainer.iteration:
                nats = validate(final=True)
            elif trainer.history["val_bpc"]:
                nats = trainer.history["val_bpc"][-1] * math.log(2)
            if saved_at[0] != trainer.iteration or files.failing is not None:
                save_last(final=True)
        except DivergedError as err:
            bar.close()
            raise UserError(f"{err}; {files.kept_message()}; lower --lr or --clip and try again") from None
        if nats is not None:  # (also before a final failure: the rescued checkpoint records this validation)
            best = ("no model better than a uniform guess yet" if trainer.best_val is None
                    else f"best {trainer.best_val / math.log(2):.4f}")
            say(f"iteration {trainer.iteration}: validation {nats:.4f} nats/char = {nats / math.log(2):.4f} "
                f"bits/char ({best})")
        if files.failing is not None:
            raise files.final_failure(lambda path: save_checkpoint(trainer.checkpoint(), path))
        if args.plot:
            _plot(trainer, out / PLOT_NAME)
            say(f"loss curve: {out / PLOT_NAME}")
        stop.saved()
        note = files.previous_best_note()
        if note is not None:
            files.warn(note)
        best_saved = best_path in files.written  # (by this session)
        saved = f"saved {last_path}" + (f" and {best_path}" if best_saved else
                                        f" ({best_path}, the best so far, unchanged)" if best_path.exists() else "")
        if interrupted:  # a status report, not output: keeps stdout to the run's own lines
            status = EXIT_INTERRUPTED
            print(f"interrupted: {saved}; continue with --resume {last_path}", file=sys.stderr)
        else:
            say(saved)
    return status


# ---------------------------------------------------------------------------------- sample
def sample_command(args: argparse.Namespace, out=None) -> int:
    stop_when_stdout_closes()  # `char-rnn sample | head`: the sample ends quietly when its reader does
    out = out or sys.stdout
    if args.length < 0:
        raise UserError(f"--length must be >= 0, got {args.length}")
    if args.temperature is not None and args.argmax:
        raise UserError("--temperature shapes sampling; --argmax takes the likeliest character whatever the "
                        "temperature: give one of them")
    args.temperature = check_temperature(args.temperature if args.temperature is not None else 1.0)
    if args.top_k is not None and args.top_k < 1:
        raise UserError(f"--top-k must be a positive integer, got {args.top_k}")
    if args.argmax and args.top_k is not None:  # (as word-rnn generate)
        raise UserError("--argmax takes the likeliest character, --top-k samples among the K likeliest; give one")
    path = checkpoint_to_read(args.checkpoint, DEFAULT_OUT, "char-rnn train")
    ckpt = load_checkpoint(path)
    model, vocab = model_from_checkpoint(ckpt, path)
    missing = vocab.missing(args.prime)
    if missing:
        shown = ", ".join(repr(c) for c in missing[:5])
        raise UserError(f"--prime contains {len(missing)} character(s) the model never saw: {shown}; "
                        "use only characters of the training text")
    out.write(args.prime)
    loop_warnings: list[str] = []
    for ch in generate(model, vocab, args.prime, args.length, args.temperature, args.top_k, args.argmax, args.seed,
                       on_loop=loop_warnings.append):
        out.write(ch)
        out.flush()
    out.write("\n")
    out.flush()
    for line in loop_warnings:  # after the sample, so it never lands in the middle of it on a terminal
        print(line, file=sys.stderr)
    return 0


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):  # a bare `char-rnn`: the help, as word-rnn gives
        parser.print_help()
        return 2
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for the results card
    print_deprecations(args)
    if args.command == "train":
        return train_command(args)
    if args.command == "export":
        return export_command(args.checkpoint, args.outdir, args.overwrite)
    if args.command == "info":
        return info_command(args.checkpoint)
    if args.command == "eval":
        return evaluate.eval_command(args)
    if args.command == "gradflow":
        return gradflow.gradflow_command(args)
    return sample_command(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; user errors become one line on stderr and exit code 2."""
    return run_cli(_main, argv)
