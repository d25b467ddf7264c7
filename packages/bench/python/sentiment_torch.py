#!/usr/bin/python3
"""PyTorch CPU peer for W7: one whole training step of the shipped airline sentiment model.

The model is `@cellstate/sentiment`'s SentimentModel with the shipped configuration
(apps/sentiment/models/airline/sentiment.json), written with torch.nn:
  nn.Embedding(V, 100, padding_idx=0) -> Dropout(0.25) -> bidirectional nn.LSTM(100, 64)
  over each tweet's real length (pack_padded_sequence, enforce_sorted=False) -> mean and
  max pooling over the real steps, concatenated (256) -> Dropout(0.5) -> nn.Linear(256, 3);
  F.cross_entropy with the class weights, backward, clip_grad_norm_(5) (a non-finite loss
  or norm skips the update, as cellstate's Trainer does), Adam(2e-3, eps 1e-8).
The batches (ids, lengths, labels, class weights, config) come from the JSON file that
packages/bench/src/whole-step/sentiment-data.ts writes (node_modules/.cache/cellstate-bench/
W7-batches.json at the repository root), the same one the cellstate and TF.js runners read;
one batch per step, cycled in the file's order.

usage: /usr/bin/python3 sentiment_torch.py [--system NAME] [--quick] [--data FILE]
env: TORCH_THREADS (default 1) -> torch.set_num_threads; run it as bench_torch.py is run:
       LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=<threads>
Output: one JSON line, the keys of packages/bench/src/result.ts; timing: the rule of
src/timing.ts for a training workload (>= 2 warm-ups, median of >= 5 timed steps until 8 s,
at most 30; --quick: 1 warm-up, 2 timed).
"""
import json
import math
import os
import platform
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "../../.."))
DEFAULT_DATA = os.path.join(REPO_ROOT, "node_modules/.cache/cellstate-bench/W7-batches.json")
WORKLOAD = "W7"


def step_flops(cfg, lengths):
    """Useful matmul flops of one training step (the same count as sentimentStepFlops in
    src/whole-step/sentiment-data.ts): LSTM gates 2*4H*(I+H) per real token (padding not
    counted) per direction, plus the dense head 2*F*C per text; both x3 for training
    (forward + two backward matmuls). Embedding, pooling, dropout, loss and Adam not counted."""
    E, H, C = cfg["embeddingDim"], cfg["hiddenSize"], cfg["numLabels"]
    D = 2 if cfg["bidirectional"] else 1
    tokens = sum(lengths)
    lstm = 0
    for layer in range(cfg["numLayers"]):
        lstm += 2 * 4 * H * ((E if layer == 0 else D * H) + H) * tokens * D
    F_ = len(cfg["pooling"]) * D * H
    head = 2 * F_ * C * len(lengths)
    return 3 * (lstm + head)


def timing_plan(quick):
    if quick:
        return dict(warmup=1, min_iters=2, max_iters=2, target_s=0.0, max_s=60.0)
    return dict(warmup=2, min_iters=5, max_iters=30, target_s=8.0, max_s=240.0)


def time_it(fn, warmup, min_iters, max_iters, target_s, max_s):
    for _ in range(warmup):
        fn()
    times = []
    t0 = time.perf_counter()
    while True:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        el = time.perf_counter() - t0
        if len(times) >= max_iters or (len(times) >= min_iters and el >= target_s) or el >= max_s:
            break
    return dict(median_s=statistics.median(times), min_s=min(times), max_s=max(times), iters=len(times))


def blas_libs():
    try:
        with open("/proc/self/maps") as f:
            libs = {l.split()[-1] for l in f if "blas" in l and "/" in l}
        return sorted({os.path.realpath(p) for p in libs})
    except OSError:
        return []


def sig(v, digits=5):
    return float(f"{v:.{digits}g}")


def emit(obj):
    fixed = ["workload", "system", "seq_per_s", "ms", "gflops", "peak_rss_mb", "status"]
    obj.setdefault("peak_rss_mb", round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    for k in fixed:
        obj.setdefault(k, None)
    out = {k: obj[k] for k in fixed}
    out.update({k: v for k, v in obj.items() if k not in fixed})
    print(json.dumps(out), flush=True)


def parse_args(argv):
    opts = {"system": "pytorch", "quick": False, "data": DEFAULT_DATA}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--quick":
            opts["quick"] = True
        elif a in ("--system", "--data"):
            opts[a[2:]] = argv[i + 1]
            i += 1
        else:
            raise SystemExit(f"unknown argument {a!r}; usage: sentiment_torch.py [--system NAME] [--quick] [--data FILE]")
        i += 1
    return opts


def main(opts):
    base = dict(workload=WORKLOAD, system=opts["system"])
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    except Exception as e:
        emit(dict(base, status="skipped", note=f"PyTorch not importable by {sys.executable}: {e!r}"[:300]))
        return
    if not os.path.exists(opts["data"]):
        emit(dict(base, status="error", note=f"{opts['data']} not found: run the cellstate W7 runner (src/whole-step/run-w7.ts) once, it writes the batches"))
        return
    with open(opts["data"]) as f:
        data = json.load(f)
    cfg, tr = data["modelConfig"], data["training"]
    threads = int(os.environ.get("TORCH_THREADS", "1"))
    torch.set_num_threads(threads)
    torch.manual_seed(cfg["seed"])
    E, H, C, V = cfg["embeddingDim"], cfg["hiddenSize"], cfg["numLabels"], cfg["vocabSize"]
    D = 2 if cfg["bidirectional"] else 1
    pooling = cfg["pooling"]

    class SentimentNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, E, padding_idx=0)
            self.embedding_dropout = nn.Dropout(cfg["embeddingDropout"])
            self.lstm = nn.LSTM(E, H, num_layers=cfg["numLayers"], bidirectional=cfg["bidirectional"], batch_first=True,
                                dropout=cfg["dropout"] / 2 if cfg["numLayers"] > 1 else 0.0)
            self.dropout = nn.Dropout(cfg["dropout"])
            self.classifier = nn.Linear(len(pooling) * D * H, C)
            with torch.no_grad():  # forget-gate bias 1 (cellstate's forgetBias: 1; the two torch biases add up)
                for name, p in self.lstm.named_parameters():
                    if name.startswith("bias_ih"):
                        p[H:2 * H].fill_(1.0)
                    elif name.startswith("bias_hh"):
                        p[H:2 * H].fill_(0.0)

        def forward(self, ids, lengths, mask):
            # ids [B, T] (padding 0), lengths int64 [B] on the CPU, mask [B, T, 1] (1 on real steps)
            x = self.embedding_dropout(self.embedding(ids))
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, (h, _) = self.lstm(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])  # zeros past each length
            parts = []
            for p in pooling:
                if p == "mean":
                    parts.append(out.sum(1) / lengths.unsqueeze(1).to(out.dtype))
                elif p == "max":
                    parts.append(out.masked_fill(mask == 0, -1e4).max(1).values)
                else:  # last: each direction's final state
                    top = h[-D:]
                    parts.append(top.transpose(0, 1).reshape(ids.shape[0], D * H))
            feat = parts[0] if len(parts) == 1 else torch.cat(parts, 1)
            return self.classifier(self.dropout(feat))

    model = SentimentNet()
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=tr["learningRate"], betas=(tr["beta1"], tr["beta2"]), eps=tr["epsilon"],
                           weight_decay=tr["weightDecay"])
    class_weights = torch.tensor(data["classWeights"], dtype=torch.float32)
    # The padded ids, lengths and labels as tensors, once per batch (the file's `padded` is makeBatch's layout, batch-major).
    batches = []
    for b in data["batches"]:
        ids = torch.tensor(b["padded"], dtype=torch.int64)
        lengths = torch.tensor(b["lengths"], dtype=torch.int64)
        mask = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2).to(torch.float32)
        batches.append((ids, lengths, mask, torch.tensor(b["labels"], dtype=torch.int64)))
    state = {"i": 0, "loss": float("nan"), "skipped": 0}

    def step():
        ids, lengths, mask, y = batches[state["i"] % len(batches)]
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids, lengths, mask), y, weight=class_weights)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, tr["clipGradNorm"])
        lv, nv = loss.item(), float(norm)
        state["loss"] = lv
        if math.isfinite(lv) and math.isfinite(nv):
            opt.step()
        else:
            state["skipped"] += 1

    flops = sum(step_flops(cfg, b["lengths"]) for b in data["batches"]) / len(data["batches"])
    seqs = data["spec"]["batchSize"]
    t = time_it(step, **timing_plan(opts["quick"]))
    blas = blas_libs()
    s = t["median_s"]
    res = dict(base, seq_per_s=sig(seqs / s), ms=sig(s * 1000), gflops=sig(flops / s / 1e9), status="ok", iters=t["iters"],
               min_ms=sig(t["min_s"] * 1000), max_ms=sig(t["max_s"] * 1000),
               threads=torch.get_num_threads(), openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
               torch_version=torch.__version__, python=platform.python_version(), blas=blas,
               parameters=sum(p.numel() for p in params), flops_per_step=round(flops), last_loss=round(state["loss"], 5),
               skipped_steps=state["skipped"],
               api="nn.Embedding(padding_idx=0) + Dropout + bidirectional nn.LSTM on pack_padded_sequence + masked mean/max pooling + Dropout + nn.Linear, F.cross_entropy(weight), backward, clip_grad_norm_(5), Adam.step")
    if not any("openblas" in p for p in blas):
        res["note"] = "BLAS is not OpenBLAS: " + (", ".join(blas) or "no libblas mapped")
    emit(res)


if __name__ == "__main__":
    opts = parse_args(sys.argv[1:])
    try:
        main(opts)
    except Exception as e:  # report, don't crash the runner
        emit(dict(workload=WORKLOAD, system=opts["system"], status="error", note=repr(e)[:400]))
        sys.exit(1)
