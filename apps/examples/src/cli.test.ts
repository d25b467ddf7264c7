// The two commands a newcomer runs, end to end (shortened with flags).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dawnMissing, skipTitle } from '../../../tools/test-env/requirements.ts';
import { checkSvg } from './shared/svg-check.js';

const app = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = await mkdtemp(join(tmpdir(), 'cellstate-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', script, ...args], { cwd: app, env: { ...process.env, NO_COLOR: '1', ...env } });
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const gpuMissing = dawnMissing();
const lstmMae = (stdout: string) => Number(/^LSTM +(\d+\.\d\d)/m.exec(stdout)?.[1]);

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

  it('--backend names the backend it runs on and rejects an unknown one', async () => {
    const { stdout } = await run('src/forecast/main.ts', ['--backend', 'cpu', '--steps', '2', '--hidden', '4', '--out', join(dir, 'b.svg')]);
    expect(stdout).toContain("'cpu' backend");
    await expect(run('src/forecast/main.ts', ['--backend', 'tpu'])).rejects.toMatchObject({ stderr: expect.stringContaining('expected one of cpu, webgpu') });
  }, 60_000);

  it.skipIf(!!gpuMissing)(skipTitle('forecast --backend webgpu (Dawn + SwiftShader) learns like the CPU backend', gpuMissing), async () => {
    const args = ['--steps', '30', '--hidden', '8', '--log-every', '10'];
    const cpu = await run('src/forecast/main.ts', [...args, '--backend', 'cpu', '--out', join(dir, 'c.svg')]);
    const gpu = await run('src/forecast/main.ts', [...args, '--backend', 'webgpu', '--out', join(dir, 'g.svg')], { VK_ICD_FILENAMES: swiftShader });
    expect(gpu.stdout).toContain("'webgpu' backend");
    // Same seed, same data: float32 rounding differs between the kernels, the result barely.
    expect(lstmMae(gpu.stdout)).toBeGreaterThan(0);
    expect(Math.abs(lstmMae(gpu.stdout) - lstmMae(cpu.stdout)) / lstmMae(cpu.stdout)).toBeLessThan(0.02);
  }, 180_000);

  it('rejects a bad flag value', async () => {
    await expect(run('src/forecast/main.ts', ['--steps', 'many'])).rejects.toMatchObject({ stderr: expect.stringContaining('expected a positive integer') });
  }, 60_000);
});
