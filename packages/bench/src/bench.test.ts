// Smoke test of the harness: one tiny run through the real CLI (its own processes), checking
// the JSON line format; no timing assertions.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { skipTitle } from '../../../tools/test-env/requirements.ts';
import { allSystems } from './peers/index.js';
import type { BenchResult } from './result.js';
import { renderMarkdown, targetsTable } from './report.js';
import { AIRLINE_TRAIN } from './whole-step/sentiment-data.js';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const FIXED = ['workload', 'system', 'seq_per_s', 'ms', 'gflops', 'peak_rss_mb'];

function bench(args: string[], env: Record<string, string> = {}): BenchResult[] {
  const child = spawnSync(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 50_000,
  });
  expect(child.status, child.stderr).toBe(0);
  const lines = child.stdout.trim().split('\n').filter(Boolean);
  for (const l of lines) expect(l.startsWith('{'), l).toBe(true);
  return lines.map((l) => JSON.parse(l) as BenchResult);
}

const isNumOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

describe('pnpm bench --json', () => {
  it('runs a --quick W3 for cellstate-cpu and prints one well-formed JSON line', () => {
    const [r, ...rest] = bench(['--', '--json', '--quick', '--workloads', 'W3', '--systems', 'cellstate-cpu-wasm-1t']);
    expect(rest).toHaveLength(0);
    expect(Object.keys(r!).slice(0, FIXED.length)).toEqual(FIXED);
    expect(r).toMatchObject({ workload: 'W3', system: 'cellstate-cpu-wasm-1t', status: 'ok' });
    for (const k of ['seq_per_s', 'ms', 'gflops', 'peak_rss_mb'] as const) {
      expect(typeof r![k], k).toBe('number');
      expect(r![k]!, k).toBeGreaterThan(0);
    }
    // W3: B = 1, so sequences per second is 1000 / ms.
    expect(r!.seq_per_s! * r!.ms!).toBeCloseTo(1000, 0);
  });

  // W7FIT: W7 through `fit` (the overhead of the front door); needs W7's airline tweets.
  const noAirline = existsSync(AIRLINE_TRAIN) ? undefined : `${AIRLINE_TRAIN} not found (the airline tweets in ../shared/data; or set CELLSTATE_SHARED_DATA)`;
  it.skipIf(!!noAirline)(skipTitle('runs a --quick W7FIT (W7 through fit) in the row format of W7, for cellstate only', noAirline), () => {
    const [r, ...rest] = bench(['--json', '--quick', '--workloads', 'W7FIT', '--systems', 'cellstate-cpu-wasm-1t']);
    expect(rest).toHaveLength(0);
    expect(Object.keys(r!).slice(0, FIXED.length)).toEqual(FIXED);
    expect(r).toMatchObject({ workload: 'W7FIT', system: 'cellstate-cpu-wasm-1t', status: 'ok', iters: 2, threads: 1, parameters: expect.any(Number), gflop_per_step: expect.any(Number) });
    for (const k of ['seq_per_s', 'ms', 'gflops', 'mean_ms'] as const) expect(r![k] as number, k).toBeGreaterThan(0);
    // 32 tweets a step.
    expect(r!.seq_per_s! * r!.ms!).toBeCloseTo(32_000, -1);
    expect(allSystems().filter((s) => s.workloads.includes('W7FIT')).every((s) => s.kind === 'cellstate')).toBe(true);
  }, 60_000);

  it('prints a skipped PyTorch row with the reason when the interpreter is missing', () => {
    const [r] = bench(['--json', '--quick', '--workloads', 'W3', '--systems', 'pytorch-openblas-1t'], { BENCH_PYTHON: '/nonexistent/python3' });
    expect(Object.keys(r!).slice(0, FIXED.length)).toEqual(FIXED);
    for (const k of FIXED.slice(2)) expect(isNumOrNull(r![k])).toBe(true);
    expect(r).toMatchObject({ workload: 'W3', system: 'pytorch-openblas-1t', status: 'skipped', ms: null });
    expect(String(r!.note)).toContain('/nonexistent/python3');
  });

  it('gives the GPU systems a row each: ok on a GPU, else skipped or error with the reason', () => {
    // No CUDA here: pytorch-cuda says why it skipped (no python3, no torch, no CUDA device).
    // No hardware WebGPU adapter (SwiftShader does not count without CELLSTATE_BENCH_WEBGPU_SOFTWARE=1): an error naming that.
    const rows = bench(['--json', '--quick', '--workloads', 'W3', '--systems', 'pytorch-cuda,cellstate-webgpu'], { CELLSTATE_BENCH_WEBGPU_SOFTWARE: '' });
    expect(rows.map((r) => r.system)).toEqual(['pytorch-cuda', 'cellstate-webgpu']);
    const [cuda, webgpu] = rows;
    for (const r of rows) expect(Object.keys(r!).slice(0, FIXED.length)).toEqual(FIXED);
    if (cuda!.status !== 'ok') expect(cuda).toMatchObject({ status: 'skipped', note: expect.stringMatching(/CUDA|torch|PyTorch|python3/) });
    if (webgpu!.status !== 'ok') expect(webgpu).toMatchObject({ status: 'error', note: expect.stringContaining('WebGPU adapter') });
  });
});

describe('report', () => {
  const row = (system: string, workload: string, ms: number, extra: Partial<BenchResult> = {}): BenchResult => ({
    workload, system, seq_per_s: null, ms, gflops: null, peak_rss_mb: 100, status: 'ok', ...extra,
  });
  const results = [
    row('cellstate-cpu', 'W1', 10),
    row('tfjs-wasm-simd', 'W1', 30),
    row('pytorch-openblas-1t', 'W1', 5),
    row('pytorch-openblas', 'W1', 8),
    row('cellstate-cpu', 'MM', 100, { threads: 1 }),
    row('cellstate-wasm-threads', 'MM', 10, { threads: 2 }),
    row('tfjs-wasm-simd', 'MM', 120),
  ];

  it('phrases the targets as speed-ups against the best reference row', () => {
    const t = targetsTable(results);
    const w1 = t.find((l) => l.startsWith('| W1'))!;
    expect(w1).toContain('**met** (3x) cellstate-cpu vs tfjs-wasm-simd');
    expect(w1).toContain('**missed** (0.5x, 1.6x short) cellstate-cpu vs pytorch-openblas-1t');
    // MM is "one thread": the 2-thread system does not count.
    const mm = t.find((l) => l.startsWith('| MM'))!;
    expect(mm).toContain('**met** (1.2x) cellstate-cpu');
    expect(mm).toContain('**missed** (1.2x, 1.25x short) cellstate-cpu');
  });

  it('renders a table per workload', () => {
    const md = renderMarkdown(results, { date: 'd', node: 'v20', cpu: 'cpu', cores: 2, command: 'pnpm bench' });
    expect(md).toContain('### W1');
    expect(md).toContain('| **cellstate-cpu** | - | 10 | - | 100 | 3x | - | 0.5x |');
  });
});
