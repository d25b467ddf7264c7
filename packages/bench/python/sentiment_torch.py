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
at most 30; --quick: 1 warm-up, 2 timed), as bench_common.py implements it.
"""
import json
import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the runners
# The script's own directory is on sys.path (python3 <dir>/sentiment_torch.py).
from bench_common import (add_blas_note, blas_libs, emit, emit_not_importable, parse_options,  # noqa: E402
                          run_reporting_errors, runtime_info, set_threads, time_it, timed_fields, timing_plan)

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


def parse_args(argv):
    def other(a, _):
        raise SystemExit(f"unknown argument {a!r}; usage: sentiment_torch.py [--system NAME] [--quick] [--data FILE]")

    return parse_options(argv, {"system": "pytorch", "quick": False, "data": DEFAULT_DATA}, values=("system", "data"),
                         other=other)


def main(opts):
    base = dict(workload=WORKLOAD, system=opts["system"])
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    except Exception as e:
        emit_not_importable(base, e)
        return
    if not os.path.exists(opts["data"]):
        emit(dict(base, status="error", note=f"{opts['data']} not found: run the cellstate W7 runner (src/whole-step/run-w7.ts) once, it writes the batches"))
        return
    with open(opts["data"]) as f:
        data = json.load(f)
    cfg, tr = data["modelConfig"], data["training"]
    set_threads(torch)
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
    res = dict(base, **timed_fields(t, seqs, flops), **runtime_info(torch), blas=blas,
               parameters=sum(p.numel() for p in params), flops_per_step=round(flops), last_loss=round(state["loss"], 5),
               skipped_steps=state["skipped"],
               api="nn.Embedding(padding_idx=0) + Dropout + bidirectional nn.LSTM on pack_padded_sequence + masked mean/max pooling + Dropout + nn.Linear, F.cross_entropy(weight), backward, clip_grad_norm_(5), Adam.step")
    add_blas_note(res, blas)
    emit(res)


if __name__ == "__main__":
    opts = parse_args(sys.argv[1:])
    run_reporting_errors(main, WORKLOAD, opts["system"], opts)
