"""Whole-module save/load (``torch.save(model, f)`` / ``torch.load(f)``) without pickle, with PyTorch's allowlist:
rebuilt models equal the saved ones, un-allowed classes are refused before anything runs, what cannot be
recorded fails at save time, and a file that no longer fits its classes fails clearly. Torch, when installed,
is the oracle for the shape of the refusal."""
from __future__ import annotations

import json
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest

import tinygrad_rnn as torch
from tinygrad_rnn import nn, serialization
from tinygrad_rnn.safe_classes import class_name, imported_classes
from tinygrad_rnn.serialization import STRUCTURE_KEY

from torch_reference import needs_torch, torch as real_torch


@pytest.fixture(autouse=True)
def _allowlist_is_restored():
    before = serialization.get_safe_globals()
    yield
    serialization.clear_safe_globals()
    serialization.add_safe_globals(before)


# ---- user model classes, as programs write them (module level: a class is found by its qualified name) -----
class Net(nn.Module):
    def __init__(self, vocab, hidden, kind="LSTM", layers=1, dtype=None):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden, padding_idx=0)
        rnn_cls = {"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN": nn.RNN}[kind]
        self.rnn = rnn_cls(hidden, hidden, num_layers=layers, batch_first=True, dropout=0.25 if layers > 1 else 0.0,
                           bidirectional=kind == "GRU", dtype=dtype)
        width = 2 * hidden if kind == "GRU" else hidden
        self.heads = nn.ModuleList(nn.Linear(width, vocab) for _ in range(2))
        self.proj = nn.Sequential(nn.Linear(width, 4), nn.Tanh(), nn.Dropout(0.1))
        self.extra = nn.ModuleDict({"norm": nn.LayerNorm(4)})
        self.loss = nn.CrossEntropyLoss(ignore_index=0)

    def forward(self, x):
        out, _ = self.rnn(self.emb(x))
        return self.heads[0](out) + self.extra["norm"](self.proj(out)).sum(-1, keepdim=True)


class Encoder(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.lin = nn.Linear(size, size)


class Wrapper(nn.Module):
    """Given a submodule at construction (``Wrapper(Encoder(3), 2)``): the call refers to the submodule."""

    def __init__(self, encoder, out):
        super().__init__()
        self.encoder = encoder
        self.out = nn.Linear(encoder.lin.out_features, out)


class Counted(nn.Module):
    built = 0

    def __init__(self, n):
        super().__init__()
        Counted.built += 1
        self.lin = nn.Linear(n, n)


class TakesAnything(nn.Module):
    def __init__(self, size, thing=None):
        super().__init__()
        self.lin = nn.Linear(size, size)


class BuildsLossWithTensorWeight(nn.Module):
    """Its own call is recordable; the inner NLLLoss's Tensor weight is not, and is not needed to rebuild."""

    def __init__(self, classes):
        super().__init__()
        self.lin = nn.Linear(3, classes)
        self.loss = nn.NLLLoss(weight=torch.ones(classes))


class Base(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.lin = nn.Linear(width, width)


class Derived(Base):
    """super().__init__(width * 2): only the outermost call, Derived(3), is recorded."""

    def __init__(self, width, scale=2):
        super().__init__(width * scale)


def assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and np.array_equal(sa[k], sb[k]), k


# ---- round trips ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, layers, dtype", [("LSTM", 2, None), ("GRU", 1, torch.float64), ("RNN", 1, None)])
def test_user_model_round_trips_with_its_state_mode_and_outputs(tmp_path, kind, layers, dtype):
    torch.manual_seed(0)
    model = Net(12, hidden=6, kind=kind, layers=layers, dtype=dtype)
    model.heads[1].weight.requires_grad_(False)
    model.eval()
    torch.save(model, tmp_path / "m.pt")
    rng_before = torch.random.get_generator().bit_generator.state
    with serialization.safe_globals([Net]):
        again = torch.load(tmp_path / "m.pt")
    assert torch.random.get_generator().bit_generator.state == rng_before  # load draws nothing from the stream
    assert type(again) is Net and again is not model
    assert [(n, type(m)) for n, m in again.named_modules()] == [(n, type(m)) for n, m in model.named_modules()]
    assert_same_state(model, again)
    assert again.training is False and all(not m.training for m in again.modules())
    assert again.heads[1].weight.requires_grad is False and again.heads[0].weight.requires_grad is True
    assert again.rnn.batch_first and again.rnn.num_layers == layers and again.loss.ignore_index == 0
    x = torch.randint(1, 12, (2, 5))
    np.testing.assert_array_equal(again(x).data, model(x).data)


def test_a_model_converted_after_construction_keeps_its_dtype(tmp_path):
    model = Net(5, 3).double()
    torch.save(model, tmp_path / "m.pt")
    with serialization.safe_globals([Net]):
        again = torch.load(tmp_path / "m.pt")
    assert again.rnn.weight_ih_l0.dtype == np.float64  # not cast back to the float32 Net builds
    assert_same_state(model, again)


@pytest.mark.parametrize("make", [
    lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
    lambda: nn.GRU(3, 4, bias=False),
    lambda: nn.RNN(3, 4, nonlinearity="relu", dtype=np.float64),
    lambda: nn.Linear(3, 2, dtype=torch.float64, scheme="rnn-numpy"),
    lambda: nn.Embedding(7, 3, padding_idx=1),
    lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)),
    lambda: nn.ModuleList(nn.Linear(2, 2) for _ in range(3)),  # a generator argument: rebuilt from the children
    lambda: nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.GRUCell(2, 3)}),
    lambda: nn.ParameterList([np.ones((2, 3), np.float32), np.zeros(4)]),
    lambda: nn.ParameterDict({"w": np.ones((2, 3), np.float32), "b": np.zeros(4)}),
    lambda: nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.PReLU(4), nn.Softplus(beta=2.0), nn.Unflatten(1, (2, 2))),
    lambda: nn.LayerNorm(np.int64(3), eps=np.float32(1e-3), device=torch.device("cpu"), dtype=np.float64),
], ids=["lstm", "gru", "rnn", "linear", "embedding", "sequential", "modulelist", "moduledict", "parameterlist",
        "parameterdict", "new-activations", "numpy-int-and-device"])
def test_library_modules_load_without_being_allowed(tmp_path, make):
    model = make()
    torch.save(model, tmp_path / "m.pt")
    again = torch.load(tmp_path / "m.pt", map_location="cpu", weights_only=True)
    assert type(again) is type(model) and repr(again) == repr(model)
    assert_same_state(model, again)


def test_modules_inside_a_checkpoint_dict_and_plain_state_dicts_alongside(tmp_path):
    model = Net(6, 4)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randint(1, 6, (2, 3))).sum().backward()
    opt.step()
    ckpt = {"model": model, "state": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}
    torch.save(ckpt, tmp_path / "c.pt")
    with serialization.safe_globals([Net]):
        again = torch.load(tmp_path / "c.pt")
    assert type(again["model"]) is Net and again["epoch"] == 3
    assert_same_state(model, again["model"])
    assert list(again["state"]) == list(model.state_dict())
    assert again["optimizer"]["param_groups"][0]["lr"] == 0.01
    with np.load(tmp_path / "c.pt", allow_pickle=False) as npz:  # the arrays stay readable without this library
        np.testing.assert_array_equal(npz["model/rnn.weight_ih_l0"], model.rnn.weight_ih_l0.data)


def test_files_without_modules_keep_format_version_1_and_files_with_modules_are_version_2(tmp_path):
    def version(path):
        with np.load(path, allow_pickle=False) as npz:
            return json.loads(npz[STRUCTURE_KEY].tobytes())["version"]

    torch.save(nn.Linear(2, 2).state_dict(), tmp_path / "sd.pt")
    torch.save(nn.Linear(2, 2), tmp_path / "m.pt")
    assert version(tmp_path / "sd.pt") == 1 and version(tmp_path / "m.pt") == 2


def test_constructor_arguments_are_recorded_by_signature_and_only_the_outermost_call(tmp_path):
    torch.save([Derived(3), Net(5, hidden=4), Net(5, 4)], tmp_path / "m.pt")
    with np.load(tmp_path / "m.pt", allow_pickle=False) as npz:
        root = json.loads(npz[STRUCTURE_KEY].tobytes())["root"]
    tops = [node["module"]["modules"][0] for node in root["list"]]
    assert (tops[0]["args"], tops[0]["kwargs"]) == ([3], [])  # Derived(3), not Base(6)
    assert (tops[1]["args"], tops[1]["kwargs"]) == (tops[2]["args"], tops[2]["kwargs"]) == ([5, 4], [])
    with serialization.safe_globals([Derived, Net]):
        derived, _, _ = torch.load(tmp_path / "m.pt")
    assert type(derived) is Derived and derived.lin.in_features == 6


def test_a_submodule_given_to_the_constructor_is_rebuilt_and_shared(tmp_path):
    model = Wrapper(Encoder(3), 2)
    torch.save(model, tmp_path / "m.pt")
    with serialization.safe_globals([Wrapper, Encoder]):
        again = torch.load(tmp_path / "m.pt")
    assert type(again.encoder) is Encoder
    assert_same_state(model, again)


def test_module_construction_records_the_call_without_copying():
    weights = [1, 2, 3]
    lin = nn.Identity(weights, key=weights)
    args, kwargs = lin._constructor_args
    assert args[0] is weights and kwargs["key"] is weights


# ---- the allowlist ---------------------------------------------------------------------------------------------
def test_an_unallowed_user_class_is_refused_in_one_line_before_anything_is_built(tmp_path):
    torch.save(Counted(2), tmp_path / "m.pt")
    before = Counted.built
    with pytest.raises(pickle.UnpicklingError) as info:
        torch.load(tmp_path / "m.pt")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Weights only load failed")
    assert class_name(Counted) in message and class_name(Counted).endswith("test_serialization_modules.Counted")
    assert "tinygrad_rnn.serialization.add_safe_globals([Counted])" in message
    assert "tinygrad_rnn.serialization.safe_globals([Counted])" in message
    assert Counted.built == before  # refused before its constructor ran
    assert "or pass weights_only=False" in message


def test_weights_only_false_constructs_the_module_classes_the_program_has_imported(tmp_path):
    # PyTorch's whole-model round trip (word_language_model: torch.save(model, f); torch.load(f, weights_only=False))
    model = Wrapper(Encoder(3), 2)
    torch.save(model, tmp_path / "m.pt")
    again = torch.load(tmp_path / "m.pt", weights_only=False)
    assert type(again) is Wrapper and type(again.encoder) is Encoder
    assert_same_state(model, again)
    assert serialization.get_safe_globals() == []  # trusted for that one load only
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "m.pt")  # the default still refuses


def test_weights_only_false_never_imports_a_module_or_builds_a_non_module(tmp_path, monkeypatch):
    torch.save(Counted(2), tmp_path / "m.pt")
    name = class_name(Counted)
    assert imported_classes([name, "builtins.dict", "os.path.join"], nn.Module) == [(Counted, name)]
    # as if the saved class lived in a module this program never imported
    monkeypatch.setattr(Counted, "__module__", "a_module_nobody_imported")
    torch.save(Counted(2), tmp_path / "elsewhere.pt")
    with pytest.raises(pickle.UnpicklingError, match="this program has not imported; define or import Counted"):
        torch.load(tmp_path / "elsewhere.pt", weights_only=False)
    assert "a_module_nobody_imported" not in sys.modules


class _Trap:
    """An object whose attribute access runs code: a class name in a file must not reach it."""
    ran = False

    @property
    def inner(self):
        _Trap.ran = True
        return Counted


TRAP = _Trap()
ALIAS = Counted


def test_weights_only_false_follows_a_name_through_modules_and_classes_only(tmp_path):
    here = __name__
    assert imported_classes([f"{here}.TRAP.inner.Counted"], nn.Module) == [] and not _Trap.ran  # no code ran
    assert imported_classes([f"{here}.ALIAS"], nn.Module) == []  # an alias is not the class's own name
    assert imported_classes([f"{here}._Trap"], nn.Module) == []


def test_every_user_class_of_the_model_must_be_allowed_and_all_are_named(tmp_path):
    torch.save(Wrapper(Encoder(3), 2), tmp_path / "m.pt")
    with pytest.raises(serialization.UnsafeClassError, match=r"add_safe_globals\(\[Wrapper, Encoder\]\)"):
        torch.load(tmp_path / "m.pt")
    with serialization.safe_globals([Wrapper]):
        with pytest.raises(pickle.UnpicklingError, match=class_name(Encoder).replace(".", r"\.")):
            torch.load(tmp_path / "m.pt")


def test_safe_globals_allows_inside_the_block_only_and_restores_what_was_there(tmp_path):
    torch.save(Counted(2), tmp_path / "m.pt")
    with serialization.safe_globals([Counted]):
        assert Counted in serialization.get_safe_globals()
        assert type(torch.load(tmp_path / "m.pt")) is Counted
        with serialization.safe_globals([Net]):  # nested blocks
            assert type(torch.load(tmp_path / "m.pt")) is Counted
        assert serialization.get_safe_globals() == [Counted]
    assert serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "m.pt")
    serialization.add_safe_globals([Counted])
    with serialization.safe_globals([Counted]):
        pass
    assert type(torch.load(tmp_path / "m.pt")) is Counted  # a block does not drop what add_safe_globals allowed
    with pytest.raises(ZeroDivisionError):  # an exception in the block restores the list too
        with serialization.safe_globals([Net]):
            1 / 0
    assert serialization.get_safe_globals() == [Counted]


def test_add_get_clear_safe_globals_and_an_allowed_renamed_class(tmp_path):
    torch.save(Counted(2), tmp_path / "m.pt")
    serialization.add_safe_globals([Counted, Counted])
    assert serialization.get_safe_globals() == [Counted]
    assert type(torch.load(tmp_path / "m.pt")) is Counted
    serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "m.pt")
    # a class that moved or was renamed: allowed under the name the file records
    serialization.add_safe_globals([(Encoder, class_name(Counted))])
    assert type(torch.load(tmp_path / "m.pt")) is Encoder  # it builds the same tree, so the state fits
    with pytest.raises(TypeError, match="safe_globals takes classes"):
        serialization.add_safe_globals([len])
    with pytest.raises(TypeError, match="pair"):
        serialization.add_safe_globals([(Counted, 3)])


def test_a_file_naming_something_outside_tinygrad_rnn_is_refused_without_importing_it(tmp_path):
    torch.save(nn.Linear(2, 2), tmp_path / "m.pt")
    for name in ("os.system", "tinygrad_rnn.serialization.atomic_write", "tinygrad_rnn.nn.module.Parameter",
                 "tinygrad_rnn.no_such_module.X", "tinygrad_rnn.nn.__class__"):
        path = _rewrite_structure(tmp_path / "m.pt", lambda root: root["module"]["modules"][0].update(
            {"class": name}), tmp_path / "bad.pt")
        with pytest.raises(pickle.UnpicklingError, match=name.replace(".", r"\.")):
            torch.load(path)


# ---- what cannot be saved, and files that no longer fit ------------------------------------------------------
@pytest.mark.parametrize("thing, where, kind", [
    (torch.ones(2, 3), "'thing'", "tinygrad_rnn.Tensor"),
    (np.ones((2, 3)), "'thing'", "numpy.ndarray"),
    (np.tanh, "'thing'", "numpy.ufunc"),
    (lambda x: x, "'thing'", "function"),
    ({1, 2}, "'thing'", "set"),
    ([1, {"a": (2, object())}], "'thing'[1]['a'][1]", "object"),
])
def test_an_argument_a_file_cannot_record_fails_at_save_time_naming_it(tmp_path, thing, where, kind):
    model = TakesAnything(2, thing=thing)
    with pytest.raises(TypeError) as info:
        torch.save({"model": model}, tmp_path / "m.pt")
    message = str(info.value)
    assert "\n" not in message and "['model']" in message and "TakesAnything" in message
    assert f"argument {where}, a {kind}," in message and "state_dict()" in message
    assert os.listdir(tmp_path) == []


def test_an_unrecordable_argument_of_an_inner_module_is_not_needed_and_saves(tmp_path):
    model = BuildsLossWithTensorWeight(3)
    torch.save(model, tmp_path / "m.pt")
    with serialization.safe_globals([BuildsLossWithTensorWeight]):
        assert_same_state(model, torch.load(tmp_path / "m.pt"))


def test_a_module_argument_that_is_not_part_of_the_model_fails_at_save_time(tmp_path):
    model = Wrapper(Encoder(3), 2)
    model.encoder = Encoder(3)  # the encoder given to the constructor is no longer in the model
    with pytest.raises(TypeError, match="argument 'encoder', a Encoder that is not a submodule of the saved model"):
        torch.save(model, tmp_path / "m.pt")


def test_a_model_changed_after_construction_is_refused_at_load_naming_the_change(tmp_path):
    model = Net(5, 3)
    model.added = nn.Linear(3, 3)
    torch.save(model, tmp_path / "m.pt")
    with serialization.safe_globals([Net]), pytest.raises(ValueError) as info:
        torch.load(tmp_path / "m.pt")
    message = str(info.value)
    assert "\n" not in message and "'added' (Linear) that Net(5, 3) does not build" in message
    assert "state_dict()" in message


def test_a_class_whose_code_changed_since_saving_is_refused_naming_the_difference(tmp_path):
    torch.save(Encoder(3), tmp_path / "m.pt")
    changed = type("Encoder", (nn.Module,), {"__init__": lambda self, size: (
        nn.Module.__init__(self), setattr(self, "lin", nn.Linear(size, size + 1)))[0]})
    with serialization.safe_globals([(changed, class_name(Encoder))]), pytest.raises(ValueError) as info:
        torch.load(tmp_path / "m.pt")
    assert "submodule 'lin' was Linear(3, 3) when saved but Encoder(3) builds Linear(3, 4)" in str(info.value)
    swapped = type("Encoder", (nn.Module,), {"__init__": lambda self, size: (
        nn.Module.__init__(self), setattr(self, "lin", nn.Identity(size, size)))[0]})
    with serialization.safe_globals([(swapped, class_name(Encoder))]), pytest.raises(ValueError) as info:
        torch.load(tmp_path / "m.pt")
    assert "is a tinygrad_rnn.nn.linear.Linear in the file but Encoder(3) builds a tinygrad_rnn.nn.linear.Identity" \
        in str(info.value)


def test_a_file_whose_state_disagrees_with_the_model_is_refused(tmp_path):
    torch.save(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)), tmp_path / "m.pt")
    with zipfile.ZipFile(tmp_path / "m.pt") as zf:
        members = {n[:-4]: np.load(zf.open(n), allow_pickle=False) for n in zf.namelist()}
    members["0.weight"] = np.zeros((3, 5), np.float32)  # the state no longer fits Linear(2, 3)
    bad = tmp_path / "bad.pt"
    serialization.atomic_write(str(bad), lambda f: serialization._write_npz(f, members, False))
    with pytest.raises(ValueError, match=r"cannot load checkpoint .*bad\.pt.*the saved state does not fit the "
                                         r"Sequential.*0\.weight: shape \(3, 5\) in the state_dict"):
        torch.load(bad)


def _rewrite_structure(path, edit, out):
    with zipfile.ZipFile(path) as zf:
        members = {n[:-4]: np.load(zf.open(n), allow_pickle=False) for n in zf.namelist()}
    header = json.loads(members[STRUCTURE_KEY].tobytes())
    edit(header["root"])
    members[STRUCTURE_KEY] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    serialization.atomic_write(str(out), lambda f: serialization._write_npz(f, members, False))
    return out


@pytest.mark.parametrize("edit", [
    lambda root: root["module"].update(modules=[{"path": "x"}]),
    lambda root: root["module"]["modules"][0].update(children="no"),
    lambda root: root["module"]["modules"][0].update(args=[{"dtype": "not a dtype"}]),
    lambda root: root["module"]["modules"][0].update(args=[{"module": "nowhere"}]),
    lambda root: root["module"].pop("state"),
])
def test_a_corrupted_module_record_is_a_clear_valueerror(tmp_path, edit):
    torch.save(nn.Linear(2, 2), tmp_path / "m.pt")
    with pytest.raises(ValueError, match="cannot load checkpoint"):
        torch.load(_rewrite_structure(tmp_path / "m.pt", edit, tmp_path / "bad.pt"))


# ---- PyTorch as the oracle for the shape of the safety model -------------------------------------------------
if real_torch is not None:
    class TorchEncoder(real_torch.nn.Module):
        def __init__(self, size):
            super().__init__()
            self.lin = real_torch.nn.Linear(size, size)

    class TorchWrapper(real_torch.nn.Module):
        def __init__(self, size):
            super().__init__()
            self.encoder = TorchEncoder(size)


class OurWrapper(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.encoder = Encoder(size)


@needs_torch
def test_refusal_behaves_like_torchs_weights_only_load(tmp_path):
    """Same exception type, same user classes needed, same scoping of safe_globals. (Torch also refuses its own
    nn classes by default; tinygrad_rnn's own are allowed: they are the library, not the file's code.)"""
    real_torch.save(TorchWrapper(3), tmp_path / "t.pt")
    torch.save(OurWrapper(3), tmp_path / "o.pt")
    cases = [(real_torch, tmp_path / "t.pt", TorchWrapper, TorchEncoder, [real_torch.nn.Linear]),
             (torch, tmp_path / "o.pt", OurWrapper, Encoder, [])]
    outcomes = []
    for lib, path, outer, inner, library_classes in cases:
        def loads(allowed, lib=lib, path=path):
            try:
                with lib.serialization.safe_globals(allowed):
                    lib.load(path, weights_only=True)
                return "ok"
            except pickle.UnpicklingError:
                return "refused"

        outcomes.append((loads(library_classes), loads([outer] + library_classes),
                         loads([outer, inner] + library_classes), loads(library_classes)))
    assert outcomes[0] == outcomes[1] == ("refused", "refused", "ok", "refused")


def test_a_deep_copied_model_keeps_its_constructor_call_and_round_trips(tmp_path):
    import copy

    model = copy.deepcopy(Wrapper(Encoder(3), 2))
    torch.save(model, tmp_path / "m.pt")
    with serialization.safe_globals([Wrapper, Encoder]):
        assert_same_state(model, torch.load(tmp_path / "m.pt"))
