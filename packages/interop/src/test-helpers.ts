// Test helpers (not exported from the package).
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function fixtureJson<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

export function expectClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (d > worst || Number.isNaN(d)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `${label}: max abs error ${worst} at ${at}`).toBeLessThanOrEqual(tol);
}

export const PYTHON = '/usr/bin/python3';

/**
 * For each module: why `/usr/bin/python3` cannot import it, or undefined when it can.
 * One Python process for all of them (importing torch takes seconds).
 */
export function pythonMissing(modules: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!existsSync(PYTHON)) {
    for (const m of modules) out[m] = `${PYTHON} not found`;
    return out;
  }
  const script = `import json, importlib\nr = {}\nfor m in ${JSON.stringify(modules)}:\n    try:\n        importlib.import_module(m); r[m] = None\n    except Exception as e:\n        r[m] = f"{type(e).__name__}: {e}"\nprint(json.dumps(r))`;
  const probe = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  let result: Record<string, string | null> = {};
  try {
    result = JSON.parse(probe.stdout) as Record<string, string | null>;
  } catch {
    for (const m of modules) result[m] = (probe.stderr || String(probe.error ?? 'no output')).trim().split('\n').pop() ?? 'failed';
  }
  for (const m of modules) out[m] = result[m] ? `${PYTHON} cannot import ${m} (${result[m]})` : undefined;
  return out;
}
