// `pnpm bench`: runs every (system, workload) pair in its own process, one after the other
// (2-core machine: nothing in parallel), cellstate's systems and the peers (TF.js, brain.js,
// PyTorch) alike, then prints markdown tables with the ratios issue 5's targets use.
// `pnpm bench -- --json` prints one JSON object a line instead (see result.ts).
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import cac from 'cac';
import { allSystems, type Runnable } from './peers/index.js';
import { ensureJsPeers } from './peer-install.js';
import { WORKLOADS, type Workload } from './workloads.js';
import { errorResult, normalizeResult, type BenchResult } from './result.js';
import { renderMarkdown, type RunMeta } from './report.js';
import { inferData } from './whole-step/infer-data.js';
import { sentimentBatches } from './whole-step/sentiment-data.js';
import { translateBatches } from './whole-step/translate-data.js';
import { TRANSLATE_WORKLOADS } from './whole-step/workloads.js';

const DEFAULT_WORKLOADS = 'W1,W2,W3,W4,MM';
const systems = allSystems();

const cli = cac('bench');
cli
  .usage('[options]   (from the repo root: pnpm bench -- [options])')
  .option('--json', 'one JSON object per line (stdout) instead of the tables')
  .option('--workloads <ids>', `comma-separated workloads (default ${DEFAULT_WORKLOADS}; whole training steps on real data: W5,W5F,W6,W7 (W7FIT: W7 through fit); inference of the apps: W8T,W8S)`)
  .option('--systems <names>', 'comma-separated systems (default: all that run by default; see --list)')
  .option('--no-peers', 'cellstate systems only (without it the peers run too)')
  .option('--quick', 'fewer iterations (1 warm-up, 2 timed): smoke tests, not measurements')
  .option('--timeout <s>', 'wall-clock limit per (system, workload) process, in seconds', { default: 900 })
  .option('--save <file>', 'also append the JSON lines to this file')
  .option('--from <file>', 'render the tables from saved JSON lines (--save or --json output) instead of running')
  .option('--list', 'list the systems and exit')
  // cac prints "(default: true)" after every --no-* flag, which reads as the opposite.
  .help((sections) => [
    ...sections.map((s) => ({ ...s, body: s.body.replace(/(--no-peers .*?) \(default: true\)/, '$1') })),
    {
      title: 'How long',
      body: [
        '  A full run (the defaults: 5 cellstate systems and 7 peers, W1-W4 and MM, one process each)',
        '  takes about 15 minutes on a 2-core machine (estimated from the per-process wall_s of',
        '  docs/bench/2026-11-25-cpu.jsonl: 8 of these systems took 8 minutes), --no-peers about 5.',
        '  The first run that needs TF.js or brain.js installs them (about 250 MB, a minute; or',
        '  beforehand: pnpm bench:peers).',
      ].join('\n'),
    },
  ]);
// `pnpm bench -- --json` hands the script a literal '--'; drop it so the flags after it count.
const { options } = cli.parse(process.argv.filter((a) => a !== '--'));
if (options.help) process.exit(0);

if (options.list) {
  for (const s of systems) console.log(`${s.name.padEnd(24)} ${s.kind.padEnd(9)} ${s.byDefault ? 'default' : '       '}  ${s.what}`);
  process.exit(0);
}

const meta: RunMeta = {
  date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  node: process.version,
  cpu: cpus()[0]?.model ?? '?',
  cores: availableParallelism(),
  command: `pnpm bench -- ${process.argv.slice(2).filter((a) => a !== '--').join(' ')}`.trim(),
  loadStart: loadavg(),
  quick: !!options.quick,
};

// `pnpm bench` runs this in packages/bench: file options are relative to where the user
// typed the command (pnpm's INIT_CWD), not to this package.
const userPath = (p: unknown) => resolve(process.env.INIT_CWD ?? process.cwd(), String(p));

if (options.from) {
  const results = readFileSync(userPath(options.from), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as BenchResult);
  const wanted = options.workloads ? new Set(String(options.workloads).split(',')) : null;
  // The run's own header (date, machine, load at start/end) is not in the JSON lines; per-process load is (load1).
  const rendered = renderMarkdown(wanted ? results.filter((r) => wanted.has(r.workload)) : results, { ...meta, date: `rendered ${meta.date}`, command: `pnpm bench -- --from ${options.from}`, loadStart: undefined });
  console.log(rendered);
  process.exit(0);
}

const workloads = String(options.workloads ?? DEFAULT_WORKLOADS).split(',').filter(Boolean);
for (const w of workloads) {
  if (!(w in WORKLOADS)) {
    console.error(`unknown workload '${w}' (known: ${Object.keys(WORKLOADS).join(', ')})`);
    process.exit(2);
  }
}
let chosen: Runnable[];
if (options.systems) {
  chosen = [];
  for (const name of String(options.systems).split(',').filter(Boolean)) {
    const s = systems.find((x) => x.name === name);
    if (!s) {
      console.error(`unknown system '${name}' (known: ${systems.map((x) => x.name).join(', ')})`);
      process.exit(2);
    }
    chosen.push(s);
  }
} else {
  chosen = systems.filter((s) => s.byDefault);
}
if (options.peers === false) chosen = chosen.filter((s) => s.kind === 'cellstate');
ensureJsPeers(chosen, (line) => console.error(line));

const timeoutSec = Number(options.timeout);

function runOne(s: Runnable, w: Workload['id']): BenchResult {
  const launch = s.launch(w, !!options.quick);
  const load1 = Number(loadavg()[0]!.toFixed(2));
  if ('skip' in launch) return normalizeResult({ ...errorResult(w, s.name, launch.skip, 'skipped'), peak_rss_mb: null, load1 });
  const t0 = performance.now();
  const child = spawnSync(launch.cmd, launch.args, {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...launch.env },
    timeout: timeoutSec * 1000,
    killSignal: 'SIGKILL',
  });
  const wall_s = Number(((performance.now() - t0) / 1000).toFixed(1));
  const line = (child.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (line) {
    try {
      return { ...normalizeResult(JSON.parse(line) as BenchResult), load1, wall_s };
    } catch {
      // fall through: report the raw output
    }
  }
  const why = child.error
    ? (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
      ? `timed out after ${timeoutSec} s`
      : child.error.message
    : child.signal
      ? `killed by ${child.signal}`
      : `exit ${child.status}, no JSON line`;
  const tail = (child.stderr ?? '').trim().split('\n').slice(-3).join(' | ').slice(-300);
  return normalizeResult({ workload: w, system: s.name, status: 'error', note: tail ? `${why}: ${tail}` : why, load1, wall_s });
}

// The whole-step workloads read real batches from ../shared/data, written once to a cache
// file that every runner (cellstate, PyTorch, TF.js) reads: make them before any runs.
for (const w of workloads) {
  try {
    if (w === 'W7' || w === 'W7FIT') sentimentBatches();
    else if (w === 'W8T' || w === 'W8S') inferData(w);
    else if (w in TRANSLATE_WORKLOADS) translateBatches(w === 'W5F' ? 'W5' : w, TRANSLATE_WORKLOADS[w as keyof typeof TRANSLATE_WORKLOADS].data);
  } catch (error) {
    console.error(`cannot prepare the batches of ${w}: ${(error as Error).message}`);
    process.exit(2);
  }
}

const results: BenchResult[] = [];
for (const w of workloads as Workload['id'][]) {
  for (const s of chosen) {
    if (!s.workloads.includes(w)) continue;
    process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s.name} ${w} (load ${loadavg()[0]!.toFixed(2)}) ... `);
    const r = runOne(s, w);
    process.stderr.write(`${r.status}${r.ms !== null ? ` ${Number(r.ms.toPrecision(4))} ms` : ''}${r.status !== 'ok' && r.note ? ` (${String(r.note).slice(0, 120)})` : ''}\n`);
    results.push(r);
    if (options.json) console.log(JSON.stringify(r));
    if (options.save) appendFileSync(userPath(options.save), JSON.stringify(r) + '\n');
  }
}

meta.loadEnd = loadavg();
if (!options.json) console.log('\n' + renderMarkdown(results, meta));
