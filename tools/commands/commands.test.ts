// `pnpm translate` / `pnpm sentiment` at the repository root, piped: stdout holds the
// command's output and nothing of pnpm's (no `> cellstate-monorepo@ …` banner).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Under `pnpm test`, npm_execpath is pnpm's own script: the same pnpm runs the commands.
const pnpm = process.env.npm_execpath && /pnpm/.test(process.env.npm_execpath) ? [process.execPath, process.env.npm_execpath] : ['pnpm'];

function piped(args: string[], input = '') {
  const r = spawnSync(pnpm[0]!, [...pnpm.slice(1), ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each test starts pnpm, tsx and a model (the translator is 8 MB): seconds on a loaded
// 2-core machine, past vitest's 5 s default; the child's own limit is 60 s.
describe('root commands, piped', { timeout: 60_000 }, () => {
  it('pnpm sentiment: one JSON object per input line on stdout, nothing else', () => {
    const r = piped(['sentiment'], 'great crew\nlost my bag\n');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => (JSON.parse(l) as { label: string }).label)).toEqual(['positive', 'negative']);
  });

  it('pnpm translate: the translation alone on stdout', () => {
    const r = piped(['translate', 'I am cold.']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[^>\n][^\n]*\n$/);
  });
});
