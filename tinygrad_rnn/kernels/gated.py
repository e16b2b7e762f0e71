"""Pure-numpy kernels for whole-sequence LSTM and GRU layers: forward and hand-derived BPTT.

Same layout and equations as PyTorch (and as the per-step composition in :mod:`tinygrad_rnn.nn.rnn_cells`,
which the tests compare against): gates i,f,g,o (LSTM) and r,z,n (GRU) stacked along the first
axis of ``W_ih (G*H, I)``, ``W_hh (G*H, H)``, ``b_ih``/``b_hh (G*H,)``; x ``(T, B, I)``, states
``(B, H)`` (None = zeros).

Speed notes: the input projection of all steps is one matmul; each time step is about ten numpy
calls on preallocated buffers, forward and backward. Sigmoid is evaluated as
``0.5 * tanh(0.5 * a) + 0.5`` (exact identity, no overflow) so that a single ``tanh`` call activates
every gate of a step: the sigmoid gates' pre-activations are pre-scaled by 0.5 (weights once per
call, input projection once for all steps), then one multiply-add by per-column constants maps
tanh to sigmoid on those columns and leaves the tanh gate as is. Every factor the backward needs
that does not depend on the running gradient is computed for all steps at once before its loop.
"""
from __future__ import annotations

import numpy as np

__all__ = ["lstm_forward", "lstm_backward", "gru_forward", "gru_backward"]


def _project(x: np.ndarray, w_ih: np.ndarray, bias: np.ndarray | None, out: np.ndarray) -> None:
    """out (T, B, G) = x W_ih^T + bias, one matmul for every step."""
    T, B, I = x.shape
    np.dot(x.reshape(T * B, I), w_ih.T, out=out.reshape(T * B, out.shape[-1]))
    if bias is not None:
        out += bias


def _bias_sum(b_ih: np.ndarray | None, b_hh: np.ndarray | None) -> np.ndarray | None:
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else b_ih + b_hh


def _scaled_t(w_hh: np.ndarray, scale: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """C-contiguous (H, G) array W_hh^T * scale (columns scaled)."""
    out = np.empty((w_hh.shape[1], w_hh.shape[0]), dtype=dtype)
    np.multiply(w_hh.T, scale, out=out)
    return out


def _prev(h0: np.ndarray | None, hs: np.ndarray) -> np.ndarray:
    """The state entering every step: (T, B, H) = [h0, hs[0], ..., hs[T-2]] (zeros for a missing h0)."""
    prev = np.empty_like(hs)
    prev[0] = 0.0 if h0 is None else h0
    prev[1:] = hs[:-1]
    return prev


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
    dtype = np.result_type(x, w_ih, w_hh)
    scale = np.full(4 * H, 0.5, dtype=dtype)
    scale[2 * H : 3 * H] = 1.0
    offset = np.full(4 * H, 0.5, dtype=dtype)
    offset[2 * H : 3 * H] = 0.0
    acts = np.empty((T, B, 4 * H), dtype=dtype)
    _project(x, w_ih, _bias_sum(b_ih, b_hh), acts)
    acts *= scale
    w_hh_t = _scaled_t(w_hh, scale, dtype)
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
        mul(a, scale, a)
        add(a, offset, a)
        c = CS[t]
        if c_prev is not None:
            mul(F_[t], c_prev, c)
            mul(I_[t], G_[t], tmp)
            add(c, tmp, c)
        else:
            mul(I_[t], G_[t], c)
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
    T, B, I = x.shape
    H = w_hh.shape[1]
    dtype = y.dtype
    hs, cs = y[0], y[1]
    d_hs, d_cs = grad_y[0], grad_y[1]
    i, f, g, o = (acts[:, :, k * H : (k + 1) * H] for k in range(4))
    # factors of the running gradient, for all steps at once
    k_o = o * (1.0 - o) * tc  # dA_o = dh * k_o
    k_c = o * (1.0 - tc * tc)  # dc += dh * k_c
    k_i = g * i * (1.0 - i)  # dA_i = dc * k_i
    k_g = i * (1.0 - g * g)  # dA_g = dc * k_g
    c_prev = _prev(c0, cs)
    k_f = c_prev * f * (1.0 - f)  # dA_f = dc * k_f
    f_steps = list(np.ascontiguousarray(f))
    KO, KC, KI, KG, KF = list(k_o), list(k_c), list(k_i), list(k_g), list(k_f)
    dA = np.empty((T, B, 4 * H), dtype=dtype)  # gradient of the gate pre-activations
    DA = list(dA)
    DI, DF, DG, DO = (list(dA[:, :, k * H : (k + 1) * H]) for k in range(4))
    DHS = list(d_hs)
    DCS = list(d_cs) if d_cs.any() else None  # usually only c_n's gradient, often none at all
    dot, add, mul = np.dot, np.add, np.multiply
    carry_h = np.zeros((B, H), dtype=dtype)
    carry_c = np.zeros((B, H), dtype=dtype)
    dh = np.empty((B, H), dtype=dtype)
    dc = np.empty((B, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        add(DHS[t], carry_h, dh)
        mul(dh, KO[t], DO[t])
        mul(dh, KC[t], dc)
        add(dc, carry_c, dc)
        if DCS is not None:
            add(dc, DCS[t], dc)
        mul(dc, KI[t], DI[t])
        mul(dc, KG[t], DG[t])
        mul(dc, KF[t], DF[t])
        mul(dc, f_steps[t], carry_c)
        if t > 0 or need_h0:
            dot(DA[t], w_hh, carry_h)
    dA2 = dA.reshape(T * B, 4 * H)
    dx = np.dot(dA2, w_ih).reshape(T, B, I) if need_x else None
    dw_ih = np.dot(dA2.T, x.reshape(T * B, I)) if need_wih else None
    dw_hh = None
    if need_whh:
        dw_hh = np.dot(dA[1:].reshape((T - 1) * B, 4 * H).T, hs[:-1].reshape((T - 1) * B, H))
        if h0 is not None:
            dw_hh += np.dot(dA[0].T, h0)
    db = dA2.sum(axis=0) if need_b and has_bias else None
    return dx, (carry_h if need_h0 else None), (carry_c if need_c0 else None), dw_ih, dw_hh, db


# ---- GRU ----------------------------------------------------------------------------------------------
def gru_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None = None,
    b_hh: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run a GRU layer over all T steps.

    Returns ``(hs, acts, ghn)``: hs ``(T, B, H)`` every hidden state; acts ``(T, B, 3H)`` the
    activated gates r, z, n and ghn ``(T, B, H)`` = h W_hn^T + b_hn, kept for :func:`gru_backward`.
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    dtype = np.result_type(x, w_ih, w_hh)
    scale = np.full(3 * H, 0.5, dtype=dtype)
    scale[2 * H :] = 1.0
    acts = np.empty((T, B, 3 * H), dtype=dtype)
    _project(x, w_ih, b_ih, acts)
    acts *= scale  # r, z pre-scaled for the tanh form of sigmoid; n untouched
    w_hh_t = _scaled_t(w_hh, scale, dtype)
    b_hh_s = None if b_hh is None else b_hh * scale
    gh = np.empty((T, B, 3 * H), dtype=dtype)  # h W_hh^T + b_hh per step (r, z columns scaled)
    hs = np.empty((T, B, H), dtype=dtype)
    dot, add, sub, mul, tanh = np.dot, np.add, np.subtract, np.multiply, np.tanh
    GH, HS = list(gh), list(hs)
    RZ = list(acts[:, :, : 2 * H])
    R_ = list(acts[:, :, :H])
    Z_ = list(acts[:, :, H : 2 * H])
    N_ = list(acts[:, :, 2 * H :])
    GH_RZ = list(gh[:, :, : 2 * H])
    GH_N = list(gh[:, :, 2 * H :])
    tmp = np.empty((B, H), dtype=dtype)
    h_prev = np.zeros((B, H), dtype=dtype) if h0 is None else h0
    for t in range(T):
        if b_hh_s is not None:
            dot(h_prev, w_hh_t, GH[t])
            add(GH[t], b_hh_s, GH[t])
        else:
            dot(h_prev, w_hh_t, GH[t])
        rz = RZ[t]
        add(rz, GH_RZ[t], rz)
        tanh(rz, rz)
        mul(rz, 0.5, rz)
        add(rz, 0.5, rz)
        n = N_[t]
        mul(R_[t], GH_N[t], tmp)
        add(n, tmp, n)
        tanh(n, n)
        h = HS[t]
        sub(h_prev, n, tmp)
        mul(Z_[t], tmp, tmp)
        add(n, tmp, h)
        h_prev = h
    return hs, acts, np.ascontiguousarray(gh[:, :, 2 * H :])


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
    """BPTT for :func:`gru_forward`; ``grad_hs`` ``(T, B, H)``.

    ``needs`` = which of (dx, dh0, dW_ih, dW_hh, db_ih, db_hh) to compute; returns those six (None
    where not needed, or dh0 where h0 was None).
    """
    need_x, need_h0, need_wih, need_whh, need_bih, need_bhh = needs
    need_h0 = need_h0 and h0 is not None
    T, B, I = x.shape
    H = w_hh.shape[1]
    dtype = hs.dtype
    r, z, n = acts[:, :, :H], acts[:, :, H : 2 * H], acts[:, :, 2 * H :]
    h_prev = _prev(h0, hs)
    k_n = (1.0 - z) * (1.0 - n * n)  # dGI_n = dh * k_n
    k_z = (h_prev - n) * z * (1.0 - z)  # dGI_z = dh * k_z
    k_r = ghn * r * (1.0 - r)  # dGI_r = dGI_n * k_r
    KN, KZ, KR = list(k_n), list(k_z), list(k_r)
    R_, Z_ = list(np.ascontiguousarray(r)), list(np.ascontiguousarray(z))
    d_gi = np.empty((T, B, 3 * H), dtype=dtype)  # gradient of x W_ih^T + b_ih per step
    d_gh = np.empty((T, B, 3 * H), dtype=dtype)  # gradient of h W_hh^T + b_hh per step
    DGI_R, DGI_Z, DGI_N = (list(d_gi[:, :, k * H : (k + 1) * H]) for k in range(3))
    DGI_RZ, DGH_RZ = list(d_gi[:, :, : 2 * H]), list(d_gh[:, :, : 2 * H])
    DGH_N, DGH = list(d_gh[:, :, 2 * H :]), list(d_gh)
    DHS = list(grad_hs)
    dot, add, mul, copyto = np.dot, np.add, np.multiply, np.copyto
    carry = np.zeros((B, H), dtype=dtype)
    dh = np.empty((B, H), dtype=dtype)
    rec = np.empty((B, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        add(DHS[t], carry, dh)
        mul(dh, KN[t], DGI_N[t])
        mul(dh, KZ[t], DGI_Z[t])
        mul(DGI_N[t], KR[t], DGI_R[t])
        copyto(DGH_RZ[t], DGI_RZ[t])
        mul(DGI_N[t], R_[t], DGH_N[t])
        if t > 0 or need_h0:
            mul(dh, Z_[t], carry)
            dot(DGH[t], w_hh, rec)
            add(carry, rec, carry)
    gi2 = d_gi.reshape(T * B, 3 * H)
    gh2 = d_gh.reshape(T * B, 3 * H)
    dx = np.dot(gi2, w_ih).reshape(T, B, I) if need_x else None
    dw_ih = np.dot(gi2.T, x.reshape(T * B, I)) if need_wih else None
    dw_hh = np.dot(gh2.T, h_prev.reshape(T * B, H)) if need_whh else None
    db_ih = gi2.sum(axis=0) if need_bih and has_bias else None
    db_hh = gh2.sum(axis=0) if need_bhh and has_bias else None
    return dx, (carry if need_h0 else None), dw_ih, dw_hh, db_ih, db_hh
