"""Pure-numpy kernels for whole-sequence LSTM and GRU layers: forward and hand-derived BPTT.

Same layout and equations as PyTorch (and as the per-step composition in :mod:`tinygrad_rnn.nn.rnn_cells`,
which the tests compare against): gates i,f,g,o (LSTM) and r,z,n (GRU) stacked along the first
axis of ``W_ih (G*H, I)``, ``W_hh (G*H, H)``, ``b_ih``/``b_hh (G*H,)``; x ``(T, B, I)``, states
``(B, H)`` (None = zeros).

Speed notes: the input projection of all steps is one matmul (a gather for a ``OneHotInput``); each
time step is about ten numpy calls on preallocated buffers, forward and backward. One ``tanh`` call
activates every LSTM gate of a step (the GRU's r and z): sigmoid(a) = 0.5 tanh(a / 2) + 0.5, the
factor 1/2 folded into the sigmoid gates' weights and biases once per call (exact: a power of two), so
the projection already holds a / 2; one multiply and one add per step (by per-column vectors, 1 and 0
on the tanh gate) finish the sigmoids. Saturated gates get the exact limits 0 and 1 (tanh = +-1). With
numpy's SIMD float32 ``tanh`` this is 2-3x cheaper per step than the equivalent through ``exp`` (exp,
add, divide: measured at B=32..50, H=100..256; the same in float64). The factors of the backward
that do not depend on the running gradient are computed for all steps at once, in place in one
(T, B, 4H) buffer that the loop then turns into the gates' gradient (one broadcast multiply for the
three LSTM gates driven by dc). The weight gradients are one matmul over all steps (for the LSTM one
for both weights: ``dA^T [x | h_prev]``, the two gradients returned as views of its result: the engine
copies a leaf's gradient anyway, and a copy here costs a second allocation of the weights' size). The
matrix products alone (``benchmarks/rnn_layer.py``'s "floor") are 70-85% of the time at B >= 32.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .scatter import column_sums, scatter_add_columns

__all__ = ["OneHotInput", "lstm_forward", "lstm_backward", "gru_forward", "gru_backward"]


@dataclass(frozen=True)
class OneHotInput:
    """The one-hot vectors of ``ids`` (T, B) over ``size`` classes, as a layer input ``x`` (T, B, size)
    that is never built: its input projection is a gather of W_ih's columns, and W_ih's gradient a
    scatter-add into the columns used (a char model's first layer). It has no gradient of its own."""

    ids: np.ndarray
    size: int

    @property
    def shape(self) -> tuple[int, int, int]:
        T, B = self.ids.shape
        return (T, B, self.size)


_scratch_pool = threading.local()  # per thread: {(role, dtype): flat buffer}, see _scratch


def _scratch(role: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous ``shape`` array for a temporary that never leaves one kernel call
    (the backward's gate factors, the [x | h_prev] operand, the scaled weight copies), reused from call to
    call: one flat buffer per ``role`` and dtype and thread, grown when too small, never shrunk.

    Why: a fresh temporary of a few hundred KB or more is fresh memory from the OS on most calls (the
    allocator returns the freed top of its heap), and the first write to each 4 KB page is a page fault:
    measured ~600 faults per LSTM backward at T=25 B=32 H=100 before, about 1.4 µs each on this machine,
    a sixth of the backward. Distinct roles never alias; a kernel never calls out while it holds one, so
    the same thread cannot reuse a role before the call is done; threads have their own buffers.
    """
    pool = getattr(_scratch_pool, "buffers", None)
    if pool is None:
        pool = _scratch_pool.buffers = {}
    n = 1
    for d in shape:
        n *= d
    key = (role, np.dtype(dtype))
    buf = pool.get(key)
    if buf is None or buf.size < n:
        buf = pool[key] = np.empty(n, dtype=dtype)
    return buf[:n].reshape(shape)


def _dtype(x, w_ih: np.ndarray, w_hh: np.ndarray) -> np.dtype:
    return np.result_type(w_ih, w_hh) if isinstance(x, OneHotInput) else np.result_type(x, w_ih, w_hh)


def _project(x: np.ndarray, w_ih: np.ndarray, bias: np.ndarray | None, out: np.ndarray,
             scale: np.ndarray) -> None:
    """out (T, B, G) = (x W_ih^T + bias) * scale (per column), one matmul for every step.

    The scale goes into a (I, G) copy of W_ih^T and into the bias, not over the (T, B, G) result.
    """
    T, B, I = x.shape
    out2 = out.reshape(T * B, out.shape[-1])
    w_t = _scaled_t(w_ih, scale, out.dtype, "w_ih_t")
    if isinstance(x, OneHotInput):
        np.take(w_t, x.ids.reshape(-1), axis=0, out=out2)
    else:
        np.dot(x.reshape(T * B, I), w_t, out=out2)
    if bias is not None:
        out += bias * scale


def _bias_sum(b_ih: np.ndarray | None, b_hh: np.ndarray | None) -> np.ndarray | None:
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else b_ih + b_hh


def _scaled_t(w: np.ndarray, scale: np.ndarray, dtype: np.dtype, role: str) -> np.ndarray:
    """C-contiguous (in, G) array w^T * scale (columns scaled) of a (G, in) weight, in scratch ``role``."""
    out = _scratch(role, (w.shape[1], w.shape[0]), dtype)
    np.multiply(w.T, scale, out=out)
    return out


def _gate_scale(gates: int, H: int, sigmoid_gates: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Per-column factor (gates*H,): 0.5 on ``sigmoid_gates`` (sigmoid(a) = 0.5 tanh(a / 2) + 0.5), 1
    elsewhere. The same vector is the multiplier that turns tanh(a / 2) into 0.5 tanh(a / 2); its
    complement ``1 - scale`` restricted to the sigmoid gates (0.5 there, 0 elsewhere) the addend."""
    scale = np.ones(gates * H, dtype=dtype)
    for k in sigmoid_gates:
        scale[k * H : (k + 1) * H] = 0.5
    return scale


def _input_and_weight_grads(
    d_in: np.ndarray, d_rec: np.ndarray, x: np.ndarray, hs: np.ndarray, h0: np.ndarray | None,
    w_ih: np.ndarray, need_x: bool, need_wih: bool, need_whh: bool,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """dx (T, B, I), dW_ih and dW_hh from the gradients of every step's input projection ``d_in`` and
    recurrent projection ``d_rec`` (T, B, G), each one matmul over all steps (None where not needed).

    When both projections have the same gradient (LSTM) and both weights need theirs, the two are one
    matmul ``d^T [x | h_prev]`` (one wide product runs faster than two narrow ones), and dW_ih, dW_hh are
    column views of its (G, I + H) result (not copied: copying into two new arrays measured 4-6x the
    product's own time at B = 1, from the allocations).
    """
    T, B, I = x.shape
    G = d_in.shape[2]
    H = hs.shape[2]
    d_in2 = d_in.reshape(T * B, G)
    one_hot = isinstance(x, OneHotInput)
    dx = None
    if need_x and not one_hot:
        # written into a fresh (T, B, I) array, not reshaped after: a leaf keeps an array that owns its memory
        # as its .grad, a view it copies
        dx = np.empty((T, B, I), dtype=d_in.dtype)
        np.dot(d_in2, w_ih, out=dx.reshape(T * B, I))
    if one_hot:
        dw_ih = scatter_add_columns(x.ids.reshape(-1), d_in2, I) if need_wih else None
    elif need_wih and need_whh and d_rec is d_in:
        xh = _scratch("xh", (T, B, I + H), d_in.dtype)
        xh[:, :, :I] = x
        xh[0, :, I:] = 0.0 if h0 is None else h0
        xh[1:, :, I:] = hs[:-1]
        dw = np.dot(d_in2.T, xh.reshape(T * B, I + H))
        return dx, dw[:, :I], dw[:, I:]
    else:
        dw_ih = np.dot(d_in2.T, x.reshape(T * B, I)) if need_wih else None
    dw_hh = None
    if need_whh:
        dw_hh = np.dot(d_rec[1:].reshape((T - 1) * B, G).T, hs[:-1].reshape((T - 1) * B, H))
        if h0 is not None:
            dw_hh += np.dot(d_rec[0].T, h0)
    return dx, dw_ih, dw_hh


# ---- LSTM ---------------------------------------------------------------------------------------------
def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    c0: np.ndarray | None,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None = None,
    b_hh: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run an LSTM layer over all T steps.

    Returns ``(y, acts, tc)``: y ``(2, T, B, H)`` holds every hidden state (y[0]) and cell state
    (y[1]); acts ``(T, B, 4H)`` the activated gates i,f,g,o and tc ``(T, B, H)`` = tanh(c), both
    kept for :func:`lstm_backward`.
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    dtype = _dtype(x, w_ih, w_hh)
    half = _gate_scale(4, H, (0, 1, 3), dtype)  # 0.5 on i, f, o: the projection holds a / 2 there
    acts = np.empty((T, B, 4 * H), dtype=dtype)
    _project(x, w_ih, _bias_sum(b_ih, b_hh), acts, half)
    w_hh_t = _scaled_t(w_hh, half, dtype, "w_hh_t")
    offset = 1.0 - half  # + 0.5 on i, f, o; + 0 on g, tanh(a) as it is
    y = np.empty((2, T, B, H), dtype=dtype)
    tc = np.empty((T, B, H), dtype=dtype)
    dot, add, mul, tanh = np.dot, np.add, np.multiply, np.tanh
    A, HS, CS, TC = list(acts), list(y[0]), list(y[1]), list(tc)
    I_, F_, G_, O_ = (list(acts[:, :, k * H : (k + 1) * H]) for k in range(4))
    rec = np.empty((B, 4 * H), dtype=dtype)
    tmp = np.empty((B, H), dtype=dtype)
    h_prev, c_prev = h0, c0
    for t in range(T):
        a = A[t]
        if h_prev is not None:
            dot(h_prev, w_hh_t, rec)
            add(a, rec, a)
        tanh(a, a)
        mul(a, half, a)
        add(a, offset, a)
        g = G_[t]
        c = CS[t]
        if c_prev is not None:
            mul(F_[t], c_prev, c)
            mul(I_[t], g, tmp)
            add(c, tmp, c)
        else:
            mul(I_[t], g, c)
        tanh(c, TC[t])
        mul(O_[t], TC[t], HS[t])
        h_prev, c_prev = HS[t], c
    return y, acts, tc


def lstm_backward(
    grad_y: np.ndarray,
    x: np.ndarray,
    h0: np.ndarray | None,
    c0: np.ndarray | None,
    y: np.ndarray,
    acts: np.ndarray,
    tc: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    has_bias: bool = True,
    needs: tuple[bool, ...] = (True,) * 6,
) -> tuple[np.ndarray | None, ...]:
    """BPTT for :func:`lstm_forward`; ``grad_y`` ``(2, T, B, H)`` is the upstream gradient of ``y``.

    ``needs`` = which of (dx, dh0, dc0, dW_ih, dW_hh, db) to compute. Returns those six (None where
    not needed, or where h0/c0 was None; db is the gradient of each bias).
    """
    need_x, need_h0, need_c0, need_wih, need_whh, need_b = needs
    need_h0 = need_h0 and h0 is not None
    need_c0 = need_c0 and c0 is not None
    T, B, _ = x.shape
    H = w_hh.shape[1]
    dtype = y.dtype
    hs, cs = y[0], y[1]
    d_hs, d_cs = grad_y[0], grad_y[1]
    i, f, g, o = (acts[:, :, k * H : (k + 1) * H] for k in range(4))
    mul, sub = np.multiply, np.subtract
    # k (T, B, 4H): the factor of each gate's pre-activation gradient, for all steps at once, in place;
    # the loop multiplies it by dc (gates i, f, g) or dh (gate o), turning it into dA
    # over all 4H columns, g's included (overwritten next): one contiguous pass measured faster than
    # three strided ones over i, f and o alone
    k = sub(1.0, acts, out=_scratch("k", acts.shape, dtype))
    mul(k, acts, k)  # s (1 - s) on i, f, o
    k_i, k_f, k_g, k_o = (k[:, :, j * H : (j + 1) * H] for j in range(4))
    mul(g, g, k_g)
    sub(1.0, k_g, k_g)
    mul(k_g, i, k_g)  # dA_g = dc * i (1 - g^2)
    mul(k_i, g, k_i)  # dA_i = dc * g i (1 - i)
    mul(k_f[1:], cs[:-1], k_f[1:])  # dA_f = dc * c_prev f (1 - f)
    if c0 is None:
        k_f[0] = 0.0
    else:
        mul(k_f[0], c0, k_f[0])
    mul(k_o, tc, k_o)  # dA_o = dh * tanh(c) o (1 - o)
    k_c = mul(tc, tc, out=_scratch("k_c", tc.shape, dtype))
    sub(1.0, k_c, k_c)
    mul(k_c, o, k_c)  # dc += dh * o (1 - tanh(c)^2)
    KIFG = [s.reshape(B, 3, H) for s in k[:, :, : 3 * H]]
    KO, KC, F_ = list(k_o), list(k_c), list(f)
    DHS, DA = list(d_hs), list(k)
    c_steps = d_cs.reshape(T, -1).any(axis=1)  # usually only c_n's gradient, often none at all
    DCS = list(d_cs)
    dot, add = np.dot, np.add
    carry_h = np.zeros((B, H), dtype=dtype)
    carry_c = np.zeros((B, H), dtype=dtype)
    dh = np.empty((B, H), dtype=dtype)
    dc = np.empty((B, H), dtype=dtype)
    dc3 = dc.reshape(B, 1, H)
    for t in range(T - 1, -1, -1):
        add(DHS[t], carry_h, dh)
        mul(dh, KC[t], dc)
        add(dc, carry_c, dc)
        if c_steps[t]:
            add(dc, DCS[t], dc)
        kifg = KIFG[t]
        mul(kifg, dc3, kifg)
        mul(KO[t], dh, KO[t])
        if t > 0 or need_c0:
            mul(dc, F_[t], carry_c)
        if t > 0 or need_h0:
            dot(DA[t], w_hh, carry_h)
    dx, dw_ih, dw_hh = _input_and_weight_grads(k, k, x, hs, h0, w_ih, need_x, need_wih, need_whh)
    db = k.reshape(T * B, 4 * H).sum(axis=0) if need_b and has_bias else None
    return dx, (carry_h if need_h0 else None), (carry_c if need_c0 else None), dw_ih, dw_hh, db


# ---- GRU ----------------------------------------------------------------------------------------------
# The GRU keeps its gates gate-major, acts (3, T, B, H): each gate's block of a step is one contiguous
# (B, H) array. In the (T, B, 3H) layout of the projections' natural output a gate is a strided (B, H)
# slice, and a ufunc over it measured 3-4x a contiguous one at B = 32-50, H = 256 (1.5 µs per strided
# operand on top of a 1.4 µs op); the forward's ~11 elementwise calls per step all read or write gate
# slices. The projections write each gate's block directly: one matmul per gate with that gate's
# (H, in) rows of the weight as the transposed operand (numpy hands the view to BLAS; three (B, H) x (H, H)
# products per step measured the same as one (B, H) x (H, 3H)). The backward keeps the (T, B, 3H) layout
# for its gradients: their products (the per-step dA W_hh, dx, the weight gradients dA^T [x or h_prev])
# want the gates side by side in a row, and a padded or strided operand of the transposed weight-gradient
# product measured 20-100% slower than a contiguous one.
def _gru_project(x, w_ih: np.ndarray, bias: np.ndarray | None, out: np.ndarray) -> None:
    """out (3, T, B, H) = x W_ih^T + bias gate-major, r and z halved (sigmoid(a) = 0.5 tanh(a / 2) + 0.5):
    per gate one matmul over every step (a gather for a ``OneHotInput``) into its contiguous block; ``bias``
    (3H,) or None."""
    _, T, B, H = out.shape
    dtype = out.dtype
    flat = out.reshape(3, T * B, H)
    w3 = w_ih.reshape(3, H, w_ih.shape[1])  # each gate's (H, I) rows
    if isinstance(x, OneHotInput):
        # the gather reads rows: per gate a (I, H) table W_k^T, scaled
        wt = _scratch("w_ih_t", (3, w_ih.shape[1], H), dtype)
        np.multiply(w3.transpose(0, 2, 1), np.array([0.5, 0.5, 1.0], dtype=dtype).reshape(3, 1, 1), out=wt)
        ids = x.ids.reshape(-1)
        for k in range(3):
            np.take(wt[k], ids, axis=0, out=flat[k])
    else:
        x2 = x.reshape(T * B, x.shape[2])
        w_rz = np.multiply(w3[:2], 0.5, out=_scratch("w_ih_rz", (2, H, w_ih.shape[1]), dtype))
        for k, w in enumerate((w_rz[0], w_rz[1], w3[2].astype(dtype, copy=False))):
            np.dot(x2, w.T, out=flat[k])
    if bias is not None:
        out += (bias * _gate_scale(3, H, (0, 1), dtype)).reshape(3, 1, 1, H)


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None = None,
    b_hh: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run a GRU layer over all T steps.

    Returns ``(hs, acts, ghn)``: hs ``(T, B, H)`` every hidden state; acts ``(3, T, B, H)`` the
    activated gates r, z, n (gate-major) and ghn ``(T, B, H)`` = h W_hn^T + b_hn, kept for
    :func:`gru_backward`.
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    dtype = _dtype(x, w_ih, w_hh)
    # b_hh's r and z parts join the input projection's bias (both are added before the sigmoid); b_hn
    # stays in the loop, inside r * (h W_hn^T + b_hn)
    bias = None
    if b_ih is not None or b_hh is not None:
        bias = np.zeros(3 * H, dtype=dtype)
        if b_ih is not None:
            bias += b_ih
        if b_hh is not None:
            bias[: 2 * H] += b_hh[: 2 * H]
    b_hn = None if b_hh is None else b_hh[2 * H :].astype(dtype, copy=False)
    if B == 1:
        # a step's (1, 3H) row is gate-major already: the buffer is (T, 3, 1, H), one projection, and acts its
        # (3, T, 1, H) view; with the gates of a step adjacent, r and z of a step stay one contiguous block
        buf = np.empty((T, 3, 1, H), dtype=dtype)
        _project(x, w_ih, bias, buf.reshape(T, 1, 3 * H), _gate_scale(3, H, (0, 1), dtype))
        acts = buf.transpose(1, 0, 2, 3)
    else:
        acts = np.empty((3, T, B, H), dtype=dtype)
        _gru_project(x, w_ih, bias, acts)
    w_s = _scratch("w_hh_s", (3 * H, H), dtype)  # W_hh, r and z rows halved; used through .T views
    np.multiply(w_hh[: 2 * H], 0.5, out=w_s[: 2 * H])
    w_s[2 * H :] = w_hh[2 * H :]
    W_ALL, W_R, W_Z, W_N = w_s.T, w_s[:H].T, w_s[H : 2 * H].T, w_s[2 * H :].T
    ghn = np.empty((T, B, H), dtype=dtype)  # the n gate's product written in place, b_hn added
    hs = np.empty((T, B, H), dtype=dtype)
    dot, add, sub, mul, tanh = np.dot, np.add, np.subtract, np.multiply, np.tanh
    RZ = [acts[:2, t] for t in range(T)]  # (2, B, H): r and z of a step, each block contiguous
    R_, Z_, N_, GHN, HS = list(acts[0]), list(acts[1]), list(acts[2]), list(ghn), list(hs)
    tmp = np.empty((B, H), dtype=dtype)
    h_prev = np.zeros((B, H), dtype=dtype) if h0 is None else h0
    one_product = B == 1  # a (1, 3H) product is gate-major already: one call (per-call overhead dominates)
    g3 = np.empty((3, B, H), dtype=dtype)
    g_row = g3.reshape(B, 3 * H) if one_product else None
    g_rz = g3[:2]
    for t in range(T):
        ghn_t = GHN[t]
        if one_product:
            dot(h_prev, W_ALL, g_row)
            if b_hn is None:
                np.copyto(ghn_t, g3[2])
            else:
                add(g3[2], b_hn, ghn_t)
        else:
            dot(h_prev, W_R, g_rz[0])
            dot(h_prev, W_Z, g_rz[1])
            dot(h_prev, W_N, ghn_t)
            if b_hn is not None:
                add(ghn_t, b_hn, ghn_t)
        rz = RZ[t]
        add(rz, g_rz, rz)
        tanh(rz, rz)
        mul(rz, 0.5, rz)
        add(rz, 0.5, rz)
        n = N_[t]
        mul(R_[t], ghn_t, tmp)
        add(n, tmp, n)
        tanh(n, n)
        h = HS[t]
        sub(h_prev, n, tmp)
        mul(Z_[t], tmp, tmp)
        add(n, tmp, h)
        h_prev = h
    return hs, acts, ghn


_GRU_CHUNK = 32768  # elements of a (c, B, H) factor block in gru_backward: c = this // (B H) steps, at least 1


def gru_backward(
    grad_hs: np.ndarray,
    x: np.ndarray,
    h0: np.ndarray | None,
    hs: np.ndarray,
    acts: np.ndarray,
    ghn: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    has_bias: bool = True,
    needs: tuple[bool, ...] = (True,) * 6,
) -> tuple[np.ndarray | None, ...]:
    """BPTT for :func:`gru_forward`; ``grad_hs`` ``(T, B, H)``, ``acts`` ``(3, T, B, H)`` gate-major.

    ``needs`` = which of (dx, dh0, dW_ih, dW_hh, db_ih, db_hh) to compute; returns those six (None
    where not needed, or dh0 where h0 was None).
    """
    need_x, need_h0, need_wih, need_whh, need_bih, need_bhh = needs
    need_h0 = need_h0 and h0 is not None
    T, B, _ = x.shape
    H = w_hh.shape[1]
    dtype = hs.dtype
    r, z, n = acts  # (T, B, H) each, contiguous
    add, sub, mul, dot = np.add, np.subtract, np.multiply, np.dot
    d_gi = _scratch("d_gi", (T, B, 3 * H), dtype)  # gradient of x W_ih^T + b_ih per step
    d_gh = _scratch("d_gh", (T, B, 3 * H), dtype)  # gradient of h W_hh^T + b_hh per step
    DGI_N = list(d_gi[:, :, 2 * H :])
    DGH_R, DGH_Z, DGH_N = (list(d_gh[:, :, k * H : (k + 1) * H]) for k in range(3))
    DGH, DHS, R_, Z_ = list(d_gh), list(grad_hs), list(r), list(z)
    carry = np.zeros((B, H), dtype=dtype)
    dh = np.empty((B, H), dtype=dtype)
    rec = np.empty((B, H), dtype=dtype)
    # The factors of the running gradient that do not depend on it are computed a chunk of steps at a time
    # (a few passes over (c, B, H) blocks), just before the loop runs those steps: the loop then reads them
    # from cache. Computed for the whole sequence at once they were written to memory and read back, and
    # the loop, about ten (B, H) streams per step, measured memory-bound at B*H >= 8K.
    c = max(1, min(T, _GRU_CHUNK // (B * H)))
    k_z = _scratch("k_z", (c, B, H), dtype)  # dGI_z = dh * (h_prev - n) z (1 - z)
    one_z = _scratch("one_z", (c, B, H), dtype)
    k_n = _scratch("k_n", (c, B, H), dtype)  # dGI_n = dh * (1 - z) (1 - n^2)
    k_r = _scratch("k_r", (c, B, H), dtype)  # dGI_r = dGI_n * ghn r (1 - r)
    for t1 in range(T, 0, -c):
        t0 = max(0, t1 - c)
        m = t1 - t0
        kz, oz, kn, kr = k_z[:m], one_z[:m], k_n[:m], k_r[:m]
        zc, nc, rc = z[t0:t1], n[t0:t1], r[t0:t1]
        if t0 == 0:
            kz[0] = 0.0 if h0 is None else h0
            sub(kz[0], nc[0], kz[0])
            sub(hs[: t1 - 1], nc[1:], kz[1:])
        else:
            sub(hs[t0 - 1 : t1 - 1], nc, kz)
        sub(1.0, zc, oz)
        mul(kz, zc, kz)
        mul(kz, oz, kz)
        mul(nc, nc, kn)
        sub(1.0, kn, kn)
        mul(kn, oz, kn)
        sub(1.0, rc, kr)
        mul(kr, rc, kr)
        mul(kr, ghn[t0:t1], kr)
        KN, KZ, KR = list(kn), list(kz), list(kr)
        for t in range(t1 - 1, t0 - 1, -1):
            j = t - t0
            add(DHS[t], carry, dh)
            dgi_n = DGI_N[t]
            mul(dh, KN[j], dgi_n)
            mul(dh, KZ[j], DGH_Z[t])
            mul(dgi_n, KR[j], DGH_R[t])
            mul(dgi_n, R_[t], DGH_N[t])
            if t > 0 or need_h0:
                mul(dh, Z_[t], carry)
                dot(DGH[t], w_hh, rec)
                add(carry, rec, carry)
        d_gi[t0:t1, :, : 2 * H] = d_gh[t0:t1, :, : 2 * H]  # r and z enter both projections alike (in cache)
    dx, dw_ih, dw_hh = _input_and_weight_grads(d_gi, d_gh, x, hs, h0, w_ih, need_x, need_wih, need_whh)
    db_ih = db_hh = None
    if has_bias and (need_bih or need_bhh):
        # r and z have the same gradient in both biases: one sum over d_gh, d_gi's n block the rest
        # (as products with a ones vector: numpy's reduction over the strided n block measured 3x slower)
        db_hh = column_sums(d_gh.reshape(T * B, 3 * H))
        if need_bih:
            db_ih = np.concatenate([db_hh[: 2 * H], column_sums(d_gi.reshape(T * B, 3 * H)[:, 2 * H :])])
        if not need_bhh:
            db_hh = None
    return dx, (carry if need_h0 else None), dw_ih, dw_hh, db_ih, db_hh
