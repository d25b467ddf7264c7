#!/usr/bin/python3
"""PyTorch CPU peer runner for `pnpm bench` (Debian python3-torch, OpenBLAS).

Adapted from ../shared/design/peer-bench/bench_torch.py. One workload per process, one
JSON line out, in the format of packages/bench/src/result.ts:
  {"workload","system","seq_per_s","ms","gflops","peak_rss_mb","status", ...details}

usage: /usr/bin/python3 bench_torch.py <W1|W2|W3|W4|MM> [--mode nograd|eager|jit]
                                       [--system NAME] [--quick]
  mode (forward workloads W1/W3/W4): nograd - nn.LSTM under torch.inference_mode() (default)
                                     eager  - plain model(x), autograd on
                                     jit    - torch.jit.trace + freeze, under inference_mode
       (W2 is always eager training; MM ignores the mode)
env: TORCH_THREADS (default 1) -> torch.set_num_threads. Debian's torch links libblas.so.3,
     whichever the loader finds: the bench runs it with
       LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread  OPENBLAS_NUM_THREADS=<threads>
     (torch.set_num_threads does not reach OpenBLAS in this build). The BLAS library actually
     mapped into the process is recorded in "blas" (from /proc/self/maps).
Timing: the rule of src/timing.ts (>= 2 warm-ups, median of >= 5 timed iterations until 8 s;
latency: >= 20 iterations, 4 s; W4 skipped if its first iteration takes > 60 s).
"""
import json
import os
import platform
import resource
import statistics
import sys
import time

WORKLOADS = {
    "W1": dict(B=32, T=64, E=128, H=256, kind="infer"),
    "W2": dict(B=32, T=64, E=128, H=256, kind="train", classes=10),
    "W3": dict(B=1, T=32, E=128, H=128, kind="latency"),
    "W4": dict(B=64, T=100, E=256, H=512, kind="infer"),
    "MM": dict(B=0, T=0, E=2048, H=2048, kind="matmul"),
}


def gate_flops(w):
    if w["kind"] == "matmul":
        return 2 * w["E"] ** 3
    f = 2 * 4 * w["H"] * (w["E"] + w["H"]) * w["B"] * w["T"]
    return 3 * f if w["kind"] == "train" else f


def timing_plan(wid, kind, quick):
    skip_over = 60.0 if wid == "W4" else float("inf")
    if quick:
        return dict(warmup=1, min_iters=2, max_iters=2, target_s=0.0, max_s=60.0, skip_over_s=skip_over)
    if kind == "latency":
        return dict(warmup=5, min_iters=20, max_iters=500, target_s=4.0, max_s=120.0, skip_over_s=skip_over)
    return dict(warmup=2, min_iters=5, max_iters=30, target_s=8.0, max_s=240.0, skip_over_s=skip_over)


def time_it(fn, warmup, min_iters, max_iters, target_s, max_s, skip_over_s):
    for i in range(warmup):
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
        if i == 0 and dt > skip_over_s:
            return dict(skipped=dt)
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
    """The BLAS shared libraries mapped into this process (resolved paths)."""
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
    pos, opts = [], {"mode": "nograd", "system": "pytorch", "quick": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--quick":
            opts["quick"] = True
        elif a in ("--mode", "--system"):
            opts[a[2:]] = argv[i + 1]
            i += 1
        else:
            pos.append(a)
        i += 1
    return (pos[0] if pos else "W1"), opts


def main(wid, opts):
    base = dict(workload=wid, system=opts["system"])
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except Exception as e:  # no torch: a skipped row, with the reason
        emit(dict(base, status="skipped", note=f"PyTorch not importable by {sys.executable}: {e!r}"[:300]))
        return
    if wid not in WORKLOADS:
        raise SystemExit("unknown workload " + wid)
    w = WORKLOADS[wid]
    threads = int(os.environ.get("TORCH_THREADS", "1"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    info = dict(threads=torch.get_num_threads(), openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
                torch_version=torch.__version__, python=platform.python_version())
    plan = timing_plan(wid, w["kind"], opts["quick"])
    mode = opts["mode"]

    if w["kind"] == "matmul":
        n = w["E"]
        a, b, c = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
        fn = lambda: torch.mm(a, b, out=c)  # noqa: E731
        api = "torch.mm(a, b, out=c)"
        mode = None
    else:
        B, T, E, H = w["B"], w["T"], w["E"], w["H"]
        x = torch.randn(B, T, E)
        if w["kind"] == "train":
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.lstm = nn.LSTM(E, H, batch_first=True)
                    self.fc = nn.Linear(H, w["classes"])

                def forward(self, x):
                    y, _ = self.lstm(x)
                    return self.fc(y[:, -1])

            model = Net()
            y = torch.randint(0, w["classes"], (B,))
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            last = {}

            def fn():
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                last["loss"] = loss.item()

            api = "nn.LSTM + nn.Linear on the last h, F.cross_entropy, backward, Adam.step"
            mode = "eager-train"
        else:
            model = nn.LSTM(E, H, batch_first=True)
            if mode == "eager":
                def fn():
                    return model(x)[0]
                api = "nn.LSTM(x), autograd on"
            elif mode == "nograd":
                def fn():
                    with torch.inference_mode():
                        return model(x)[0]
                api = "nn.LSTM(x) under torch.inference_mode()"
            elif mode == "jit":
                model.eval()
                with torch.no_grad():
                    traced = torch.jit.trace(model, (x,))
                    traced = torch.jit.freeze(traced) if hasattr(torch.jit, "freeze") else traced

                def fn():
                    with torch.inference_mode():
                        return traced(x)[0]
                api = "torch.jit.trace + freeze(nn.LSTM) under inference_mode"
            else:
                raise SystemExit("unknown mode " + mode)

    t = time_it(fn, **plan)
    blas = blas_libs()
    info.update(mode=mode, api=api, blas=blas)
    if not any("openblas" in p for p in blas):
        info["note"] = "BLAS is not OpenBLAS: " + (", ".join(blas) or "no libblas mapped")
    if "skipped" in t:
        emit(dict(base, status="skipped", note=f"first iteration took {t['skipped']:.1f} s > 60 s: not timed further",
                  first_iter_s=sig(t["skipped"], 4), **info))
        return
    s = t["median_s"]
    res = dict(base, seq_per_s=None if w["kind"] == "matmul" else sig(w["B"] / s), ms=sig(s * 1000),
               gflops=sig(gate_flops(w) / s / 1e9), status="ok", iters=t["iters"],
               min_ms=sig(t["min_s"] * 1000), max_ms=sig(t["max_s"] * 1000), **info)
    if w["kind"] == "train":
        res["last_loss"] = round(last["loss"], 5)
    emit(res)


if __name__ == "__main__":
    wid, opts = parse_args(sys.argv[1:])
    try:
        main(wid, opts)
    except Exception as e:  # report, don't crash the runner
        emit(dict(workload=wid, system=opts["system"], status="error", note=repr(e)[:400]))
        sys.exit(1)
