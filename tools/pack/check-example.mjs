#!/usr/bin/env node
// The ice-cream forecaster (apps/examples/src/icecream) as a user outside the monorepo
// writes it (run after `pnpm build`; CI does, after check-packages.mjs):
//   1. copies the example's sources (not its test) and the few shared helpers it imports
//      into an empty folder outside the repository;
//   2. installs the packed @cellstate/tensor, backend-cpu, nn and lstm tarballs there with
//      npm (plus what the example itself needs from the registry: commander, and
//      typescript + @types/node to check it), so nothing resolves from the workspace;
//   3. `tsc --strict --noEmit` (module NodeNext, target ES2022) must pass;
//   4. compiles it and runs it for a few epochs: it must exit 0, print a test RMSE and
//      reload the model it saved.
// Usage: node tools/pack/check-example.mjs [tarball folder, default .ci/out/pack/tarballs]
//   The folder is the one check-packages.mjs packs into; tarballs missing there are
//   packed with `pnpm pack`. ICECREAM_EPOCHS (default 3) sets the epochs of the run.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tarballs = resolve(process.argv[2] ?? join(root, '.ci/out/pack/tarballs'));
const epochs = process.env.ICECREAM_EPOCHS ?? '3';
const PACKAGES = ['tensor', 'backend-cpu', 'nn', 'lstm'];
// What the example needs besides the tarballs; the versions the workspace uses.
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const examplesManifest = JSON.parse(readFileSync(join(root, 'apps/examples/package.json'), 'utf8'));
const REGISTRY = [
  `commander@${examplesManifest.dependencies.commander}`,
  `typescript@${rootManifest.devDependencies.typescript}`,
  `@types/node@${rootManifest.devDependencies['@types/node']}`,
];

let failures = 0;
const fail = (message) => {
  failures += 1;
  console.error(`FAIL ice-cream example from the tarballs: ${message}`);
};
const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  if (r.error) throw r.error;
  return r;
};
const indent = (text) => text.trim().split('\n').map((l) => `    ${l}`).join('\n');

// Tarballs: reuse check-packages.mjs's, pack what is missing.
mkdirSync(tarballs, { recursive: true });
const files = [];
for (const name of PACKAGES) {
  const dir = join(root, 'packages', name);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = join(tarballs, `cellstate-${name}-${version}.tgz`);
  if (!existsSync(file)) {
    if (!existsSync(join(dir, 'dist'))) fail(`packages/${name}/dist is missing: run \`pnpm build\` first`);
    const r = run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
    if (r.status !== 0) fail(`pnpm pack @cellstate/${name}:\n${indent(r.stderr)}`);
  }
  files.push(file);
}

const user = mkdtempSync(join(tmpdir(), 'cellstate-icecream-'));
try {
  if (failures) throw new Error('stop');
  // 1. The sources, laid out as in the repository (src/icecream imports ../shared/*.js).
  const src = join(root, 'apps/examples/src');
  mkdirSync(join(user, 'src/icecream'), { recursive: true });
  mkdirSync(join(user, 'src/shared'), { recursive: true });
  for (const f of readdirSync(join(src, 'icecream')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    cpSync(join(src, 'icecream', f), join(user, 'src/icecream', f));
  }
  for (const f of ['backend.ts', 'cli.ts', 'random.ts']) cpSync(join(src, 'shared', f), join(user, 'src/shared', f));
  writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'icecream-check', private: true, type: 'module' }, null, 2));
  const compilerOptions = {
    strict: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    // No lib, types or skipLibCheck: tsc's defaults, so the packages' .d.ts are checked too.
    rootDir: 'src',
    outDir: 'dist',
  };
  writeFileSync(join(user, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));

  // 2. Install.
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files, ...REGISTRY], { cwd: user });
  if (install.status !== 0) {
    fail(`npm install ${[...files.map((f) => f.split('/').pop()), ...REGISTRY].join(' ')} (exit ${install.status}):\n${indent(install.stderr)}`);
    throw new Error('stop');
  }
  console.log(`copied the ice-cream example into ${user} and installed ${PACKAGES.map((p) => `@cellstate/${p}`).join(', ')} from the tarballs`);
  const tsc = join(user, 'node_modules/typescript/bin/tsc');

  // 3. Strict types, exactly as the brief of the example promises.
  const check = run(process.execPath, [tsc, '-p', '.', '--strict', '--noEmit'], { cwd: user });
  if (check.status !== 0) {
    fail(`tsc --strict --noEmit (module NodeNext, target ES2022) reports errors:\n${indent(check.stdout + check.stderr)}`);
    throw new Error('stop');
  }
  console.log('tsc --strict --noEmit (module NodeNext, target ES2022): no errors');

  // 4. Compile and run a short training.
  const emit = run(process.execPath, [tsc, '-p', '.'], { cwd: user });
  if (emit.status !== 0) {
    fail(`tsc (emit) failed:\n${indent(emit.stdout + emit.stderr)}`);
    throw new Error('stop');
  }
  const started = Date.now();
  const example = run(process.execPath, ['dist/icecream/main.js', '--epochs', epochs, '--out', 'icecream.safetensors'], { cwd: user, env: { ...process.env, CI: '1' } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const out = example.stdout;
  const rmse = /^test RMSE (\d+\.\d+)$/m.exec(out)?.[1];
  const reloaded = /^reloaded from .*: test RMSE (\d+\.\d+)$/m.exec(out)?.[1];
  if (example.status !== 0 || !rmse || reloaded !== rmse || !existsSync(join(user, 'icecream.safetensors'))) {
    fail(`node dist/icecream/main.js --epochs ${epochs}: exit ${example.status}, test RMSE ${rmse ?? 'not printed'}, reloaded ${reloaded ?? 'not printed'}\n  stdout:\n${indent(out)}\n  stderr:\n${indent(example.stderr)}`);
  } else {
    console.log(`node dist/icecream/main.js --epochs ${epochs}: test RMSE ${rmse}, the same after reloading (${seconds} s)`);
  }
} catch (error) {
  if (!(error instanceof Error && error.message === 'stop')) throw error;
} finally {
  rmSync(user, { recursive: true, force: true });
}

if (failures) {
  console.error(`the ice-cream example check failed (${failures} problem(s) above)`);
  process.exit(1);
}
console.log('ice-cream example check passed');
