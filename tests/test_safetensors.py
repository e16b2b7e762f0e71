"""``save_safetensors``/``load_safetensors``: a round trip keeps names, shapes, dtypes and bytes; files are the
real format (the safetensors package and PyTorch read ours, we read theirs); malformed files are refused."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn


def _layers():
    tg.manual_seed(0)
    return {"rnn": nn.RNN(3, 4, num_layers=2), "lstm": nn.LSTM(3, 4), "gru": nn.GRU(3, 4),
            "linear": nn.Linear(4, 5), "embedding": nn.Embedding(6, 3)}


def test_round_trip_keeps_names_shapes_dtypes_and_values(tmp_path):
    state = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1.5, -2.0]),
             "ids": np.array([[1, 2]], dtype=np.int64), "flag": np.array([True, False]), "empty": np.zeros((0, 4))}
    tg.save_safetensors(state, tmp_path / "w.safetensors", metadata={"model": "test"})
    back = tg.load_safetensors(tmp_path / "w.safetensors")
    assert set(back) == set(state)
    for k, v in state.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k], v)
        assert back[k].flags.writeable
    assert tg.safetensors_metadata(tmp_path / "w.safetensors") == {"model": "test"}
    raw = (tmp_path / "w.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    entry = json.loads(raw[8:8 + n])["a"]
    assert n % 8 == 0 and entry["dtype"] == "F32" and entry["shape"] == [2, 3]
    assert entry["data_offsets"][1] - entry["data_offsets"][0] == 24


def test_module_state_dicts_round_trip_into_fresh_modules(tmp_path):
    for name, layer in _layers().items():
        tg.save_safetensors(layer.state_dict(), tmp_path / f"{name}.safetensors")
        fresh = _layers()[name]
        tg.manual_seed(1)
        for p in fresh.parameters():
            p.data[...] = 0
        fresh.load_state_dict(tg.load_safetensors(tmp_path / f"{name}.safetensors"))
        for (k, a), (_, b) in zip(layer.state_dict().items(), fresh.state_dict().items()):
            np.testing.assert_array_equal(a, b, err_msg=f"{name}.{k}")


def test_the_safetensors_package_reads_ours_and_we_read_its(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    ours = {"w": np.random.default_rng(0).normal(size=(3, 2)).astype(np.float32), "n": np.arange(5)}
    tg.save_safetensors(ours, tmp_path / "ours.safetensors", metadata={"k": "v"})
    read = st.load_file(str(tmp_path / "ours.safetensors"))
    for k in ours:
        np.testing.assert_array_equal(read[k], ours[k])
    st.save_file(ours, str(tmp_path / "theirs.safetensors"))
    back = tg.load_safetensors(tmp_path / "theirs.safetensors")
    for k in ours:
        np.testing.assert_array_equal(back[k], ours[k])


def test_pytorch_modules_load_our_weights_strictly_and_back(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("safetensors.torch")
    from safetensors.torch import load_file, save_file

    x = np.random.default_rng(1).normal(size=(5, 2, 3)).astype(np.float32)
    for name, layer in _layers().items():
        path = tmp_path / f"{name}.safetensors"
        tg.save_safetensors(layer.state_dict(), path)
        theirs = {"rnn": torch.nn.RNN(3, 4, num_layers=2), "lstm": torch.nn.LSTM(3, 4), "gru": torch.nn.GRU(3, 4),
                  "linear": torch.nn.Linear(4, 5), "embedding": torch.nn.Embedding(6, 3)}[name]
        theirs.load_state_dict(load_file(str(path)), strict=True)
        if name in ("rnn", "lstm", "gru"):
            ours_out = layer(tg.Tensor(x))[0].data
            with torch.no_grad():
                theirs_out = theirs(torch.from_numpy(x))[0].numpy()
            np.testing.assert_allclose(ours_out, theirs_out, rtol=1e-5, atol=1e-6)
        save_file(theirs.state_dict(), str(tmp_path / f"{name}.torch.safetensors"))
        layer.load_state_dict(tg.load_safetensors(tmp_path / f"{name}.torch.safetensors"))


@pytest.mark.parametrize("damage", ["short", "huge header", "not json", "hole", "overlap", "bad dtype", "bad shape"])
def test_malformed_files_are_refused_with_a_reason(tmp_path, damage):
    path = tmp_path / "bad.safetensors"
    header = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
    data = b"\0" * 12
    if damage == "hole":
        data += b"\0" * 4
    if damage == "overlap":
        header["b"]["data_offsets"] = [4, 8]
        header["b"]["shape"] = [1]
        data = b"\0" * 8
    if damage == "bad dtype":
        header["a"]["dtype"] = "X9"
    if damage == "bad shape":
        header["a"]["shape"] = [3]
    text = json.dumps(header).encode()
    raw = struct.pack("<Q", len(text)) + text + data
    if damage == "short":
        raw = raw[:5]
    if damage == "huge header":
        raw = struct.pack("<Q", 10**12) + raw[8:]
    if damage == "not json":
        raw = struct.pack("<Q", 3) + b"{x}" + data
    path.write_bytes(raw)
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        tg.load_safetensors(path)


def test_bad_names_and_dtypes_are_refused(tmp_path):
    with pytest.raises(TypeError, match="names"):
        tg.save_safetensors({"__metadata__": np.zeros(1)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="dtype"):
        tg.save_safetensors({"c": np.zeros(2, dtype=np.complex64)}, tmp_path / "x.safetensors")
    assert not list(tmp_path.iterdir())
