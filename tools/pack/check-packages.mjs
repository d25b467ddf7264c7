#!/usr/bin/env node
// The published packages as a user gets them (run after `pnpm build`; CI does):
//   1. packs every publishable workspace package (pnpm pack: workspace:* becomes a version);
//   2. fails on test files in a tarball (tests, test setup and helpers, fixtures, e2e);
//   3. installs the tarballs with npm into an empty folder outside the repository (so
//      nothing resolves from the workspace's node_modules) and runs the apps' bins there:
//      `npx cellstate-translate "I am cold."`, `echo text | npx cellstate-sentiment`, and
//      `--backend webgpu` without the optional `webgpu` package (a clear error naming the
//      install command, exit 1);
//   4. times the cold start of one line of each (5 runs, median), for docs/cold-start.md.
// Usage: node tools/pack/check-packages.mjs [output folder, default .ci/out/pack]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = resolve(process.argv[2] ?? join(root, '.ci/out/pack'));
const tarballs = join(out, 'tarballs');
rmSync(tarballs, { recursive: true, force: true });
mkdirSync(tarballs, { recursive: true });

let failures = 0;
const fail = (message) => {
  failures += 1;
  console.error(`FAIL ${message}`);
};
const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  if (r.error) throw r.error;
  return r;
};

// 1. Pack.
const packages = ['packages', 'apps']
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);
for (const { dir, manifest } of packages) {
  const r = run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
  if (r.status !== 0) fail(`pnpm pack ${manifest.name}: ${r.stderr.trim()}`);
}
const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz')).map((f) => join(tarballs, f));
console.log(`packed ${files.length} packages into ${tarballs}`);

// 2. Contents.
const TEST_FILE = /(\.test\.[cm]?[jt]sx?$|(^|\/)test-setup\.[cm]?[jt]s$|(^|\/)test-helpers\.[cm]?[jt]s$|(^|\/)__fixtures__\/|(^|\/)e2e\/)/;
for (const { manifest } of packages) {
  const file = files.find((f) => f.endsWith(`${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`));
  if (!file) {
    fail(`no tarball for ${manifest.name}`);
    continue;
  }
  const listing = run('tar', ['-tzf', file]).stdout.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));
  const tests = listing.filter((p) => TEST_FILE.test(p));
  if (tests.length) fail(`${manifest.name} ships test files: ${tests.join(', ')}`);
  for (const bin of Object.values(manifest.bin ?? {})) {
    if (!listing.includes(bin.replace(/^\.\//, ''))) fail(`${manifest.name}: bin ${bin} is not in the tarball`);
  }
}

// 3. Install into an empty folder and run the bins.
const user = mkdtempSync(join(tmpdir(), 'cellstate-npx-'));
writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'npx-check', private: true }));
const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], { cwd: user });
if (install.status !== 0) {
  fail(`npm install of the tarballs: ${install.stderr.trim()}`);
} else {
  const count = run('npm', ['ls', '--all', '--parseable'], { cwd: user }).stdout.split('\n').filter(Boolean).length - 1;
  const size = run('du', ['-sm', join(user, 'node_modules')]).stdout.split('\t')[0];
  console.log(`installed the apps from the tarballs in an empty folder: ${count} packages, ${size} MB in node_modules`);
  const npx = (args, input) => run('npx', args, { cwd: user, input: input ?? '', env: { ...process.env, INIT_CWD: user } });

  const translated = npx(['cellstate-translate', 'I am cold.']);
  console.log(`npx cellstate-translate "I am cold." -> ${JSON.stringify(translated.stdout)} (exit ${translated.status})`);
  if (translated.status !== 0 || !/^[^\n]+\n$/.test(translated.stdout)) fail(`cellstate-translate: exit ${translated.status}, stdout ${JSON.stringify(translated.stdout)}, stderr ${translated.stderr.trim()}`);

  const classified = npx(['cellstate-sentiment'], 'the flight was late again\n');
  console.log(`echo "the flight was late again" | npx cellstate-sentiment -> ${JSON.stringify(classified.stdout)} (exit ${classified.status})`);
  let label = null;
  try {
    label = JSON.parse(classified.stdout).label;
  } catch {
    // reported below
  }
  if (classified.status !== 0 || !['negative', 'neutral', 'positive'].includes(label)) fail(`cellstate-sentiment: exit ${classified.status}, stdout ${JSON.stringify(classified.stdout)}, stderr ${classified.stderr.trim()}`);

  const gpu = npx(['cellstate-translate', '--backend', 'webgpu', 'I am cold.']);
  console.log(`npx cellstate-translate --backend webgpu (no webgpu package) -> exit ${gpu.status}: ${gpu.stderr.trim().split('\n')[0]}`);
  if (gpu.status !== 1 || !gpu.stderr.includes('npm i webgpu')) fail(`--backend webgpu without the webgpu package: exit ${gpu.status}, stderr ${gpu.stderr.trim()}`);

  // 4. Cold start: node on the installed bin (what npx ends up running), 5 runs each.
  const timing = run(process.execPath, [join(root, 'tools/pack/time-command.mjs'), '--runs', '5', '--cwd', user, '--', 'node_modules/.bin/cellstate-translate', 'I am cold.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(timing.stdout);
  const timingS = run(process.execPath, [join(root, 'tools/pack/time-command.mjs'), '--runs', '5', '--cwd', user, '--input', 'the flight was late again\n', '--', 'node_modules/.bin/cellstate-sentiment'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(timingS.stdout);
}
rmSync(user, { recursive: true, force: true });

if (failures) {
  console.error(`${failures} package check(s) failed`);
  process.exit(1);
}
console.log('package checks passed');
