"""``word-rnn`` / ``python -m models.word_rnn``: train | generate | score | eval | gradcheck."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from ..common import EXIT_INTERRUPTED, UserError, read_text_file, run_cli
from ..common.card import command_line
from ..common.card import add_info_parser
from ..common.export import add_export_parser
from ..common.cli import OneLineParser, add_version_argument, deprecation_notice, seed_value
from ..common.errors import EXIT_CHECK_FAILED, stop_when_stdout_closes
from ..common.plotting import PLOT_NAME
from ..common.sampling import check_temperature
from ..common.training import DTYPES, MAX_TIME_HELP, checkpoint_to_read

from . import gradflow
from .checkpoint import DEFAULT_OUT, load_checkpoint, restore_model
from .model import CELLS
from .options import TRAIN_OPTIONS, add_train_arguments
from .prompting import add_generate_arguments, check_generate_options, print_beam, prompt_tokens
from .evaluation import eval_sentences
from .splits import PRETOKENIZED_NOTE, SPLITS, pretokenized
from .train import OPTIMIZERS, TrainConfig, train
from .wording import plural

_BARE_RESUME = object()  # `--resume` without a path: the deprecated "continue the --checkpoint FILE"


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


_LOAD_HELP = (f"trained model to load (default {DEFAULT_OUT}/best.npz, the best model by validation loss of "
              f"`word-rnn train`, else {DEFAULT_OUT}/last.npz); a run's --out directory loads its best.npz, else "
              f"its last.npz")


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
    p = OneLineParser(prog="word-rnn", description=(
        "Word-level RNN language model (the RNNNumpy tutorial model on tinygrad_rnn): train it on a text or "
        "CSV file, generate sentences, score sentences. Without --data, training uses the docstrings of "
        "Python's standard library as a built-in English corpus."))
    add_version_argument(p)
    sub = p.add_subparsers(dest="command", metavar="{train,generate,score,eval,gradcheck,export,info,gradflow}",
                           parser_class=OneLineParser)

    t = sub.add_parser("train", help="train a model (per-sentence SGD by default)",
                       description="Train; checkpoints go to OUT/last.npz (the last state, to resume) and "
                                   "OUT/best.npz (the best model by validation loss). Ctrl-C (or SIGTERM, SIGHUP) "
                                   "saves before exiting; --resume CKPT continues exactly.")
    t.add_argument("--data", help="UTF-8 text file (paragraphs = documents) or .csv file (one document per row); "
                                  "default: the built-in stdlib-docstring corpus")
    t.add_argument("--column", help="CSV column holding the text (default: the first column that is not all numbers)")
    t.add_argument("--csv", action="store_true", default=None, help="read --data as CSV whatever its name")
    t.add_argument("--lowercase", action="store_true", default=None, help="lowercase the text before tokenizing")
    t.add_argument("--vocab-size", type=int, help="vocabulary size incl. UNKNOWN_TOKEN (default 8000)")
    t.add_argument("--hidden-size", type=int, help="hidden units (default 100)")
    t.add_argument("--bptt-truncate", type=_truncate, default="auto",
                   help="steps the gradient of each output flows back (default 4 for rnn; 'none' = full BPTT, "
                        "the only choice for gru/lstm)")
    t.add_argument("--cell", choices=CELLS, help="recurrence (default rnn, the tutorial's)")
    add_train_arguments(t)
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
    t.add_argument("--max-time", type=float, metavar="SECONDS", help=MAX_TIME_HELP)
    t.add_argument("--val-fraction", type=float, help="held-out fraction of sentences (default 0.05)")
    t.add_argument("--eval-every", type=int, help="evaluate and checkpoint every N sentences (default: each epoch; "
                                                       "with --resume: the resumed run's)")
    t.add_argument("--checkpoint-every", type=int, metavar="N",
                   help="also save OUT/last.npz every N sentences (default: at each evaluation only)")
    t.add_argument("--checkpoint-minutes", type=float, default=5.0, metavar="M",
                   help="also save OUT/last.npz after M minutes without a save, so a kill -9 loses at most that "
                        "(default 5)")
    t.add_argument("--out", metavar="DIR", help=f"directory for last.npz, best.npz and {PLOT_NAME} (default "
                                                 f"{DEFAULT_OUT}; with --resume: the directory of CKPT)")
    t.add_argument("--resume", metavar="CKPT", nargs="?", const=_BARE_RESUME,
                   help="continue exactly where the run saved in CKPT stopped (e.g. OUT/last.npz)")
    t.add_argument("--init-from", metavar="CKPT", help="start a new run from the weights of CKPT's model (fine-tuning "
                   "on another text: CKPT's vocabulary and model options are kept, other words read as UNKNOWN_TOKEN; "
                   "the optimizer state and counters start afresh)")
    t.add_argument("--overwrite", action="store_true",
                   help="replace the checkpoints of an earlier run in --out (its best.npz is kept as "
                        "best.previous.npz until this run saves a best at least as good on the same validation "
                        "sentences); without --resume or --overwrite "
                        "a new run refuses to")
    t.add_argument("--checkpoint", metavar="FILE", help=argparse.SUPPRESS)  # deprecated: FILE and FILE.best.npz
    t.add_argument("--seed", type=seed_value, help="seed for initialisation, split and shuffling (default 0)")
    t.add_argument("--dtype", choices=DTYPES, help="parameter dtype (default float32)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--plot", action="store_true", help=f"write OUT/{PLOT_NAME}, the training and validation loss "
                                                       "curves (needs matplotlib)")

    g = sub.add_parser("generate", help="sample sentences",
                       description="Sample sentences from a trained model, each from the start token to the end "
                                   "token (or --max-length words): at --temperature, from the --top-k most likely words, "
                                   "the most likely word each step (--argmax), or the K most probable sentences "
                                   "(--beam K); --prompt continues a given beginning.")
    g.add_argument("--checkpoint", metavar="CKPT", help=_LOAD_HELP)
    g.add_argument("--num", type=int, help="sentences to generate (default 5; 1 with --argmax, K with --beam K)")
    g.add_argument("--seed", type=seed_value, help="random seed (default: different every run)")
    g.add_argument("--temperature", type=float, default=None,
                   help="> 0; lower = more predictable (default 1; sampling only: not with --argmax or --beam)")
    g.add_argument("--min-length", type=int, default=1, help="fewest words per sentence (default 1)")
    g.add_argument("--max-length", type=int, help="cut a sentence after this many words (default 100; 30 with --beam)")
    add_generate_arguments(g)

    s = sub.add_parser("score", help="log-probability, loss per token (each word and the end), perplexity and OOV words of sentences",
                       description="Score each sentence under the model: its log-probability (start to end token), "
                                   "the loss per predicted token (its words and the end), the perplexity, and the "
                                   "words out of the vocabulary (scored as UNKNOWN_TOKEN).")
    s.add_argument("sentences", nargs="*", help="sentences to score (quote each one)")
    s.add_argument("--file", help="a UTF-8 file with one sentence per line")
    s.add_argument("--checkpoint", metavar="CKPT", help=_LOAD_HELP)
    s.add_argument("--tokens", action="store_true", help="also print each word with its -log p (nats), the most "
                                                         "surprising marked")
    s.add_argument("--top", type=int, default=None, metavar="K", help="with --tokens: mark the K most surprising (default 3)")

    e = sub.add_parser("eval", help="loss per token and perplexity of a whole text or CSV file",
                       description="The loss per predicted token and the perplexity of a whole text, tokenized as "
                                   "the model's training data was, next to the unigram and uniform baselines.")
    e.add_argument("--data", help="UTF-8 text or .csv file, or a directory of train/valid/test.txt (default with "
                                  "--split: the checkpoint's training data)")
    e.add_argument("--split", choices=SPLITS, help="with --data DIR: which file (default test); with a single "
                                                   "file: the train or valid part of the checkpoint's own split")
    e.add_argument("--column", help="CSV column holding the text (default: the first that is not all numbers)")
    e.add_argument("--csv", action="store_true", default=None, help="read --data as CSV whatever its name")
    e.add_argument("--checkpoint", metavar="CKPT", help=_LOAD_HELP)

    c = sub.add_parser("gradcheck", help="the tutorial's gradient check on a small copy of your configuration",
                       description="The tutorial's gradient check: central differences against backprop for every "
                                   "weight of a small model (float64, full BPTT), and the autograd gradients against "
                                   "the hand-derived BPTT; exit 1 if any check fails.")
    c.add_argument("--checkpoint", metavar="CKPT", help="check the cell type (rnn/gru/lstm) of this trained model instead of --cell; "
                                        "its weights are not used (default: none)")
    c.add_argument("--cell", choices=CELLS, default="rnn",
                   help="recurrence to check on a small random model (default rnn; ignored with --checkpoint)")
    c.add_argument("--vocab-size", type=int, default=100, help="small vocabulary for the check (default 100)")
    c.add_argument("--hidden-size", type=int, default=10, help="small hidden size for the check (default 10)")
    c.add_argument("--length", type=int, default=8, help="sentence length (default 8)")
    c.add_argument("--seed", type=seed_value, default=0)

    add_export_parser(sub, "word-rnn")
    add_info_parser(sub, "word-rnn")

    gradflow.add_parser(sub)
    return p


# train options whose argparse default is None, so that "given" and "left at the default" can be told apart
_EXPLICIT_TRAIN_OPTIONS = ("lowercase", "vocab_size", "hidden_size", "cell", "optimizer", "lr", "clip", "schedule",
                           "batch_size", "val_fraction", "seed", "dtype", "epochs", "max_sentences", "eval_every") + TRAIN_OPTIONS


def _cmd_train(a: argparse.Namespace) -> int:
    given = {k for k in _EXPLICIT_TRAIN_OPTIONS if getattr(a, k) is not None}
    defaults = TrainConfig()
    opts = {k: getattr(a, k) if k in given else getattr(defaults, k) for k in _EXPLICIT_TRAIN_OPTIONS}
    if opts["tutorial"] and "val_fraction" not in given:
        opts["val_fraction"] = 0.0  # train_with_sgd trains on every sentence and reports the training loss
    trunc = a.bptt_truncate
    if trunc == "auto":
        trunc = 4 if opts["cell"] == "rnn" else None
    else:
        given.add("bptt_truncate")
    resume = a.resume
    if a.checkpoint is not None:
        print(deprecation_notice("--checkpoint", "word-rnn train", "use --out DIR (writes DIR/last.npz, DIR/best.npz)"),
              file=sys.stderr)
    if resume is _BARE_RESUME:
        if a.checkpoint is None:
            raise UserError(f"--resume needs the checkpoint to continue: --resume CKPT (e.g. {DEFAULT_OUT}/last.npz)")
        # a DIR/last.npz is continued exactly by the current spelling (a FILE of another name keeps its own layout)
        example = a.checkpoint if Path(a.checkpoint).name == "last.npz" else f"{DEFAULT_OUT}/last.npz"
        print(deprecation_notice("--resume without a checkpoint", "word-rnn train",
                                 f"use --resume CKPT (e.g. --resume {example})"), file=sys.stderr)
        resume = a.checkpoint
    cfg = TrainConfig(data=a.data, column=a.column, csv=a.csv, bptt_truncate=trunc, max_time=a.max_time,
                      checkpoint_every=a.checkpoint_every, checkpoint_minutes=a.checkpoint_minutes,
                      out=a.out, resume=resume, checkpoint=a.checkpoint, overwrite=a.overwrite, quiet=a.quiet,
                      plot=a.plot, explicit=frozenset(given), init_from=a.init_from,
                      command=command_line("word-rnn", a.argv), **opts)
    result = train(cfg)
    return EXIT_INTERRUPTED if result["stop"] == "interrupted" else 0


def _load(path: str | None):
    model, vocab, lowercase, _ = _load_for_text(path)
    return model, vocab, lowercase


def _load_for_text(path: str | None):
    """``_load`` plus whether the model's text is split on whitespace (trained on a --data DIR)."""
    path = checkpoint_to_read(path, DEFAULT_OUT, "word-rnn train")
    obj = load_checkpoint(path)
    model, vocab = restore_model(obj, path)
    return model, vocab, bool(obj["settings"].get("lowercase", False)), pretokenized(obj["settings"])


def _cmd_generate(a: argparse.Namespace) -> int:
    stop_when_stdout_closes()
    from .generate import iter_sentences

    if a.temperature is not None and (a.argmax or a.beam is not None):
        raise UserError(f"--temperature shapes sampling; {'--argmax' if a.argmax else '--beam'} takes the likeliest "
                        "words whatever the temperature: give one of them")
    a.temperature = check_temperature(a.temperature if a.temperature is not None else 1.0)
    check_generate_options(a)
    a.num = a.num if a.num is not None else (a.beam if a.beam is not None else 1 if a.argmax else 5)
    a.max_length = a.max_length if a.max_length is not None else (30 if a.beam is not None else 100)
    if a.num < 1 or a.min_length < 0 or a.max_length < 1:
        raise UserError(f"--num and --max-length must be >= 1 and --min-length >= 0, got --num {a.num}, "
                        f"--max-length {a.max_length}, --min-length {a.min_length}")
    if a.min_length > a.max_length:
        raise UserError(f"--min-length {a.min_length} exceeds --max-length {a.max_length}")
    model, vocab, lowercase, pretokenized = _load_for_text(a.checkpoint)
    if pretokenized and a.prompt:
        print(PRETOKENIZED_NOTE, file=sys.stderr)
    tokens = prompt_tokens(a.prompt, vocab, lowercase, pretokenized)
    if a.beam is not None:
        print_beam(model, vocab, tokens, a.beam, a.num, a.min_length, a.max_length)
        return 0
    for text in iter_sentences(model, vocab, a.num, a.seed, a.temperature, a.min_length, a.max_length, tokens,
                               a.top_k, a.argmax):
        print(text, flush=True)  # streamed, as char-rnn sample does
    return 0


def _cmd_score(a: argparse.Namespace) -> int:
    stop_when_stdout_closes()
    from .score import score_sentences
    from .surprisal import tokens_view

    sentences = list(a.sentences)
    if a.file:
        sentences += [line for line in _read_sentence_file(a.file).splitlines() if line.strip()]
    if not sentences:
        raise UserError("give sentences to score as arguments or with --file")
    if a.top is not None and not a.tokens:
        raise UserError("--top marks the most surprising words of --tokens' listing; add --tokens")
    a.top = 3 if a.top is None else a.top
    if a.top < 0:
        raise UserError(f"--top must be >= 0, got {a.top}")
    model, vocab, lowercase, pretok = _load_for_text(a.checkpoint)
    if pretok:
        print(PRETOKENIZED_NOTE, file=sys.stderr)
    total_oov = 0
    for sc in score_sentences(model, vocab, sentences, lowercase, pretokenized=pretok):
        total_oov += len(sc.oov)
        oov = f"{len(sc.oov)}" + (f" ({', '.join(sc.oov)} -> UNKNOWN_TOKEN)" if sc.oov else "")
        # the loss and the perplexity are per predicted token: each word and the sentence's end
        print(f"{sc.text}\n  log-prob {sc.log_prob:.3f}  loss/token {sc.per_token_loss:.4f}  "
              f"perplexity {sc.perplexity:.1f}  tokens {len(sc.tokens) + 1} ({plural(len(sc.tokens), 'word')} + sentence end)  "
              f"out-of-vocabulary {oov}")
        if a.tokens:
            print(tokens_view(sc, vocab, a.top))
    if total_oov:
        print(f"note: {total_oov} out-of-vocabulary word(s) were scored as UNKNOWN_TOKEN", file=sys.stderr)
    return 0


OOV_WARNING_RATE = 0.2  # word-rnn eval warns above this share of unknown words


def _cmd_eval(a: argparse.Namespace) -> int:
    stop_when_stdout_closes()
    from .evaluation import print_baselines
    from .score import corpus_perplexity

    path = checkpoint_to_read(a.checkpoint, DEFAULT_OUT, "word-rnn train")
    obj = load_checkpoint(path)
    model, vocab = restore_model(obj, path)
    sentences, name = eval_sentences(a.data, a.split, obj["settings"], a.column, a.csv, vocab,
                                     (obj.get("training") or {}).get("fingerprint"))
    if pretokenized(obj["settings"]) and a.data is not None and not Path(a.data).is_dir():
        print(PRETOKENIZED_NOTE, file=sys.stderr)  # a file read as the training directory's lines were
    r = corpus_perplexity(model, vocab, sentences)
    print(f"{name}: {plural(r['sentences'], 'sentence')}, {plural(r['tokens'], 'predicted token')} (words + sentence "
          f"ends), loss {r['loss']:.4f} per token, "
          f"perplexity {r['perplexity']:.1f}, out-of-vocabulary {r['oov']} ({100 * r['oov_rate']:.1f}%)")
    if r["oov_rate"] > OOV_WARNING_RATE:
        # predicting UNKNOWN_TOKEN for unknown words is easy: such a perplexity flatters the model
        print(f"warning: {100 * r['oov_rate']:.0f}% of the words are out of the model's vocabulary and scored as "
              "UNKNOWN_TOKEN, so this perplexity is not comparable with one on text the model knows; check that "
              "this is the kind of text it was trained on", file=sys.stderr)
    print_baselines(obj, vocab, sentences, r["loss"])
    return 0


def _cmd_gradcheck(a: argparse.Namespace) -> int:
    from .gradcheck import gradient_check

    cell = a.cell
    if a.checkpoint:
        config = load_checkpoint(a.checkpoint)["config"]
        cell = config.get("cell") if isinstance(config, dict) else None
        if cell not in CELLS:
            raise UserError(f"checkpoint {a.checkpoint!r} records no valid cell type ({cell!r}); it is corrupted, "
                            "use another one or pass --cell instead")
    for flag, value, least in (("--vocab-size", a.vocab_size, 2), ("--hidden-size", a.hidden_size, 1),
                               ("--length", a.length, 1)):
        if value < least:
            raise UserError(f"{flag} must be >= {least}, got {value}")
    if a.length > 1000:
        raise UserError(f"--length {a.length} is too long for the check (a forward pass per weight); keep it at most 1000")
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
    return 0 if ok else EXIT_CHECK_FAILED


def _cmd_export(a: argparse.Namespace) -> int:
    from .export import export_command
    return export_command(a.checkpoint, a.outdir, a.overwrite)


def _cmd_info(a: argparse.Namespace) -> int:
    from .info import info_command
    return info_command(a.checkpoint)


_COMMANDS = {"train": _cmd_train, "generate": _cmd_generate, "score": _cmd_score, "eval": _cmd_eval,
             "gradcheck": _cmd_gradcheck, "export": _cmd_export, "info": _cmd_info,
             "gradflow": gradflow.gradflow_command}


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
    a.argv = list(argv)  # for the results card
    if a.command is None:
        parser.print_help()
        return 2
    return _COMMANDS[a.command](a)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: returns the exit code (2 and one line on stderr for a user error)."""
    return run_cli(_main, argv)
