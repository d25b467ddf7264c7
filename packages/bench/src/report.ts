// Renders the results of one run as markdown: per workload, every system (cellstate and
// peers) with the ratios the issue-5 targets are phrased in, W2's peak memory, and the
// targets with met / missed.
import { WORKLOADS, type Workload } from './workloads.js';
import type { BenchResult } from './result.js';
import { median } from './timing.js';

/** A reference a ratio is taken against: one system, or the best of several. */
export interface Ref {
  label: string;
  systems: (name: string) => boolean;
}

export const REFS = {
  wasmSimd: { label: 'TF.js wasm SIMD', systems: (n: string) => n === 'tfjs-wasm-simd' },
  wasmThreads: { label: 'TF.js wasm threads', systems: (n: string) => n === 'tfjs-wasm-threads' },
  wasm: { label: 'TF.js wasm (best of SIMD, threads)', systems: (n: string) => n === 'tfjs-wasm-simd' || n === 'tfjs-wasm-threads' },
  pytorch: { label: 'PyTorch + OpenBLAS (best row)', systems: (n: string) => n.startsWith('pytorch') && !n.startsWith('pytorch-cuda') },
  pytorch1t: { label: 'PyTorch 1 thread', systems: (n: string) => n === 'pytorch-openblas-1t' },
  pytorchAll: { label: 'PyTorch all threads', systems: (n: string) => n === 'pytorch-openblas' },
} satisfies Record<string, Ref>;

/** Issue 14's whole-step targets: a cellstate system (1 thread, or any) against one reference row. */
export interface StepTarget {
  workload: Workload['id'];
  text: string;
  kind: 'must' | 'aim';
  ref: Ref;
  ratio: number;
  /** Only one-thread cellstate systems count. */
  singleThread: boolean;
}

export const STEP_TARGETS: StepTarget[] = [
  { workload: 'W5', kind: 'must', text: '≥ 0.5x PyTorch, both on one thread', ref: REFS.pytorch1t, ratio: 0.5, singleThread: true },
  { workload: 'W5', kind: 'aim', text: '≥ 1x PyTorch with all threads', ref: REFS.pytorchAll, ratio: 1, singleThread: false },
  { workload: 'W6', kind: 'must', text: '≥ 0.5x PyTorch, both on one thread', ref: REFS.pytorch1t, ratio: 0.5, singleThread: true },
  { workload: 'W6', kind: 'aim', text: '≥ 1x PyTorch with all threads', ref: REFS.pytorchAll, ratio: 1, singleThread: false },
  { workload: 'W7', kind: 'must', text: '≥ 1x PyTorch, both on one thread', ref: REFS.pytorch1t, ratio: 1, singleThread: true },
  { workload: 'W8T', kind: 'must', text: '≥ 1x PyTorch, both on one thread', ref: REFS.pytorch1t, ratio: 1, singleThread: true },
  { workload: 'W8S', kind: 'must', text: '≥ 1x PyTorch, both on one thread', ref: REFS.pytorch1t, ratio: 1, singleThread: true },
];

/** The ratio columns of the main table: time(reference) / time(row), > 1 = the row is faster. */
const RATIO_COLUMNS: Ref[] = [REFS.wasmSimd, REFS.wasmThreads, REFS.pytorch];

export interface Target {
  workload: Workload['id'];
  must: { ref: Ref; ratio: number; text: string };
  aim: { ref: Ref; ratio: number; text: string };
  /** Only single-threaded cellstate systems count (MM: "one thread"). */
  singleThread?: boolean;
}

/** Issue 5's targets, as speed-ups of cellstate over the reference (W3's "≤ 1/4 of the latency" = ≥ 4x). */
export const TARGETS: Target[] = [
  { workload: 'W1', must: { ref: REFS.wasmSimd, ratio: 2, text: '≥ 2x TF.js wasm SIMD' }, aim: { ref: REFS.pytorch, ratio: 0.8, text: '≥ 0.8x PyTorch + OpenBLAS' } },
  { workload: 'W2', must: { ref: REFS.wasm, ratio: 20, text: '≥ 20x TF.js wasm' }, aim: { ref: REFS.pytorch, ratio: 0.5, text: '≥ 0.5x PyTorch' } },
  { workload: 'W3', must: { ref: REFS.wasm, ratio: 4, text: 'latency ≤ 1/4 of TF.js wasm' }, aim: { ref: REFS.pytorch, ratio: 1, text: 'latency ≤ PyTorch' } },
  { workload: 'W4', must: { ref: REFS.wasmThreads, ratio: 2, text: '≥ 2x TF.js wasm threads' }, aim: { ref: REFS.pytorch, ratio: 0.8, text: '≥ 0.8x PyTorch' } },
  { workload: 'MM', must: { ref: REFS.wasmSimd, ratio: 1, text: '≥ TF.js wasm SIMD' }, aim: { ref: REFS.wasmSimd, ratio: 1.5, text: '≥ 1.5x TF.js wasm SIMD' }, singleThread: true },
];

const ok = (r: BenchResult | undefined): r is BenchResult & { ms: number } => !!r && r.status === 'ok' && typeof r.ms === 'number' && r.ms > 0;

const isCellstate = (r: BenchResult) => r.system.startsWith('cellstate');

/** The fastest ok result for `workload` among systems matching `ref`. */
export function bestOf(results: readonly BenchResult[], workload: string, pick: (name: string) => boolean): (BenchResult & { ms: number }) | undefined {
  return results.filter((r) => r.workload === workload && pick(r.system)).filter(ok).sort((a, b) => a.ms - b.ms)[0];
}

/** time(ref) / time(row); null when either is missing. */
export function speedup(row: BenchResult, ref: BenchResult | undefined): number | null {
  return ok(row) && ok(ref) ? ref.ms / row.ms : null;
}

export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return Math.abs(v) >= 10 ** digits ? Math.round(v).toString() : Number(v.toPrecision(digits)).toString();
}

const fmtRatio = (v: number | null) => (v === null ? '-' : `${fmt(v)}x`);

function statusNote(r: BenchResult): string {
  if (r.status === 'ok') return '';
  return ` **${r.status}**: ${String(r.note ?? '').replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 160)}`;
}

/** Short per-row details worth seeing in the table: threads, BLAS, tfjs wasm threads, brain.js timing mode. */
function rowDetails(r: BenchResult): string {
  const d: string[] = [];
  if (r.simd === true) d.push(`wasm SIMD${typeof r.wasm_variant === 'string' ? ` (${r.wasm_variant})` : ''}`);
  else if (r.simd === false) d.push('plain TS kernels');
  if (typeof r.wasm_threads === 'number') d.push(`wasm threads ${r.wasm_threads}`);
  else if (typeof r.threads === 'number' && r.threads > 1) d.push(`${r.threads} threads`);
  if (Array.isArray(r.blas)) {
    const lib = (r.blas as string[]).find((p) => /openblas|libblas/.test(p) && !/lapack/.test(p));
    const name = (r.blas as string[]).find((p) => /libopenblas/.test(p)) ?? lib;
    if (name) d.push(name.split('/').pop()!);
  }
  if (typeof r.measured === 'string') d.push('per-sequence timing');
  if (typeof r.load1 === 'number') d.push(`load ${r.load1.toFixed(2)}`);
  return d.join(', ');
}

export interface RunMeta {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  command: string;
  loadStart?: number[];
  loadEnd?: number[];
  quick?: boolean;
}

function workloadTable(results: readonly BenchResult[], w: string): string[] {
  const rows = results.filter((r) => r.workload === w);
  const refs = RATIO_COLUMNS.map((c) => bestOf(results, w, c.systems));
  const isMM = w === 'MM';
  const lines = [
    `| system | ${isMM ? '' : w === 'W2' ? 'train seq/s | ' : 'seq/s | '}${w === 'W3' ? 'latency ms' : 'ms / iter'} | GFLOP/s | peak RSS MB | ${RATIO_COLUMNS.map((c) => `vs ${c.label}`).join(' | ')} | details |`,
    `|---|${isMM ? '' : '---|'}---|---|---|${RATIO_COLUMNS.map(() => '---|').join('')}---|`,
  ];
  for (const r of rows) {
    const name = isCellstate(r) ? `**${r.system}**` : r.system;
    const cells = [
      `${name}${statusNote(r)}`,
      ...(isMM ? [] : [fmt(r.seq_per_s, 4)]),
      fmt(r.ms, 4),
      fmt(r.gflops),
      r.peak_rss_mb === null ? '-' : fmt(r.peak_rss_mb, 4),
      ...refs.map((ref) => (ref && ref.system === r.system ? '1x' : fmtRatio(speedup(r, ref)))),
      rowDetails(r),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

/** Ratio columns compare with the best row of a group (e.g. the fastest PyTorch row). */
function verdict(actual: number | null, need: number): string {
  if (actual === null) return 'not measured';
  return actual >= need ? `**met** (${fmt(actual)}x)` : `**missed** (${fmt(actual)}x, ${fmt(need / actual)}x short)`;
}

export function targetsTable(results: readonly BenchResult[]): string[] {
  const lines = [
    '| workload | must | measured | aim | measured |',
    '|---|---|---|---|---|',
  ];
  for (const t of TARGETS) {
    const mine = bestOf(results, t.workload, (n) => {
      if (!n.startsWith('cellstate')) return false;
      const r = results.find((x) => x.system === n && x.workload === t.workload);
      return !t.singleThread || (typeof r?.threads === 'number' ? r.threads : 1) === 1;
    });
    const who = mine ? ` ${mine.system}` : '';
    const cell = (g: Target['must']) => {
      const ref = bestOf(results, t.workload, g.ref.systems);
      return `${verdict(mine ? speedup(mine, ref) : null, g.ratio)}${who}${ref ? ` vs ${ref.system}` : ''}`;
    };
    lines.push(`| ${t.workload} ${WORKLOADS[t.workload].what} | ${t.must.text} | ${cell(t.must)} | ${t.aim.text} | ${cell(t.aim)} |`);
  }
  // Peak memory of W2: the fastest cellstate system's process vs the leanest reference process.
  const mine = bestOf(results, 'W2', (n) => n.startsWith('cellstate'));
  const lean = (pick: (n: string) => boolean) =>
    results.filter((r) => r.workload === 'W2' && pick(r.system) && r.status === 'ok' && typeof r.peak_rss_mb === 'number').sort((a, b) => a.peak_rss_mb! - b.peak_rss_mb!)[0];
  const mem = (ref: BenchResult | undefined) => {
    if (!mine || !ref || mine.peak_rss_mb === null || ref.peak_rss_mb === null) return 'not measured';
    const m = mine.peak_rss_mb <= ref.peak_rss_mb;
    return `**${m ? 'met' : 'missed'}** (${fmt(mine.peak_rss_mb, 4)} MB ${mine.system} vs ${fmt(ref.peak_rss_mb, 4)} MB ${ref.system})`;
  };
  lines.push(`| peak memory of W2 | ≤ TF.js wasm | ${mem(lean(REFS.wasm.systems))} | ≤ PyTorch | ${mem(lean(REFS.pytorch.systems))} |`);
  return lines;
}

/** Issue 14's targets for the whole-step workloads present in `results`. */
export function stepTargetsTable(results: readonly BenchResult[]): string[] {
  const lines = ['| workload | target | measured |', '|---|---|---|'];
  for (const t of STEP_TARGETS) {
    if (!results.some((r) => r.workload === t.workload)) continue;
    const mine = bestOf(results, t.workload, (n) => {
      if (!n.startsWith('cellstate')) return false;
      const r = results.find((x) => x.system === n && x.workload === t.workload);
      return !t.singleThread || (typeof r?.threads === 'number' ? r.threads : 1) === 1;
    });
    const ref = bestOf(results, t.workload, t.ref.systems);
    lines.push(`| ${t.workload} | ${t.kind}: ${t.text} | ${verdict(mine ? speedup(mine, ref) : null, t.ratio)}${mine ? ` ${mine.system}` : ''}${ref ? ` vs ${ref.system}` : ''} |`);
  }
  return lines;
}

export function renderMarkdown(results: readonly BenchResult[], meta: RunMeta): string {
  const out: string[] = [];
  const load = (l?: number[]) => (l ? l.map((x) => x.toFixed(2)).join(', ') : '?');
  out.push(`cellstate bench, ${meta.date}, Node ${meta.node}, ${meta.cores} cores (${meta.cpu})${meta.quick ? ', **--quick (smoke test, not a measurement)**' : ''}`);
  const l1 = results.map((r) => r.load1).filter((v): v is number => typeof v === 'number');
  const perRun = l1.length ? `; 1-min load before each process: ${fmt(Math.min(...l1))}–${fmt(Math.max(...l1))} (median ${fmt(median(l1))})` : '';
  const atRun = meta.loadStart ? `load average (1, 5, 15 min): ${load(meta.loadStart)} at start, ${load(meta.loadEnd)} at end` : 'load average';
  out.push(`${atRun}${perRun}; command: \`${meta.command}\``);
  const workloads = [...new Set(results.map((r) => r.workload))];
  for (const w of workloads) {
    out.push('', `### ${w}: ${WORKLOADS[w as Workload['id']]?.what ?? ''}`, '');
    out.push(...workloadTable(results, w));
  }
  const w2 = results.filter((r) => r.workload === 'W2');
  if (w2.length) {
    out.push('', '### Peak memory of W2 (peak RSS of the process that ran it)', '', '| system | peak RSS MB | vs TF.js wasm SIMD | vs PyTorch + OpenBLAS (leanest row) |', '|---|---|---|---|');
    const simd = w2.find((r) => r.system === 'tfjs-wasm-simd' && r.status === 'ok');
    const torch = w2.filter((r) => r.system.startsWith('pytorch') && r.status === 'ok' && r.peak_rss_mb !== null).sort((a, b) => a.peak_rss_mb! - b.peak_rss_mb!)[0];
    const rel = (a: BenchResult, b?: BenchResult) => (b && a.peak_rss_mb !== null && b.peak_rss_mb ? `${fmt(a.peak_rss_mb / b.peak_rss_mb)}x` : '-');
    for (const r of w2) out.push(`| ${isCellstate(r) ? `**${r.system}**` : r.system}${statusNote(r)} | ${fmt(r.peak_rss_mb, 4)} | ${rel(r, simd)} | ${rel(r, torch)} |`);
  }
  if (results.some((r) => TARGETS.some((t) => t.workload === r.workload))) {
    out.push('', '### Issue 5 targets (fastest cellstate system of this run vs the reference rows of this run)', '');
    out.push(...targetsTable(results));
  }
  if (results.some((r) => STEP_TARGETS.some((t) => t.workload === r.workload))) {
    out.push('', '### Whole training steps (issue 14): fastest cellstate system of this run vs the reference row of this run', '');
    out.push(...stepTargetsTable(results));
  }
  out.push(
    '',
    'seq/s: sequences per second (W2, W5-W7: training sequences per second); ms: median time of one iteration (W3: latency of one sequence); ' +
      'GFLOP/s: gate-matmul flops 2·4H·(E+H)·B·T per iteration (W2 counts 3x forward; MM 2n³; W5-W7: every matmul of the step, 3x forward, from the real batch shapes) / median time; ' +
      'peak RSS: maxRSS of the process that ran that one workload. Ratios "vs X" = time(X) / time(row): > 1 means the row is faster; ' +
      'a group reference (PyTorch) is its fastest row.',
  );
  return out.join('\n');
}
