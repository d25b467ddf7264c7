import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../checkpoint/errors.js';
import { assertWritable } from './checkpoint-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellstate-writable-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<CheckpointError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(CheckpointError);
  expect((e as CheckpointError).code).toBe('io');
  return e as CheckpointError;
}

describe('assertWritable', () => {
  it('accepts a new run directory (creating it) and a new file, leaving no probe behind', async () => {
    await assertWritable(join(dir, 'runs', 'a'), { directory: true });
    await assertWritable(join(dir, 'runs', 'a', 'model.safetensors'));
    expect(await readdir(join(dir, 'runs', 'a'))).toEqual([]);
  });

  it.each(['/proc/x', '/proc/self/fd/model', '/sys/kernel/x', '/dev/null'])('refuses %s quickly, naming it', async (path) => {
    const started = performance.now();
    const e = await refusal(assertWritable(path, { directory: !path.startsWith('/dev') }));
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/special filesystem/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a directory given as a file and a path below a file', async () => {
    await writeFile(join(dir, 'file'), 'x');
    expect((await refusal(assertWritable(dir))).message).toMatch(/is a directory/);
    expect((await refusal(assertWritable(join(dir, 'file', 'run'), { directory: true }))).message).toContain(join(dir, 'file', 'run'));
  });
});
