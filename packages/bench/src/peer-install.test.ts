// The JavaScript peers live outside the workspace (src/peers, installed on demand): the
// systems that need them, and the package list the check uses, must match that package.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allSystems } from './peers/index.js';
import { installCommand, JS_PEER_PACKAGES, PEERS_DIR, usesJsPeers } from './peer-install.js';

describe('JavaScript peers installed on demand', () => {
  it('are exactly the dependencies of src/peers/package.json, pinned, with a lockfile next to it', () => {
    const pkg = JSON.parse(readFileSync(join(PEERS_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...JS_PEER_PACKAGES].sort());
    for (const version of Object.values(pkg.dependencies)) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const lock = readFileSync(join(PEERS_DIR, 'pnpm-lock.yaml'), 'utf8');
    for (const [name, version] of Object.entries(pkg.dependencies)) expect(lock).toContain(`${name.includes('@') ? `'${name}'` : name}:\n        specifier: ${version}`);
  });

  it('are needed by the TF.js and brain.js systems only', () => {
    const needing = allSystems().filter(usesJsPeers).map((s) => s.name);
    expect(needing).toEqual(['tfjs-cpu', 'tfjs-wasm-simd', 'tfjs-wasm-threads', 'tfjs-wasm-nosimd', 'brain.js']);
  });

  it('install from their own lockfile, outside the workspace', () => {
    const { args } = installCommand();
    expect(args.slice(-5)).toEqual(['install', '--ignore-workspace', '--frozen-lockfile', '--dir', PEERS_DIR]);
  });
});
