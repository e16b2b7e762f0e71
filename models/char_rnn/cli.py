"""``char-rnn`` / ``python -m models.char_rnn``: train a character-level RNN and sample from it.

    char-rnn train [--data FILE] [--max-iters N | --max-time SECONDS] ...
    char-rnn sample --checkpoint checkpoints/char_rnn/best.npz --prime "def " --length 500
"""
from __future__ import annotations

import argparse
import math
import signal
import sys
import sysconfig
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from ..common import UserError, read_text_file, run_cli, stdlib_source_corpus

from .checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint
from .model import CELLS
from .sample import generate
from .train import DTYPES, OPTIMIZERS, DivergedError, TrainConfig, Trainer

DEFAULT_OUT = "checkpoints/char_rnn"
DEFAULT_LR = {"adagrad": 0.1, "sgd": 0.1, "adam": 2e-3, "rmsprop": 2e-3}
EXIT_INTERRUPTED = 130
# model/optimizer options fixed by a checkpoint when resuming
RUN_DEFINING = ("hidden_size", "num_layers", "cell", "dropout", "seq_length", "batch_size", "optimizer", "lr",
                "clip", "val_fraction", "dtype", "seed", "init")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows '(default: X)' only where the default is a real value (None means 'see the help text')."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False, "", argparse.SUPPRESS):
            return action.help or ""
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="char-rnn",
        description="Character-level RNN language model (Karpathy's min-char-rnn, rebuilt on tinygrad_rnn): "
                    "train on any UTF-8 text, then sample from it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="{train,sample}")
    sub.required = True
    d = TrainConfig()

    t = sub.add_parser("train", help="train a model (defaults: min-char-rnn's classic settings)",
                       description="Train with truncated BPTT over chunks of --seq-length characters, the hidden "
                                   "state carried from chunk to chunk. Without --data it trains on the Python "
                                   "standard library's own source code (every machine has it: the 'generate "
                                   "code' demo).",
                       formatter_class=_HelpFormatter)
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
                   help=f"parallel contiguous streams over the text (default {d.batch_size}: the classic script)")
    o.add_argument("--optimizer", choices=OPTIMIZERS, default=None,
                   help=f"update rule (default {d.optimizer}: min-char-rnn's Adagrad, eps 1e-8 inside the sqrt)")
    o.add_argument("--lr", type=float, default=None, metavar="LR", help="learning rate (default 0.1 for adagrad and sgd, 0.002 for adam and rmsprop)")
    o.add_argument("--clip", type=float, default=None, metavar="CLIP",
                   help=f"clip every gradient entry to [-CLIP, CLIP]; 0 = off (default {d.clip})")
    o.add_argument("--seed", type=int, default=None, metavar="N", help=f"seed of initialisation, dropout and samples "
                   f"(default {d.seed})")
    r = t.add_argument_group("run")
    r.add_argument("--max-iters", type=int, default=None, metavar="N",
                   help="stop after iteration N (counted from the start of training, also when resuming)")
    r.add_argument("--max-time", type=float, default=None, metavar="SECONDS",
                   help="stop after this many seconds of this session")
    r.add_argument("--eval-every", type=int, default=5000, metavar="N",
                   help="validate (nats and bits per char) every N iterations")
    r.add_argument("--sample-every", type=int, default=5000, metavar="N", help="print a sample every N iterations "
                   "(0 = never)")
    r.add_argument("--sample-length", type=int, default=200, metavar="N", help="characters per periodic sample")
    r.add_argument("--checkpoint-every", type=int, default=5000, metavar="N",
                   help="save OUT/last.npz every N iterations (and at the end, and on Ctrl-C)")
    r.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="directory for last.npz, best.npz (best validation loss) and loss.png")
    r.add_argument("--overwrite", action="store_true", help="replace the checkpoints of an earlier run in --out "
                   "(without it a new run refuses to)")
    r.add_argument("--resume", metavar="CKPT", help="continue exactly where CKPT stopped (on the same text: "
                   "the --data recorded in CKPT unless given)")
    r.add_argument("--plot", action="store_true", help="write OUT/loss.png (needs matplotlib)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")

    s = sub.add_parser("sample", help="generate text from a checkpoint",
                       description="Generate text, streaming it to stdout.",
                       formatter_class=_HelpFormatter)
    s.add_argument("--checkpoint", required=True, metavar="CKPT", help="a .npz written by `char-rnn train`")
    s.add_argument("--prime", default="", help="text to start from (the hidden state is warmed on it); "
                   "default: a newline")
    s.add_argument("--length", type=int, default=500, help="characters to generate")
    s.add_argument("--temperature", type=float, default=1.0, help="<1 = safer, >1 = wilder")
    s.add_argument("--top-k", type=int, default=None, help="sample only among the K likeliest characters")
    s.add_argument("--argmax", action="store_true", help="always take the likeliest character (greedy)")
    s.add_argument("--seed", type=int, default=None, help="seed for a reproducible sample")
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


def _config_from_args(args: argparse.Namespace) -> TrainConfig:
    defaults = TrainConfig()
    values = {name: getattr(args, name) for name in RUN_DEFINING}
    config = TrainConfig(**{k: (getattr(defaults, k) if v is None else v) for k, v in values.items()})
    if args.lr is None:
        config.lr = DEFAULT_LR.get(config.optimizer, defaults.lr)
    return config


@contextmanager
def _stop_on_sigint() -> Iterator[dict]:
    """First Ctrl-C: ask the loop to stop at the end of the current iteration (it then saves).
    A second Ctrl-C interrupts at once."""
    flag = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag["stop"]:
            raise KeyboardInterrupt
        flag["stop"] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_run_args(args: argparse.Namespace) -> None:
    for name in ("eval_every", "checkpoint_every"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    if args.sample_every < 0 or args.sample_length < 0:
        raise UserError("--sample-every and --sample-length must be >= 0")
    if args.max_iters is not None and args.max_iters < 0:
        raise UserError(f"--max-iters must be >= 0, got {args.max_iters}")
    if args.max_time is not None and not args.max_time > 0:
        raise UserError(f"--max-time must be a positive number of seconds, got {args.max_time}")


CHECKPOINT_FILES = ("last.npz", "best.npz")


def _check_out_dir(args: argparse.Namespace) -> None:
    """Refuse, before any training, an --out that cannot hold checkpoints or holds another run's."""
    out = Path(args.out)
    for part in (out, *out.parents):
        if part.exists():
            if not part.is_dir():
                if part == out:
                    raise UserError(f"--out {str(out)!r} is a file, not a directory; pass a directory for the "
                                    "checkpoints with --out DIR")
                raise UserError(f"--out {str(out)!r} cannot be created: {str(part)!r} is a file; pass another "
                                "--out DIR")
            break
    if args.resume and args.overwrite:
        raise UserError("--resume continues a run and --overwrite replaces one; give only one of them")
    if args.overwrite or (args.resume and out.resolve() == Path(args.resume).resolve().parent):
        return  # resuming writes on into its own directory
    if any((out / name).exists() for name in CHECKPOINT_FILES):
        raise UserError(f"{out} already holds checkpoints of an earlier run; pass --resume {out / 'last.npz'} to "
                        "continue it, --overwrite to replace them, or another --out")


def _plot(trainer: Trainer, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h, T = trainer.history, trainer.config.seq_length
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(h["iter"], np.asarray(h["smooth_loss"]) / T / math.log(2), label="train (smoothed)")
    if h["val_iter"]:
        ax.plot(h["val_iter"], h["val_bpc"], "o-", label="validation")
    ax.set_xlabel("iteration")
    ax.set_ylabel("bits per character")
    ax.set_title(f"char-rnn: {trainer.config.cell}, hidden {trainer.config.hidden_size}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def it_rate(bar, it: int, elapsed: float, first: int) -> float:
    """Iterations per second: tqdm's smoothed rate, else the session average."""
    return bar.format_dict.get("rate") or (it - first) / max(elapsed, 1e-9)


def train_command(args: argparse.Namespace, on_iteration: Callable[[Trainer], None] | None = None) -> int:
    _check_run_args(args)
    _check_out_dir(args)
    out = Path(args.out)
    say = print
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UserError("--plot needs matplotlib, which is not installed: pip install 'tinygrad-rnn[plot]' "
                            "(or matplotlib), or drop --plot") from None
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        saved = ckpt.get("train_config", {})
        given = [n for n in RUN_DEFINING if getattr(args, n) is not None and getattr(args, n) != saved.get(n)]
        if given:
            options = ", ".join(f"--{n.replace('_', '-')} {getattr(args, n)}" for n in given)
            theirs = ", ".join(str(saved.get(n, "(none recorded)")) for n in given)
            verb, pronoun = ("differs", "it") if len(given) == 1 else ("differ", "them")
            raise UserError(f"{options} {verb} from the checkpoint's {theirs}; a resumed run keeps its model and "
                            f"optimiser settings: drop {pronoun}, or start a new run")
        source = ckpt.get("data_source") or {}
        if args.data is None and source.get("path"):
            args.data = source["path"]  # the text the run was trained on, unless told otherwise
        if args.data is None and source.get("corpus_chars"):
            args.corpus_chars = int(source["corpus_chars"])
        text = _load_text(args, say)
        trainer = Trainer.from_checkpoint(ckpt, text, args.resume)
        say(f"resuming {args.resume} at iteration {trainer.iteration}")
    else:
        config = _config_from_args(args)
        config.validate()  # before reading a large corpus
        text = _load_text(args, say)
        trainer = Trainer(config, text)
    trainer.data_source = ({"path": str(Path(args.data).resolve())} if args.data is not None
                           else {"corpus_chars": args.corpus_chars})
    cfg = trainer.config
    n_params = sum(p.data.size for p in trainer.model.trainable_parameters())
    say(f"{len(text):,} characters, vocabulary {trainer.vocab.size}, {len(trainer.val_ids):,} held out for "
        f"validation; {cfg.cell} x{cfg.num_layers}, hidden {cfg.hidden_size}, {n_params:,} parameters, "
        f"{cfg.dtype}; chunks of {cfg.seq_length} x {cfg.batch_size} stream(s)")
    last_path, best_path = out / "last.npz", out / "best.npz"
    if args.overwrite:
        # the earlier run's best model would pass for this run's; its last.npz stays until this run saves one
        best_path.unlink(missing_ok=True)
    if args.max_iters is None and args.max_time is None:
        say("no --max-iters or --max-time: training until Ctrl-C (which saves a checkpoint first)")

    def save_last() -> None:
        if not trainer.params_finite():
            raise DivergedError(f"the parameters became NaN/inf at iteration {trainer.iteration}")
        save_checkpoint(trainer.checkpoint(), last_path)

    from tqdm import tqdm
    chars_per_iter = cfg.seq_length * cfg.batch_size
    bar = tqdm(total=args.max_iters, initial=trainer.iteration, unit="it", disable=args.no_progress,
               dynamic_ncols=True, file=sys.stderr, mininterval=0.5)
    write = (lambda s: tqdm.write(s, file=sys.stdout)) if not args.no_progress else print
    start = time.perf_counter()
    session_start_iter = trainer.iteration
    status = 0
    try:
        # a diverging run overflows on purpose-built checks below; numpy's warnings would only add noise
        with _stop_on_sigint() as flag, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while True:
                if args.max_iters is not None and trainer.iteration >= args.max_iters:
                    break
                if args.max_time is not None and time.perf_counter() - start >= args.max_time:
                    break
                if flag["stop"]:
                    status = EXIT_INTERRUPTED
                    break
                trainer.step()
                it = trainer.iteration
                bar.update(1)
                if it % 20 == 0:
                    elapsed = time.perf_counter() - start
                    rate = it_rate(bar, it, elapsed, session_start_iter)
                    post = {"loss": f"{trainer.smooth_loss:.2f}", "chars/s": f"{rate * chars_per_iter:,.0f}"}
                    if args.max_time is not None:
                        left = max(0.0, args.max_time - elapsed)
                        post["left"] = f"{left:.0f}s"
                        if args.max_iters is None:  # a time budget: give the bar a total so it shows an ETA
                            bar.total = it + int(left * it_rate(bar, it, elapsed, session_start_iter))
                    bar.set_postfix(post, refresh=False)
                if it % args.eval_every == 0:
                    nats = trainer.evaluate()
                    if nats is not None:
                        best = trainer.record_validation(nats)
                        write(f"iter {it}: smooth loss {trainer.smooth_loss:.2f} | validation {nats:.4f} nats/char "
                              f"= {nats / math.log(2):.4f} bits/char" + (" (best)" if best else ""))
                        if best:
                            save_last()
                            save_checkpoint(trainer.checkpoint(), best_path)
                if args.sample_every and it % args.sample_every == 0 and args.sample_length:
                    write(f"----- sample at iter {it} -----\n{trainer.sample(args.sample_length)}\n-----")
                if it % args.checkpoint_every == 0:
                    save_last()
                if on_iteration is not None:
                    on_iteration(trainer)
    except DivergedError as err:
        bar.close()
        kept = f"the last good checkpoint is kept at {last_path}" if last_path.exists() else "no checkpoint was saved"
        raise UserError(f"{err}; {kept}; lower --lr or --clip and try again") from None
    if args.max_iters is None and not status:  # the budget's estimated total was reached: end the bar at 100%
        bar.total = bar.n
        bar.refresh()
    bar.close()
    save_last()
    nats = trainer.evaluate()
    if nats is not None:
        if not trainer.history["val_iter"] or trainer.history["val_iter"][-1] != trainer.iteration:
            if trainer.record_validation(nats):
                save_checkpoint(trainer.checkpoint(), best_path)
        say(f"iteration {trainer.iteration}: validation {nats:.4f} nats/char = {nats / math.log(2):.4f} bits/char "
            f"(best {trainer.best_val / math.log(2):.4f})")
    if args.plot:
        _plot(trainer, out / "loss.png")
        say(f"loss curve: {out / 'loss.png'}")
    saved = f"saved {last_path}" + (f" and {best_path}" if best_path.exists() else "")
    if status:  # a status report, not output: keeps stdout to the run's own lines
        print(f"interrupted: {saved}", file=sys.stderr)
    else:
        say(saved)
    return status


# ---------------------------------------------------------------------------------- sample
def sample_command(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    if args.length < 0:
        raise UserError(f"--length must be >= 0, got {args.length}")
    if not (math.isfinite(args.temperature) and args.temperature > 0):
        raise UserError(f"--temperature must be a positive number, got {args.temperature}")
    if args.top_k is not None and args.top_k < 1:
        raise UserError(f"--top-k must be a positive integer, got {args.top_k}")
    ckpt = load_checkpoint(args.checkpoint)
    model, vocab = model_from_checkpoint(ckpt, args.checkpoint)
    missing = vocab.missing(args.prime)
    if missing:
        shown = ", ".join(repr(c) for c in missing[:5])
        raise UserError(f"--prime contains {len(missing)} character(s) the model never saw: {shown}; "
                        "use only characters of the training text")
    out.write(args.prime)
    for ch in generate(model, vocab, args.prime, args.length, args.temperature, args.top_k, args.argmax, args.seed):
        out.write(ch)
        out.flush()
    out.write("\n")
    out.flush()
    return 0


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "train":
        return train_command(args)
    return sample_command(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; user errors become one line on stderr and exit code 2."""
    return run_cli(_main, argv)
