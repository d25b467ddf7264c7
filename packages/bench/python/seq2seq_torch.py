#!/usr/bin/python3
"""PyTorch CPU peer for the whole-step translation workloads W5, W5F and W6 (issue 14).

One whole training step of cellstate's `@cellstate/seq2seq` model, mirrored op for op
(packages/seq2seq/src: seq2seq-model.ts, decoder.ts, attention.ts, encoder.ts,
stacked-lstm.ts, random.ts, train.ts): loss (shortlist or full softmax), backward,
clip_grad_norm_(1.0), Adam. It trains on the very batches the cellstate runner uses
(the JSON file packages/bench/src/whole-step/translate-data.ts writes), padded as
`makeBatch` pads them, one batch per step, cycling. Initial values and random draws
(dropout masks, teacher-forcing coins) are PyTorch's own; computation and shapes match.

One workload per process, one JSON line out, in the format of packages/bench/src/result.ts
(as bench_torch.py): {"workload","system","seq_per_s","ms","gflops","peak_rss_mb","status",
...details}. seq_per_s = sentence pairs per second; gflops = mean `step_flops` over the
batches / median step time.

usage: /usr/bin/python3 seq2seq_torch.py <W5|W5F|W6> [--system NAME] [--quick] [--batches FILE]
       /usr/bin/python3 seq2seq_torch.py --check      (self-check, prints ok / fail)
  --batches  default: <repo>/node_modules/.cache/cellstate-bench/<W5|W6>-batches.json (W5F
             reads W5's); regenerate with
             pnpm bench -- --workloads W5,W6 --no-peers --quick   (writes the batch files first)
env: TORCH_THREADS (default 1) -> torch.set_num_threads. Run it as the bench runs
     bench_torch.py: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
     OPENBLAS_NUM_THREADS=<threads> (torch.set_num_threads does not reach OpenBLAS in
     Debian's build); system names pytorch-openblas-1t (1 thread) and pytorch-openblas.
Timing: the rule of src/timing.ts (>= 2 warm-ups, median of >= 5 timed steps until 8 s;
--quick: 1 warm-up, 2 timed), as bench_common.py implements it.
"""
import copy
import json
import os
import random
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the runners
# The script's own directory is on sys.path (python3 <dir>/seq2seq_torch.py; infer_torch.py and
# crosscheck_cellstate.py import this file from the same directory).
from bench_common import (add_blas_note, blas_libs, emit, emit_not_importable, parse_options,  # noqa: E402
                          run_reporting_errors, runtime_info, set_threads, sig, time_it, timed_fields, timing_plan)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
CACHE_DIR = os.path.join(REPO_ROOT, "node_modules", ".cache", "cellstate-bench")
REGENERATE = "pnpm bench -- --workloads W5,W6 --no-peers --quick   (writes the batch files first)"

PAD_ID, BOS_ID, EOS_ID = 0, 2, 3

# packages/bench/src/whole-step/workloads.ts (TRANSLATE_WORKLOADS), mirrored.
_W5_DATA = dict(corpus="tatoeba", maxLength=12, vocabSize=8000, minFrequency=2, batchSize=64, batches=20, seed=11)
_W5_MODEL = dict(embeddingSize=128, hiddenSize=256, numLayers=1, attention="dot", dropout=0.1, tieEmbeddings=True, seed=1)
WORKLOADS = {
    "W5": dict(file="W5", data=_W5_DATA, model=_W5_MODEL, learningRate=2e-3, shortlist=2000, teacherForcing=1.0, clipNorm=1.0),
    "W5F": dict(file="W5", data=_W5_DATA, model=_W5_MODEL, learningRate=2e-3, shortlist=0, teacherForcing=1.0, clipNorm=1.0),
    "W6": dict(
        file="W6",
        data=dict(corpus="multi30k", maxLength=60, vocabSize=100000, minFrequency=2, batchSize=128, batches=6, seed=12),
        model=dict(embeddingSize=256, hiddenSize=512, numLayers=1, bidirectional=True, bridge="linear", attention="additive",
                   dropout=0.5, tieEmbeddings=False, seed=1),
        learningRate=1e-3, shortlist=0, teacherForcing=0.5, clipNorm=1.0,
    ),
}


def resolve_config(model, source_vocab, target_vocab):
    """Defaults of packages/seq2seq/src/config.ts `resolveConfig` (the subset the workloads use)."""
    bidirectional = model.get("bidirectional", False)
    H = model.get("hiddenSize", 256)
    requested = model.get("bridge")
    Hd = model.get("decoderHiddenSize", 2 * H if requested == "concat" else H)
    bridge = requested or ("linear" if bidirectional or Hd != H else "identity")
    c = dict(sourceVocabSize=source_vocab, targetVocabSize=target_vocab, embeddingSize=model.get("embeddingSize", 256),
             hiddenSize=H, decoderHiddenSize=Hd, numLayers=model.get("numLayers", 1), bidirectional=bidirectional,
             attention=model.get("attention", "dot"), bridge=bridge, dropout=model.get("dropout", 0.2),
             tieEmbeddings=model.get("tieEmbeddings", False), reverseSource=model.get("reverseSource", False))
    D = 2 if bidirectional else 1
    if c["attention"] == "dot" and D * H != Hd:
        raise ValueError("dot attention needs decoderHiddenSize = encoder output size")
    if bridge == "identity" and (D != 1 or H != Hd):
        raise ValueError("bridge 'identity' needs a unidirectional encoder and equal sizes")
    return c


def candidate_count(shortlist, V, pairs):
    """Columns of the output layer: V, or shortlist + the distinct batch target ids >= shortlist
    (<eos> = 3 and the padding 0 are below any real shortlist)."""
    if not (0 < shortlist < V):
        return V
    return shortlist + len({i for p in pairs for i in p["target"] if i >= shortlist})


def step_flops(w, pairs):
    """Useful matmul flops of one training step on one batch (forward x 3: forward + backward).

    w: a WORKLOADS entry with w["config"] = resolve_config(...); pairs: the batch's
    [{source, target}] id lists. With B pairs, S = max source length + 1 (<eos>), T = max
    target length + 1 (<bos>/<eos>), E embedding, He encoder hidden per direction, D
    directions, K = D*He (attention memory), Hd decoder hidden, L layers, C output columns
    (`candidate_count`: the shortlist plus the batch's ids above it, or the vocabulary):

      encoder LSTM    sum_l D * 2*4He*(I_l + He) * S*B      I_0 = E, I_l = D*He (padded steps counted)
      bridge (linear) 2 * L * 2*(D*He)*Hd * B               h and c
      decoder LSTM    sum_l 2*4Hd*(I_l + Hd) * T*B          I_0 = E (+ K for additive), I_l = Hd
      attention dot   2 * 2*B*T*S*K                         scores q.k, context w.v
          additive    2*B*S*K*Hd  (key projection, once) + 2*B*T*Hd*Hd (query projection)
                      + 2*B*T*S*Hd (v^T tanh(.)) + 2*B*T*S*K (context)
          general     2*B*S*K*Hd (key projection) + 2 * 2*B*T*S*K
      combine         2*B*T*(K + Hd)*Hd
      projection      2*B*T*Hd*E                            tied output with Hd != E
      output layer    2*B*T*W*C                             W = E tied, Hd untied

    Elementwise work (gates, tanh, softmax, dropout, Adam, the clipping norm) is not counted.
    """
    c = w["config"]
    B = len(pairs)
    S = max(len(p["source"]) for p in pairs) + 1
    T = max(len(p["target"]) for p in pairs) + 1
    E, He, Hd, L = c["embeddingSize"], c["hiddenSize"], c["decoderHiddenSize"], c["numLayers"]
    D = 2 if c["bidirectional"] else 1
    K = D * He
    att = c["attention"]
    f = 0
    for l in range(L):
        f += D * 2 * 4 * He * ((E if l == 0 else D * He) + He) * S * B
    if c["bridge"] == "linear":
        f += 2 * L * 2 * K * Hd * B
    for l in range(L):
        inp = (E + (K if att == "additive" else 0)) if l == 0 else Hd
        f += 2 * 4 * Hd * (inp + Hd) * T * B
    if att == "dot":
        f += 2 * 2 * B * T * S * K
    elif att == "general":
        f += 2 * B * S * K * Hd + 2 * 2 * B * T * S * K
    elif att == "additive":
        f += 2 * B * S * K * Hd + 2 * B * T * Hd * Hd + 2 * B * T * S * Hd + 2 * B * T * S * K
    if att != "none":
        f += 2 * B * T * (K + Hd) * Hd
    tied = c["tieEmbeddings"]
    if tied and Hd != E:
        f += 2 * B * T * Hd * E
    f += 2 * B * T * (E if tied else Hd) * candidate_count(w["shortlist"], c["targetVocabSize"], pairs)
    return 3 * f


def load_batches(wid, path):
    """The batch file of workload `wid`; checks that it was made for the workload's data spec."""
    w = WORKLOADS[wid]
    path = path or os.path.join(CACHE_DIR, f"{w['file']}-batches.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} not found; write it with: {REGENERATE}")
    with open(path) as f:
        data = json.load(f)
    spec = data.get("spec")
    if spec is not None and spec != w["data"]:
        raise ValueError(f"{path} was made for spec {spec}, not {w['data']}; regenerate it with: {REGENERATE}")
    return data, path


def build(torch):
    """The model classes (defined here so that the module imports without torch)."""
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class Batch:
        """makeBatch (packages/seq2seq/src/batch.ts): time-major int64 [S, B] / [T, B], pad 0."""

        def __init__(self, pairs, reverse_source=False):
            B = len(pairs)
            sources = [(list(reversed(p["source"])) if reverse_source else list(p["source"])) + [EOS_ID] for p in pairs]
            S = max(1, *(len(s) for s in sources))
            T = max(1, *(len(p["target"]) + 1 for p in pairs))
            src = torch.zeros(S, B, dtype=torch.long)
            tin = torch.zeros(T, B, dtype=torch.long)
            tout = torch.zeros(T, B, dtype=torch.long)
            for b, (s, p) in enumerate(zip(sources, pairs)):
                y = p["target"]
                src[: len(s), b] = torch.tensor(s)
                tin[0, b] = BOS_ID
                tin[1 : len(y) + 1, b] = torch.tensor(y, dtype=torch.long)
                tout[: len(y), b] = torch.tensor(y, dtype=torch.long)
                tout[len(y), b] = EOS_ID
            self.source, self.target_in, self.target_out = src, tin, tout
            self.source_lengths = torch.tensor([len(s) for s in sources], dtype=torch.long)  # CPU int64, for packing
            self.size = B
            self.target_tokens = sum(len(p["target"]) + 1 for p in pairs)

    def dropout(x, p, on):
        """random.ts `dropout`: inverted dropout, identity when off or p = 0."""
        return F.dropout(x, p, training=True) if on and p > 0 else x

    class StackedLstm(nn.Module):
        """stacked-lstm.ts: single-layer nn.LSTMs, dropout between layers; state [L*D, B, H]."""

        def __init__(self, input_size, hidden, layers, bidirectional, p):
            super().__init__()
            self.D = 2 if bidirectional else 1
            self.H = hidden
            self.p = p
            self.layers = []
            for l in range(layers):  # named layer<l>.weight_ih_l0, ... as cellstate names them
                lstm = nn.LSTM(input_size if l == 0 else hidden * self.D, hidden, bidirectional=bidirectional)
                self.add_module(f"layer{l}", lstm)
                self.layers.append(lstm)

        def forward(self, x, state=None, lengths=None, on=False):
            """x [T, B, I]. With `lengths` (CPU int64 [B]): packed, so padded outputs are 0 and the
            final states are each sample's last real step (reverse: starts there)."""
            T = x.shape[0]
            D = self.D
            hs, cs = [], []
            inp = x
            for l, lstm in enumerate(self.layers):
                if l > 0:
                    inp = dropout(inp, self.p, on)
                st = None if state is None else (state[0][l * D:(l + 1) * D], state[1][l * D:(l + 1) * D])
                if lengths is not None:
                    packed = pack_padded_sequence(inp, lengths, enforce_sorted=False)
                    out, (h, c) = lstm(packed, st)
                    inp, _ = pad_packed_sequence(out, total_length=T)
                else:
                    inp, (h, c) = lstm(inp, st)
                hs.append(h)
                cs.append(c)
            return inp, (hs[0] if len(hs) == 1 else torch.cat(hs, 0)), (cs[0] if len(cs) == 1 else torch.cat(cs, 0))

        def step(self, x, state, on):
            """One step of a unidirectional stack: x [B, I], state ([h_l], [c_l]) -> top h, new state."""
            hs, cs = [], []
            inp = x
            for l, lstm in enumerate(self.layers):
                if l > 0:
                    inp = dropout(inp, self.p, on)
                h, c = torch.lstm_cell(inp, (state[0][l], state[1][l]), lstm.weight_ih_l0, lstm.weight_hh_l0,
                                       lstm.bias_ih_l0, lstm.bias_hh_l0)
                hs.append(h)
                cs.append(c)
                inp = h
            return inp, (hs, cs)

    class Attention(nn.Module):
        """attention.ts: dot / general / additive, padding masked with -1e9 before the softmax."""

        def __init__(self, kind, Q, K):
            super().__init__()
            self.kind = kind
            if kind == "general":
                self.W = nn.Linear(K, Q, bias=False)
            if kind == "additive":
                self.query = nn.Linear(Q, Q, bias=False)
                self.key = nn.Linear(K, Q)
                self.v = nn.Linear(Q, 1, bias=False)

        def prepare(self, values, mask):
            keys = self.W(values) if self.kind == "general" else self.key(values) if self.kind == "additive" else values
            return dict(values=values, keys=keys, mask=mask)

        def attend(self, query, memory):
            """query [B, T, Q] -> context [B, T, K], weights [B, T, S]."""
            if self.kind != "additive":
                scores = torch.matmul(query, memory["keys"].transpose(1, 2))
            else:
                B, T = query.shape[0], query.shape[1]
                S = memory["keys"].shape[1]
                q = self.query(query).unsqueeze(2)  # [B, T, 1, A]
                k = memory["keys"].unsqueeze(1)  # [B, 1, S, A]
                scores = self.v(torch.tanh(q + k)).reshape(B, T, S)
            weights = torch.softmax(scores.masked_fill(~memory["mask"], -1e9), -1)
            return torch.matmul(weights, memory["values"]), weights

    class Decoder(nn.Module):
        """decoder.ts."""

        def __init__(self, c):
            super().__init__()
            V, E, H, L = c["targetVocabSize"], c["embeddingSize"], c["decoderHiddenSize"], c["numLayers"]
            K = (2 if c["bidirectional"] else 1) * c["hiddenSize"]
            self.kind, self.p, self.H, self.L, self.V = c["attention"], c["dropout"], H, L, V
            self.embedding = nn.Embedding(V, E, padding_idx=PAD_ID)
            self.rnn = StackedLstm(E + K if self.kind == "additive" else E, H, L, False, self.p)
            self.attention = Attention(self.kind, H, K) if self.kind != "none" else None
            self.combine = nn.Linear(K + H, H, bias=False) if self.attention else None
            if c["tieEmbeddings"]:
                self.projection = nn.Linear(H, E, bias=False) if H != E else None
                self.output = None
                self.output_bias = nn.Parameter(torch.zeros(V))
            else:
                self.projection = None
                self.output = nn.Linear(H, V)
                self.output_bias = None

        def logits(self, out, candidates=None):
            """[..., H] -> [..., V], or [..., C] over `candidates` (int64 [C]) only."""
            x = out
            if self.output is not None:
                if candidates is None:
                    return self.output(out)
                weight = self.output.weight.index_select(0, candidates)
                bias = self.output.bias.index_select(0, candidates)
            else:
                if self.projection is not None:
                    x = self.projection(out)
                weight = self.embedding.weight if candidates is None else self.embedding.weight.index_select(0, candidates)
                bias = self.output_bias if candidates is None else self.output_bias.index_select(0, candidates)
            width = x.shape[-1]
            y = torch.addmm(bias, x.reshape(-1, width), weight.t())
            return y.reshape(*x.shape[:-1], weight.shape[0])

        def forward_sequence(self, target_in, state, memory, on):
            """Teacher-forced, Luong or none: target_in [T, B] -> outputs [B, T, H]."""
            embedded = dropout(self.embedding(target_in), self.p, on)
            output, _, _ = self.rnn(embedded, state=state, on=on)
            hidden = output.transpose(0, 1)  # [B, T, H]
            if self.attention is None:
                return dropout(hidden, self.p, on)
            context, _ = self.attention.attend(hidden, memory)
            attentional = torch.tanh(self.combine(torch.cat([context, hidden], -1)))
            return dropout(attentional, self.p, on)

        def step(self, ids, state, memory, on):
            """ids [B] -> output [B, H], new state ([h_l], [c_l])."""
            embedded = dropout(self.embedding(ids), self.p, on)
            inp, context = embedded, None
            if self.kind == "additive":
                ctx, _ = self.attention.attend(state[0][self.L - 1].unsqueeze(1), memory)  # from s_{t-1}
                context = ctx.squeeze(1)
                inp = torch.cat([embedded, context], -1)
            hidden, state = self.rnn.step(inp, state, on)
            output = hidden
            if self.attention is not None:
                if self.kind != "additive":
                    ctx, _ = self.attention.attend(hidden.unsqueeze(1), memory)
                    context = ctx.squeeze(1)
                output = torch.tanh(self.combine(torch.cat([context, hidden], -1)))
            return dropout(output, self.p, on), state

    class Encoder(nn.Module):
        """encoder.ts: embedding (padding 0) + packed stacked LSTM."""

        def __init__(self, c):
            super().__init__()
            self.p = c["dropout"]
            self.embedding = nn.Embedding(c["sourceVocabSize"], c["embeddingSize"], padding_idx=PAD_ID)
            self.rnn = StackedLstm(c["embeddingSize"], c["hiddenSize"], c["numLayers"], c["bidirectional"], self.p)

        def forward(self, source, lengths, on):
            return self.rnn(dropout(self.embedding(source), self.p, on), lengths=lengths, on=on)

    class Seq2Seq(nn.Module):
        """seq2seq-model.ts; parameter names as cellstate's (`encoder.rnn.layer0.weight_ih_l0`, ...)."""

        def __init__(self, c):
            super().__init__()
            self.c = c
            D = 2 if c["bidirectional"] else 1
            self.D = D
            self.p = c["dropout"]
            self.encoder = Encoder(c)
            if c["bridge"] == "linear":
                self.bridge_h = nn.Linear(D * c["hiddenSize"], c["decoderHiddenSize"])
                self.bridge_c = nn.Linear(D * c["hiddenSize"], c["decoderHiddenSize"])
            self.decoder = Decoder(c)

        def _bridge(self, states, linear, is_hidden):
            """[L*D, B, He] -> [L, B, Hd]."""
            c, L, D = self.c, self.c["numLayers"], self.D
            B, He = states.shape[1], c["hiddenSize"]
            kind = c["bridge"]
            if kind == "identity":
                return states
            if kind == "sum":
                return states.reshape(L, 2, B, He).sum(1)
            joined = states if D == 1 else states.reshape(L, D, B, He).permute(0, 2, 1, 3).reshape(L, B, D * He)
            if kind == "concat":
                return joined
            projected = linear(joined)
            return torch.tanh(projected) if is_hidden else projected

        def encode(self, batch, on):
            outputs, h, cell = self.encoder(batch.source, batch.source_lengths, on)
            state = (self._bridge(h, getattr(self, "bridge_h", None), True), self._bridge(cell, getattr(self, "bridge_c", None), False))
            memory = None
            if self.decoder.attention is not None:
                S, B = batch.source.shape
                mask = (torch.arange(S).unsqueeze(0) < batch.source_lengths.unsqueeze(1)).unsqueeze(1)  # [B, 1, S]
                memory = self.decoder.attention.prepare(outputs.transpose(0, 1), mask)
            return state, memory

        def logits(self, batch, on, teacher_forcing, coin, candidates=None):
            """[B, T, C]. `on` = training (dropout, the teacher-forcing coins drawn from `coin`)."""
            tf = teacher_forcing if on else 1.0
            state, memory = self.encode(batch, on)
            if tf >= 1 and self.c["attention"] != "additive":
                return self.decoder.logits(self.decoder.forward_sequence(batch.target_in, state, memory, on), candidates)
            T = batch.target_in.shape[0]
            L = self.c["numLayers"]
            st = ([state[0][l] for l in range(L)], [state[1][l] for l in range(L)])
            previous = None
            steps = []
            for t in range(T):
                use_gold = t == 0 or previous is None or tf >= 1 or coin() < tf
                ids = batch.target_in[t] if use_gold else previous
                out, st = self.decoder.step(ids, st, memory, on)
                logits = self.decoder.logits(out, candidates)
                steps.append(logits)
                if tf < 1:
                    best = logits.detach().argmax(-1)
                    previous = candidates.index_select(0, best) if candidates is not None else best
            return torch.stack(steps, 1)

        def loss(self, batch, on=False, teacher_forcing=1.0, coin=None, shortlist=0):
            """Mean cross-entropy over the non-pad target tokens; shortlist softmax as `Seq2Seq.loss`."""
            V = self.c["targetVocabSize"]
            labels = batch.target_out
            candidates = None
            if 0 < shortlist < V:
                flat = batch.target_out.reshape(-1)
                extra = torch.unique(flat[flat >= shortlist])  # sorted
                candidates = torch.cat([torch.arange(shortlist), extra])
                labels = torch.where(batch.target_out < shortlist, batch.target_out,
                                     shortlist + torch.searchsorted(extra, batch.target_out))
            logits = self.logits(batch, on, teacher_forcing, coin, candidates)
            B, T, C = logits.shape
            return F.cross_entropy(logits.reshape(B * T, C), labels.t().reshape(B * T), ignore_index=PAD_ID)

    return Batch, Seq2Seq


def train_step(torch, model, optimizer, params, batch, w, coin, teacher_forcing=None):
    """train.ts `trainStep`: loss (dropout on), backward, clip_grad_norm_, Adam; returns the loss."""
    optimizer.zero_grad(set_to_none=True)
    tf = w["teacherForcing"] if teacher_forcing is None else teacher_forcing
    loss = model.loss(batch, on=True, teacher_forcing=tf, coin=coin, shortlist=w["shortlist"])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, w["clipNorm"])
    optimizer.step()
    return loss.item()


def make_setup(torch, wid, batches_path=None):
    w = dict(WORKLOADS[wid])
    data, path = load_batches(wid, batches_path)
    w["config"] = resolve_config(w["model"], data["sourceVocabSize"], data["targetVocabSize"])
    Batch, Seq2Seq = build(torch)
    batches = [Batch(pairs, w["config"]["reverseSource"]) for pairs in data["batches"]]
    return w, data, path, batches, Seq2Seq


def main(wid, opts):
    base = dict(workload=wid, system=opts["system"])
    try:
        import torch
    except Exception as e:  # no torch: a skipped row, with the reason
        emit_not_importable(base, e)
        return
    if wid not in WORKLOADS:
        raise SystemExit("unknown workload " + wid + " (W5, W5F, W6)")
    set_threads(torch)
    torch.manual_seed(0)
    try:
        w, data, path, batches, Seq2Seq = make_setup(torch, wid, opts["batches"])
    except (FileNotFoundError, ValueError) as e:
        emit(dict(base, status="skipped", note=str(e)[:400]))
        return
    model = Seq2Seq(w["config"])
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=w["learningRate"])  # betas (0.9, 0.999), eps 1e-8
    params = [p for p in model.parameters()]
    state = dict(i=0, loss=None)

    def step():
        i = state["i"]
        coin = random.Random(1_000_000 + i).random  # the step's teacher-forcing coins
        state["loss"] = train_step(torch, model, optimizer, params, batches[i % len(batches)], w, coin)
        state["i"] = i + 1

    info = runtime_info(torch)
    plan = timing_plan(opts["quick"])
    if not opts["quick"]:
        # Every batch timed at least once, as the cellstate runner does (timingPlan's `cycle`).
        plan["min_iters"] = max(plan["min_iters"], len(batches))
        plan["max_iters"] = max(plan["max_iters"], len(batches))
    t = time_it(step, **plan)
    flops = statistics.fmean(step_flops(w, pairs) for pairs in data["batches"])
    B = statistics.fmean(b.size for b in batches)
    blas = blas_libs()
    c = w["config"]
    res = dict(base, **timed_fields(t, B, flops, mean=True), gflop_per_step=sig(flops / 1e9), batches=len(batches), batch_size=B,
               tokens_per_step=sig(statistics.fmean(b.target_tokens for b in batches)),
               output_columns=sig(statistics.fmean(candidate_count(w["shortlist"], c["targetVocabSize"], p) for p in data["batches"])),
               shortlist=w["shortlist"], teacher_forcing=w["teacherForcing"],
               parameters=sum(p.numel() for p in params), last_loss=round(state["loss"], 5), **info,
               api="nn.LSTM (packed encoder) + eager attention/combine/output, F.cross_entropy, backward, "
                   "clip_grad_norm_, Adam.step" + (" (decoder stepped with torch.lstm_cell)" if c["attention"] == "additive" else ""),
               blas=blas, batches_file=os.path.relpath(path, REPO_ROOT))
    add_blas_note(res, blas)
    emit(res)


def check():
    """Self-check on one W5 batch, dropout off: the shortlist loss equals a full-softmax
    log-softmax restricted by hand to the candidate set (float64 and float32; |diff| <= 1e-5), and the
    packed encoder gives zero padded outputs and each sample's own final states."""
    import torch
    torch.manual_seed(0)
    set_threads(torch)
    w, data, _, batches, Seq2Seq = make_setup(torch, "W5")
    shortlist = w["shortlist"]
    k = next(i for i, pairs in enumerate(data["batches"]) if any(y >= shortlist for p in pairs for y in p["target"]))
    pairs, batch = data["batches"][k], batches[k]
    base = Seq2Seq(w["config"]).eval()
    ok = True
    with torch.no_grad():
        ids = sorted(set(range(shortlist)) | {y for p in pairs for y in p["target"] if y >= shortlist})
        column = {y: j for j, y in enumerate(ids)}
        for dtype in (torch.float64, torch.float32):
            model = copy.deepcopy(base).to(dtype)
            loss = model.loss(batch, on=False, shortlist=shortlist).item()
            # Independently: full logits [B, T, V], the candidate set from the raw ids, a manual
            # log-softmax (accumulated in float64) over the gathered columns.
            full = model.logits(batch, False, 1.0, None).double()
            x = full[:, :, torch.tensor(ids)]
            m = x.max(-1, keepdim=True).values
            logp = x - (m + (x - m).exp().sum(-1, keepdim=True).log())
            total, n = 0.0, 0
            for b, p in enumerate(pairs):
                for t, y in enumerate(list(p["target"]) + [EOS_ID]):
                    total -= logp[b, t, column[y]].item()
                    n += 1
            manual = total / n
            diff = abs(loss - manual)
            good = diff <= 1e-5 and n == batch.target_tokens
            ok &= good
            print(f"{'ok' if good else 'FAIL'}: {str(dtype)[6:]} W5 batch {k} shortlist loss {loss:.10f} vs manual restricted "
                  f"log-softmax {manual:.10f} (|diff| {diff:.2e}; {len(ids)} candidates, {n} tokens)")
        full_loss = model.loss(batch, on=False, shortlist=0).item()
        print(f"info: full-softmax loss on the same batch {full_loss:.6f} (>= the shortlist loss: {full_loss >= loss})")

        # Packed encoder: padded outputs 0, final states = each sample run alone (bidirectional, 2 layers).
        Batch, _ = build(torch)
        enc = Seq2Seq(resolve_config(dict(embeddingSize=16, hiddenSize=8, numLayers=2, bidirectional=True, attention="dot",
                                          decoderHiddenSize=16, dropout=0.0), data["sourceVocabSize"], 50)).double().eval()
        few = Batch(pairs[::8])
        emb = enc.encoder.embedding(few.source)
        out, h, c = enc.encoder.rnn(emb, lengths=few.source_lengths)
        worst = 0.0
        for b, n_b in enumerate(few.source_lengths.tolist()):
            o1, h1, c1 = enc.encoder.rnn(emb[:n_b, b:b + 1])
            worst = max(worst, (out[:n_b, b:b + 1] - o1).abs().max().item(), (h[:, b:b + 1] - h1).abs().max().item(),
                        (c[:, b:b + 1] - c1).abs().max().item(), out[n_b:, b].abs().max().item() if n_b < out.shape[0] else 0.0)
        good = worst <= 1e-10
        ok &= good
        print(f"{'ok' if good else 'FAIL'}: packed bidirectional encoder = per-sample runs, padded outputs 0 (max |diff| {worst:.1e})")
    print("ok" if ok else "fail")
    return ok


def parse_args(argv):
    pos = []

    def other(a, _):
        if a.startswith("--"):
            raise SystemExit(f"unknown option {a}; usage: seq2seq_torch.py <W5|W5F|W6> [--system NAME] [--quick] [--batches FILE] | --check")
        pos.append(a)

    opts = parse_options(argv, {"system": "pytorch", "quick": False, "batches": None, "check": False},
                         flags=("quick", "check"), values=("system", "batches"), other=other)
    return (pos[0] if pos else "W5"), opts


if __name__ == "__main__":
    wid, opts = parse_args(sys.argv[1:])
    if opts["check"]:
        sys.exit(0 if check() else 1)
    run_reporting_errors(main, wid, opts["system"], wid, opts)
