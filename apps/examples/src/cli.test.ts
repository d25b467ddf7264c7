// The two commands a newcomer runs, end to end (shortened with flags).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSvg } from './shared/svg-check.js';

const app = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = await mkdtemp(join(tmpdir(), 'cellstate-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (script: string, args: string[]) =>
  promisify(execFile)(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', script, ...args], { cwd: app, env: { ...process.env, NO_COLOR: '1' } });

describe('command line', () => {
  it('forecast prints the loss, the MAE table and where the chart went', async () => {
    const out = join(dir, 'f.svg');
    const { stdout } = await run('src/forecast/main.ts', ['--steps', '20', '--hidden', '8', '--log-every', '10', '--out', out]);
    expect(stdout).toMatch(/step {4}10 {2}train loss/);
    expect(stdout).toMatch(/LSTM +\d+\.\d\d/);
    expect(stdout).toMatch(/seasonal naive \(12 months earlier\) +\d+\.\d\d/);
    expect(stdout).toContain(`chart written to ${out}`);
    expect(stdout).toContain('memory after cleanup: 0 handles');
    expect(checkSvg(await readFile(out, 'utf8'))).toEqual({ ok: true });
  }, 120_000);

  it('adding --quick prints both models, the gradient table and where the chart went', async () => {
    const out = join(dir, 'a.svg');
    const { stdout } = await run('src/adding/main.ts', ['--quick', '--length', '20', '--hidden', '8', '--out', out]);
    expect(stdout).toMatch(/^LSTM +0\.\d{4}/m);
    expect(stdout).toMatch(/^tanh RNN +0\.\d{4}/m);
    expect(stdout).toMatch(/^always predict 1 +0\.1667/m);
    expect(stdout).toMatch(/^d +LSTM init +LSTM trained +tanh RNN init +tanh RNN trained/m);
    expect(stdout).toContain(`chart written to ${out}`);
    expect(stdout).toContain('memory after cleanup: 0 handles');
    expect(checkSvg(await readFile(out, 'utf8'))).toEqual({ ok: true });
  }, 120_000);

  it('rejects a bad flag value', async () => {
    await expect(run('src/forecast/main.ts', ['--steps', 'many'])).rejects.toMatchObject({ stderr: expect.stringContaining('expected a positive integer') });
  }, 60_000);
});
