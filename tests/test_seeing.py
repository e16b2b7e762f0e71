"""Seeing the model: the baselines against their closed forms, the surprisal view, and gradient flow against
hand-written Jacobian products and finite differences; then the commands (char-rnn eval/gradflow, word-rnn
eval/score --tokens/gradflow) on tiny models."""
import lzma
import math
import random

import numpy as np
import pytest

from models.char_rnn import cli as char_cli
from models.char_rnn import gradflow as char_gf
from models.char_rnn.checkpoint import load_checkpoint as load_char
from models.char_rnn.checkpoint import model_from_checkpoint
from models.char_rnn.data import eval_streams
from models.char_rnn.model import CharRNN
from models.common import gradflow as gf
from models.common.baselines import bigram_nats, lzma_bits_per_char, unigram_nats
from models.common.surprisal import (
    legend,
    render_characters,
    token_table,
    top_k_positions,
)
from models.word_rnn import cli as word_cli
from models.word_rnn import gradflow as word_gf
from models.word_rnn.model import WordRNNLM
from tinygrad_rnn import Tensor, nn, no_grad


# ------------------------------------------------------------------------------------------ baselines
def test_unigram_is_add_one_closed_form():
    # counts of 0,1,2 in the training ids: 2, 1, 0 -> p = 3/6, 2/6, 1/6
    got = unigram_nats(np.array([0, 0, 1]), np.array([0, 2, 2]), 3)
    assert got == pytest.approx(-(math.log(3 / 6) + 2 * math.log(1 / 6)) / 3, rel=1e-12)


def test_bigram_is_witten_bell_closed_form():
    # pairs (0,1) (1,1) (1,2); predicted unigram counts 0:0 1:2 2:1 -> p_uni = 1/6, 3/6, 2/6
    # c(0)=1 with 1 follower, c(1)=2 with 2 followers, 2 never a context
    p10 = (1 + 1 * 3 / 6) / (1 + 1)
    p21 = (1 + 2 * 2 / 6) / (2 + 2)
    p02 = 1 / 6  # unseen context: the unigram
    p01 = (0 + 2 * 1 / 6) / (2 + 2)  # unseen pair after a seen context
    got = bigram_nats([np.array([0, 1, 1, 2])], [np.array([0, 1]), np.array([1, 2, 0]), np.array([1, 0])], 3)
    want = -(math.log(p10) + math.log(p21) + math.log(p02) + math.log(p01)) / 4
    assert got == pytest.approx(want, rel=1e-12)


def test_bigram_distributions_sum_to_one():
    rng = np.random.default_rng(0)
    V = 7
    train = [rng.integers(0, V - 1, size=n) for n in (9, 5, 12)]  # symbol V-1 never occurs
    for v in range(V):
        total = sum(math.exp(-bigram_nats(train, [np.array([v, w])], V)) for w in range(V))
        assert total == pytest.approx(1.0, abs=1e-12)


def test_lzma_bits_per_char():
    text = "abcabcabc" * 500
    assert lzma_bits_per_char(text) == 8 * len(lzma.compress(text.encode(), preset=9 | lzma.PRESET_EXTREME)) / len(text)
    rng = random.Random(0)
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5000))
    assert lzma_bits_per_char(text) < 0.5 < math.log2(26) - 0.5 < lzma_bits_per_char(noise)


# ------------------------------------------------------------------------------------------ surprisal
def test_top_k_and_token_table():
    assert top_k_positions([1.0, 5.0, 5.0, 0.5, 3.0], 3) == [1, 2, 4]
    table = token_table(["a", "b", "c"], [0.5, 2.0, 1.0], top=1, notes=["", "", "(as UNKNOWN_TOKEN)"]).splitlines()
    assert [line.split()[0] for line in table[1:]] == ["a", "b", "c"]
    assert table[2].endswith("<- most surprising #1") and "#" not in table[1] + table[3]
    assert "(as UNKNOWN_TOKEN)" in table[3]


def test_render_characters_brackets_and_colours():
    bits = [math.nan, 0.2, 7.0, 2.0, 9.0]
    plain = render_characters("ab\ncd", bits, ansi=False, mark_bits=6)
    assert plain == "ab[\u21b5]\nc[d]"
    coloured = render_characters("ab\ncd", bits, ansi=True)
    assert "\x1b[" in coloured and "[" not in coloured.replace("\x1b[", "")
    assert "6 bits" in legend(False, 6) and "\x1b[" in legend(True)


# ------------------------------------------------------------------------------------------ gradient flow
def _tiny_char(cell, layers=1, seed=0):
    model = CharRNN(5, 4, layers, cell, dtype=np.float64, init="pytorch", generator=np.random.default_rng(seed))
    if cell == "rnn":  # the frozen bias_hh stays zero; make the recurrence strong enough to matter
        model.rnn.weight_hh_l0.data *= 3
    return model


def _sequences(T=6, B=3, V=5, seed=1):
    ids = np.random.default_rng(seed).integers(0, V, size=(T + 1, B))
    return ids[:-1], ids[1:]


def _means(grads, K):
    """Mean norms per distance from {(t, b, s): gradient vector}."""
    sums, count = np.zeros(K + 1), np.zeros(K + 1)
    for (t, _b, s), g in grads.items():
        if t - s <= K:
            sums[t - s] += np.linalg.norm(g)
            count[t - s] += 1
    return sums / count, count


def test_tanh_rnn_matches_the_jacobian_product_in_numpy():
    model = _tiny_char("rnn")
    x, y = _sequences()
    T, B = x.shape
    r, d = model.rnn, model.decoder
    W_ih, W_hh, b = r.weight_ih_l0.data, r.weight_hh_l0.data, r.bias_ih_l0.data + r.bias_hh_l0.data
    grads = {}
    for bb in range(B):
        h, hs = np.zeros(4), []
        for t in range(T):
            h = np.tanh(W_ih[:, x[t, bb]] + W_hh @ h + b)
            hs.append(h)
        for t in range(T):
            z = d.weight.data @ hs[t] + d.bias.data
            p = np.exp(z - z.max())
            p /= p.sum()
            p[y[t, bb]] -= 1
            g = d.weight.data.T @ p  # dL_t/dh_t
            for s in range(t, -1, -1):
                grads[(t, bb, s)] = g
                g = W_hh.T @ ((1 - hs[s] ** 2) * g)  # through h_s = tanh(... + W_hh h_{s-1})
    K = T - 1
    mean, count = gf.gradient_flow(char_gf.unroll_for(model), char_gf.summed_loss_for(model), x, y, max_distance=K)
    want, want_count = _means(grads, K)
    np.testing.assert_array_equal(count, want_count)
    np.testing.assert_allclose(mean, want, rtol=1e-10)
    assert mean[-1] < mean[0]


def _finite_difference_grads(cells, emb, x, y, decoder, eps=1e-6):
    """{(t, b, s): dL_t/dh_s} by central differences: rerun the cells from step s with h_s (top layer) nudged."""
    T, B = x.shape

    def run(b, s_nudge, delta):
        states, tops = [None] * len(cells), []
        for t in range(T):
            inp = Tensor(emb[x[t, b]][None])
            for i, cell in enumerate(cells):
                states[i] = cell(inp, states[i])
                inp = states[i][0] if isinstance(cell, nn.LSTMCell) else states[i]
            if t == s_nudge:  # the top layer's h_s, the node whose gradient is measured
                inp = Tensor(inp.data + delta)
                top = cells[-1]
                states[-1] = (inp, states[-1][1]) if isinstance(top, nn.LSTMCell) else inp
            tops.append(inp.data[0])
        return tops

    def losses(tops, b):
        out = []
        for t, h in enumerate(tops):
            z = decoder.weight.data @ h + decoder.bias.data
            out.append(np.log(np.exp(z - z.max()).sum()) + z.max() - z[y[t, b]])
        return np.array(out)

    grads = {}
    with no_grad():
        for b in range(B):
            for s in range(T):
                H = cells[-1].hidden_size
                cols = []
                for i in range(H):
                    e = np.zeros(H)
                    e[i] = eps
                    cols.append((losses(run(b, s, e), b) - losses(run(b, s, -e), b)) / (2 * eps))
                J = np.stack(cols, 1)  # (T, H): row t = dL_t/dh_s
                for t in range(s, T):
                    grads[(t, b, s)] = J[t]
    return grads


@pytest.mark.parametrize("cell,layers", [("lstm", 1), ("gru", 2), ("rnn", 2)])
def test_gated_and_stacked_cells_match_finite_differences(cell, layers):
    model = _tiny_char(cell, layers)
    x, y = _sequences(T=5, B=2)
    K = 3
    mean, count = gf.gradient_flow(char_gf.unroll_for(model), char_gf.summed_loss_for(model), x, y, max_distance=K)
    grads = _finite_difference_grads(gf.cells_of(model.rnn), np.eye(5), x, y, model.decoder)
    want, want_count = _means(grads, K)
    np.testing.assert_array_equal(count, want_count)
    np.testing.assert_allclose(mean, want, rtol=1e-6)


def test_lengths_leave_out_padding():
    model = _tiny_char("gru")
    x, y = _sequences(T=6, B=2)
    unroll, loss = char_gf.unroll_for(model), char_gf.summed_loss_for(model)
    short, short_count = gf.gradient_flow(unroll, loss, x[:3, :1], y[:3, :1], max_distance=5)
    padded = x.copy()
    padded[3:, 0] = 0
    both, both_count = gf.gradient_flow(unroll, loss, padded, y, lengths=[3, 6], max_distance=5)
    alone, alone_count = gf.gradient_flow(unroll, loss, x[:, 1:], y[:, 1:], max_distance=5)
    np.testing.assert_array_equal(both_count, np.nan_to_num(short_count) + alone_count)
    k = np.arange(3)
    np.testing.assert_allclose(both[k] * both_count[k], short[k] * short_count[k] + alone[k] * alone_count[k], rtol=1e-10)
    assert short_count[3:].sum() == 0 and np.isnan(short[3:]).all()


@pytest.mark.parametrize("cell,layers", [("rnn", 1), ("rnn", 2), ("lstm", 2), ("gru", 1)])
def test_char_unroll_is_the_model(cell, layers):
    model = CharRNN(6, 5, layers, cell, init="pytorch", generator=np.random.default_rng(3))
    ids = np.random.default_rng(4).integers(0, 6, size=(7, 3))
    with no_grad():
        want = model.hidden_states(ids)[0].data
    got = np.stack([h.data for h in char_gf.unroll_for(model)(ids)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_word_unroll_is_the_model(cell):
    model = WordRNNLM(12, 5, None, cell, seed=2)
    ids = np.random.default_rng(5).integers(0, 12, size=(6, 2))
    with no_grad():
        want = model.hidden_states(ids)[0].data
    got = np.stack([h.data for h in word_gf.unroll_for(model)(ids)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("options", [{"num_layers": 2}, {"embedding_size": 3, "num_layers": 2},
                                     {"softmax": "class"}, {"softmax": "adaptive", "cutoffs": [4, 8]}])
def test_word_unroll_and_loss_of_other_layouts_are_the_model(options):
    model = WordRNNLM(12, 5, None, "rnn", seed=2, dtype=np.float64, **options)
    model.eval()
    ids = np.random.default_rng(5).integers(0, 12, size=(6, 2))
    targets = np.random.default_rng(6).integers(0, 12, size=(6, 2))
    with no_grad():
        want = model.hidden_states(ids)[0].data
    got = np.stack([h.data for h in word_gf.unroll_for(model)(ids)])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # the summed loss of the hidden states is the model's own per-token loss, and its gradient by h is the
    # central difference of that loss
    loss = word_gf.summed_loss_for(model)
    h = Tensor(want[2], requires_grad=True)
    value = loss(h, targets[2])
    np.testing.assert_allclose(value.item(), model.token_losses(ids, targets)[2].sum(), rtol=1e-10)
    value.backward()
    eps, fd = 1e-6, np.zeros_like(want[2])
    with no_grad():
        for idx in np.ndindex(*fd.shape):
            e = np.zeros_like(fd)
            e[idx] = eps
            fd[idx] = (loss(Tensor(want[2] + e), targets[2]).item() - loss(Tensor(want[2] - e), targets[2]).item()) / (2 * eps)
    np.testing.assert_allclose(h.grad, fd, rtol=1e-6, atol=1e-8)


def test_word_model_with_another_output_layer_is_refused():
    model = WordRNNLM(12, 5, None, "gru", seed=2)
    model.output = nn.Identity()
    with pytest.raises(gf.UnsupportedModel, match="output layer"):
        word_gf.unroll_for(model)


# ------------------------------------------------------------------------------------------ the commands
TEXT = ("The quick brown fox jumps over the lazy dog. " * 8 + "Pack my box with five dozen liquor jugs.\n") * 6
TINY = ["--hidden-size", "8", "--seq-length", "6", "--eval-every", "10", "--sample-every", "0", "--quiet",
        "--max-iters", "20"]


@pytest.fixture(scope="module")
def char_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("see")
    data = root / "text.txt"
    data.write_text(TEXT, encoding="utf-8")
    for cell in ("rnn", "lstm"):
        assert char_cli.main(["train", "--data", str(data), "--out", str(root / cell), "--cell", cell, *TINY]) == 0
    return root, data


def test_char_eval_reports_the_model_and_baselines(char_runs, tmp_path, capsys):
    root, _data = char_runs
    capsys.readouterr()
    other = tmp_path / "other.txt"
    other.write_text("The lazy dog — jumps over “the” fox.\n" * 3, encoding="utf-8")
    assert char_cli.main(["eval", "--checkpoint", str(root / "rnn" / "last.npz"), "--data", str(other),
                          "--show", "40", "--mark-bits", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    ckpt = load_char(root / "rnn" / "last.npz")
    model, vocab = model_from_checkpoint(ckpt)
    model.eval()  # eval reads the file at inference: no dropout
    known = "".join(c for c in other.read_text(encoding="utf-8") if c in vocab)
    streams = eval_streams(vocab.encode(known))
    with no_grad():
        h, _ = model.hidden_states(streams[:-1])
        nats = float(model.sequence_loss(h, streams[1:]).data) / streams[1:].size
    model_line = next(line for line in out if line.lstrip().startswith("model ("))
    assert f"{nats / math.log(2):.4f} bits/char" in model_line and f"{nats:.4f} nats/char" in model_line
    assert any("unigram, add-one, counted on the training text" in line for line in out)
    assert any(line.lstrip().startswith("lzma") for line in out)
    notes = [line for line in out if line.startswith("note:")]
    assert len(notes) == 1 and "3 distinct" in notes[0] and "'—'" in notes[0] and "skipped" in notes[0]
    assert "[h]" in out[out.index("--- the first 40 characters by surprisal ---") + 1]
    assert out[-1].startswith("--- surprisal: [x] = more than 0 bits")


def test_char_eval_refuses_mark_bits_without_show(char_runs, capsys):
    """--mark-bits is the threshold of --show's bracket marks: alone it would change nothing, silently."""
    root, data = char_runs
    capsys.readouterr()
    ckpt = str(root / "rnn" / "last.npz")
    assert char_cli.main(["eval", "--checkpoint", ckpt, "--data", str(data), "--mark-bits", "3"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --mark-bits") and "--show N" in lines[0], captured.err
    assert captured.out == ""
    assert char_cli.main(["eval", "--checkpoint", ckpt, "--data", str(data), "--mark-bits", "3", "--show", "5"]) == 0
    assert "more than 3 bits" in capsys.readouterr().out


def test_char_eval_without_the_training_text_says_so(char_runs, tmp_path, capsys):
    root, data = char_runs
    ckpt = tmp_path / "moved.npz"
    ckpt.write_bytes((root / "rnn" / "last.npz").read_bytes())
    from tinygrad_rnn import load, save
    payload = load(ckpt)
    payload["data_source"] = {"path": str(tmp_path / "gone.txt")}
    save(payload, ckpt)
    capsys.readouterr()
    assert char_cli.main(["eval", "--checkpoint", str(ckpt), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "counted on this file" in out and "is not there any more" in out


def test_char_gradflow_table_and_plot(char_runs, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    root, _data = char_runs
    png = tmp_path / "flow.png"
    capsys.readouterr()
    assert char_cli.main(["gradflow", "--checkpoint", str(root / "rnn" / "last.npz"), "--checkpoint",
                          str(root / "lstm" / "last.npz"), "--length", "12", "--sequences", "3",
                          "--max-distance", "8", "--plot", str(png)]) == 0
    out = capsys.readouterr().out.splitlines()
    head = out[1].split()
    assert head == ["k", "rnn", "(trained)", "rnn", "(fresh)", "lstm", "(trained)", "lstm", "(fresh)", "pairs"]
    rows = [line.split() for line in out[2:11]]
    assert [int(r[0]) for r in rows] == list(range(9))
    assert [int(r[-1]) for r in rows] == [3 * (12 - k) for k in range(9)]
    values = np.array([[float(v) for v in r[1:5]] for r in rows])
    assert (values > 0).all() and (values[-1] < values[0]).all()
    assert png.stat().st_size > 1000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv,problem", [(["--length", "0"], "--length"), (["--max-distance", "-1"], "--max-distance"),
                                          (["--length", "400"], "length² x sequences")])
def test_gradflow_bad_sizes_are_one_line(char_runs, capsys, argv, problem):
    root, _ = char_runs
    assert char_cli.main(["gradflow", "--checkpoint", str(root / "rnn" / "last.npz"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and problem in err[0]


def _word_text(n=80, seed=0):
    rng = random.Random(seed)
    subj, verb = ["The cat", "A dog", "My friend", "Mr. Smith"], ["saw", "liked", "found", "met"]
    obj = ["the garden", "a small house", "the river", "an old friend"]
    return "\n\n".join(f"{rng.choice(subj)} {rng.choice(verb)} {rng.choice(obj)} and {rng.choice(obj)}."
                       for _ in range(n))


@pytest.fixture(scope="module")
def word_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("see_word")
    data = root / "corpus.txt"
    data.write_text(_word_text(), encoding="utf-8")
    assert word_cli.main(["train", "--data", str(data), "--out", str(root / "m"), "--vocab-size", "30",
                          "--hidden-size", "8", "--quiet", "--lr", "0.05"]) == 0
    return root / "m" / "last.npz", data


def test_word_eval_prints_the_baselines(word_run, capsys):
    ckpt, data = word_run
    capsys.readouterr()
    assert word_cli.main(["eval", "--checkpoint", str(ckpt), "--data", str(data)]) == 0
    out = capsys.readouterr().out.splitlines()
    uni = next(line for line in out if "unigram, add-one (counted on the training sentences)" in line)
    bi = next(line for line in out if "bigram, Witten-Bell" in line)
    # a grammar of four slots: the bigram knows far more than the unigram
    assert float(bi.split("perplexity")[1].split()[0]) < float(uni.split("perplexity")[1].split()[0])


def test_word_score_tokens_marks_the_most_surprising(word_run, capsys):
    ckpt, _ = word_run
    capsys.readouterr()
    assert word_cli.main(["score", "--checkpoint", str(ckpt), "--tokens", "--top", "2",
                          "The cat saw the zebra."]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = out[out.index("    token         -log p (nats)") + 1:] if "    token         -log p (nats)" in out \
        else out[3:]
    assert [r.split()[0] for r in rows] == ["The", "cat", "saw", "the", "zebra", ".", "SENTENCE_END"]
    marked = [r for r in rows if "most surprising" in r]
    assert len(marked) == 2
    values = [float(r.split()[1]) for r in rows]
    assert sorted(values)[-2:] == sorted(float(r.split()[1]) for r in marked)
    assert "(as UNKNOWN_TOKEN)" in rows[4]
    assert sum(values) == pytest.approx(-float(out[1].split("log-prob")[1].split()[0]), abs=1e-2)


def test_word_gradflow_runs_on_the_training_sentences(word_run, capsys):
    ckpt, _ = word_run
    capsys.readouterr()
    assert word_cli.main(["gradflow", "--checkpoint", str(ckpt), "--max-distance", "5", "--sequences", "4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "of the training sentences" in out[0]
    rows = [line.split() for line in out[2:8]]
    assert [int(r[0]) for r in rows] == list(range(6)) and all(float(r[1]) > 0 for r in rows)


def test_word_eval_without_the_training_data_says_so(word_run, tmp_path, capsys):
    from tinygrad_rnn import load, save

    ckpt, data = word_run
    moved = tmp_path / "moved.npz"
    payload = load(ckpt)
    payload["settings"]["data"] = str(tmp_path / "gone.txt")
    save(payload, moved)
    capsys.readouterr()
    assert word_cli.main(["eval", "--checkpoint", str(moved), "--data", str(data)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("unigram, add-one (counted on these sentences)" in line for line in out)
    notes = [line for line in out if line.startswith("note:")]
    assert len(notes) == 1 and "is not there any more" in notes[0]
