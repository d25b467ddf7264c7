// `pnpm bench`: runs every (system, workload) pair in its own process, one after the
// other (2-core machine: nothing in parallel), then prints a table with ratios.
// `pnpm bench -- --json` prints one JSON object a line instead.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import cac from 'cac';
import { SYSTEMS } from './systems.js';
import { WORKLOADS } from './workloads.js';
import type { BenchResult } from './run-one.js';

const cli = cac('bench');
cli
  .option('--json', 'one JSON object per line instead of the table')
  .option('--workloads <ids>', 'comma-separated workloads', { default: 'W1,W2,W3' })
  .option('--systems <names>', `comma-separated systems (${Object.keys(SYSTEMS).join(', ')})`, { default: Object.keys(SYSTEMS).join(',') })
  .help();
// `pnpm bench -- --json` hands the script a literal '--'; drop it so the flags after it count.
const { options } = cli.parse(process.argv.filter((a) => a !== '--'));
if (options.help) process.exit(0);

const workloads = String(options.workloads).split(',').filter(Boolean);
const systems = String(options.systems).split(',').filter(Boolean);
const runner = fileURLToPath(new URL('./run-one.ts', import.meta.url));
const results: BenchResult[] = [];

for (const w of workloads) {
  for (const s of systems) {
    if (!options.json) process.stderr.write(`running ${s} ${w} ...\n`);
    const child = spawnSync(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', runner, s, w], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    const result: BenchResult = line ? JSON.parse(line) : { workload: w, system: s, seq_per_s: null, ms: null, gflops: null, peak_rss_mb: null, status: 'error', note: child.stderr.slice(-400) };
    results.push(result);
    if (options.json) console.log(JSON.stringify(result));
  }
}

if (!options.json) {
  const fmt = (v: number | null, digits = 3) => (v === null ? '-' : Number(v.toPrecision(digits)).toString());
  console.log(`\ncellstate bench, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})\n`);
  console.log('| workload | system | seq/s | ms/iter | GFLOP/s | peak RSS MB | vs first system |');
  console.log('|---|---|---|---|---|---|---|');
  for (const w of workloads) {
    const rows = results.filter((r) => r.workload === w);
    const base = rows[0];
    for (const r of rows) {
      const ratio = base && base.ms && r.ms ? `${(base.ms / r.ms).toFixed(2)}x` : '-';
      const status = r.status === 'ok' ? '' : ` (${r.status}: ${r.note ?? ''})`;
      console.log(`| ${w} ${WORKLOADS[w as keyof typeof WORKLOADS]?.what ?? ''} | ${r.system}${status} | ${fmt(r.seq_per_s)} | ${fmt(r.ms)} | ${fmt(r.gflops)} | ${r.peak_rss_mb ?? '-'} | ${ratio} |`);
    }
  }
  console.log('\nRatios are time(first system) / time(this system) for the same workload, measured in this run (>1 = faster than the first).');
}
