#!/usr/bin/env python3
"""Summarises a GPU run's output folder (tools/gpu/run.sh) as markdown: the adapter, the
stages, the conformance counts, and per workload the median ms of each system with
cellstate-webgpu's ratio to PyTorch CUDA (cuDNN) and to the CPU rows; then issue 16's
targets (DB within 3x of cuDNN, aim 1.5x; W4 forward >= 10x the CPU backend on the same
machine) as met / missed.

usage: python3 tools/gpu/summary.py OUT_DIR
"""
import json
import os
import sys


def lines(path):
    try:
        with open(path) as f:
            return [json.loads(l) for l in f if l.startswith("{")]
    except (OSError, ValueError):
        return []


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.3g}" if v < 1000 else f"{v:.0f}"


def main(out):
    adapter = lines(os.path.join(out, "adapter.json"))
    stages = lines(os.path.join(out, "stages.jsonl"))
    conf = [r for r in lines(os.path.join(out, "conformance.jsonl")) if r.get("stage") == "conformance"]
    bench = lines(os.path.join(out, "bench.jsonl"))
    print("## GPU run summary\n")
    if adapter:
        a = adapter[0]
        print(f"adapter: {a.get('summary')} (software: {a.get('software')}); ICD: {a.get('env', {}).get('VK_DRIVER_FILES')}")
    print("stages: " + ", ".join(f"{s['stage']} {s['status']} {s['seconds']} s" for s in stages))
    if conf:
        c = conf[-1]
        print(f"conformance: {c.get('passed')} passed, {c.get('failed')} failed, {c.get('skipped')} skipped in {c.get('wall_s')} s")
        for f in c.get("failures", [])[:10]:
            print(f"  FAILED {f}")
    else:
        print("conformance: no summary line (timed out or crashed: see run.log and conformance.jsonl)")
    by = {}
    for r in bench:
        by.setdefault(r["workload"], {})[r["system"]] = r
    ok = lambda r: r is not None and r.get("status") == "ok" and r.get("ms")  # noqa: E731
    print("\n| workload | system | status | ms | gflops | webgpu speed-up vs this row |")
    print("|---|---|---|---|---|---|")
    for w, rows in by.items():
        gpu = rows.get("cellstate-webgpu")
        for s, r in rows.items():
            ratio = f"{r['ms'] / gpu['ms']:.2f}x" if ok(gpu) and ok(r) and s != "cellstate-webgpu" else "-"
            note = "" if r["status"] == "ok" else f" ({str(r.get('note'))[:80]})"
            print(f"| {w} | {s} | {r['status']}{note} | {fmt(r.get('ms'))} | {fmt(r.get('gflops'))} | {ratio} |")
    print("\ntargets (issue 16):")
    db = by.get("DB", {})
    g, c = db.get("cellstate-webgpu"), db.get("pytorch-cuda")
    if ok(g) and ok(c):
        x = g["ms"] / c["ms"]
        print(f"  DB training step within 3x of cuDNN (aim 1.5x): webgpu {fmt(g['ms'])} ms vs cuDNN {fmt(c['ms'])} ms = {x:.2f}x slower: "
              f"{'met' if x <= 3 else 'missed'}{' (aim met)' if x <= 1.5 else ''}")
    else:
        print("  DB vs cuDNN: not measured (a row is missing or not ok)")
    w4 = by.get("W4", {})
    g, c = w4.get("cellstate-webgpu"), w4.get("cellstate-cpu-relaxed")
    if ok(g) and ok(c):
        x = c["ms"] / g["ms"]
        print(f"  W4 forward >= 10x the CPU backend on this machine: {x:.1f}x: {'met' if x >= 10 else 'missed'}")
    else:
        print("  W4 vs the CPU backend: not measured (a row is missing or not ok)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
