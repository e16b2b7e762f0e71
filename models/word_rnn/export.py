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

``torch_modules`` is the one function from a model's config and weights to torch modules: a configuration
it does not know (another softmax, tied weights, stacked layers, ...) is refused with one line until the
mapping is written for it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn import no_grad

from ..common import UserError
from ..common.card import read_card
from ..common.export import (
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

_TORCH_CLASS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
_GATES = {"rnn": "", "lstm": " (gates i, f, g, o stacked)", "gru": " (gates r, z, n stacked)"}
# config entries the mapping understands, with the values it can map (the rest of a model's config must be
# absent or at one of these values; anything else is refused rather than exported wrongly)
_MAPPABLE = {"num_layers": (1,), "softmax": (None, "full", "softmax"), "tied": (False, None),
             "embedding_size": (None,)}
_SIZES = ("vocab_size", "hidden_size", "bptt_truncate", "cell")


def torch_modules(config: dict[str, Any], state: dict[str, np.ndarray]) -> list[ModuleSpec]:
    """The torch modules (and tensors) a word model with ``config`` (``WordRNNLM.config()``) and weights
    ``state`` (its ``state_dict()`` as arrays) maps onto; UserError for a configuration with no mapping."""
    for key, value in config.items():
        if key in _SIZES:
            continue
        if key == "embedding_size" and value == config.get("hidden_size"):
            continue
        if key not in _MAPPABLE or value not in _MAPPABLE[key]:
            raise UserError(f"cannot export a word model with {key}={value!r} yet: the PyTorch mapping covers "
                            "one-layer rnn/gru/lstm models with a full softmax and untied weights")
    cell, V, H = config["cell"], int(config["vocab_size"]), int(config["hidden_size"])
    if cell not in _TORCH_CLASS:
        raise UserError(f"cannot export a word model with cell {cell!r}; only {', '.join(_TORCH_CLASS)} map to torch")
    embedding = ModuleSpec("embedding", "Embedding", {"num_embeddings": V, "embedding_dim": H},
                           {"weight": (state["embedding.weight"], ("one row per word: the input term U x_t "
                                                                  "(the tutorial's U transposed)"))})
    output = ModuleSpec("output", "Linear", {"in_features": H, "out_features": V, "bias": False},
                        {"weight": (state["output.weight"], ("output weights: hidden state -> one logit per word "
                                                            "(the tutorial's V)"))})
    if cell == "rnn":
        check_state("word", state, {"embedding.weight", "weight_hh", "output.weight"})
        dtype = state["weight_hh"].dtype
        rnn = ModuleSpec("rnn", "RNN", {"input_size": H, "hidden_size": H, "num_layers": 1, "nonlinearity": "tanh",
                                        "bias": False},
                         {"weight_ih_l0": (np.eye(H, dtype=dtype), ("identity: the embedding row enters the "
                                                                   "recurrence unchanged (frozen)")),
                          "weight_hh_l0": (state["weight_hh"], "recurrent weights (the tutorial's W)")},
                         frozen=("weight_ih_l0",))
    else:
        names = [f"{w}_l0" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        check_state("word", state, {f"rnn.{n}" for n in names} | {"embedding.weight", "output.weight"})
        gates = _GATES[cell]
        whats = {"weight_ih_l0": f"input weights{gates}, reading the embedding",
                 "weight_hh_l0": f"recurrent weights{gates}", "bias_ih_l0": f"input bias{gates}",
                 "bias_hh_l0": f"recurrent bias{gates}"}
        rnn = ModuleSpec("rnn", _TORCH_CLASS[cell], {"input_size": H, "hidden_size": H, "num_layers": 1},
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
