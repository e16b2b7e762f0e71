"""Char-RNN training speed: the tinygrad_rnn CharRNN vs the numpy min-char-rnn loop, side by side.

    python benchmarks/char_rnn.py [--rounds 7] [--bpc-seconds 300 --bpc-config classic --bpc-config batch32]

Data: ../shared/data/pride-and-prejudice.txt (relative to the repository) when present, else a
generated text (a fixed random character Markov chain, so nothing is downloaded).

1. Classic configuration (hidden 100, chunk 25, batch 1, Adagrad lr 0.1, clip 5): ms per chunk of a
   full training iteration (forward, BPTT, clip, update) for
     * ours:      ``Trainer.step()`` — CharRNN (gather-RNN + fused output/cross-entropy) in float32,
                  flat-parameter Adagrad + clip_grad_value_
     * ours f64:  the same in float64 (the reference's precision)
     * reference: ``reference.train_step`` — the hand-derived numpy min-char-rnn (float64)
   The two alternate in rounds in one process; the best round of each is reported, and the ratio.
2. Throughput in characters/s: batch 32 tanh RNN, and LSTM at batch 1 and 32.
3. With ``--bpc-seconds S``: train each ``--bpc-config`` (classic, batch32, lstm-batch32) for S seconds
   of wall-clock time and report validation bits/char on the held-out last 10% of the text.

4. Gated char models vs PyTorch: a full training iteration (one-hot input, LSTM/GRU layers, linear
   decoder, summed cross-entropy averaged over the streams, backward, clip_grad_value_ 5, Adam) of
   ``Trainer.step()`` against the same model written in torch (the same one-hot input, nn.LSTM/GRU,
   nn.Linear, F.cross_entropy, clip_grad_value_, torch.optim.Adam), alternating rounds, medians.

Without ``--threads`` the script runs twice, with 1 and 2 BLAS threads (a subprocess each; numpy's BLAS
thread count is fixed when numpy is imported). With one thread times are CPU time of the process
(time.process_time: on a shared machine wall-clock time mostly measures the neighbours), with more they
are wall-clock time (waiting BLAS threads spin). The ratios are the figures that matter.
"""
from __future__ import annotations

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import blas_threads, clock_for, interleaved_rounds, machine_line  # noqa: E402

THREADS = blas_threads()  # before numpy is imported

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models.char_rnn import reference as ref  # noqa: E402
from models.char_rnn.train import TrainConfig, Trainer  # noqa: E402
from models.char_rnn.vocab import CharVocab  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pride-and-prejudice.txt"


def load_text() -> tuple[str, str]:
    if DATA.exists():
        return DATA.read_text(encoding="utf-8-sig"), str(DATA.resolve())
    rng = np.random.default_rng(0)
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz ,.\n'ETAOINS"))
    trans = rng.dirichlet(np.full(len(alphabet), 0.3), size=len(alphabet))
    cdf = trans.cumsum(1)
    i, out = 0, []
    u = rng.random(400_000)
    for x in u:
        i = min(int(np.searchsorted(cdf[i], x)), len(alphabet) - 1)
        out.append(alphabet[i])
    return "".join(out), "generated Markov-chain text (pride-and-prejudice.txt not found)"


CLOCK = clock_for(THREADS)


def time_per_call(fn, n: int) -> float:
    start = CLOCK()
    for _ in range(n):
        fn()
    return (CLOCK() - start) / n


def classic(text: str, rounds: int) -> None:
    T, H = 25, 100
    ours32 = Trainer(TrainConfig.preset("min-char-rnn"), text)
    ours64 = Trainer(TrainConfig.preset("min-char-rnn", dtype="float64"), text)
    vocab = CharVocab.from_text(text)
    data = vocab.encode(text).tolist()
    params = ref.init_params(vocab.size, H, np.random.default_rng(0))
    memory = {k: np.zeros_like(v) for k, v in params.items()}
    pos = {"p": 0, "h": np.zeros(H)}

    def ref_step():
        p = pos["p"]
        if p + T + 1 >= len(data):
            p, pos["h"] = 0, np.zeros(H)
        _, pos["h"] = ref.train_step(data[p:p + T], data[p + 1:p + T + 1], pos["h"], params, memory)
        pos["p"] = p + T

    for fn in (ours32.step, ours64.step, ref_step):  # warm up
        time_per_call(fn, 20)
    t32, t64, tref = [], [], []
    for _ in range(rounds):
        t32.append(time_per_call(ours32.step, 400))
        t64.append(time_per_call(ours64.step, 400))
        tref.append(time_per_call(ref_step, 80))
    b32, b64, bref = min(t32), min(t64), min(tref)
    print(f"classic min-char-rnn config (H={H}, T={T}, batch 1, Adagrad, clip 5), V={vocab.size}:")
    print(f"  reference numpy loop (float64)   {bref * 1e3:7.3f} ms/chunk")
    print(f"  tinygrad_rnn CharRNN (float32)   {b32 * 1e3:7.3f} ms/chunk   {bref / b32:5.1f}x faster")
    print(f"  tinygrad_rnn CharRNN (float64)   {b64 * 1e3:7.3f} ms/chunk   {bref / b64:5.1f}x faster")
    print(f"  (median-round ratios: {np.median(tref) / np.median(t32):.1f}x float32, "
          f"{np.median(tref) / np.median(t64):.1f}x float64)")
    call = numpy_call_cost()
    floor, floor_calls = recurrence_floor(T, H, np.float32)
    print(f"  floor: the recurrence alone ({T} x (dot+add+tanh) forward, {T} x (add+mul+dot) backward, H={H} "
          f"float32, 1-D vectors, ndarray.dot): {floor * 1e6:.1f} µs/chunk; ours/floor = {b32 / floor:.2f} "
          f"(median {np.median(t32) / floor:.2f})")
    parts = step_floor_parts(T, H, vocab.size, ours32.flat.data.size, np.float32)
    whole = floor + sum(parts.values())
    print(f"  floor of the whole step: the recurrence {floor * 1e6:.1f} + " + " + ".join(
        f"{name} {t * 1e6:.1f}" for name, t in parts.items()) + f" = {whole * 1e6:.1f} µs/chunk: the reference is "
        f"{bref / whole:.1f}x that floor (so {bref / whole:.1f}x is the most any numpy implementation of this step "
        f"can reach here); ours = {b32 / whole:.2f}x the floor")
    named, c_calls = count_numpy_calls(ours32.step)
    print(f"  numpy calls in one Trainer.step() (float32), counted: {named + c_calls} = {named} calls of numpy "
          f"functions and ufuncs by name (np.dot, np.add(..., out=), ...) + {c_calls} numpy builtins and array "
          f"methods (a.dot, a.max, np.empty, ...), calls made inside numpy not counted again; NOT counted: in-place "
          f"operators and indexing (a += b, a[i] -= v, a[...] = x), which dispatch to ufuncs in C where no hook sees "
          f"them. The recurrence floor alone is {floor_calls} calls")
    print(f"  one numpy call on this machine (np.add(a, a, out=a), 100 float32): {call * 1e6:.2f} µs; a chunk costs "
          f"{b32 / call:,.0f} such calls (ours, float32) and {bref / call:,.0f} (reference); "
          f"{named + c_calls} calls x {call * 1e6:.2f} µs = {(named + c_calls) * call * 1e6:.0f} µs of the "
          f"{b32 * 1e6:.0f} µs")


def numpy_call_cost() -> float:
    """Seconds of the cheapest useful numpy call: the per-call floor every step of these loops pays."""
    a = np.zeros(100, dtype=np.float32)
    add = np.add

    def calls() -> None:
        for _ in range(1000):
            add(a, a, a)

    return min(time_per_call(calls, 20) for _ in range(5)) / 1000


def recurrence_floor(T: int, H: int, dtype) -> tuple[float, int]:
    """Seconds per chunk of the bare time loops (forward dot+add+tanh, backward add+mul+dot per step) at these
    sizes with the cheapest numpy calls, on values a trained tanh RNN sees; and the number of calls they make.
    Every RNN step needs these three calls in each direction, so no implementation on numpy does less."""
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((H, H)) / np.sqrt(H)).astype(dtype)
    x = rng.standard_normal((T, H)).astype(dtype)
    hs, g = np.empty((T, H), dtype), (0.1 * rng.standard_normal((T, H))).astype(dtype)
    rows, g_rows, da = list(hs), list(g), list(np.empty((T, H), dtype))
    rec, carry = np.empty(H, dtype), np.zeros(H, dtype)
    add, mul, tanh = np.add, np.multiply, np.tanh

    def loops() -> None:
        np.copyto(hs, x)
        prev = carry
        for cur in rows:  # forward: T x (dot, add, tanh)
            prev.dot(w, rec)
            add(cur, rec, cur)
            tanh(cur, cur)
            prev = cur
        c = carry
        for t in range(T - 1, -1, -1):  # backward: T x (add, mul, dot)
            add(g_rows[t], c, rec)
            mul(rows[t], rec, da[t])
            da[t].dot(w, rec)

    loops()
    return min(time_per_call(loops, 400) for _ in range(5)), 6 * T


def step_floor_parts(T: int, H: int, V: int, n_params: int, dtype) -> dict[str, float]:
    """Seconds per chunk of the rest of a training step at its least, each timed alone: the output layer's
    softmax and products (logits, their gradient's two products, the W_hh gradient) and the update passes
    over all ``n_params`` parameters (clip, and Adagrad's seven: g*g, G+=, +eps, sqrt, *lr, /, p+=)."""
    rng = np.random.default_rng(0)
    hs = rng.standard_normal((T, H)).astype(dtype)
    w_out = (0.01 * rng.standard_normal((V, H))).astype(dtype)
    logits, dh, dw_out, dw_hh = (np.empty(shape, dtype) for shape in ((T, V), (T, H), (V, H), (H, H)))
    flat = [np.abs(rng.standard_normal(n_params)).astype(dtype) for _ in range(4)]  # data, grad, G (> 0), tmp
    step = np.empty(n_params, dtype)

    def output_layer() -> None:
        np.dot(hs, w_out.T, out=logits)
        np.exp(logits, out=logits)
        np.dot(logits, w_out, out=dh)
        np.dot(logits.T, hs, out=dw_out)
        np.dot(dh.T, hs, out=dw_hh)

    def update() -> None:
        data, grad, total, tmp = flat
        np.clip(grad, -5.0, 5.0, out=grad)
        np.multiply(grad, grad, out=tmp)
        np.add(total, tmp, out=total)
        np.add(total, 1e-8, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.multiply(grad, -0.1, out=step)
        np.divide(step, tmp, out=step)
        np.add(data, step, out=data)

    parts = {}
    for name, fn in (("output layer", output_layer), ("clip + Adagrad", update)):
        fn()
        parts[name] = min(time_per_call(fn, 400) for _ in range(5))
    return parts


def count_numpy_calls(step) -> tuple[int, int]:
    """Run ``step()`` once and count its numpy calls: ``(named, c_calls)``.

    ``named``: calls of the ufuncs and numpy functions looked up as ``np.<name>`` at call time (replaced by
    counting wrappers for the run: np.add, np.dot, np.clip, np.ones, ...). ``c_calls``: ``sys.setprofile``
    c_call events of numpy builtins (array methods such as ``a.dot``/``a.max``, ufunc methods, np.empty) made
    from code outside numpy. Calls numpy makes internally are not counted again. Invisible to both: ufuncs
    dispatched by operators and indexing (``a += b``, ``a[i] -= v``).
    """
    import types

    numpy_dir = str(Path(np.__file__).resolve().parent)
    counts = {"named": 0, "c": 0}

    class Counted:
        def __init__(self, fn):
            self._fn = fn

        def __call__(self, *args, **kwargs):
            counts["named"] += 1
            return self._fn(*args, **kwargs)

        def __getattr__(self, name):  # np.add.reduce etc. reach the ufunc (and are seen as c_calls)
            return getattr(self._fn, name)

    def hook(frame, event, arg) -> None:
        if event != "c_call" or frame.f_code.co_filename.startswith(numpy_dir):
            return
        owner = getattr(arg, "__self__", None)
        if isinstance(owner, (np.ndarray, np.generic, np.ufunc)) or (
                isinstance(owner, types.ModuleType) and owner.__name__.startswith("numpy")):
            counts["c"] += 1

    originals = {}
    for name in dir(np):
        obj = getattr(np, name)
        if isinstance(obj, np.ufunc) or (callable(obj) and not isinstance(obj, type) and not isinstance(
                obj, types.BuiltinFunctionType) and getattr(obj, "__module__", "").startswith("numpy")):
            originals[name] = obj
    step()  # warm: buffers and caches as in the timed runs
    try:
        for name, obj in originals.items():
            setattr(np, name, Counted(obj))
        sys.setprofile(hook)
        step()
    finally:
        sys.setprofile(None)
        for name, obj in originals.items():
            setattr(np, name, obj)
    return counts["named"], counts["c"]


def throughput(text: str, label: str, rounds: int, **config) -> None:
    trainer = Trainer(TrainConfig.preset("min-char-rnn", **config), text)
    chars = trainer.config.seq_length * trainer.config.batch_size
    time_per_call(trainer.step, 5)
    n = max(5, int(2000 / trainer.config.batch_size))
    best = min(time_per_call(trainer.step, n) for _ in range(max(2, rounds // 2)))
    print(f"  {label:<34} {chars / best:>10,.0f} chars/s   ({best * 1e3:.2f} ms/iteration)")


def fixed_time_bpc(text: str, seconds: float, label: str, **config) -> None:
    """Train for ``seconds`` of wall-clock time, then report validation loss (last 10% of the text)."""
    trainer = Trainer(TrainConfig.preset("min-char-rnn", **config), text)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer.step()
    nats = trainer.evaluate()
    chars = trainer.iteration * trainer.config.seq_length * trainer.config.batch_size
    print(f"{label} trained {seconds:.0f} s: {trainer.iteration:,} iterations ({chars:,} characters), "
          f"validation {nats:.4f} nats/char = {nats / math.log(2):.4f} bits/char")


# (cell, hidden, layers, batch, seq_length): batch 1, 32 and 50 (128 x 2 x 50 x 50: char-rnn's earlier LSTM
# default, the reference); the last is the char-rnn default (TrainConfig(): GRU 192, 16 streams x 32)
GATED_CONFIGS = [("lstm", 100, 1, 1, 25), ("lstm", 100, 1, 32, 25), ("lstm", 128, 2, 50, 50), ("lstm", 256, 1, 32, 50),
                 ("gru", 100, 1, 1, 25), ("gru", 100, 1, 32, 25), ("gru", 128, 2, 50, 50), ("gru", 256, 1, 32, 50),
                 ("gru", 192, 1, 16, 32)]


def torch_char_step(torch, trainer: Trainer):
    """The trainer's model and step written in torch: one-hot input, nn.LSTM/GRU, nn.Linear, summed
    cross-entropy / batch, backward, clip_grad_value_, Adam. Same data stream, same starting weights."""
    cfg, model = trainer.config, trainer.model
    V = model.vocab_size
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cfg.cell](V, cfg.hidden_size, cfg.num_layers)
    layer.load_state_dict({k: torch.from_numpy(np.array(v, copy=True)) for k, v in model.rnn.state_dict().items()})
    decoder = torch.nn.Linear(cfg.hidden_size, V)
    decoder.load_state_dict({k: torch.from_numpy(np.array(v, copy=True)) for k, v in model.decoder.state_dict().items()})
    params = list(layer.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=cfg.lr)
    stream = trainer.stream
    eye = torch.eye(V)
    zeros = torch.zeros(cfg.num_layers, cfg.batch_size, cfg.hidden_size)
    state = {"s": (zeros, zeros) if cfg.cell == "lstm" else zeros}

    def step() -> None:
        chunk = stream.next_chunk()
        if chunk.reset:
            state["s"] = (zeros, zeros) if cfg.cell == "lstm" else zeros
        x = eye[torch.from_numpy(chunk.inputs)]
        out, new_state = layer(x, state["s"])
        logits = decoder(out).reshape(-1, V)
        loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(chunk.targets).reshape(-1), reduction="sum")
        loss = loss / cfg.batch_size
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, cfg.clip)
        opt.step()
        state["s"] = tuple(s.detach() for s in new_state) if cfg.cell == "lstm" else new_state.detach()

    return step


def gated_vs_torch(text: str, rounds: int) -> None:
    try:
        import torch
    except ImportError:
        print("gated char models vs PyTorch: torch not installed")
        return
    torch.set_num_threads(THREADS)
    print("gated char models, one training iteration (forward, BPTT, clip 5, Adam), float32, medians of "
          f"{rounds} alternating rounds:")
    print(f"  {'cell':>4} {'H':>4} {'L':>2} {'B':>3} {'T':>3} | {'ours ms':>8} {'torch ms':>8} | torch/ours")
    for cell, H, L, B, T in GATED_CONFIGS:
        config = TrainConfig(cell=cell, hidden_size=H, num_layers=L, batch_size=B, seq_length=T, optimizer="adam",
                             lr=2e-3, dropout=0.0)  # (the torch twin has no dropout: the same model both sides)
        ours = Trainer(config, text)
        theirs = torch_char_step(torch, Trainer(config, text))
        t_ours, t_torch = (float(np.median(r)) for r in interleaved_rounds([ours.step, theirs], rounds, clock=CLOCK))
        print(f"  {cell:>4} {H:>4} {L:>2} {B:>3} {T:>3} | {t_ours * 1e3:>8.2f} {t_torch * 1e3:>8.2f} | "
              f"{t_torch / t_ours:>10.2f}", flush=True)


BPC_CONFIGS = {
    "classic": {},
    "batch32": {"batch_size": 32},
    "lstm-batch32": {"cell": "lstm", "batch_size": 32, "optimizer": "adam", "lr": 2e-3},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bpc-seconds", type=float, default=0.0,
                        help="train each --bpc-config this long and report validation bits/char")
    parser.add_argument("--bpc-config", action="append", choices=sorted(BPC_CONFIGS),
                        help="configurations for --bpc-seconds (default: classic)")
    parser.add_argument("--skip-speed", action="store_true", help="only the --bpc-seconds runs")
    parser.add_argument("--sections", default="classic,throughput,gated",
                        help="comma-separated subset of classic,throughput,gated (the speed sections)")
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS threads (default: run with 1 and with 2)")
    args = parser.parse_args()
    text, source = load_text()
    sections = set(args.sections.split(","))
    print(f"data: {source} ({len(text):,} characters); " + machine_line(THREADS))
    if not args.skip_speed:
        if "classic" in sections:
            classic(text, args.rounds)
        if "throughput" in sections:
            print("throughput (float32, Adagrad, clip 5):")
            throughput(text, "tanh RNN H=100, T=25, batch 1", args.rounds)
            throughput(text, "tanh RNN H=100, T=25, batch 32", args.rounds, batch_size=32)
            throughput(text, "LSTM H=100, T=25, batch 1", args.rounds, cell="lstm")
            throughput(text, "LSTM H=100, T=25, batch 32", args.rounds, cell="lstm", batch_size=32)
        if "gated" in sections:
            gated_vs_torch(text, args.rounds)
    if args.bpc_seconds > 0:
        for name in args.bpc_config or ["classic"]:
            fixed_time_bpc(text, args.bpc_seconds, name, **BPC_CONFIGS[name])


if __name__ == "__main__":
    main()
