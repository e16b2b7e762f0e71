"""`char-rnn export` / `word-rnn export`: the files, the refusals, and (with torch installed) that the weights load
name for name into torch.nn modules and give our logits; examples/continue_in_pytorch.py checks and trains."""
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from models.char_rnn import cli as char_cli
from models.char_rnn.checkpoint import save_checkpoint as save_char
from models.char_rnn.train import TrainConfig, Trainer
from models.common import UserError
from models.word_rnn import cli as word_cli
from models.word_rnn.checkpoint import save_checkpoint as save_word
from models.word_rnn.export import torch_modules as word_modules
from models.word_rnn.model import WordRNNLM
from models.word_rnn.vocab import Vocabulary
from tinygrad_rnn import load_safetensors, safetensors_metadata

TEXT = ("The quick brown fox jumps over the lazy dog. " * 6 + "Pack my box with five dozen liquor jugs.\n") * 4
SENTENCES = [s.split() for s in ["the cat saw the dog", "a dog met the cat", "the old man saw a river",
                                 "my friend met the old man", "a cat found the garden"]]
ROOT = Path(__file__).resolve().parents[1]


def char_checkpoint(tmp_path, cell="rnn", layers=1, dtype="float64"):
    config = TrainConfig(hidden_size=6, num_layers=layers, cell=cell, seq_length=5, dtype=dtype, init="pytorch")
    trainer = Trainer(config, TEXT)
    if cell == "rnn":  # a trained bias_hh would be nonzero only if the freezing were broken: keep the check honest
        assert not trainer.model.rnn.bias_hh_l0.requires_grad
    path = tmp_path / f"char_{cell}_{layers}.npz"
    save_char(trainer.checkpoint(), path)
    return path, trainer


def word_checkpoint(tmp_path, cell="rnn", dtype=np.float64, **options):
    vocab = Vocabulary.build(SENTENCES, 12)
    model = WordRNNLM(len(vocab), 5, 4 if cell == "rnn" else None, cell=cell, seed=3, dtype=dtype, **options)
    path = tmp_path / f"word_{cell}.npz"
    save_word(path, model, vocab, {"lowercase": False}, None)
    return path, model, vocab


def test_char_export_files(tmp_path, capsys):
    ckpt, trainer = char_checkpoint(tmp_path)
    out = tmp_path / "exp"
    assert char_cli.main(["export", str(ckpt), str(out)]) == 0
    assert "exported" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["model.safetensors", "config.json", "vocab.json", "check.safetensors", "README.md"])
    weights = load_safetensors(out / "model.safetensors")
    ours = {k: v.data for k, v in trainer.model.state_dict().items()}
    assert weights.keys() == ours.keys()
    for k, value in ours.items():
        np.testing.assert_array_equal(weights[k], value)
    assert not weights["rnn.bias_hh_l0"].any()
    assert safetensors_metadata(out / "model.safetensors")["kind"] == "char_rnn"
    config = json.loads((out / "config.json").read_text())
    assert config["input"] == "one_hot" and config["dtype"] == "float64"
    assert [m["class"] for m in config["modules"]] == ["torch.nn.RNN", "torch.nn.Linear"]
    assert config["modules"][0]["frozen"] == ["rnn.bias_hh_l0"]
    vocab = json.loads((out / "vocab.json").read_text())
    assert "".join(vocab["id_to_symbol"]) == trainer.vocab.chars
    # the stored check logits are the model's own, recomputed here
    check = load_safetensors(out / "check.safetensors")
    trainer.model.eval()
    np.testing.assert_allclose(check["logits"], trainer.model(check["ids"])[0].data, rtol=0, atol=1e-12)
    assert "load_state_dict" in (out / "README.md").read_text()


def test_export_refuses_a_non_empty_outdir_and_overwrites_when_told(tmp_path, capsys):
    ckpt, _ = char_checkpoint(tmp_path)
    out = tmp_path / "exp"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert char_cli.main(["export", str(ckpt), str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not empty" in err[0] and "--overwrite" in err[0]
    assert not (out / "model.safetensors").exists()
    assert char_cli.main(["export", str(ckpt), str(out), "--overwrite"]) == 0
    assert (out / "model.safetensors").exists() and (out / "mine.txt").read_text() == "keep me"
    assert char_cli.main(["export", str(tmp_path / "missing.npz"), str(tmp_path / "e2")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_word_export_files_and_identity_input(tmp_path, capsys):
    ckpt, model, vocab = word_checkpoint(tmp_path)
    out = tmp_path / "wexp"
    assert word_cli.main(["export", str(ckpt), str(out)]) == 0
    weights = load_safetensors(out / "model.safetensors")
    assert sorted(weights) == ["embedding.weight", "output.weight", "rnn.weight_hh_l0", "rnn.weight_ih_l0"]
    np.testing.assert_array_equal(weights["rnn.weight_ih_l0"], np.eye(5))
    np.testing.assert_array_equal(weights["rnn.weight_hh_l0"], model.weight_hh.data)
    config = json.loads((out / "config.json").read_text())
    assert config["modules"][1]["kwargs"]["bias"] is False and config["modules"][1]["frozen"] == ["rnn.weight_ih_l0"]
    assert json.loads((out / "vocab.json").read_text())["id_to_symbol"] == vocab.index_to_word


def test_word_mapping_refuses_configs_it_cannot_map():
    state = {"embedding.weight": np.zeros((6, 3)), "weight_hh": np.zeros((3, 3)), "output.weight": np.zeros((6, 3))}
    base = {"vocab_size": 6, "hidden_size": 3, "bptt_truncate": 4, "cell": "rnn"}
    assert [m.torch_class for m in word_modules(base, state)] == ["Embedding", "RNN", "Linear"]
    assert len(word_modules({**base, "num_layers": 1, "softmax": "full", "tied": False}, state)) == 3
    for extra in ({"softmax": "adaptive"}, {"softmax": "class"}, {"new": 1}):
        with pytest.raises(UserError, match="cannot export a word model with"):
            word_modules({**base, **extra}, state)
    with pytest.raises(UserError, match="do not match the layout"):  # two layers need layer 1's weights
        word_modules({**base, "num_layers": 2}, state)
    with pytest.raises(UserError, match="do not match the layout"):
        word_modules(base, {**state, "extra.bias": np.zeros(3)})


# ----------------------------------------------------------------------------------- with PyTorch
def _torch_from_export(out):
    """The export loaded as plain torch modules, the way the export's README says (safetensors.torch)."""
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    config = json.loads((Path(out) / "config.json").read_text())
    state = st.load_file(str(Path(out) / "model.safetensors"))
    modules = {}
    for spec in config["modules"]:
        mod = getattr(torch.nn, spec["class"].split(".")[-1])(**spec["kwargs"]).to(getattr(torch, config["dtype"]))
        prefix = spec["name"] + "."
        mod.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}, strict=True)
        modules[spec["name"]] = mod.eval()  # compared with our logits at inference: no dropout
    return torch, config, modules


@pytest.mark.parametrize("cell,layers", [("rnn", 1), ("rnn", 2), ("lstm", 2), ("gru", 1)])
def test_char_export_loads_into_torch_with_our_logits(tmp_path, cell, layers):
    ckpt, trainer = char_checkpoint(tmp_path, cell, layers)
    out = tmp_path / "exp"
    assert char_cli.main(["export", str(ckpt), str(out)]) == 0
    torch, _config, m = _torch_from_export(out)
    ids = np.random.default_rng(0).integers(0, trainer.vocab.size, (9, 2))
    with torch.no_grad():
        x = torch.nn.functional.one_hot(torch.from_numpy(ids), trainer.vocab.size).double()
        logits = m["decoder"](m["rnn"](x)[0]).numpy()
    trainer.model.eval()
    np.testing.assert_allclose(logits, trainer.model(ids)[0].data, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell,options", [("rnn", {}), ("gru", {}), ("lstm", {}), ("rnn", {"num_layers": 2}),
                                          ("rnn", {"embedding_size": 3, "num_layers": 2}), ("rnn", {"tied": True}),
                                          ("lstm", {"num_layers": 2, "embedding_size": 4, "dropout": 0.3})])
def test_word_export_loads_into_torch_with_our_logits(tmp_path, cell, options):
    ckpt, model, vocab = word_checkpoint(tmp_path, cell, **options)
    model.eval()
    out = tmp_path / "wexp"
    assert word_cli.main(["export", str(ckpt), str(out)]) == 0
    torch, _config, m = _torch_from_export(out)
    ids = np.random.default_rng(1).integers(0, len(vocab), (7, 3))
    with torch.no_grad():
        logits = m["output"](m["rnn"](m["embedding"](torch.from_numpy(ids)))[0]).numpy()
    np.testing.assert_allclose(logits, model.forward(ids).data, rtol=1e-10, atol=1e-12)


def _example():
    spec = importlib.util.spec_from_file_location("continue_in_pytorch", ROOT / "examples" / "continue_in_pytorch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_continue_in_pytorch_checks_and_trains_one_step(tmp_path, capsys):
    pytest.importorskip("torch")
    example = _example()
    ckpt, trainer = char_checkpoint(tmp_path, dtype="float32")
    out = tmp_path / "exp"
    assert char_cli.main(["export", str(ckpt), str(out)]) == 0
    data = tmp_path / "text.txt"
    data.write_text(TEXT)
    saved = tmp_path / "continued.safetensors"
    result = example.main([str(out), "--data", str(data), "--steps", "1", "--seq-length", "10", "--batch-size", "2",
                           "--save", str(saved)])
    diff, tol, ok = result["check"]
    assert ok and diff <= tol and result["world_size"] == 1
    assert len(result["losses"]) == 1 and np.isfinite(result["losses"][0])
    text = capsys.readouterr().out
    assert "OK" in text and "step 1: loss" in text
    trained = load_safetensors(saved)
    assert not trained["rnn.bias_hh_l0"].any()  # frozen in PyTorch too
    assert not np.array_equal(trained["rnn.weight_hh_l0"], trainer.model.rnn.weight_hh_l0.data)
    # the example's own module building agrees with ours, and its fallback reader with safetensors'
    model, _, _ = example.load_export(out)
    assert not model.rnn.bias_hh_l0.requires_grad
    ref = example.read_safetensors(out / "model.safetensors")
    mine = example._read_safetensors(out / "model.safetensors")
    assert ref.keys() == mine.keys() and all(bool((ref[k] == mine[k]).all()) for k in ref)


def test_continue_in_pytorch_reads_the_run_s_own_text_as_the_trainer_did(tmp_path, capsys):
    """A text saved with a UTF-8 byte-order mark (as many editors do): char-rnn drops the mark, so the example, which
    trains on the run's own file when no --data is given, must too; and a file changed since names itself, not
    --data, which the user never passed."""
    pytest.importorskip("torch")
    example = _example()
    data = tmp_path / "bom.txt"
    data.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"))
    run = tmp_path / "run"
    assert char_cli.main(["train", "--data", str(data), "--out", str(run), "--hidden-size", "6", "--seq-length",
                          "5", "--batch-size", "2", "--max-iters", "2", "--quiet"]) == 0
    assert char_cli.main(["export", str(run / "best.npz"), str(tmp_path / "exp")]) == 0
    capsys.readouterr()
    argv = [str(tmp_path / "exp"), "--steps", "1", "--seq-length", "10", "--batch-size", "2"]
    result = example.main(argv)
    assert len(result["losses"]) == 1 and str(data) in capsys.readouterr().out
    data.write_text(TEXT + "\u20ac", encoding="utf-8")  # a character the model never saw
    with pytest.raises(SystemExit) as stop:
        example.main(argv)
    message = str(stop.value)
    assert message.startswith(f"error: {data}, the model's own training text (no --data given), holds 1 "
                              "character(s)") and "'\u20ac'" in message and "--data holds" not in message


def test_continue_in_pytorch_word_model_and_a_wrong_export(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    example = _example()
    ckpt, _, _ = word_checkpoint(tmp_path, "rnn", np.float32)
    out = tmp_path / "wexp"
    assert word_cli.main(["export", str(ckpt), str(out)]) == 0
    model, _, _ = example.load_export(out)
    assert not model.rnn.weight_ih_l0.requires_grad
    # a tampered weight: the check must fail loudly, before any training
    weights = load_safetensors(out / "model.safetensors")
    weights["rnn.weight_hh_l0"] = weights["rnn.weight_hh_l0"] + 0.01
    from tinygrad_rnn import save_safetensors
    save_safetensors(weights, out / "model.safetensors")
    with pytest.raises(SystemExit):
        example.main([str(out), "--steps", "0"])
    assert "MISMATCH" in capsys.readouterr().out
    del torch


@pytest.mark.parametrize("model", ["char", "word"])
def test_the_exports_readme_code_runs_and_gives_our_logits(tmp_path, monkeypatch, model):
    pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    if model == "char":
        ckpt, trainer = char_checkpoint(tmp_path, "lstm", 2)
        trainer.model.eval()
        ours = lambda ids: trainer.model(ids)[0].data
        assert char_cli.main(["export", str(ckpt), str(tmp_path / "exp")]) == 0
    else:
        ckpt, wmodel, _ = word_checkpoint(tmp_path, "rnn")
        ours = lambda ids: wmodel.forward(ids).data
        assert word_cli.main(["export", str(ckpt), str(tmp_path / "exp")]) == 0
    code = re.search(r"```python\n(.*?)```", (tmp_path / "exp" / "README.md").read_text(), re.DOTALL).group(1)
    monkeypatch.chdir(tmp_path / "exp")
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 (the README's code, run as a user would)
    ids = scope["ids"].numpy()
    np.testing.assert_allclose(scope["logits"].detach().numpy(), ours(ids),
                               rtol=1e-10, atol=1e-12)
