#!/usr/bin/python3
"""PyTorch CPU peer runner for `pnpm bench` (Debian python3-torch, OpenBLAS).

Adapted from ../shared/design/peer-bench/bench_torch.py. One workload per process, one
JSON line out, in the format of packages/bench/src/result.ts:
  {"workload","system","seq_per_s","ms","gflops","peak_rss_mb","status", ...details}

usage: /usr/bin/python3 bench_torch.py <W1|W2|W3|W4|MM|DB> [--mode nograd|eager|jit]
                                       [--system NAME] [--device cpu|cuda] [--tf32] [--quick]
  mode (forward workloads W1/W3/W4): nograd - nn.LSTM under torch.inference_mode() (default)
                                     eager  - plain model(x), autograd on
                                     jit    - torch.jit.trace + freeze, under inference_mode
       (W2 and DB are always eager training; MM ignores the mode)
  device: cpu (default), or cuda (the GPU run of issue 16: nn.LSTM runs on cuDNN; every
          iteration ends with torch.cuda.synchronize(); a skipped row, with the reason, where
          torch has no CUDA device). On CUDA, TF32 is off (strict float32, as cellstate's
          WebGPU kernels compute) unless --tf32, which keeps PyTorch's default for cuDNN
          (torch.backends.cudnn.allow_tf32 = True: TF32 tensor cores in the LSTM GEMMs).
env: TORCH_THREADS (default 1) -> torch.set_num_threads. Debian's torch links libblas.so.3,
     whichever the loader finds: the bench runs it with
       LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread  OPENBLAS_NUM_THREADS=<threads>
     (torch.set_num_threads does not reach OpenBLAS in this build). The BLAS library actually
     mapped into the process is recorded in "blas" (from /proc/self/maps).
Timing: the rule of src/timing.ts (>= 2 warm-ups, median of >= 5 timed iterations until 8 s;
latency: >= 20 iterations, 4 s; W4 skipped if its first iteration takes > 60 s), as
bench_common.py implements it.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the runners
# The script's own directory is on sys.path (python3 <dir>/bench_torch.py).
from bench_common import (add_blas_note, blas_libs, emit, emit_not_importable, parse_options,  # noqa: E402
                          run_reporting_errors, runtime_info, set_threads, sig, time_it, timed_fields, timing_plan)

WORKLOADS = {
    "W1": dict(B=32, T=64, E=128, H=256, kind="infer"),
    "W2": dict(B=32, T=64, E=128, H=256, kind="train", classes=10),
    "W3": dict(B=1, T=32, E=128, H=128, kind="latency"),
    "W4": dict(B=64, T=100, E=256, H=512, kind="infer"),
    "MM": dict(B=0, T=0, E=2048, H=2048, kind="matmul"),
    # DeepBench's LSTM training shape (src/workloads.ts DB), trained as W2 is.
    "DB": dict(B=16, T=25, E=512, H=512, kind="train", classes=10),
}


def gate_flops(w):
    if w["kind"] == "matmul":
        return 2 * w["E"] ** 3
    f = 2 * 4 * w["H"] * (w["E"] + w["H"]) * w["B"] * w["T"]
    return 3 * f if w["kind"] == "train" else f


def parse_args(argv):
    pos = []
    opts = parse_options(argv, {"mode": "nograd", "system": "pytorch", "device": "cpu", "quick": False, "tf32": False},
                         flags=("quick", "tf32"), values=("mode", "system", "device"), other=lambda a, _: pos.append(a))
    return (pos[0] if pos else "W1"), opts


def main(wid, opts):
    base = dict(workload=wid, system=opts["system"])
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except Exception as e:  # no torch: a skipped row, with the reason
        emit_not_importable(base, e)
        return
    if wid not in WORKLOADS:
        raise SystemExit("unknown workload " + wid)
    w = WORKLOADS[wid]
    device = opts["device"]
    if device not in ("cpu", "cuda"):
        raise SystemExit("unknown device " + device)
    if device == "cuda" and not torch.cuda.is_available():
        emit(dict(base, status="skipped", note=f"torch {torch.__version__} has no CUDA device here (torch.cuda.is_available() is False;"
                                               f" CUDA build: {torch.version.cuda})"))
        return
    set_threads(torch)
    torch.manual_seed(0)
    info = runtime_info(torch)
    cuda = device == "cuda"
    if cuda:
        torch.backends.cudnn.allow_tf32 = bool(opts["tf32"])
        torch.backends.cuda.matmul.allow_tf32 = bool(opts["tf32"])
        info.update(device=torch.cuda.get_device_name(0), cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
                    cudnn_enabled=torch.backends.cudnn.enabled, tf32=bool(opts["tf32"]))
    dev = torch.device(device)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    plan = timing_plan(opts["quick"], latency=w["kind"] == "latency", skip_over_s=60.0 if wid == "W4" else float("inf"))
    mode = opts["mode"]

    if w["kind"] == "matmul":
        n = w["E"]
        a, b, c = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev), torch.empty(n, n, device=dev)

        def fn():
            torch.mm(a, b, out=c)
            sync()
        api = "torch.mm(a, b, out=c)"
        mode = None
    else:
        B, T, E, H = w["B"], w["T"], w["E"], w["H"]
        x = torch.randn(B, T, E, device=dev)
        if w["kind"] == "train":
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.lstm = nn.LSTM(E, H, batch_first=True)
                    self.fc = nn.Linear(H, w["classes"])

                def forward(self, x):
                    y, _ = self.lstm(x)
                    return self.fc(y[:, -1])

            model = Net().to(dev)
            y = torch.randint(0, w["classes"], (B,), device=dev)
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
            model = nn.LSTM(E, H, batch_first=True).to(dev)
            if mode == "eager":
                def fn():
                    y = model(x)[0]
                    sync()
                    return y
                api = "nn.LSTM(x), autograd on"
            elif mode == "nograd":
                def fn():
                    with torch.inference_mode():
                        y = model(x)[0]
                    sync()
                    return y
                api = "nn.LSTM(x) under torch.inference_mode()"
            elif mode == "jit":
                model.eval()
                with torch.no_grad():
                    traced = torch.jit.trace(model, (x,))
                    traced = torch.jit.freeze(traced) if hasattr(torch.jit, "freeze") else traced

                def fn():
                    with torch.inference_mode():
                        y = traced(x)[0]
                    sync()
                    return y
                api = "torch.jit.trace + freeze(nn.LSTM) under inference_mode"
            else:
                raise SystemExit("unknown mode " + mode)

    t = time_it(fn, **plan)
    blas = blas_libs()
    info.update(mode=mode, api=api, blas=blas)
    if cuda:
        info["api"] = api + " on CUDA (cuDNN)"
        info["max_memory_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    else:
        add_blas_note(info, blas)
    if "skipped" in t:
        emit(dict(base, status="skipped", note=f"first iteration took {t['skipped']:.1f} s > 60 s: not timed further",
                  first_iter_s=sig(t["skipped"], 4), **info))
        return
    res = dict(base, **timed_fields(t, None if w["kind"] == "matmul" else w["B"], gate_flops(w)), **info)
    if w["kind"] == "train":
        res["last_loss"] = round(last["loss"], 5)
    emit(res)


if __name__ == "__main__":
    wid, opts = parse_args(sys.argv[1:])
    run_reporting_errors(main, wid, opts["system"], wid, opts)
