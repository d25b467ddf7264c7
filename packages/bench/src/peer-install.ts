// The JavaScript peers (TF.js, brain.js) are not workspace dependencies: a plain
// `pnpm install` would otherwise download ~250 MB that only `pnpm bench` uses. They are a
// separate package in src/peers (its own lockfile), installed on first use: the peer
// runners there resolve them from src/peers/node_modules.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Runnable } from './peers/index.js';

/** The directory of the peers' package.json and lockfile. */
export const PEERS_DIR = fileURLToPath(new URL('./peers/', import.meta.url));

/** The packages the JavaScript peer runners load. */
export const JS_PEER_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'brain.js'] as const;

/** Systems whose runner loads a JavaScript peer package. */
export function usesJsPeers(system: Pick<Runnable, 'name' | 'kind'>): boolean {
  return system.kind === 'peer' && (system.name.startsWith('tfjs-') || system.name === 'brain.js');
}

/** The JavaScript peer packages not installed in src/peers/node_modules. */
export function missingJsPeers(): string[] {
  const require = createRequire(`${PEERS_DIR}package.json`);
  return JS_PEER_PACKAGES.filter((name) => {
    try {
      require.resolve(`${name}/package.json`);
      return false;
    } catch {
      return true;
    }
  });
}

/** The command that installs them (also `pnpm bench:peers` at the repository root). */
export function installCommand(): { cmd: string; args: string[] } {
  const args = ['install', '--ignore-workspace', '--frozen-lockfile', '--dir', PEERS_DIR];
  // Under pnpm, npm_execpath is pnpm's own script: the same version installs the peers.
  const pnpm = process.env.npm_execpath;
  return pnpm && /pnpm/.test(pnpm) ? { cmd: process.execPath, args: [pnpm, ...args] } : { cmd: 'pnpm', args };
}

/**
 * Installs the JavaScript peers when a chosen system needs them and they are missing.
 * pnpm's output goes to stderr, so `--json` output stays clean. Returns false when the
 * install failed (their rows then report the missing module).
 */
export function ensureJsPeers(chosen: readonly Pick<Runnable, 'name' | 'kind'>[], log: (line: string) => void): boolean {
  if (!chosen.some(usesJsPeers)) return true;
  const missing = missingJsPeers();
  if (missing.length === 0) return true;
  log(`installing the JavaScript peers (${missing.join(', ')}; about 250 MB, once) into ${PEERS_DIR}node_modules`);
  const { cmd, args } = installCommand();
  const r = spawnSync(cmd, args, { stdio: ['ignore', process.stderr, process.stderr] });
  if (r.status === 0) return true;
  log(`could not install the JavaScript peers (${r.error?.message ?? `exit ${r.status}`}); their rows will fail. Install by hand: ${[cmd, ...args].join(' ')}`);
  return false;
}
