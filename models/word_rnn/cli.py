"""``word-rnn`` / ``python -m models.word_rnn``: train | generate | score | eval | gradcheck."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from ..common import UserError, read_text_file, run_cli

from . import data as wdata
from .checkpoint import load_checkpoint, restore_model
from .train import OPTIMIZERS, TrainConfig, train
from .wording import plural

EXIT_GRADCHECK_FAILED = 1


def _truncate(value: str) -> int | None | str:
    if value == "auto":  # argparse passes the default through the type too
        return value
    if value.lower() in ("none", "full"):
        return None
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of steps >= 0 or 'none', got {value!r}") from None
    if k < 0:
        raise argparse.ArgumentTypeError(f"expected a number of steps >= 0 or 'none', got {value!r}")
    return k


class _Parser(argparse.ArgumentParser):
    """argparse that raises UserError (one line, exit 2 via run_cli) instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{message} (see `{self.prog} --help`)")


_LOAD_HELP = ("trained model to load (default word_rnn.npz, the last state of `word-rnn train`; "
              "NAME.best.npz holds the run's best model by validation loss)")


def _read_sentence_file(path: str) -> str:
    """``read_text_file`` with messages that name --file (its own speak of --data, the training option)."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"--file {path!r} does not exist; check the path given to --file")
    if p.is_dir():
        raise UserError(f"--file {path!r} is a directory; give a UTF-8 text file with one sentence per line")
    try:
        return read_text_file(p)
    except UserError as err:
        raise UserError(str(err).replace("data file", "--file").replace("--data", "--file")) from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="word-rnn", description=(
        "Word-level RNN language model (the RNNNumpy tutorial model on tinygrad_rnn): train it on a text or "
        "CSV file, generate sentences, score sentences. Without --data, training uses the docstrings of "
        "Python's standard library as a built-in English corpus."))
    sub = p.add_subparsers(dest="command", metavar="{train,generate,score,eval,gradcheck}", parser_class=_Parser)

    t = sub.add_parser("train", help="train a model (per-sentence SGD by default)",
                       description="Train; checkpoints go to --checkpoint (and NAME.best.npz by validation loss). "
                                   "Ctrl-C saves before exiting; --resume continues exactly.")
    t.add_argument("--data", help="UTF-8 text file (paragraphs = documents) or .csv file (one document per row); "
                                  "default: the built-in stdlib-docstring corpus")
    t.add_argument("--column", help="CSV column holding the text (default: the first column)")
    t.add_argument("--csv", action="store_true", default=None, help="read --data as CSV whatever its name")
    t.add_argument("--lowercase", action="store_true", default=None, help="lowercase the text before tokenizing")
    t.add_argument("--vocab-size", type=int, help="vocabulary size incl. UNKNOWN_TOKEN (default 8000)")
    t.add_argument("--hidden-size", type=int, help="hidden units (default 100)")
    t.add_argument("--bptt-truncate", type=_truncate, default="auto",
                   help="steps the gradient of each output flows back (default 4 for rnn; 'none' = full BPTT, "
                        "the only choice for gru/lstm)")
    t.add_argument("--cell", choices=("rnn", "gru", "lstm"), help="recurrence (default rnn, the tutorial's)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, help="default sgd (the tutorial's)")
    t.add_argument("--lr", type=float, help="learning rate (default 0.005 sgd, 0.01 adagrad, 0.001 adam)")
    t.add_argument("--clip", type=float, help="clip the gradient norm to this value")
    t.add_argument("--schedule", choices=("halve", "none"),
                   help="halve: halve the lr whenever the evaluated loss rose (the tutorial's rule; default)")
    t.add_argument("--batch-size", type=int, help="sentences per step, padded and bucketed by length "
                                                              "(default 1: per-sentence SGD)")
    t.add_argument("--epochs", type=int, help="passes over the training sentences (default 1; with --resume: the "
                                               "resumed run's)")
    t.add_argument("--max-sentences", type=int, help="stop after this many training sentences in total (with --resume: "
                                                     "default the resumed run's)")
    t.add_argument("--max-time", type=float, help="stop after this many seconds (checkpoint saved)")
    t.add_argument("--val-fraction", type=float, help="held-out fraction of sentences (default 0.05)")
    t.add_argument("--eval-every", type=int, help="evaluate and checkpoint every N sentences (default: each epoch; "
                                                       "with --resume: the resumed run's)")
    t.add_argument("--checkpoint", default="word_rnn.npz", help="checkpoint path (default word_rnn.npz)")
    t.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint")
    t.add_argument("--overwrite", action="store_true",
                   help="replace an earlier run saved in --checkpoint (and delete its NAME.best.npz); without "
                        "--resume or --overwrite an existing checkpoint is refused")
    t.add_argument("--seed", type=int, help="seed for initialisation, split and shuffling (default 0)")
    t.add_argument("--dtype", choices=("float32", "float64"), help="parameter dtype (default float32)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    g = sub.add_parser("generate", help="sample sentences")
    g.add_argument("--checkpoint", default="word_rnn.npz", help=_LOAD_HELP)
    g.add_argument("--num", type=int, default=5, help="sentences to generate (default 5)")
    g.add_argument("--seed", type=int, help="random seed (default: different every run)")
    g.add_argument("--temperature", type=float, default=1.0, help="> 0; lower = more predictable (default 1)")
    g.add_argument("--min-length", type=int, default=1, help="fewest words per sentence (default 1)")
    g.add_argument("--max-length", type=int, default=100, help="cut a sentence after this many words (default 100)")

    s = sub.add_parser("score", help="log-probability, per-word loss, perplexity and OOV words of sentences")
    s.add_argument("sentences", nargs="*", help="sentences to score (quote each one)")
    s.add_argument("--file", help="a UTF-8 file with one sentence per line")
    s.add_argument("--checkpoint", default="word_rnn.npz", help=_LOAD_HELP)

    e = sub.add_parser("eval", help="per-word loss and perplexity of a whole text or CSV file")
    e.add_argument("--data", required=True, help="UTF-8 text or .csv file")
    e.add_argument("--column", help="CSV column (default: the first)")
    e.add_argument("--csv", action="store_true", default=None)
    e.add_argument("--checkpoint", default="word_rnn.npz", help=_LOAD_HELP)

    c = sub.add_parser("gradcheck", help="the tutorial's gradient check on a small copy of your configuration")
    c.add_argument("--checkpoint", help="check the cell type (rnn/gru/lstm) of this trained model instead of --cell; "
                                        "its weights are not used (default: none)")
    c.add_argument("--cell", choices=("rnn", "gru", "lstm"), default="rnn",
                   help="recurrence to check on a small random model (default rnn; ignored with --checkpoint)")
    c.add_argument("--vocab-size", type=int, default=100, help="small vocabulary for the check (default 100)")
    c.add_argument("--hidden-size", type=int, default=10, help="small hidden size for the check (default 10)")
    c.add_argument("--length", type=int, default=8, help="sentence length (default 8)")
    c.add_argument("--seed", type=int, default=0)
    return p


# train options whose argparse default is None, so that "given" and "left at the default" can be told apart
_EXPLICIT_TRAIN_OPTIONS = ("lowercase", "vocab_size", "hidden_size", "cell", "optimizer", "lr", "clip", "schedule",
                           "batch_size", "val_fraction", "seed", "dtype", "epochs", "max_sentences", "eval_every")


def _cmd_train(a: argparse.Namespace) -> int:
    given = {k for k in _EXPLICIT_TRAIN_OPTIONS if getattr(a, k) is not None}
    defaults = TrainConfig()
    opts = {k: getattr(a, k) if k in given else getattr(defaults, k) for k in _EXPLICIT_TRAIN_OPTIONS}
    trunc = a.bptt_truncate
    if trunc == "auto":
        trunc = 4 if opts["cell"] == "rnn" else None
    else:
        given.add("bptt_truncate")
    cfg = TrainConfig(data=a.data, column=a.column, csv=a.csv, bptt_truncate=trunc, max_time=a.max_time,
                      checkpoint=a.checkpoint, resume=a.resume, overwrite=a.overwrite, quiet=a.quiet,
                      explicit=frozenset(given), **opts)
    result = train(cfg)
    return 130 if result["stop"] == "interrupted" else 0


def _load(path: str):
    obj = load_checkpoint(path)
    model, vocab = restore_model(obj, path)
    return model, vocab, bool(obj["settings"].get("lowercase", False))


def _cmd_generate(a: argparse.Namespace) -> int:
    from .generate import generate_sentences

    if not a.temperature > 0:
        raise UserError(f"--temperature must be > 0, got {a.temperature}")
    if a.num < 1 or a.min_length < 0 or a.max_length < 1:
        raise UserError("--num and --max-length must be >= 1 and --min-length >= 0")
    if a.min_length > a.max_length:
        raise UserError(f"--min-length {a.min_length} exceeds --max-length {a.max_length}")
    model, vocab, _ = _load(a.checkpoint)
    for text in generate_sentences(model, vocab, a.num, a.seed, a.temperature, a.min_length, a.max_length):
        print(text)
    return 0


def _cmd_score(a: argparse.Namespace) -> int:
    from .score import score_sentences

    sentences = list(a.sentences)
    if a.file:
        sentences += [line for line in _read_sentence_file(a.file).splitlines() if line.strip()]
    if not sentences:
        raise UserError("give sentences to score as arguments or with --file")
    model, vocab, lowercase = _load(a.checkpoint)
    total_oov = 0
    for sc in score_sentences(model, vocab, sentences, lowercase):
        total_oov += len(sc.oov)
        oov = f"{len(sc.oov)}" + (f" ({', '.join(sc.oov)} -> UNKNOWN_TOKEN)" if sc.oov else "")
        print(f"{sc.text}\n  log-prob {sc.log_prob:.3f}  loss/word {sc.per_word_loss:.4f}  "
              f"perplexity {sc.perplexity:.1f}  words {len(sc.tokens)}  out-of-vocabulary {oov}")
    if total_oov:
        print(f"note: {total_oov} out-of-vocabulary word(s) were scored as UNKNOWN_TOKEN", file=sys.stderr)
    return 0


def _cmd_eval(a: argparse.Namespace) -> int:
    from .score import corpus_perplexity

    model, vocab, lowercase = _load(a.checkpoint)
    corpus = wdata.load_corpus(a.data, a.column, lowercase, a.csv)
    r = corpus_perplexity(model, vocab, corpus.sentences)
    print(f"{a.data}: {plural(r['sentences'], 'sentence')}, {plural(r['words'], 'predicted token')}, loss {r['loss']:.4f} per word, "
          f"perplexity {r['perplexity']:.1f}, out-of-vocabulary {r['oov']} ({100 * r['oov_rate']:.1f}%)")
    return 0


def _cmd_gradcheck(a: argparse.Namespace) -> int:
    from .gradcheck import gradient_check

    cell = a.cell
    if a.checkpoint:
        cell = str(load_checkpoint(a.checkpoint)["config"]["cell"])
    if a.vocab_size < 2 or a.hidden_size < 1 or a.length < 1:
        raise UserError("--vocab-size must be >= 2, --hidden-size and --length >= 1")
    if a.vocab_size * a.hidden_size > 200_000:
        raise UserError("the check perturbs every weight; keep --vocab-size × --hidden-size under 200000")
    print(f"gradient check: cell={cell}, vocab {a.vocab_size}, hidden {a.hidden_size}, full BPTT, float64, "
          f"sentence of {a.length} words; central differences vs backprop for every weight")
    results, ref_err = gradient_check(cell, a.vocab_size, a.hidden_size, a.length, a.seed)
    for r in results:
        print(f"  {r.name:<22} {r.size:>7} entries  max relative error {r.max_rel_error:.2e}  "
              f"{'PASS' if r.ok else 'FAIL'}")
    if ref_err is not None:
        print(f"  autograd vs hand-derived reference BPTT: max relative difference {ref_err:.2e}")
    ok = all(r.ok for r in results) and (ref_err is None or ref_err < 1e-9)
    print("gradient check passed" if ok else "gradient check FAILED")
    return 0 if ok else EXIT_GRADCHECK_FAILED


_COMMANDS = {"train": _cmd_train, "generate": _cmd_generate, "score": _cmd_score, "eval": _cmd_eval,
             "gradcheck": _cmd_gradcheck}


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    if argv is None:
        argv = sys.argv[1:]
    if not argv:
        parser.print_help()
        return 2
    if any(h in argv for h in ("-h", "--help")):
        try:
            parser.parse_args(argv)
        except SystemExit as exit_:
            return int(exit_.code or 0)
    a = parser.parse_args(argv)
    if a.command is None:
        parser.print_help()
        return 2
    return _COMMANDS[a.command](a)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: returns the exit code (2 and one line on stderr for a user error)."""
    return run_cli(_main, argv)
