"""The word model's results card (what a run writes into its checkpoints) and ``word-rnn info CKPT``."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..common.card import RunCard, file_sha256, print_info, read_card
from .checkpoint import load_checkpoint, restore_model
from .wording import perplexity


def per_token(nats: float) -> str:
    """A loss per predicted token (each word and each sentence's end) as the card shows it."""
    return f"{nats:.4f} nats/token (perplexity {perplexity(nats):.5g})"


def tokens_trained(sentences: int, tokens: int) -> str:
    """``145,597 tokens (139,597 words + 6,000 sentence ends)``: each sentence trained on predicts its words and
    its end token, so the words are the tokens less one per sentence."""
    return f"{tokens:,} tokens ({tokens - sentences:,} words + {sentences:,} sentence ends)"


def results_card(cfg: Any, n_train: int, n_val: int, previous: dict[str, Any] | None = None,
                 resumed: bool = False) -> RunCard:
    """The card of a run of ``word-rnn train`` (``cfg`` its TrainConfig); render it with ``render_card``."""
    if cfg.data is not None:
        data, sha = str(Path(cfg.data).resolve()), file_sha256(cfg.data)
    else:
        data, sha = "built-in corpus: the docstrings of the Python standard library", None
    if cfg.data is not None and Path(cfg.data).is_dir():  # --data DIR: its own files, no fraction drawn
        split = f"{n_train:,} sentences training (train.txt), {n_val:,} validation (valid.txt)"
    else:
        split = (f"{n_train:,} sentences training, {n_val:,} validation (fraction {cfg.val_fraction:g}, drawn with "
                 f"seed {cfg.seed})")
    return RunCard(cfg.command or "word-rnn train (called from Python)", cfg.seed, data, sha, split,
                   previous=previous, started_from=cfg.init_from, resumed_without_card=resumed)


def render_card(card: RunCard, epoch: int, position: int, plan_len: int, sentences: int, tokens: int, steps: int,
                batch_size: int, best_val: float | None) -> str:
    """``tokens``: the predicted tokens trained on (words and sentence ends), the unit of the throughput."""
    epochs = epoch + (position / plan_len if plan_len else 0.0)
    trained = (f"{epochs:.2f} epochs: {sentences:,} sentences, {tokens_trained(sentences, tokens)}, {steps:,} steps "
               f"of up to {batch_size} sentence(s)")
    best = None if best_val is None else per_token(best_val) + " on the validation split"
    return card.json(trained, tokens, "tokens", best)


def _recorded(obj: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """What an older checkpoint (without a card) records about its run."""
    st, tr = obj.get("settings") or {}, obj.get("training") or {}
    yield "data", str(st.get("data") or "built-in corpus (stdlib docstrings)")
    yield "seed", str(st.get("seed"))
    yield "split", f"fraction {st.get('val_fraction')} of the sentences for validation"
    yield "optimisation", f"{st.get('optimizer')} lr {st.get('lr') or 'default'}, batch {st.get('batch_size')}"
    if tr:
        sentences = int(tr.get("sentences", 0))  # (its "words" are the predicted tokens)
        yield "trained", (f"epoch {int(tr.get('epoch', 0))} done, {sentences:,} sentences, "
                          f"{tokens_trained(sentences, int(tr.get('words', 0)))}")
    best = tr.get("best_val") if tr else None
    yield "best validation", per_token(float(best)) if best is not None else "not recorded"


def info_command(path: str, out: Callable[[str], None] = print) -> int:
    obj = load_checkpoint(path)
    model, vocab = restore_model(obj, path)
    n = sum(p.data.size for p in model.parameters())
    cfg = model.config()
    truncate = "full BPTT" if cfg.get("bptt_truncate") is None else f"BPTT truncated at {cfg['bptt_truncate']}"
    header = [("model", (f"word_rnn: {cfg['cell']}, hidden {cfg['hidden_size']}, vocabulary {len(vocab):,}, "
                        f"{obj.get('dtype', 'float32')}, {n:,} parameters, {truncate}"))]
    print_info(path, header, read_card(obj), lambda: _recorded(obj), out)
    return 0
