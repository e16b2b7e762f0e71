"""``backward`` as PyTorch spells it (``gradient=``, ``inputs=``, ``torch.autograd.backward``), anomaly mode, and
the ``out=`` argument of the module-level functions, each against torch when it is installed."""
import numpy as np
import pytest

import tinygrad_rnn as tg

torch = pytest.importorskip("torch")


def both(fn):
    """``fn(lib)`` for torch and for tinygrad_rnn, as numpy arrays (None stays None)."""
    def arr(v):
        if v is None:
            return None
        v = v.detach().numpy() if isinstance(v, torch.Tensor) else v.data if isinstance(v, tg.Tensor) else v
        return np.asarray(v, dtype=np.float64)
    return [[arr(v) for v in fn(lib)] for lib in (torch, tg)]


def close_pairs(theirs, ours):
    for t, o in zip(theirs, ours):
        assert (t is None) == (o is None)
        if t is not None:
            np.testing.assert_allclose(o, t, rtol=1e-12)


def test_backward_takes_gradient_by_name_as_the_blitz_writes_it():
    def run(lib):
        x = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
        (3 * x ** 3).backward(gradient=lib.tensor([1.0, 0.5], dtype=lib.float64))
        return [x.grad]
    close_pairs(*both(run))


def test_backward_into_chosen_inputs_only_leaf_and_non_leaf():
    def run(lib):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        c = a * b
        (c * c).sum().backward(inputs=[a, c])
        d = (a * 5).sum()
        d.backward(inputs=a)  # accumulates into a.grad
        return [a.grad, b.grad, c.grad]
    close_pairs(*both(run))


def test_backward_inputs_refuses_what_torch_refuses():
    for lib in (torch, tg):
        a = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="cannot be empty"):
            (a * 2).sum().backward(inputs=[])
        with pytest.raises(RuntimeError):  # torch: "can't retain_grad on Tensor that has requires_grad=False"
            (a * 2).sum().backward(inputs=[lib.ones(2)])


def test_autograd_backward_of_several_tensors_sums_their_gradients():
    def run(lib):
        x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        y1, y2 = (x * 2).sum(), x * x
        lib.autograd.backward([y1, y2], [None, lib.tensor([1.0, 3.0], dtype=lib.float64)])
        z = lib.tensor([0.5, 0.25], dtype=lib.float64, requires_grad=True)
        lib.autograd.backward((z ** 2).sum())
        return [x.grad, z.grad]
    close_pairs(*both(run))


def test_anomaly_mode_names_the_node_that_returned_nan():
    messages = []
    for lib in (torch, tg):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            with lib.autograd.detect_anomaly():
                assert lib.is_anomaly_enabled()
                y = lib.sqrt(x) * 0
                with np.errstate(all="ignore"), pytest.raises(RuntimeError) as info:
                    (y / y).sum().backward()
                messages.append(str(info.value).splitlines()[0])
        assert not lib.is_anomaly_enabled()
        lib.autograd.set_detect_anomaly(True)
        assert lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        lib.autograd.set_detect_anomaly(False)
        with np.errstate(all="ignore"):
            y = lib.sqrt(lib.tensor([0.0, 1.0], requires_grad=True)) * 0
            (y / y).sum().backward()  # off: no check
    assert messages[0] == messages[1] == "Function 'DivBackward0' returned nan values in its 1th output."


def test_out_writes_into_the_given_tensor_as_torch():
    for lib in (torch, tg):
        a, b = lib.ones(2, 3), lib.full((3, 2), 2.0)
        y = lib.empty(2, 2)
        assert lib.matmul(a, b, out=y) is y
        np.testing.assert_array_equal(np.asarray(y.tolist()), np.full((2, 2), 6.0))
        z = lib.zeros(1)  # another shape: resized to the result's
        lib.mul(a, 3, out=z)
        assert tuple(z.shape) == (2, 3) and z.tolist() == [[3.0] * 3] * 2
        v, i = lib.zeros(2), lib.zeros(2, dtype=lib.long)
        lib.max(lib.tensor([[1.0, 5.0], [7.0, 2.0]]), 1, out=(v, i))
        assert v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0]
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.mul(lib.ones(2, requires_grad=True), 2, out=lib.zeros(2))
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            lib.mul(lib.ones(2), 1.5, out=lib.zeros(2, dtype=lib.long))
