"""Recurrent layers, forward + backward: fused op vs per-step composition vs PyTorch, in one process.

    python benchmarks/rnn_layer.py [--rounds 7] [--threads N] [--dtype float32] [--layers rnn,lstm,gru]
                                   [--sizes default|grid] [--composed]

Without ``--threads`` the script runs twice, with 1 and with 2 BLAS threads (a subprocess each: numpy's
BLAS thread count is fixed when numpy is imported), and torch gets the same count.

For each size (T, B, H, L) (input size I = H, L layers): x (T, B, I) and h0 (L, B, H) require grad,
the layer runs forward, then backward from a fixed random upstream gradient of the output; every
parameter gradient, dx and dh0 are computed. The implementations alternate in rounds; reported are the
median and the best round in µs per forward+backward, and torch/fused of the medians (> 1: ours faster).

* fused:    ``nn.LSTM(fused=True)`` — one autograd node per layer, hand-derived BPTT in numpy
* composed: ``nn.LSTM(fused=False)`` — one cell step of Tensor ops per time step (``--composed``)
* torch:    ``torch.nn.LSTM`` (if importable)
(likewise RNN and GRU)
* floor:    only the matrix products the layer must do, with numpy's BLAS: ``np.dot`` into preallocated
            buffers of the kernels' shapes and layouts, for every layer: the input projection of all T
            steps, T recurrent products h W_hh^T, T backward products dA W_hh, the weight gradients
            (LSTM: one ``dA^T [x | h_prev]``; GRU and RNN: ``dA_ih^T x`` and ``dA_hh^T h_prev``) and dx
            ``dA W_ih``. No activations, bias sums or copies: a numpy engine cannot go below it.
* torch mm: the same products with ``torch.mm(..., out=)`` (torch's GEMM without its fused RNN
            primitive): if torch's layer beats it, torch's advantage is the primitive, not the GEMM.

fused/floor is how far our layer is above the floor; torch/floor < 1 means torch's layer finishes before
numpy's BLAS could even do the products, so no numpy engine can match it at that size.
"""
from __future__ import annotations

from timing import blas_threads, clock_for, interleaved_rounds, machine_line  # benchmarks/timing.py

THREADS = blas_threads()  # before numpy is imported

import argparse  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_rnn import Tensor, manual_seed, nn  # noqa: E402

# (T, B, H, layers): batch 1, 32, 50; H 100-256; T 25-50; 1-2 layers; (50, 50, 128, 2) is char-rnn's
# default LSTM configuration
SIZES = {
    "default": [(25, 1, 100, 1), (25, 32, 100, 1), (50, 50, 128, 2), (50, 32, 256, 1), (25, 50, 256, 2),
                (50, 1, 256, 2)],
    "grid": [(T, B, H, L) for T in (25, 50) for B in (1, 32, 50) for H in (100, 128, 256) for L in (1, 2)],
}
LAYERS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def ours(kind: str, fused: bool, x0: np.ndarray, h00: np.ndarray, g: np.ndarray, L: int, state: dict,
         dtype) -> Callable[[], None]:
    T, B, H = g.shape
    layer = getattr(nn, LAYERS[kind])(x0.shape[2], H, L, fused=fused, dtype=dtype)
    layer.load_state_dict(state)

    def run() -> None:
        x = Tensor(x0, requires_grad=True)
        h0 = Tensor(h00, requires_grad=True)
        layer.zero_grad()
        out, _ = layer(x, (h0, h0) if kind == "lstm" else h0)
        out.backward(g)

    return run


def theirs(kind: str, torch, x0: np.ndarray, h00: np.ndarray, g: np.ndarray, L: int, state: dict) -> Callable[[], None]:
    T, B, H = g.shape
    layer = getattr(torch.nn, LAYERS[kind])(x0.shape[2], H, L).to(getattr(torch, str(x0.dtype)))
    layer.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    gt = torch.from_numpy(g)

    def run() -> None:
        x = torch.from_numpy(x0).requires_grad_()
        h0 = torch.from_numpy(h00).requires_grad_()
        layer.zero_grad(set_to_none=True)
        out, _ = layer(x, (h0, h0) if kind == "lstm" else h0)
        out.backward(gt)

    return run


def gemm_floor(kind: str, T: int, B: int, H: int, L: int, dtype, mm=None) -> Callable[[], None]:
    """Only the matrix products of ``L`` layers of ``kind`` forward + backward (input size H), each into a
    preallocated buffer: ``np.dot`` (numpy's BLAS), or ``torch.mm`` when ``mm`` is torch (its GEMM).

    Shapes and layouts are the kernels' (kernels.gated / kernels.rnn): x (T*B, I) times W_ih^T (I, G);
    per step h (B, H) times W_hh^T (H, G) and dA (B, G) times W_hh (G, H); the weight gradients as
    transposed views dA^T (G, T*B) times (T*B, in); dx = dA (T*B, G) times W_ih (G, I). Values are random
    (BLAS time does not depend on them).
    """
    G = {"rnn": 1, "lstm": 4, "gru": 3}[kind] * H
    I = H
    rng = np.random.default_rng(1)
    if mm is None:
        def new(*shape):
            return rng.standard_normal(shape).astype(dtype)

        def T_(a):
            return a.T

        def prod(a, b, out):
            np.dot(a, b, out=out)
    else:
        torch = mm

        def new(*shape):
            return torch.from_numpy(rng.standard_normal(shape).astype(dtype))

        def T_(a):
            return a.t()

        def prod(a, b, out):
            torch.mm(a, b, out=out)

    calls: list[tuple] = []
    for _ in range(L):
        x, w_ih_t, w_hh_t, w_ih, w_hh = new(T * B, I), new(I, G), new(H, G), new(G, I), new(G, H)
        calls.append((x, w_ih_t, new(T * B, G)))  # input projection of all steps
        hs, rec = new(T, B, H), new(T, B, G)
        calls += [(hs[t], w_hh_t, rec[t]) for t in range(T)]  # forward recurrence
        d_a, d_h = new(T, B, G), new(T, B, H)
        calls += [(d_a[t], w_hh, d_h[t]) for t in range(T)]  # backward recurrence
        d_a2 = d_a.reshape(T * B, G)
        if kind == "lstm":  # both weights' gradients in one product (the LSTM kernel's)
            calls.append((T_(d_a2), new(T * B, I + H), new(G, I + H)))
        else:
            calls.append((T_(new(T * B, G)), x, new(G, I)))
            calls.append((T_(d_a2), new(T * B, H), new(G, H)))
        calls.append((d_a2, w_ih, new(T * B, I)))  # dx

    def run() -> None:
        for a, b, out in calls:
            prod(a, b, out)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS and torch threads (default: run 1 and 2)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--layers", default="rnn,lstm,gru", help="comma-separated subset of rnn,lstm,gru")
    parser.add_argument("--sizes", choices=sorted(SIZES), default="default")
    parser.add_argument("--composed", action="store_true", help="also time the per-step composition (slow)")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    kinds = [k for k in args.layers.split(",") if k]
    if any(k not in LAYERS for k in kinds):
        parser.error(f"--layers takes a comma-separated subset of {','.join(LAYERS)}, got {args.layers!r}")
    print(f"layer forward + backward (dx, dh0, all weights), {args.dtype}, {args.rounds} alternating rounds; "
          + machine_line(args.threads) + ("" if torch else "; torch not installed"))
    header = (f"{'layer':>5} {'T':>3} {'B':>3} {'H':>4} {'L':>2} | {'fused µs':>17} {'torch µs':>17} "
              f"{'composed µs':>12} | {'torch/fused':>11} {'composed/fused':>14} | {'floor µs':>8} "
              f"{'torch mm':>8} | {'fused/floor':>11} {'torch/floor':>11} {'torch/mm':>8}")
    print(header + "\n" + " " * 23 + "|  median    best    median    best" + " " * 44 + "|   (GEMMs only)")
    print("-" * len(header))
    clock = clock_for(args.threads)
    for kind, (T, B, H, L) in ((k, size) for k in kinds for size in SIZES[args.sizes]):
        rng = np.random.default_rng(0)
        x0 = rng.standard_normal((T, B, H)).astype(dtype)
        h00 = rng.standard_normal((L, B, H)).astype(dtype) * 0.1
        g = rng.standard_normal((T, B, H)).astype(dtype)
        manual_seed(0)
        state = getattr(nn, LAYERS[kind])(H, H, L, dtype=dtype).state_arrays()
        fns = [ours(kind, True, x0, h00, g, L, state, dtype)]
        if torch:
            fns.append(theirs(kind, torch, x0, h00, g, L, state))
        if args.composed:
            fns.append(ours(kind, False, x0, h00, g, L, state, dtype))
        fns.append(gemm_floor(kind, T, B, H, L, dtype))
        if torch:
            fns.append(gemm_floor(kind, T, B, H, L, dtype, mm=torch))
        rounds = interleaved_rounds(fns, args.rounds, clock=clock)
        med = [float(np.median(r)) for r in rounds]
        best = [min(r) for r in rounds]
        nan = float("nan")
        t_torch = (med[1], best[1]) if torch else (nan, nan)
        t_comp = med[2 if torch else 1] if args.composed else nan
        t_floor, t_mm = (med[-2], med[-1]) if torch else (med[-1], nan)
        print(f"{kind:>5} {T:>3} {B:>3} {H:>4} {L:>2} | {med[0] * 1e6:>8.0f} {best[0] * 1e6:>8.0f} "
              f"{t_torch[0] * 1e6:>8.0f} {t_torch[1] * 1e6:>8.0f} {t_comp * 1e6:>12.0f} | "
              f"{t_torch[0] / med[0]:>11.2f} {t_comp / med[0]:>14.2f} | {t_floor * 1e6:>8.0f} {t_mm * 1e6:>8.0f} | "
              f"{med[0] / t_floor:>11.2f} {t_torch[0] / t_floor:>11.2f} {t_torch[0] / t_mm:>8.2f}", flush=True)
    print("ratios > 1 mean the fused op is faster (ratios of medians); floor = numpy's BLAS doing only the "
          "layer's matrix products, torch mm = the same with torch.mm; fused/floor > 1 is our time above the "
          "floor, torch/floor < 1 means torch's layer beats numpy's BLAS on the products alone")


if __name__ == "__main__":
    main()
