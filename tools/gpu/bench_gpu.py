#!/usr/bin/env python3
"""The bench stage of the GPU run (tools/gpu/run.sh): (system, workload) pairs, most important
first, each in its own process under its own time limit, until the stage's budget is spent.
Appends one JSON line per pair to --out (the format of packages/bench/src/result.ts, plus
wall_s, stage and, for rows that did not run, the reason in note).

usage: python3 tools/gpu/bench_gpu.py --node DIST/bin/node --dist DIST --out FILE
                                      [--budget S] [--pair-limit S] [--quick] [--plan gpu|rehearsal]
  --budget      seconds for the whole stage (default 240); a pair is started only while at
                least 15 s are left, and is given at most what is left
  --pair-limit  seconds per pair (default 90)
  --quick       pass --quick to every runner (1 warm-up, 2 timed iterations: smoke tests)
  --plan        gpu (default): the pairs of issue 16 in priority order; rehearsal: the same
                systems on the small workloads only (SwiftShader runs DB at ~20 s an iteration)

Systems: cellstate-webgpu (the WebGPU backend on Dawn), cellstate-cpu-relaxed (the CPU
backend on all cores), pytorch-cuda (cuDNN, strict float32), pytorch-cuda-tf32 (PyTorch's
default TF32 for cuDNN), pytorch-cpu (all cores). PyTorch rows use BENCH_PYTHON or this
interpreter; CUDA rows say 'skipped' with the reason where torch has no CUDA device.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BENCH_TORCH = os.path.join(REPO, "packages", "bench", "python", "bench_torch.py")

# Priority order: the targets first (DB within 3x of cuDNN; W4 >= 10x backend-cpu),
# then the other workloads on GPU, then the CPU references.
GPU_PLAN = [
    ("cellstate-webgpu", "DB"), ("pytorch-cuda", "DB"),
    ("cellstate-webgpu", "W4"), ("pytorch-cuda", "W4"), ("cellstate-cpu-relaxed", "W4"),
    ("cellstate-webgpu", "W2"), ("pytorch-cuda", "W2"),
    ("cellstate-webgpu", "W1"), ("pytorch-cuda", "W1"),
    ("cellstate-webgpu", "W3"), ("pytorch-cuda", "W3"),
    ("pytorch-cuda-tf32", "DB"), ("pytorch-cuda-tf32", "W4"),
    ("pytorch-cpu", "DB"), ("pytorch-cpu", "W4"), ("cellstate-cpu-relaxed", "DB"),
    ("cellstate-webgpu", "MM"), ("pytorch-cuda", "MM"),
    ("pytorch-cpu", "W2"), ("cellstate-cpu-relaxed", "W2"),
    ("pytorch-cpu", "W1"), ("cellstate-cpu-relaxed", "W1"),
]
# SwiftShader emulates the GPU on this machine's 2 cores: only the small workloads fit a rehearsal.
REHEARSAL_PLAN = [
    ("cellstate-webgpu", "W3"), ("pytorch-cuda", "W3"), ("pytorch-cuda-tf32", "W3"),
    ("cellstate-cpu-relaxed", "W3"), ("pytorch-cpu", "W3"),
    ("pytorch-cuda", "DB"), ("pytorch-cpu", "DB"), ("cellstate-cpu-relaxed", "DB"),
    ("cellstate-webgpu", "W1"),
]

FIXED = ("workload", "system", "seq_per_s", "ms", "gflops", "peak_rss_mb", "status")


def row(workload, system, status, note, **extra):
    r = {k: None for k in FIXED}
    r.update(workload=workload, system=system, status=status, note=note, **extra)
    return r


def command(system, workload, node, dist, quick, python):
    q = ["--quick"] if quick else []
    cores = str(os.cpu_count() or 1)
    if system.startswith("cellstate-"):
        args = [node]
        if system.startswith("cellstate-cpu-relaxed") and node_major(node) < 22:
            args.append("--experimental-wasm-relaxed-simd")
        return args + [os.path.join(dist, "run-one.mjs"), system, workload] + q, {}
    if system == "pytorch-cpu":
        env = {"TORCH_THREADS": cores, "OPENBLAS_NUM_THREADS": cores}
        # Debian's torch (the rehearsal) links libblas.so.3: point it at OpenBLAS as src/peers/index.ts does.
        blas = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
        if os.path.exists(os.path.join(blas, "libblas.so.3")):
            env["LD_LIBRARY_PATH"] = ":".join(p for p in (blas, os.environ.get("LD_LIBRARY_PATH")) if p)
        return [python, BENCH_TORCH, workload, "--system", system] + q, env
    if system == "pytorch-cuda":
        return [python, BENCH_TORCH, workload, "--system", system, "--device", "cuda"] + q, {"TORCH_THREADS": "1"}
    if system == "pytorch-cuda-tf32":
        return [python, BENCH_TORCH, workload, "--system", system, "--device", "cuda", "--tf32"] + q, {"TORCH_THREADS": "1"}
    raise SystemExit("unknown system " + system)


_major = {}


def node_major(node):
    if node not in _major:
        try:
            v = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
            _major[node] = int(v.lstrip("v").split(".")[0])
        except Exception:
            _major[node] = 20
    return _major[node]


def run_pair(system, workload, node, dist, quick, python, limit):
    cmd, env = command(system, workload, node, dist, quick, python)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, env={**os.environ, **env})
        out, err, rc, why = p.stdout, p.stderr, p.returncode, None
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        rc, why = None, f"timed out after {limit:.0f} s (the pair's limit)"
    wall = round(time.monotonic() - t0, 1)
    lines = [l for l in out.strip().split("\n") if l.startswith("{")]
    if lines:
        try:
            r = json.loads(lines[-1])
            r["wall_s"] = wall
            if why:
                r["note"] = (str(r.get("note") or "") + "; process " + why).lstrip("; ")
            return r, err
        except ValueError:
            pass
    tail = " | ".join(err.strip().split("\n")[-3:])[-300:]
    return row(workload, system, "error", f"{why or f'exit {rc}, no JSON line'}" + (f": {tail}" if tail else ""), wall_s=wall), err


def main(argv):
    opts = {"node": None, "dist": None, "out": None, "budget": "240", "pair-limit": "90", "plan": "gpu"}
    quick = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--quick":
            quick = True
        elif a.startswith("--") and a[2:] in opts and i + 1 < len(argv):
            opts[a[2:]] = argv[i + 1]
            i += 1
        else:
            raise SystemExit(f"unknown argument {a!r}\n{__doc__}")
        i += 1
    if not (opts["node"] and opts["dist"] and opts["out"]):
        raise SystemExit(__doc__)
    python = os.environ.get("BENCH_PYTHON") or sys.executable
    plan = REHEARSAL_PLAN if opts["plan"] == "rehearsal" else GPU_PLAN
    budget, pair_limit = float(opts["budget"]), float(opts["pair-limit"])
    start = time.monotonic()
    counts = {"ok": 0, "skipped": 0, "error": 0}
    with open(opts["out"], "a") as f:
        for system, workload in plan:
            left = budget - (time.monotonic() - start)
            if left < 15:
                r = row(workload, system, "skipped", f"not started: the bench stage's budget ({budget:.0f} s) was spent")
                r["wall_s"] = 0
            else:
                r, err = run_pair(system, workload, opts["node"], opts["dist"], quick, python, min(pair_limit, left))
                if r["status"] != "ok" and err.strip():
                    sys.stderr.write(f"--- {system} {workload} stderr (tail):\n" + "\n".join(err.strip().split("\n")[-8:]) + "\n")
            r["stage"] = "bench"
            r["quick"] = quick
            counts[r["status"]] = counts.get(r["status"], 0) + 1
            f.write(json.dumps(r) + "\n")
            f.flush()
            ms = f" {r['ms']} ms" if r.get("ms") is not None else ""
            note = f" ({str(r.get('note'))[:140]})" if r["status"] != "ok" and r.get("note") else ""
            sys.stderr.write(f"[bench +{time.monotonic() - start:5.1f}s] {system:22s} {workload:3s} {r['status']}{ms} wall {r.get('wall_s')} s{note}\n")
            sys.stderr.flush()
    print(json.dumps({"stage": "bench-summary", **counts, "wall_s": round(time.monotonic() - start, 1), "quick": quick, "plan": opts["plan"]}))


if __name__ == "__main__":
    main(sys.argv[1:])
