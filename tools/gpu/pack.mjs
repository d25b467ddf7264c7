#!/usr/bin/env node
// Packs what the GPU run (tools/gpu/run.sh, issue 16) needs into tools/gpu/dist/ (ignored
// by git; the device tool carries it with `carry: ["tools/gpu/dist"]`):
//   node.xz                       this machine's Node binary, xz-compressed
//   node_modules/webgpu/          the `webgpu` package (Dawn): index.js, package.json and
//                                 dist/linux-x64/dawn.node.xz (run.sh decompresses it)
//   vulkan/                       the Vulkan loader (libvulkan.so.1) from Debian's libvulkan1 .deb
//   adapter-info.mjs              esbuild bundles (no node_modules needed): the adapter's name,
//   conformance.mjs                 limits and features; the WebGPU test files (shared conformance
//   run-one.mjs                     suite + backend-specific tests) under a vitest stand-in; the
//   translate.mjs                   bench's one-(system, workload) runner; the translate app's
//                                   command line with the WebGPU backend bundled in
//   data/multi30k.tar.xz          Multi30k's tokenised de/en files (for the optional training stage)
//   MANIFEST.json                 what was packed, from which commit, sizes
// usage: node tools/gpu/pack.mjs [--no-data]     (or tools/gpu/pack.sh)
// Fails when dist/ exceeds 60 MiB, or dist/ plus the repository's travelling files exceed 64 MiB.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const dist = join(here, 'dist');
const MiB = 2 ** 20;
const LIMIT_DIST = 60 * MiB;
const LIMIT_TRAVEL = 64 * MiB;
const withData = !process.argv.includes('--no-data');
const t0 = performance.now();
const log = (line) => console.error(`[pack ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`);

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
}

/** xz -6 of `src` into `dest`, reusing a copy cached under node_modules/.cache/cellstate-gpu when `src` has not changed. */
function xzCached(src, dest) {
  const st = statSync(src);
  const cacheDir = join(repo, 'node_modules/.cache/cellstate-gpu');
  const cached = join(cacheDir, `${src.replace(/[^A-Za-z0-9.]+/g, '_')}-${st.size}-${Math.round(st.mtimeMs)}.xz`);
  if (!existsSync(cached)) {
    mkdirSync(cacheDir, { recursive: true });
    sh('sh', ['-c', `xz -T0 -6 -c "${src}" > "${cached}.tmp" && mv "${cached}.tmp" "${cached}"`]);
  } else {
    log(`  (cached ${relative(repo, cached)})`);
  }
  copyFileSync(cached, dest);
}

function duBytes(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((s, f) => s + duBytes(join(p, f)), 0);
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// 1. Node (the binary running this script: Node 20 here).
const nodeBin = realpathSync(process.execPath);
log(`xz ${nodeBin} (${(statSync(nodeBin).size / MiB).toFixed(1)} MiB) ...`);
xzCached(nodeBin, join(dist, 'node.xz'));

// 2. Dawn: the `webgpu` package as installed for @cellstate/backend-webgpu.
const requireWebgpu = createRequire(join(repo, 'packages/backend-webgpu/package.json'));
const webgpuDir = dirname(requireWebgpu.resolve('webgpu/package.json'));
const webgpuVersion = JSON.parse(readFileSync(join(webgpuDir, 'package.json'), 'utf8')).version;
const webgpuOut = join(dist, 'node_modules/webgpu');
mkdirSync(join(webgpuOut, 'dist/linux-x64'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) copyFileSync(join(webgpuDir, f), join(webgpuOut, f));
log(`xz dawn.node (webgpu ${webgpuVersion}) ...`);
xzCached(join(webgpuDir, 'dist/linux-x64/dawn.node'), join(webgpuOut, 'dist/linux-x64/dawn.node.xz'));

// 3. The Vulkan loader: Debian's libvulkan1, downloaded and unpacked (dpkg-deb -x); falls
//    back to the installed copy of the same package when apt cannot download.
const vulkanOut = join(dist, 'vulkan');
mkdirSync(vulkanOut, { recursive: true });
const debDir = join(dist, '.deb');
mkdirSync(debDir, { recursive: true });
let vulkanFrom;
const dl = spawnSync('apt-get', ['download', 'libvulkan1'], { cwd: debDir, encoding: 'utf8' });
const deb = existsSync(debDir) ? readdirSync(debDir).find((f) => f.startsWith('libvulkan1_') && f.endsWith('.deb')) : undefined;
if (dl.status === 0 && deb) {
  const x = join(debDir, 'x');
  sh('dpkg-deb', ['-x', join(debDir, deb), x]);
  const libDir = join(x, 'usr/lib/x86_64-linux-gnu');
  const real = readdirSync(libDir).find((f) => /^libvulkan\.so\.1\.\d+/.test(f));
  copyFileSync(join(libDir, real), join(vulkanOut, 'libvulkan.so.1'));
  vulkanFrom = deb;
} else {
  const installed = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1'].find(existsSync);
  if (!installed) throw new Error(`apt-get download libvulkan1 failed (${(dl.stderr ?? '').trim().slice(-200)}) and no libvulkan.so.1 is installed`);
  copyFileSync(realpathSync(installed), join(vulkanOut, 'libvulkan.so.1'));
  vulkanFrom = `${realpathSync(installed)} (installed libvulkan1; apt-get download failed)`;
}
rmSync(debDir, { recursive: true, force: true });
log(`vulkan loader from ${vulkanFrom}`);

// 4. esbuild bundles. esbuild comes with @cellstate/backend-webgpu's devDependencies.
const esbuild = createRequire(join(repo, 'packages/backend-webgpu/package.json'))('esbuild');
const shim = join(here, 'src/vitest-shim.mjs');
// The translate app imports the WebGPU entry through a variable specifier (so that bundlers
// leave Dawn out of its normal builds); here it is made literal so the backend is bundled
// with the same @cellstate/tensor as the app. Only this bundle's copy changes, not the source.
const literalWebgpuImport = {
  name: 'literal-webgpu-import',
  setup(build) {
    build.onLoad({ filter: /apps[\\/]translate[\\/]src[\\/]cli[\\/]backend\.ts$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const out = src.replace(/import\(\/\* @vite-ignore \*\/ WEBGPU_NODE\)/, "import('@cellstate/backend-webgpu/node')");
      if (out === src) throw new Error(`${args.path}: the WebGPU import was not found (has backend.ts changed?)`);
      return { contents: out, loader: 'ts' };
    });
  },
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@cellstate/source'],
  external: ['webgpu'],
  alias: { vitest: shim },
  // CommonJS dependencies (cac) may require Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  absWorkingDir: repo,
};
const bundles = {
  'adapter-info.mjs': join(here, 'src/adapter-info.mjs'),
  'conformance.mjs': join(here, 'src/conformance.ts'),
  'run-one.mjs': join(repo, 'packages/bench/src/run-one.ts'),
  'translate.mjs': join(repo, 'apps/translate/src/cli/main.ts'),
};
for (const [out, entry] of Object.entries(bundles)) {
  log(`esbuild ${relative(repo, entry)} -> ${out}`);
  await esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile: join(dist, out),
    plugins: out === 'translate.mjs' ? [literalWebgpuImport] : [],
    // The test files are imported for their side effects (they register tests), which the
    // package's "sideEffects" list would otherwise drop.
    ignoreAnnotations: out === 'conformance.mjs',
  });
}

// 5. Multi30k (de-en, tokenised) for the optional training stage.
const shared = process.env.CELLSTATE_DATA ?? resolve(repo, '../shared/data');
const m30k = join(shared, 'translation/multi30k/tok');
let data = null;
if (withData && existsSync(m30k)) {
  mkdirSync(join(dist, 'data'), { recursive: true });
  const files = readdirSync(m30k).filter((f) => /\.(de|en)$/.test(f));
  sh('tar', ['-C', shared, '-cJf', join(dist, 'data/multi30k.tar.xz'), ...files.map((f) => `translation/multi30k/tok/${f}`)]);
  data = files;
  log(`multi30k: ${files.length} files`);
} else {
  log(withData ? `no Multi30k at ${m30k}: the training stage will skip` : '--no-data: no Multi30k');
}

// 6. Manifest and sizes.
const sizes = {};
for (const f of ['node.xz', 'node_modules', 'vulkan', ...Object.keys(bundles), 'data']) if (existsSync(join(dist, f))) sizes[f] = duBytes(join(dist, f));
const distBytes = duBytes(dist);
const tracked = sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo })
  .split('\0')
  .filter(Boolean)
  .reduce((s, f) => {
    try {
      return s + statSync(join(repo, f)).size;
    } catch {
      return s;
    }
  }, 0);
const manifest = {
  packed: new Date().toISOString(),
  commit: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout.trim(),
  dirty: spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).stdout.trim() !== '',
  node: process.version,
  webgpu: webgpuVersion,
  vulkan: vulkanFrom,
  data,
  bytes: sizes,
  dist_bytes: distBytes,
  travelling_tree_bytes: tracked,
};
writeFileSync(join(dist, 'MANIFEST.json'), JSON.stringify(manifest, null, 2) + '\n');
for (const [k, v] of Object.entries(sizes)) log(`  ${k.padEnd(18)} ${(v / MiB).toFixed(2).padStart(7)} MiB`);
log(`dist: ${(distBytes / MiB).toFixed(2)} MiB (limit ${LIMIT_DIST / MiB}); with the repository's travelling files (${(tracked / MiB).toFixed(2)} MiB): ${((distBytes + tracked) / MiB).toFixed(2)} MiB (limit ${LIMIT_TRAVEL / MiB})`);
if (distBytes > LIMIT_DIST) {
  console.error(`pack: tools/gpu/dist is ${(distBytes / MiB).toFixed(2)} MiB, over ${LIMIT_DIST / MiB} MiB`);
  process.exit(1);
}
if (distBytes + tracked > LIMIT_TRAVEL) {
  console.error(`pack: dist + working tree is ${((distBytes + tracked) / MiB).toFixed(2)} MiB, over the device tool's ${LIMIT_TRAVEL / MiB} MiB`);
  process.exit(1);
}
