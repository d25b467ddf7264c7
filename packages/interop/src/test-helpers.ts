// Test helpers (not exported from the package).
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function fixtureJson<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

export const PYTHON = '/usr/bin/python3';

/**
 * For each module: why `/usr/bin/python3` cannot import it, or undefined when it can.
 * Looks the modules up without importing them (`importlib.util.find_spec`): importing
 * torch alone takes seconds.
 */
export function pythonMissing(modules: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!existsSync(PYTHON)) {
    for (const m of modules) out[m] = `${PYTHON} not found`;
    return out;
  }
  const script = `import json, importlib.util\nprint(json.dumps({m: importlib.util.find_spec(m) is not None for m in ${JSON.stringify(modules)}}))`;
  const probe = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  let found: Record<string, boolean> = {};
  try {
    found = JSON.parse(probe.stdout) as Record<string, boolean>;
  } catch {
    const why = (probe.stderr || String(probe.error ?? 'no output')).trim().split('\n').pop();
    for (const m of modules) out[m] = `${PYTHON} failed (${why})`;
    return out;
  }
  for (const m of modules) out[m] = found[m] ? undefined : `${PYTHON} has no module '${m}' (Debian: apt-get install python3-${m})`;
  return out;
}
