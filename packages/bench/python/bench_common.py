"""Helpers shared by the PyTorch peer runners of `pnpm bench` (bench_torch.py, seq2seq_torch.py,
sentiment_torch.py, infer_torch.py). Not a runner itself.

The runners are run as scripts (`/usr/bin/python3 packages/bench/python/<runner>.py ...`), so
Python puts this directory on sys.path and they import this module as `bench_common`. Each
runner sets `sys.dont_write_bytecode = True` before the import, so that no __pycache__ appears
next to them.

Timing -- mirrors packages/bench/src/timing.ts (`timingPlan`, `timeIt`):
  `timing_plan` gives >= 2 warm-ups, then timed iterations until at least 5 are done and 8 s
  of timed work have run (at most 30 iterations, and stopping after 240 s whatever the count);
  latency workloads (W3): >= 5 warm-ups, >= 20 iterations until 4 s (at most 500, 120 s).
  `--quick` (smoke tests): 1 warm-up, 2 timed iterations. A workload whose FIRST warm-up
  iteration takes longer than `skip_over_s` (bench_torch.py: 60 s for W4, else never) is not
  timed further. `time_it` reports the median (the figure every result uses), mean, min and
  max of the timed iterations, in seconds, and their count.

Output -- mirrors packages/bench/src/result.ts (`BenchResult`, `normalizeResult`, `sig`):
  one JSON line per process, `emit`; the fixed keys first, always present, null where not
  applicable:
    {"workload", "system", "seq_per_s", "ms", "gflops", "peak_rss_mb", "status", ...details}
  seq_per_s = sequences (or sentence pairs, texts) per second = items per iteration / median
  time; ms = median ms per iteration; gflops = counted flops per iteration / median time / 1e9;
  peak_rss_mb = this process's peak resident set (ru_maxrss, KiB) in MB, one decimal;
  status "ok", "skipped" (with a "note": no torch, no input file, first iteration too slow)
  or "error" (with the exception in "note"). Then the details in the runner's order, commonly
  iters, min_ms, max_ms (mean_ms), threads, openblas_threads, torch_version, python, api, blas
  (the BLAS libraries mapped into the process, from /proc/self/maps; a "note" says so when it
  is not OpenBLAS). Numbers are rounded by `sig` to 5 significant digits.

Threads: TORCH_THREADS (default 1) -> torch.set_num_threads. Debian's python3-torch links
libblas.so.3, which the bench points at OpenBLAS with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread and OPENBLAS_NUM_THREADS=<threads>
(torch.set_num_threads does not reach OpenBLAS in that build).
"""
import json
import os
import platform
import resource
import statistics
import sys
import time

FIXED_KEYS = ("workload", "system", "seq_per_s", "ms", "gflops", "peak_rss_mb", "status")


# ---------------------------------------------------------------- timing (src/timing.ts)

def timing_plan(quick, latency=False, skip_over_s=float("inf")):
    """The iteration rule (keyword arguments of `time_it`); see the module docstring."""
    if quick:
        return dict(warmup=1, min_iters=2, max_iters=2, target_s=0.0, max_s=60.0, skip_over_s=skip_over_s)
    if latency:
        return dict(warmup=5, min_iters=20, max_iters=500, target_s=4.0, max_s=120.0, skip_over_s=skip_over_s)
    return dict(warmup=2, min_iters=5, max_iters=30, target_s=8.0, max_s=240.0, skip_over_s=skip_over_s)


def time_it(fn, warmup, min_iters, max_iters, target_s, max_s, skip_over_s=float("inf")):
    """Times `fn` per a `timing_plan`: dict(median_s, mean_s, min_s, max_s, iters), or
    dict(skipped=<first warm-up seconds>) when the first warm-up took longer than skip_over_s."""
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
    return dict(median_s=statistics.median(times), mean_s=statistics.fmean(times), min_s=min(times), max_s=max(times),
                iters=len(times))


def peak_rss_mb():
    """Peak resident set of this process in MB (ru_maxrss is in KiB on Linux), one decimal."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ---------------------------------------------------------------- environment

def set_threads(torch):
    """torch.set_num_threads(TORCH_THREADS, default 1); returns the number asked for."""
    threads = int(os.environ.get("TORCH_THREADS", "1"))
    torch.set_num_threads(threads)
    return threads


def runtime_info(torch):
    """The details threads, openblas_threads, torch_version, python (in that order)."""
    return dict(threads=torch.get_num_threads(), openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
                torch_version=torch.__version__, python=platform.python_version())


def blas_libs():
    """The BLAS shared libraries mapped into this process (resolved paths)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {l.split()[-1] for l in f if "blas" in l and "/" in l}
        return sorted({os.path.realpath(p) for p in libs})
    except OSError:
        return []


def add_blas_note(obj, blas):
    """Sets obj["note"] when none of the mapped BLAS libraries `blas` is OpenBLAS."""
    if not any("openblas" in p for p in blas):
        obj["note"] = "BLAS is not OpenBLAS: " + (", ".join(blas) or "no libblas mapped")
    return obj


# ---------------------------------------------------------------- result line (src/result.ts)

def sig(v, digits=5):
    """`v` rounded to `digits` significant digits (result.ts `sig`)."""
    return float(f"{v:.{digits}g}")


def timed_fields(t, items, flops, mean=False):
    """The metrics of a `time_it` result `t`: seq_per_s (items / median s; None when items is
    None), ms, gflops (flops / median s / 1e9; None when flops is None), status "ok", iters,
    min_ms, max_ms, and mean_ms when `mean`."""
    s = t["median_s"]
    out = dict(seq_per_s=None if items is None else sig(items / s), ms=sig(s * 1000),
               gflops=None if flops is None else sig(flops / s / 1e9), status="ok", iters=t["iters"],
               min_ms=sig(t["min_s"] * 1000), max_ms=sig(t["max_s"] * 1000))
    if mean:
        out["mean_ms"] = sig(t["mean_s"] * 1000)
    return out


def emit(obj):
    """Prints `obj` as one JSON line: the fixed keys first (null when missing; peak_rss_mb
    filled in), then the other keys in their order."""
    obj.setdefault("peak_rss_mb", peak_rss_mb())
    for k in FIXED_KEYS:
        obj.setdefault(k, None)
    out = {k: obj[k] for k in FIXED_KEYS}
    out.update({k: v for k, v in obj.items() if k not in FIXED_KEYS})
    print(json.dumps(out), flush=True)


def emit_not_importable(base, e, what="PyTorch"):
    """The "skipped" row for a runner whose `what` (torch, numpy) cannot be imported."""
    emit(dict(base, status="skipped", note=f"{what} not importable by {sys.executable}: {e!r}"[:300]))


def run_reporting_errors(main, workload, system, *args):
    """main(*args); an exception becomes an "error" row (the exception in "note") and exit
    status 1, so the bench gets a line either way. SystemExit (usage errors) passes through."""
    try:
        main(*args)
    except Exception as e:  # report, don't crash the runner
        emit(dict(workload=workload, system=system, status="error", note=repr(e)[:400]))
        sys.exit(1)


# ---------------------------------------------------------------- command line

def _reject(a, opts):
    raise SystemExit(f"unknown argument {a!r}")


def parse_options(argv, defaults, flags=("quick",), values=("system",), other=_reject):
    """The runners' option loop: a copy of `defaults`, `--<flag>` (for each of `flags`) set to
    True, `--<name> VALUE` (for each of `values`) set to VALUE; any other argument goes to
    other(arg, opts) (positional arguments; it raises SystemExit for what it does not accept)."""
    opts = dict(defaults)
    i = 0
    while i < len(argv):
        a = argv[i]
        name = a[2:] if a.startswith("--") else None
        if name in flags:
            opts[name] = True
        elif name in values:
            if i + 1 >= len(argv):
                raise SystemExit(f"{a} needs a value")
            opts[name] = argv[i + 1]
            i += 1
        else:
            other(a, opts)
        i += 1
    return opts
