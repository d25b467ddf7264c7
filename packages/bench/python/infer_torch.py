#!/usr/bin/python3
"""PyTorch CPU peer for the inference workloads W8T and W8S: the two sample apps' `run`
commands with their SHIPPED models, the same weights read from the same files.

- W8T (`translate run`, beam 5): apps/translate/models/en-fr.safetensors, a 4-bit "Q4"
  safetensors file (config, vocabularies and preprocessing in its metadata; the large
  matrices as packed 4-bit codes, U8, with an F16 step and offset per 32 columns,
  `<name>.q4_scale`, or as I8 with one F32 scale per row, `<name>.q8_scale`, in older
  "Q8" files; the rest F16), read with
  numpy/struct below and dequantised exactly as @cellstate/nn's quantize.ts does
  (q * scale, or offset + code * step, in double and rounded once to float32). The network is seq2seq_torch.py's
  op-for-op mirror of @cellstate/seq2seq (encoder with per-sample lengths, bridge, Luong
  `dot` attention, combine, tied output), run in eval mode under torch.inference_mode; the
  beam search is packages/seq2seq/src/decode.ts `beamSearch` transcribed: the batch holds
  the live beams' rows only (one a sentence at the first step, at most K after, none once
  a sentence stops), per step the log-softmax of all rows, the 2K best tokens of
  each live beam (torch.topk; rows with tied values fall back to a stable sort so that ties
  break towards the lower id as decode.ts's topK does), candidates ranked by cumulative
  log-probability on the host, <eos> among the top K finishes a hypothesis scored
  logProb / ((5 + n) / 6)^alpha, the K best others stay alive, a sentence stops with K
  finished hypotheses or at maxLength; the state rows are reordered with index_select.
- W8S (`sentiment run`): apps/sentiment/models/airline (sentiment.json + F16
  model.safetensors): nn.Embedding -> bidirectional nn.LSTM over each text's real length
  (pack_padded_sequence) -> mean and max pooling over the real steps -> nn.Linear ->
  softmax, in the batches `probabilitiesOf` makes.

Inputs: the JSON file packages/bench/src/whole-step/infer-data.ts writes
(node_modules/.cache/cellstate-bench/<W8T|W8S>-inputs.json at the repository root): the
token ids (tokenised once, as the apps do) and the batches of one pass. The model's SHA-256
is checked against the one recorded there. One pass = every batch of the file, the tensors
built from the id lists inside the pass (as cellstate's makeBatch does inside its pass).

Agreement: when the cellstate runner has written its outputs
(<W8T|W8S>-cellstate-outputs.json, `writeInferReference`), the last timed pass's outputs
are compared with them: W8T the best hypothesis' ids (and |score difference|), W8S the
labels and the probabilities (max |difference|, count within 1e-4).

usage: /usr/bin/python3 infer_torch.py <W8T|W8S> [--system NAME] [--quick] [--inputs FILE] [--reference FILE]
env:   TORCH_THREADS (default 1) -> torch.set_num_threads; run it as the bench runs
       bench_torch.py: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
       OPENBLAS_NUM_THREADS=<threads> (system names pytorch-openblas-1t, pytorch-openblas).
Output: one JSON line in the format of packages/bench/src/result.ts; seq_per_s = inputs
(sentences / texts) per second, ms = median ms per full pass, gflops = useful matmul flops of a
pass (infer-flops.ts: the model as written, the beam rows each step ran) / median s.
Timing: the rule of src/timing.ts (>= 2 warm-ups, median of >= 5 timed passes until 8 s, at
most 30; --quick: 1 warm-up, 2 timed), as bench_common.py implements it.
"""
import hashlib
import json
import re
import math
import os
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the runners
# The script's own directory is on sys.path (python3 <dir>/infer_torch.py): bench_common and
# seq2seq_torch are imported from there.
from bench_common import (add_blas_note, blas_libs, emit, emit_not_importable, parse_options,  # noqa: E402
                          run_reporting_errors, runtime_info, set_threads, sig, time_it, timed_fields, timing_plan)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
CACHE_DIR = os.path.join(REPO_ROOT, "node_modules", ".cache", "cellstate-bench")
REGENERATE = ("node --conditions=@cellstate/source --import tsx with inferData(id) from "
              "packages/bench/src/whole-step/infer-data.ts (the cellstate W8 runner writes it)")

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
Q8_SCALE_SUFFIX = ".q8_scale"
Q4_SCALE_SUFFIX = ".q4_scale"
Q4_GROUP = 32


# ---------------------------------------------------------------- safetensors (numpy/struct)

_DTYPES = {"F32": "<f4", "F16": "<f2", "I8": "i1", "U8": "u1"}


def read_safetensors(path):
    """(metadata, {name: numpy array in its stored dtype}) of a safetensors file: an 8-byte
    little-endian header size, the JSON header, then the data; F32, F16, I8 and U8 only."""
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: truncated (no header size)")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header size {n} runs past the end of the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    base = 8 + n
    tensors = {}
    for name, e in header.items():
        if e["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {e['dtype']}; this reader handles {', '.join(_DTYPES)}")
        dt = np.dtype(_DTYPES[e["dtype"]])
        shape = [int(d) for d in e["shape"]]
        count = math.prod(shape)
        start, end = e["data_offsets"]
        if end - start != count * dt.itemsize or base + end > len(raw):
            raise ValueError(f"{path}: tensor {name!r}: offsets {start}..{end} do not fit shape {shape} {e['dtype']}")
        tensors[name] = np.frombuffer(raw, dtype=dt, count=count, offset=base + start).reshape(shape)
    return metadata, tensors


def dequantize_q4(name, codes, scales):
    """A Q4 matrix: U8 [rows, cols / 2] codes (low nibble first) and F16 [rows, groups, 2]
    (step, offset) per group of 32 columns; offset + code * step in double, rounded once to
    float32, as quantize-q4.ts's dequantizeGroupsQ4 does."""
    import numpy as np
    rows, half = codes.shape
    cols = 2 * half
    groups = -(-cols // Q4_GROUP)
    if scales is None or list(scales.shape) != [rows, groups, 2]:
        raise ValueError(f"quantized tensor {name!r} needs a scale tensor {name + Q4_SCALE_SUFFIX!r} of shape [{rows}, {groups}, 2]")
    q = np.empty((rows, cols), dtype=np.float64)
    q[:, 0::2] = codes & 15
    q[:, 1::2] = codes >> 4
    group_of = np.arange(cols) // Q4_GROUP
    step = scales[:, :, 0].astype(np.float64)[:, group_of]
    offset = scales[:, :, 1].astype(np.float64)[:, group_of]
    return (offset + q * step).astype(np.float32)


def float32_state(metadata, tensors):
    """The float32 parameters: F16/F32 widened (exact); the tensors listed in the metadata key
    `seq2seq.quantized` either Q4 (U8 codes with `<name>.q4_scale`, see dequantize_q4) or Q8
    (I8 times their per-row `<name>.q8_scale`, F32), as model-file.ts's `dequantizedState`
    does (an int8 times a float32 is exact in double, so the one rounding to float32 equals
    numpy's float32 product)."""
    import numpy as np
    quantized = set(json.loads(metadata.get("seq2seq.quantized", "[]")))
    out = {}
    for name, a in tensors.items():
        if any(name.endswith(suffix) and name[: -len(suffix)] in quantized for suffix in (Q8_SCALE_SUFFIX, Q4_SCALE_SUFFIX)):
            continue
        if name in quantized and a.dtype == np.uint8:
            out[name] = dequantize_q4(name, a, tensors.get(name + Q4_SCALE_SUFFIX))
        elif name in quantized:
            scale = tensors.get(name + Q8_SCALE_SUFFIX)
            if a.ndim != 2 or scale is None or list(scale.shape) != [a.shape[0]] or scale.dtype != np.float32:
                raise ValueError(f"quantized tensor {name!r} needs a float32 scale tensor {name + Q8_SCALE_SUFFIX!r} of shape [{a.shape[0]}]")
            out[name] = a.astype(np.float32) * scale[:, None]
        elif a.dtype in (np.int8, np.uint8):
            raise ValueError(f"tensor {name!r} is {a.dtype} but not listed in seq2seq.quantized")
        else:
            out[name] = a.astype(np.float32)
    return out


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---------------------------------------------------------------- W8T

def check_model_hash(inputs, files):
    """The recorded SHA-256 of each model file against the file on disk."""
    for name, path in files.items():
        want = inputs.get("modelSha256", {}).get(name)
        got = sha256_file(path)
        if want is not None and want != got:
            raise ValueError(f"{path} has SHA-256 {got[:12]}…, the inputs file was made for {want[:12]}…; regenerate the inputs")


def model_path(inputs):
    return os.path.join(REPO_ROOT, inputs["model"]) if not os.path.isabs(inputs["model"]) else inputs["model"]


def mirror_name(name):
    """A translation model's parameter name as seq2seq_torch.py's mirror names it: cellstate
    writes a stack's weights under PyTorch's nn.LSTM names (encoder.rnn.weight_ih_l1_reverse),
    the mirror keeps one nn.LSTM per layer (encoder.rnn.layer1.weight_ih_l0_reverse), as
    files of older cellstate versions name them already."""
    m = re.match(r"^((?:en|de)coder\.rnn)\.((?:weight|bias)_(?:ih|hh))_l(\d+)(_reverse)?$", name)
    return f"{m[1]}.layer{m[3]}.{m[2]}_l0{m[4] or ''}" if m else name


def translate_setup(torch, inputs):
    """The shipped translation model as seq2seq_torch.py's mirror, loaded with the file's weights."""
    import seq2seq_torch as s2s
    path = model_path(inputs)
    check_model_hash(inputs, {os.path.basename(path): path})
    metadata, tensors = read_safetensors(path)
    if metadata.get("seq2seq.kind") != "cellstate-seq2seq-model":
        raise ValueError(f"{path} is not a cellstate translation model (seq2seq.kind {metadata.get('seq2seq.kind')!r})")
    cfg = json.loads(metadata["seq2seq.config"])
    c = s2s.resolve_config(cfg, cfg["sourceVocabSize"], cfg["targetVocabSize"])
    _, Seq2Seq = s2s.build(torch)
    model = Seq2Seq(c)
    state = {mirror_name(k): torch.from_numpy(v) for k, v in float32_state(metadata, tensors).items()}
    model.load_state_dict(state, strict=True)  # every name and shape must match
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, c


def topk_rows(torch, np, logp, k):
    """Per row of logp [R, V]: the k largest values and their ids, largest first, ties to the
    lower id (decode.ts topK). torch.topk, then a stable sort for rows where ties matter."""
    vals, idx = torch.topk(logp, k, dim=-1)
    tied = (logp >= vals[:, -1:]).sum(1) > k
    if k > 1:
        tied |= (vals[:, 1:] == vals[:, :-1]).any(1)
    vals, idx = vals.tolist(), idx.tolist()
    for r in tied.nonzero().flatten().tolist():
        row = logp[r].numpy()
        order = np.argsort(-row, kind="stable")[:k]
        idx[r] = order.tolist()
        vals[r] = row[order].tolist()
    return vals, idx


def encode_flops(c, S, B):
    """infer-flops.ts `encodeFlops`: the encoder over B sources padded to S steps, the
    linear bridge (h and c) and a memory projection (general, additive attention)."""
    E, He, Hd, L = c["embeddingSize"], c["hiddenSize"], c["decoderHiddenSize"], c["numLayers"]
    D = 2 if c["bidirectional"] else 1
    K = D * He
    f = sum(D * 2 * 4 * He * ((E if l == 0 else D * He) + He) * S * B for l in range(L))
    if c["bridge"] == "linear":
        f += 2 * L * 2 * K * Hd * B
    if c["attention"] in ("general", "additive"):
        f += 2 * B * S * K * Hd
    return f


def decode_row_flops(c, S):
    """infer-flops.ts `decodeRowFlops`: one decoder step of one beam row over a memory of S
    steps, through the output layer over the whole vocabulary."""
    E, He, Hd, L = c["embeddingSize"], c["hiddenSize"], c["decoderHiddenSize"], c["numLayers"]
    K = (2 if c["bidirectional"] else 1) * He
    att = c["attention"]
    f = sum(2 * 4 * Hd * ((E + (K if att == "additive" else 0) if l == 0 else Hd) + Hd) for l in range(L))
    if att in ("dot", "general"):
        f += 2 * 2 * S * K
    elif att == "additive":
        f += 2 * Hd * Hd + 2 * S * Hd + 2 * S * K
    if att != "none":
        f += 2 * (K + Hd) * Hd
    if c["tieEmbeddings"] and Hd != E:
        f += 2 * Hd * E
    f += 2 * (E if c["tieEmbeddings"] else Hd) * c["targetVocabSize"]
    return f


def beam_search(torch, np, model, c, sources, K, max_length, alpha):
    """decode.ts `beamSearch` for one batch of source id lists; the best hypothesis of each,
    dict(ids, logProb, score, finished), and the useful matmul flops it ran (the encoder,
    and `decode_row_flops` for each live beam row of each step)."""
    from types import SimpleNamespace
    B = len(sources)
    V = c["targetVocabSize"]
    rows = [(list(reversed(s)) if c["reverseSource"] else list(s)) + [EOS_ID] for s in sources]
    S = max(1, *(len(r) for r in rows))
    src = torch.zeros(S, B, dtype=torch.long)
    for b, r in enumerate(rows):
        src[: len(r), b] = torch.tensor(r, dtype=torch.long)
    batch = SimpleNamespace(source=src, source_lengths=torch.tensor([len(r) for r in rows], dtype=torch.long))
    (h, cell), memory = model.encode(batch, False)
    L = h.shape[0]
    # Row r of the batch is a live beam of sentence row_sentence[r], a sentence's rows
    # consecutive in the order of beams[b]; the first step has one row a sentence and a
    # stopped sentence has none (decode.ts).
    st = ([h[l] for l in range(L)], [cell[l] for l in range(L)])
    decoder = model.decoder
    k2 = min(2 * K, V)

    def penalty(n):
        return ((5 + n) / 6) ** alpha

    beams = [[dict(ids=[], lp=0.0)] for _ in range(B)]
    finished = [[] for _ in range(B)]
    row_sentence = list(range(B))
    ids = torch.full((B,), BOS_ID, dtype=torch.long)
    row_steps = 0
    for t in range(max_length):
        row_steps += ids.shape[0]
        out, st = decoder.step(ids, st, memory, False)
        logp = torch.log_softmax(decoder.logits(out), -1)
        vals, idx = topk_rows(torch, np, logp, k2)
        last = t == max_length - 1
        origin, next_ids, next_sentence = [], [], []
        row0 = 0
        while row0 < len(row_sentence):
            b = row_sentence[row0]
            cands = []
            for k, beam in enumerate(beams[b]):
                vr, ir = vals[row0 + k], idx[row0 + k]
                for j in range(k2):
                    cands.append((beam["lp"] + vr[j], k, ir[j]))
            cands.sort(key=lambda x: -x[0])  # stable, as Array.prototype.sort
            alive, alive_origin = [], []
            for i, (lp, k, token) in enumerate(cands):
                if len(alive) >= K:
                    break
                parent = beams[b][k]
                if token == EOS_ID:
                    if i < K:
                        n = len(parent["ids"]) + 1
                        finished[b].append(dict(ids=list(parent["ids"]), logProb=lp, score=lp / penalty(n), finished=True))
                    continue
                alive.append(dict(ids=parent["ids"] + [token], lp=lp))
                alive_origin.append(row0 + k)
            if last:
                for beam in alive:
                    finished[b].append(dict(ids=beam["ids"], logProb=beam["lp"], score=beam["lp"] / penalty(len(beam["ids"])), finished=False))
            if not (len(finished[b]) >= K or last or not alive):
                origin += alive_origin
                next_ids += [beam["ids"][-1] for beam in alive]
                next_sentence += [b] * len(alive)
            row0 += len(beams[b])
            beams[b] = alive
        if not origin:
            break
        order = torch.tensor(origin, dtype=torch.long)
        st = ([x.index_select(0, order) for x in st[0]], [x.index_select(0, order) for x in st[1]])
        if memory is not None and next_sentence != row_sentence:
            # Memory rows of one sentence are equal, so any of its old rows serves a new one.
            values = memory["values"].index_select(0, order)
            keys = values if memory["keys"] is memory["values"] else memory["keys"].index_select(0, order)
            memory = dict(values=values, keys=keys, mask=memory["mask"].index_select(0, order))
        row_sentence = next_sentence
        ids = torch.tensor(next_ids, dtype=torch.long)
    # The best of each sentence: a stable sort by score, descending (decode.ts), first element.
    best = [sorted(f, key=lambda h: -h["score"])[0] if f else None for f in finished]
    return best, encode_flops(c, S, B) + row_steps * decode_row_flops(c, S)


def translate_runner(torch, np, inputs):
    model, c = translate_setup(torch, inputs)
    spec = inputs["spec"]
    K, alpha = spec["beamSize"], spec["lengthPenalty"]
    outputs = [None] * len(inputs["sentences"])
    flops = [None]

    def one_pass():
        total = 0
        with torch.inference_mode():
            for b in inputs["batches"]:
                best, f = beam_search(torch, np, model, c, [inputs["ids"][i] for i in b["items"]], K, b["maxLength"], alpha)
                total += f
                for item, h in zip(b["items"], best):
                    outputs[item] = h
        flops[0] = total

    items = sum(len(b["items"]) for b in inputs["batches"])
    params = sum(p.numel() for p in model.parameters())
    api = ("seq2seq_torch.py mirror (nn.Embedding, packed nn.LSTM encoder, torch.lstm_cell decoder steps, Luong dot "
           "attention, tanh combine, tied output) under inference_mode, weights dequantised from the shipped (Q4) file; "
           "beamSearch of decode.ts on the host with torch.topk per step")
    return one_pass, outputs, items, params, api, lambda: flops[0]


def translate_agreement(inputs, outputs, ref):
    same, differ, score_diffs = 0, [], []
    n = 0
    for i, (mine, theirs) in enumerate(zip(outputs, ref["outputs"])):
        if mine is None and theirs is None:
            continue
        n += 1
        if mine is not None and theirs is not None and mine["ids"] == theirs["ids"]:
            same += 1
            score_diffs.append(abs(mine["score"] - theirs["score"]))
        else:
            differ.append(dict(index=i, source=inputs["sentences"][i], cellstate=theirs and theirs["ids"], pytorch=mine and mine["ids"],
                               cellstate_score=theirs and theirs["score"], pytorch_score=mine and mine["score"]))
    return dict(same_output_ids=same, of=n, max_abs_score_diff_when_same=sig(max(score_diffs)) if score_diffs else None,
                differ=differ[:8])


# ---------------------------------------------------------------- W8S

def sentiment_runner(torch, np, inputs):
    import torch.nn as nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    model_dir = model_path(inputs)
    json_path, weights_path = os.path.join(model_dir, "sentiment.json"), os.path.join(model_dir, "model.safetensors")
    check_model_hash(inputs, {"sentiment.json": json_path, "model.safetensors": weights_path})
    with open(json_path) as f:
        shipped = json.load(f)
    cfg = shipped["model"]
    if shipped.get("format") != "cellstate-sentiment":
        raise ValueError(f"{json_path} is not a cellstate sentiment model")
    V, E, H, C = cfg["vocabSize"], cfg["embeddingDim"], cfg["hiddenSize"], cfg["numLabels"]
    D = 2 if cfg["bidirectional"] else 1
    pooling = cfg["pooling"] if isinstance(cfg["pooling"], list) else [cfg["pooling"]]

    class SentimentNet(nn.Module):
        """packages/sentiment/src/model.ts in eval mode (the dropouts are identities)."""

        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, E, padding_idx=0)
            self.lstm = nn.LSTM(E, H, num_layers=cfg["numLayers"], bidirectional=cfg["bidirectional"], batch_first=True)
            self.classifier = nn.Linear(len(pooling) * D * H, C)

        def forward(self, ids, lengths, mask):
            # ids [B, T] (padding 0), lengths int64 [B] on the CPU, mask [B, T, 1] (1 on real steps)
            x = self.embedding(ids)
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, (h, _) = self.lstm(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])  # zeros past each length
            parts = []
            for p in pooling:
                if p == "mean":
                    parts.append(out.sum(1) / lengths.unsqueeze(1).to(out.dtype))
                elif p == "max":
                    parts.append(out.masked_fill(mask == 0, -1e4).max(1).values)
                else:  # last: each direction's final state of the top layer
                    parts.append(h[-D:].transpose(0, 1).reshape(ids.shape[0], D * H))
            return self.classifier(parts[0] if len(parts) == 1 else torch.cat(parts, 1))

    metadata, tensors = read_safetensors(weights_path)
    model = SentimentNet()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in float32_state(metadata, tensors).items()}, strict=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    outputs = [None] * len(inputs["texts"])

    def one_pass():
        with torch.inference_mode():
            for call in inputs["calls"]:
                for b in call["batches"]:
                    ids = torch.tensor(b["padded"], dtype=torch.long)
                    lengths = torch.tensor(b["lengths"], dtype=torch.long)
                    mask = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2)
                    probs = torch.softmax(model(ids, lengths, mask), -1).tolist()
                    for item, p in zip(b["items"], probs):
                        outputs[item] = dict(label=max(range(C), key=lambda j: (p[j], -j)), probabilities=p)

    items = sum(len(c["items"]) for c in inputs["calls"])
    params = sum(p.numel() for p in model.parameters())
    api = ("nn.Embedding + bidirectional nn.LSTM on pack_padded_sequence + masked mean/max pooling + nn.Linear + softmax "
           "under inference_mode, weights widened from the F16 file")
    # infer-flops.ts `sentimentPassFlops`: the LSTM gates over every real token, and the head.
    tokens = sum(n for call in inputs["calls"] for b in call["batches"] for n in b["lengths"])
    texts = sum(len(b["lengths"]) for call in inputs["calls"] for b in call["batches"])
    lstm = sum(D * 2 * 4 * H * ((E if l == 0 else D * H) + H) * tokens for l in range(cfg["numLayers"]))
    flops = lstm + 2 * len(pooling) * D * H * C * texts
    return one_pass, outputs, items, params, api, lambda: flops


def sentiment_agreement(inputs, outputs, ref, tol=1e-4):
    same_label, within, n, worst = 0, 0, 0, 0.0
    differ = []
    for i, (mine, theirs) in enumerate(zip(outputs, ref["outputs"])):
        if mine is None and theirs is None:
            continue
        n += 1
        if mine is None or theirs is None:
            differ.append(dict(index=i, cellstate=theirs, pytorch=mine))
            continue
        d = max(abs(a - b) for a, b in zip(mine["probabilities"], theirs["probabilities"]))
        worst = max(worst, d)
        same_label += mine["label"] == theirs["label"]
        within += d <= tol
        if mine["label"] != theirs["label"] or d > tol:
            differ.append(dict(index=i, text=inputs["texts"][i], cellstate=theirs, pytorch=mine, max_abs_diff=d))
    return dict(same_labels=same_label, probabilities_within_1e_4=within, of=n, max_abs_prob_diff=sig(worst, 3), differ=differ[:8])


# ---------------------------------------------------------------- main

def parse_args(argv):
    def other(a, opts):
        if a in ("W8T", "W8S") and opts["workload"] is None:
            opts["workload"] = a
        else:
            raise SystemExit(f"unknown argument {a!r}; usage: infer_torch.py <W8T|W8S> [--system NAME] [--quick] [--inputs FILE] [--reference FILE]")

    opts = parse_options(argv, dict(workload=None, system="pytorch", quick=False, inputs=None, reference=None),
                         values=("system", "inputs", "reference"), other=other)
    if opts["workload"] is None:
        raise SystemExit("usage: infer_torch.py <W8T|W8S> [--system NAME] [--quick] [--inputs FILE] [--reference FILE]")
    return opts


def main(opts):
    wid = opts["workload"]
    base = dict(workload=wid, system=opts["system"])
    try:
        import numpy as np
        import torch
    except Exception as e:  # no torch: a skipped row, with the reason
        emit_not_importable(base, e, "PyTorch/numpy")
        return
    inputs_path = opts["inputs"] or os.path.join(CACHE_DIR, f"{wid}-inputs.json")
    if not os.path.exists(inputs_path):
        emit(dict(base, status="skipped", note=f"{inputs_path} not found; write it with {REGENERATE}"))
        return
    with open(inputs_path) as f:
        inputs = json.load(f)
    if inputs.get("workload") != wid:
        raise ValueError(f"{inputs_path} is for {inputs.get('workload')}, not {wid}")
    set_threads(torch)
    t0 = time.perf_counter()
    one_pass, outputs, items, params, api, pass_flops = (translate_runner if wid == "W8T" else sentiment_runner)(torch, np, inputs)
    load_ms = (time.perf_counter() - t0) * 1000
    t = time_it(one_pass, **timing_plan(opts["quick"]))
    blas = blas_libs()
    flops = pass_flops()
    res = dict(base, **timed_fields(t, items, flops, mean=True), items_per_run=items, **runtime_info(torch),
               gflop_per_pass=None if flops is None else sig(flops / 1e9, 5),
               parameters=params, load_ms=sig(load_ms, 4),
               api=api, blas=blas, inputs_file=os.path.relpath(inputs_path, REPO_ROOT), model=inputs["model"])
    ref_path = opts["reference"] or os.path.join(CACHE_DIR, f"{wid}-cellstate-outputs.json")
    if os.path.exists(ref_path):
        with open(ref_path) as f:
            ref = json.load(f)
        if ref.get("modelSha256") != inputs.get("modelSha256") or len(ref.get("outputs", [])) != len(outputs):
            res["agreement"] = None
            res["agreement_note"] = f"{os.path.relpath(ref_path, REPO_ROOT)} is for another model or input list"
        else:
            res["agreement"] = (translate_agreement if wid == "W8T" else sentiment_agreement)(inputs, outputs, ref)
            res["agreement"]["with"] = f"{ref.get('system')} ({os.path.relpath(ref_path, REPO_ROOT)})"
    else:
        res["agreement"] = None
        res["agreement_note"] = f"no cellstate outputs at {os.path.relpath(ref_path, REPO_ROOT)} (writeInferReference)"
    add_blas_note(res, blas)
    emit(res)


if __name__ == "__main__":
    opts = parse_args(sys.argv[1:])
    run_reporting_errors(main, opts["workload"], opts["system"], opts)
