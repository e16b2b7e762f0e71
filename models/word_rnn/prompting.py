"""What ``word-rnn generate`` adds to sampling: its options, the prompt tokenized like the model's training
text, and beam-search output (each sentence with its log-probability)."""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from ..common import UserError
from .beam import beam_search
from .model import WordRNNLM
from .splits import user_tokens
from .text import detokenize
from .vocab import Vocabulary


def add_generate_arguments(g: argparse.ArgumentParser) -> None:
    g.add_argument("--prompt", help="begin every sentence with these words and continue them (tokenized like the "
                                    "training text; unknown words are fed as UNKNOWN_TOKEN)")
    g.add_argument("--top-k", type=int, help="sample from the K likeliest words of each step only")
    g.add_argument("--argmax", action="store_true", help="always take the likeliest word (greedy; one sentence "
                                                         "per prompt, so --num is 1 unless given)")
    g.add_argument("--beam", type=int, metavar="K",
                   help="beam search of width K: print the --num (default K) most probable sentences, each "
                        "with its log-probability in nats (end token included; at most --max-length new words, "
                        "default 30 here; no length normalisation)")


def check_generate_options(a: argparse.Namespace) -> None:
    if a.top_k is not None and a.top_k < 1:
        raise UserError(f"--top-k must be >= 1, got {a.top_k}")
    if a.beam is not None:
        if a.beam < 1:
            raise UserError(f"--beam must be >= 1, got {a.beam}")
        if a.top_k is not None or a.argmax:
            raise UserError("--beam searches for the most probable sentences; --top-k and --argmax choose how to "
                            "sample: give one of them")
    if a.argmax and a.top_k is not None:
        raise UserError("--argmax takes the likeliest word, --top-k samples among the K likeliest; give one")


def prompt_tokens(prompt: str | None, vocab: Vocabulary, lowercase: bool, pretokenized: bool) -> list[str]:
    """The prompt's tokens (empty without one); a note on stderr names the words the model does not know."""
    if prompt is None:
        return []
    tokens = user_tokens(prompt, vocab, lowercase, pretokenized)
    if not tokens:
        raise UserError("--prompt is empty; give at least one word, or leave --prompt out")
    oov = [t for t in tokens if vocab.is_oov(t)]
    if oov:
        print(f"note: the prompt's {', '.join(oov)} {'is' if len(oov) == 1 else 'are'} not in the vocabulary; "
              "fed as UNKNOWN_TOKEN", file=sys.stderr)
    return tokens


def print_beam(model: WordRNNLM, vocab: Vocabulary, tokens: list[str], beam: int, num: int, min_length: int,
               max_length: int, emit: Callable[[str], Any] = print) -> None:
    prefix = [int(i) for i in vocab.encode(tokens)[:-1]]
    hyps = beam_search(model, prefix, vocab.end_id, (vocab.unknown_id, vocab.start_id), beam, num,
                       max_length, min_length)
    for h in hyps:
        text = detokenize(tokens + vocab.decode(h.words))
        note = "" if h.finished else f" … (no sentence ended within {max_length} words)"
        emit(f"{h.log_prob:9.3f}  {text}{note}")
