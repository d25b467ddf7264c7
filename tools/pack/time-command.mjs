#!/usr/bin/env node
// Hyperfine-style repeated timing of one command (hyperfine is not on the machines this
// runs on): one warm-up run (file caches, like hyperfine's --warmup 1), then --runs timed
// runs, each a fresh process; prints median, mean ± standard deviation, min and max.
// A run that exits non-zero stops the measurement.
// Usage: node tools/pack/time-command.mjs [--runs 10] [--warmup 1] [--cwd dir] [--input text] -- command [args...]
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
if (dash < 0 || dash === argv.length - 1) {
  console.error('usage: time-command.mjs [--runs n] [--warmup n] [--cwd dir] [--input text] -- command [args...]');
  process.exit(2);
}
const options = { runs: '10', warmup: '1', cwd: process.cwd(), input: '' };
for (let i = 0; i < dash; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in options) || i + 1 >= dash) {
    console.error(`unknown or incomplete option ${argv[i]}`);
    process.exit(2);
  }
  options[key] = argv[i + 1];
}
const [cmd, ...args] = argv.slice(dash + 1);
const once = () => {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: options.cwd, input: options.input, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error || r.status !== 0) {
    console.error(`${cmd} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
    process.exit(1);
  }
  return seconds;
};
for (let i = 0; i < Number(options.warmup); i++) once();
const times = Array.from({ length: Number(options.runs) }, once).sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / times.length;
const sd = Math.sqrt(times.reduce((a, t) => a + (t - mean) ** 2, 0) / Math.max(1, times.length - 1));
const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
const f = (s) => `${s.toFixed(3)} s`;
const shown = [cmd, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
console.log(`${shown}${options.input ? ` < ${JSON.stringify(options.input)}` : ''}: median ${f(median)}, mean ${f(mean)} ± ${f(sd)}, min ${f(times[0])}, max ${f(times.at(-1))} (${times.length} runs, ${options.warmup} warm-up)`);
