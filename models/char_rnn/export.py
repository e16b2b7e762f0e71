"""``char-rnn export CKPT OUTDIR``: the char model as torch modules (see ``models/common/export.py``).

The mapping is one to one — the model is built from ``nn.RNN/LSTM/GRU`` and ``nn.Linear`` with PyTorch's
names and layouts::

    one-hot(ids) (T, B, V) -> rnn = torch.nn.RNN|LSTM|GRU(input_size=V, hidden_size=H, num_layers=L)
                           -> decoder = torch.nn.Linear(H, V) -> logits (T, B, V)

The first layer reads one-hot vectors, so ``rnn.weight_ih_l0`` is (gates*H, V) (min-char-rnn's ``Wxh`` for
the tanh RNN). The tanh RNN's ``bias_hh_l{k}`` is zero and frozen in our training (its two biases only
appear as a sum): it is exported as the zeros it is and listed as frozen.
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
from .checkpoint import load_checkpoint, model_from_checkpoint
from .model import CharRNN
from .vocab import CharVocab



def torch_modules(config: dict[str, Any], state: dict[str, np.ndarray]) -> list[ModuleSpec]:
    """The torch modules (and their tensors) a char model with ``config`` (``CharRNN.config()``) and weights
    ``state`` (its ``state_dict()`` as arrays) is made of."""
    cell, V, H, L = config["cell"], int(config["vocab_size"]), int(config["hidden_size"]), int(config["num_layers"])
    if cell not in TORCH_RNN_CLASS:
        raise UserError(f"cannot export a char model with cell {cell!r}; only {', '.join(TORCH_RNN_CLASS)} map to torch")
    rnn_names = [f"{w}_l{k}" for k in range(L) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    check_state("char", state, {f"rnn.{n}" for n in rnn_names} | {"decoder.weight", "decoder.bias"})
    kwargs: dict[str, Any] = {"input_size": V, "hidden_size": H, "num_layers": L}
    if cell == "rnn":
        kwargs["nonlinearity"] = "tanh"
    if L > 1 and config.get("dropout"):
        kwargs["dropout"] = float(config["dropout"])  # between layers, as ours (ours also drops before the decoder)
    gates = GATE_NOTES[cell]

    def what(name: str) -> str:
        kind, k = name.rsplit("_l", 1)
        source = "one-hot characters" if k == "0" else f"layer {int(k) - 1}'s hidden state"
        return {"weight_ih": f"layer {k} input weights{gates}, reading {source}",
                "weight_hh": f"layer {k} recurrent weights{gates}",
                "bias_ih": f"layer {k} input bias{gates}",
                "bias_hh": f"layer {k} recurrent bias{gates}" + (" (zero, frozen in training)" if cell == "rnn"
                                                                  else "")}[kind]

    rnn = ModuleSpec("rnn", TORCH_RNN_CLASS[cell], kwargs, {n: (state[f"rnn.{n}"], what(n)) for n in rnn_names},
                     frozen=tuple(f"bias_hh_l{k}" for k in range(L)) if cell == "rnn" else ())
    decoder = ModuleSpec("decoder", "Linear", {"in_features": H, "out_features": V},
                         {"weight": (state["decoder.weight"], "output weights: top hidden state -> one logit per character"),
                          "bias": (state["decoder.bias"], "output bias")})
    return [rnn, decoder]


def vocab_json(vocab: CharVocab) -> dict[str, Any]:
    return {"type": "char", "size": vocab.size, "id_to_symbol": list(vocab.chars),
            "note": "ids are positions in the sorted characters of the training text"}


@no_grad()
def logits_of(model: CharRNN, ids: np.ndarray) -> np.ndarray:
    """Our logits (T, B, V) for ids (T, B) from the zero state, in eval mode (no dropout)."""
    model.eval()
    return model(ids)[0].data.copy()


def plan_export(ckpt: dict[str, Any], path: str) -> ExportPlan:
    model, vocab = model_from_checkpoint(ckpt, path)
    config = model.config()
    state = {k: np.asarray(v.data if hasattr(v, "data") else v) for k, v in model.state_dict().items()}
    modules = torch_modules(config, state)
    ids = check_sequences(vocab.size)
    notes = [
        ("the input is the one-hot vector of each character id (T, B, V), time-major; rnn.weight_ih_l0 therefore "
        "has one column per character (min-char-rnn's Wxh for the tanh RNN)"),
        "rnn and decoder are exactly our CharRNN.rnn and CharRNN.decoder: same names, same layouts",
    ]
    if model.cell == "rnn":
        notes.append("rnn.bias_hh_l* are zero and frozen in our training (the two biases of a tanh RNN only appear "
                     "as a sum); freeze them to go on training the same model")
    if model.dropout:
        notes.append(f"the model was trained with dropout {model.dropout} between layers and before the decoder; "
                     "the check logits are computed without dropout (eval mode)")
    return ExportPlan(kind="char_rnn", model=config, dtype=model.dtype.name, input="one_hot", modules=modules,
                      vocab=vocab_json(vocab), check_ids=ids, check_logits=logits_of(model, ids), notes=notes,
                      card=read_card(ckpt), source=str(path))


def export_command(checkpoint: str, outdir: str, overwrite: bool = False) -> int:
    check_export_dir(outdir, overwrite)  # before reading anything
    plan = plan_export(load_checkpoint(checkpoint), checkpoint)
    paths = write_export(plan, outdir, overwrite)
    print(f"exported {checkpoint} ({plan.model['cell']} x{plan.model['num_layers']}, hidden "
          f"{plan.model['hidden_size']}, vocabulary {plan.model['vocab_size']}, {plan.dtype}) to {outdir}: "
          + ", ".join(p.name for p in paths))
    return 0
