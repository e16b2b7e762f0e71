"""tinygrad_rnn.save / load: exact round trips, plain-npz layout, atomic writes, clear errors on bad files."""
import os
import pickle
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn import Tensor, serialization
from tinygrad_rnn.serialization import STRUCTURE_KEY, load, save


def assert_same(a, b, where="root"):
    """Same structure, same Python/numpy types, bit-identical arrays (NaN payloads and -0.0 included)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), f"{where}: values differ"
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        assert [type(k) for k in a] == [type(k) for k in b], f"{where}: key types differ"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert (a != a and b != b) or (a == b and np.copysign(1, a) == np.copysign(1, b)), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def roundtrip(obj, name="ckpt.npz"):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        save(obj, path)
        out = load(path)
        # the contract: a plain npz, readable without this library and without pickle
        with np.load(path, allow_pickle=False) as npz:
            assert STRUCTURE_KEY in npz.files
            for key in npz.files:
                npz[key]
        return out


_dtypes = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8,
                           np.bool_, np.complex128, "U3", "S2"])
_arrays = _dtypes.flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))
_np_scalars = _dtypes.flatmap(lambda dt: hnp.arrays(dt, ())).map(lambda a: a[()])
_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), _arrays, _np_scalars,
)
_keys = st.one_of(st.text(max_size=6), st.integers(-5, 5))
_trees = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(_keys, children, max_size=4),
    ),
    max_leaves=12,
)


@given(_trees)
def test_roundtrip_restores_structure_types_and_bits(obj):
    assert_same(obj, roundtrip(obj))


@given(st.dictionaries(st.text(max_size=4), _arrays, max_size=5), st.booleans())
def test_compressed_and_stored_files_load_alike(arrays, compress):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.npz")
        save(arrays, path, compress=compress)
        assert_same(arrays, load(path))


def test_readme_style_checkpoint_keeps_types_and_readable_names(tmp_path):
    ckpt = {
        "model": {"weight_ih_l0": np.ones((3, 2), np.float32), "bias": np.zeros(3, np.float32)},
        "optimizer": {"state": {0: {"step": 7, "sum": np.full((3, 2), 0.5)}}, "param_groups": [
            {"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "params": [0, 1]}]},
        "config": {"hidden": 100, "name": "char-rnn", "dropout": None, "scale": 1e-2},
        "vocab": ["a", "b", "\n", "é"],
        "step0": np.float32(0.25), "empty": np.zeros((0, 4)), "zero_d": np.array(3.5, np.float32),
    }
    path = tmp_path / "model.ckpt"
    save(ckpt, path)  # PathLike accepted
    loaded = load(str(path))
    assert_same(ckpt, loaded)
    assert loaded["model"]["weight_ih_l0"].flags.writeable  # training resumes in place on loaded arrays
    with np.load(path, allow_pickle=False) as npz:
        assert "model/weight_ih_l0" in npz.files
        assert "optimizer/state/0/sum" in npz.files
        np.testing.assert_array_equal(npz["model/weight_ih_l0"], ckpt["model"]["weight_ih_l0"])


def test_keys_that_collide_after_escaping_or_clash_with_numpy_arguments(tmp_path):
    obj = {7: np.ones(1), "7": np.zeros(1), "a/b": np.full(1, 2.0), "a": {"b": np.full(1, 3.0)},
           "": np.full(1, 4.0), ".": np.full(1, 5.0), "..": np.full(1, 6.0), "%structure": np.full(1, 7.0),
           "file": np.full(1, 8.0), "allow_pickle": np.full(1, 9.0), "x\x00y": np.full(1, 10.0)}
    save(obj, tmp_path / "k.npz")
    assert_same(obj, load(tmp_path / "k.npz"))
    with zipfile.ZipFile(tmp_path / "k.npz") as zf:
        names = zf.namelist()
    assert not any(part in ("", ".", "..") for n in names for part in n.split("/")), names


def test_top_level_array_and_scalars(tmp_path):
    for obj in (np.arange(6.0).reshape(2, 3), np.float64(2.5), 3, "text", None, True, 1.5, (), [], {}):
        save(obj, tmp_path / "x")
        assert_same(obj, load(tmp_path / "x"))


def test_writes_exactly_the_given_path(tmp_path):
    save({"a": 1}, tmp_path / "noext")
    save({"a": 2}, tmp_path / "with.npz")
    assert sorted(os.listdir(tmp_path)) == ["noext", "with.npz"]
    assert load(tmp_path / "noext") == {"a": 1}
    assert load(tmp_path / "with.npz") == {"a": 2}


def test_overwrite_replaces_the_old_checkpoint(tmp_path):
    path = tmp_path / "c.npz"
    save({"v": np.zeros(3)}, path)
    save({"w": np.ones(2)}, path)
    assert_same({"w": np.ones(2)}, load(path))
    assert os.listdir(tmp_path) == ["c.npz"]


def test_fortran_ordered_and_noncontiguous_arrays(tmp_path):
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    b = np.arange(20)[::3]
    save([a, b], tmp_path / "o")
    la, lb = load(tmp_path / "o")
    np.testing.assert_array_equal(la, a)
    np.testing.assert_array_equal(lb, b)


# ----------------------------------------------------------------------------------- atomicity
@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_save_leaves_old_file_intact_and_no_temp_file(tmp_path, monkeypatch, exc):
    path = tmp_path / "ckpt.npz"
    old = {"w": np.arange(5.0), "step": 3}
    save(old, path)
    before = path.read_bytes()

    real_write = serialization._write_array
    calls = []

    def failing_write(zf, name, arr):
        calls.append(name)
        if len(calls) == 3:  # some members are already written when the "crash" happens
            raise exc
        real_write(zf, name, arr)

    monkeypatch.setattr(serialization, "_write_array", failing_write)
    new = {"w": np.zeros(1000), "b": np.ones(3), "c": np.ones(3), "step": 4}
    with pytest.raises(type(exc)):
        save(new, path)
    assert len(calls) == 3
    assert path.read_bytes() == before
    assert_same(old, load(path))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    def boom(zf, name, arr):
        raise OSError("disk full")

    monkeypatch.setattr(serialization, "_write_array", boom)
    with pytest.raises(OSError):
        save({"a": np.ones(2)}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_tensors_round_trip_as_leaf_tensors_with_their_requires_grad(tmp_path):
    """torch.save({"loss": t, "w": p}): Tensors come back as Tensors (values, dtype, requires_grad), no graph."""
    x = Tensor(np.arange(3.0), requires_grad=True)
    loss = (x * x).sum()
    ids = Tensor(np.array([1, 2], np.int64))
    save({"loss": loss, "x": x, "ids": ids, "lists": [Tensor(np.float32(2.5))]}, tmp_path / "t.pt")
    back = load(tmp_path / "t.pt")
    assert isinstance(back["loss"], Tensor) and back["loss"].item() == 5.0
    assert back["loss"].requires_grad and back["loss"].grad_fn is None  # as torch.load: a leaf that requires grad
    assert back["x"].requires_grad and back["x"].grad_fn is None and back["x"].dtype == np.float64
    np.testing.assert_array_equal(back["ids"].data, [1, 2])
    assert back["ids"].dtype == np.int64 and back["lists"][0].dtype == np.float32


def test_save_and_load_take_open_binary_files(tmp_path):
    """PyTorch's `with open(path, "wb") as f: torch.save(obj, f)` and `torch.load(f)`, and an io.BytesIO."""
    import io

    obj = {"w": np.arange(4.0).reshape(2, 2), "step": 7}
    with open(tmp_path / "f.pt", "wb") as f:
        save(obj, f)
    with open(tmp_path / "f.pt", "rb") as f:
        back = load(f)
    np.testing.assert_array_equal(back["w"], obj["w"])
    assert back["step"] == 7 and load(tmp_path / "f.pt")["step"] == 7  # the same file either way
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    assert load(buffer)["step"] == 7
    with pytest.raises(ValueError, match="not an .npz"):
        load(io.BytesIO(b"hello"))


# ----------------------------------------------------------------------------------- bad input to save
@pytest.mark.parametrize("obj, match", [
    ({"a": {1, 2}}, r"\['a'\].*set"),
    ({"a": [np.array([object()], dtype=object)]}, r"\['a'\]\['0'\].*object arrays"),
    ({(1, 2): 3}, "dict keys must be str or int"),
    ({True: 3}, "dict keys must be str or int"),
    ([1j], "complex"),
])
def test_unsupported_objects_raise_typeerror_and_write_nothing(tmp_path, obj, match):
    with pytest.raises(TypeError, match=match):
        save(obj, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_cycles_are_rejected(tmp_path):
    a = []
    a.append(a)
    with pytest.raises(ValueError, match="cycle"):
        save({"a": a}, tmp_path / "x.npz")
    shared = np.ones(2)  # the same object twice is not a cycle
    save([shared, shared, {"x": shared}], tmp_path / "y.npz")
    assert_same([shared, shared, {"x": shared}], load(tmp_path / "y.npz"))


def test_save_into_missing_directory_or_onto_a_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({}, tmp_path / "nope" / "x.npz")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save({}, tmp_path)


# ----------------------------------------------------------------------------------- bad files
class _Evil:
    """Unpickling this would create a marker file: proves load() never unpickles."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _checkpoint_bytes(tmp_path):
    path = tmp_path / "good.npz"
    save({"w": np.arange(4000, dtype=np.float64), "meta": {"n": 1}}, path)
    return path.read_bytes()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found.*missing.npz"):
        load(tmp_path / "missing.npz")


def test_directory(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        load(tmp_path)


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (b"hello, this is text\n", "not an .npz"),
    (b"\x93NUMPY\x01\x00" + b"x" * 100, r"single \.npy"),
])
def test_not_an_npz(tmp_path, content, match):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"bad.npz.*{match}"):
        load(path)


def test_npy_file(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"a.npy.*single \.npy"):
        load(tmp_path / "a.npy")


def test_pickle_file_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "was_unpickled"
    evil = _Evil()
    evil.marker = str(marker)
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"x": evil}))
    with pytest.raises(ValueError, match="evil.pkl.*pickle"):
        load(path)
    assert not marker.exists()


def test_npz_with_object_array_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "was_unpickled"
    evil = _Evil()
    evil.marker = str(marker)
    path = tmp_path / "obj.npz"
    with open(path, "wb") as f:  # a file handle: np.savez must not append ".npz"
        np.savez(f, **{STRUCTURE_KEY: np.frombuffer(b'{"format":"tinygrad_rnn.checkpoint","version":1,'
                                                    b'"root":{"array":"x"}}', np.uint8),
                       "x": np.array([evil], dtype=object)})
    with pytest.raises(ValueError, match="obj.npz.*pickle"):
        load(path)
    assert not marker.exists()


def test_plain_npz_without_structure(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(ValueError, match=r"plain.npz.*no '%structure' entry.*np.load"):
        load(tmp_path / "plain.npz")


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.6, 0.95])
def test_truncated_file(tmp_path, fraction):
    data = _checkpoint_bytes(tmp_path)
    path = tmp_path / "cut.npz"
    path.write_bytes(data[: max(4, int(len(data) * fraction))])
    with pytest.raises(ValueError, match="cut.npz.*(corrupted or truncated|not an .npz)"):
        load(path)


def test_corrupted_array_bytes_fail_the_crc(tmp_path):
    data = bytearray(_checkpoint_bytes(tmp_path))
    data[len(data) // 2] ^= 0xFF  # inside the big array member's data
    path = tmp_path / "flip.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="flip.npz.*corrupted or truncated"):
        load(path)


@pytest.mark.parametrize("structure, match", [
    (b"not json", "Expecting value"),
    (b'{"format":"something else","version":1,"root":null}', "not a tinygrad_rnn checkpoint header"),
    (b'{"format":"tinygrad_rnn.checkpoint","version":99,"root":null}', "version 99 is not supported"),
    (b'{"format":"tinygrad_rnn.checkpoint","version":1,"root":{"array":"gone"}}', "missing array member 'gone'"),
    (b'{"format":"tinygrad_rnn.checkpoint","version":1,"root":{"weird":1}}', "unknown node"),
    (b'{"format":"tinygrad_rnn.checkpoint","version":1,"root":{"dict":[[1.5, 2]]}}', "malformed"),
    (b'\xff\xfe', "decode"),
])
def test_corrupt_structure_entry(tmp_path, structure, match):
    path = tmp_path / "s.npz"
    with open(path, "wb") as f:
        np.savez(f, **{STRUCTURE_KEY: np.frombuffer(structure, np.uint8)})
    with pytest.raises(ValueError, match=f"s.npz.*{match}"):
        load(path)

