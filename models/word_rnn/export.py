"""``word-rnn export CKPT OUTDIR``: the word model as torch modules (see ``models/common/export.py``).

Our tanh model reads its input as an embedding row added straight into the recurrence,
``h_t = tanh(E[x_t] + W h_{t-1})`` with no biases. PyTorch's ``nn.RNN`` always multiplies its input by
``weight_ih``, so the mapping is::

    embedding = torch.nn.Embedding(V, H)                    weight = our embedding.weight (the tutorial's U.T)
    rnn = torch.nn.RNN(H, H, bias=False)                    weight_ih_l0 = identity (H, H), frozen
                                                            weight_hh_l0 = our weight_hh (the tutorial's W)
    output = torch.nn.Linear(H, V, bias=False)              weight = our output.weight (the tutorial's V)

which computes the same numbers (``I @ e = e``); to go on training the same model, keep ``rnn.weight_ih_l0``
frozen (training it gives a strictly larger model: an extra input projection). For ``cell="gru"|"lstm"`` our
model already is ``nn.Embedding`` + ``nn.GRU|LSTM(H, H)`` (with biases) + ``nn.Linear(H, V, bias=False)``.

Stacked layers, ``--embedding-size`` E != H (the tanh model's ``weight_ih`` (H, E) is then ``weight_ih_l0``,
trainable) and dropout map onto the same modules' arguments; ``--tied`` exports the shared matrix twice
(embedding.weight and output.weight; tie them again in torch). ``torch_modules`` is the one function from a
model's config and weights to torch modules: what it does not know (the class and adaptive softmaxes) is
refused with one line.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn import no_grad

from ..common import UserError
from ..common.card import read_card
from ..common.export import (
    GATE_NOTES,
    TORCH_RNN_CLASS,
    ExportPlan,
    ModuleSpec,
    check_export_dir,
    check_sequences,
    check_state,
    write_export,
)
from .checkpoint import load_checkpoint, restore_model
from .model import WordRNNLM
from .vocab import SENTENCE_END, SENTENCE_START, UNKNOWN_TOKEN, Vocabulary

# config entries that change nothing in the mapping's shape (sizes and training choices), and those it maps
_SIZES = ("vocab_size", "hidden_size", "bptt_truncate", "cell", "num_layers", "embedding_size", "dropout", "tied",
          "softmax")


def _rnn_weights(config: dict[str, Any], state: dict[str, np.ndarray]) -> tuple[dict[str, tuple], tuple[str, ...]]:
    """The tanh model's recurrence as ``torch.nn.RNN(E, H, num_layers=L, bias=False)`` tensors, and the frozen ones."""
    H, E, L = int(config["hidden_size"]), int(config.get("embedding_size", config["hidden_size"])), int(config.get("num_layers", 1))
    expected = {"embedding.weight", "weight_hh"} | ({"weight_ih"} if E != H else set())
    expected |= {f"weight_{k}_l{layer}" for layer in range(1, L) for k in ("ih", "hh")}
    check_state("word", state, expected | {"output.weight"})  # (a tied model's state_dict names both, as torch's)
    frozen: tuple[str, ...] = ()
    if E == H:  # the embedding row enters the recurrence unchanged
        first = (np.eye(H, dtype=state["weight_hh"].dtype), "identity: the embedding row enters the recurrence unchanged (frozen)")
        frozen = ("weight_ih_l0",)
    else:
        first = (state["weight_ih"], f"input projection (H, E) = ({H}, {E}) of the embedding row")
    tensors = {"weight_ih_l0": first, "weight_hh_l0": (state["weight_hh"], "recurrent weights of layer 0 (the tutorial's W)")}
    for layer in range(1, L):
        tensors[f"weight_ih_l{layer}"] = (state[f"weight_ih_l{layer}"], f"input weights of layer {layer} (reading layer {layer - 1})")
        tensors[f"weight_hh_l{layer}"] = (state[f"weight_hh_l{layer}"], f"recurrent weights of layer {layer}")
    return tensors, frozen


def torch_modules(config: dict[str, Any], state: dict[str, np.ndarray]) -> list[ModuleSpec]:
    """The torch modules (and tensors) a word model with ``config`` (``WordRNNLM.config()``) and weights
    ``state`` (its ``state_dict()`` as arrays) maps onto; UserError for a configuration with no mapping."""
    softmax = config.get("softmax", "full")
    if softmax != "full":
        raise UserError(f"cannot export a word model with --softmax {softmax}: the PyTorch mapping covers the full "
                        "softmax only (torch has no class softmax; its AdaptiveLogSoftmaxWithLoss numbers words by "
                        "frequency rank, a mapping not written yet); use the checkpoint with word-rnn itself")
    unknown = sorted(set(config) - set(_SIZES))
    if unknown:
        raise UserError(f"cannot export a word model with {unknown[0]}={config[unknown[0]]!r}: the PyTorch mapping "
                        "does not know it")
    cell, V, H = config["cell"], int(config["vocab_size"]), int(config["hidden_size"])
    E, L = int(config.get("embedding_size", H)), int(config.get("num_layers", 1))
    if cell not in TORCH_RNN_CLASS:
        raise UserError(f"cannot export a word model with cell {cell!r}; only {', '.join(TORCH_RNN_CLASS)} map to torch")
    embedding = ModuleSpec("embedding", "Embedding", {"num_embeddings": V, "embedding_dim": E},
                           {"weight": (state["embedding.weight"], ("one row per word: the input term U x_t "
                                                                  "(the tutorial's U transposed)"))})
    out_what = "output weights: hidden state -> one logit per word (the tutorial's V)"
    if config.get("tied"):
        out_what += "; tied: the same matrix as embedding.weight (set output.weight = embedding.weight to keep them one)"
    output = ModuleSpec("output", "Linear", {"in_features": H, "out_features": V, "bias": False},
                        {"weight": (state["output.weight"], out_what)})
    dropout = {"dropout": float(config["dropout"])} if L > 1 and config.get("dropout") else {}
    if cell == "rnn":
        tensors, frozen = _rnn_weights(config, state)
        rnn = ModuleSpec("rnn", "RNN", {"input_size": E, "hidden_size": H, "num_layers": L, "nonlinearity": "tanh",
                                        "bias": False, **dropout}, tensors, frozen=frozen)
    else:
        names = [f"{w}_l{layer}" for layer in range(L) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        check_state("word", state, {f"rnn.{n}" for n in names} | {"embedding.weight", "output.weight"})
        gates = GATE_NOTES[cell]
        whats = {n: f"{n.rsplit('_', 1)[0].replace('_', ' ')}{gates}, layer {n.rsplit('_l', 1)[1]}" for n in names}
        rnn = ModuleSpec("rnn", TORCH_RNN_CLASS[cell], {"input_size": E, "hidden_size": H, "num_layers": L, **dropout},
                         {n: (state[f"rnn.{n}"], whats[n]) for n in names})
    return [embedding, rnn, output]


def vocab_json(vocab: Vocabulary, lowercase: bool) -> dict[str, Any]:
    return {"type": "word", "size": len(vocab), "id_to_symbol": list(vocab.index_to_word),
            "unknown_token": UNKNOWN_TOKEN, "sentence_start": SENTENCE_START, "sentence_end": SENTENCE_END,
            "lowercase": bool(lowercase),
            "note": "a sentence is SENTENCE_START w1 ... wn SENTENCE_END; words outside the vocabulary are "
                    "UNKNOWN_TOKEN; the model reads ids[:-1] and predicts ids[1:]. Words were split with NLTK's "
                    "Treebank tokenizer (models.word_rnn.text)"}


@no_grad()
def logits_of(model: WordRNNLM, ids: np.ndarray) -> np.ndarray:
    """Our logits (T, B, V) for ids (T, B) from the zero state."""
    model.eval()
    return model.forward(ids).data.copy()


def plan_export(obj: dict[str, Any], path: str) -> ExportPlan:
    model, vocab = restore_model(obj, path)
    config = model.config()
    state = {k: np.asarray(v.data if hasattr(v, "data") else v) for k, v in model.state_dict().items()}
    modules = torch_modules(config, state)
    ids = check_sequences(len(vocab), first=vocab.start_id)
    dtype = str(model.output.weight.data.dtype)
    notes = ["the input is the (T, B) word ids, time-major; embedding -> rnn -> output gives the logits (T, B, V)",
             "no biases anywhere in the output layer (the tutorial's model has none)"]
    if model.cell == "rnn":
        notes += [("our recurrence adds the embedding row straight in: h_t = tanh(E[x_t] + W h_{t-1}); "
                  "torch.nn.RNN multiplies its input by weight_ih_l0, which is therefore the identity (and "
                  "bias=False): the same numbers"),
                  ("keep rnn.weight_ih_l0 frozen to go on training the same model (training it adds an input "
                  "projection the original lacks)")]
    if model.dropout:
        notes.append(f"trained with dropout {model.dropout} on the embedding, between layers and before the output; "
                     "torch's RNN modules drop between layers only (add nn.Dropout around them to train alike)")
    if model.tied:
        notes.append("tied: output.weight is embedding.weight (stored twice here; in torch set "
                     "model.output.weight = model.embedding.weight to keep them one)")
    if model.bptt_truncate is not None:
        notes.append(f"trained with gradients truncated to {model.bptt_truncate} steps back (a training choice, not "
                     "part of the model; PyTorch continues with full BPTT over each sequence)")
    return ExportPlan(kind="word_rnn", model={**config, "dtype": dtype}, dtype=dtype, input="ids", modules=modules,
                      vocab=vocab_json(vocab, bool(obj["settings"].get("lowercase", False))), check_ids=ids,
                      check_logits=logits_of(model, ids), notes=notes, card=read_card(obj), source=str(path))


def export_command(checkpoint: str, outdir: str, overwrite: bool = False) -> int:
    check_export_dir(outdir, overwrite)  # before reading anything
    plan = plan_export(load_checkpoint(checkpoint), checkpoint)
    paths = write_export(plan, outdir, overwrite)
    print(f"exported {checkpoint} ({plan.model['cell']}, hidden {plan.model['hidden_size']}, vocabulary "
          f"{plan.model['vocab_size']}, {plan.dtype}) to {outdir}: " + ", ".join(p.name for p in paths))
    return 0
