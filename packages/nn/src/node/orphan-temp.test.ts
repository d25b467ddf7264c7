import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveCheckpoint } from './checkpoint-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellstate-orphan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveCheckpoint and the temp files of killed writers', () => {
  it('removes the temp files of a dead process on the next write, and keeps those of live ones and of other files', async () => {
    // A pid that has certainly exited: a child that already ended.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const path = join(dir, 'model.safetensors');
    const orphan = `model.safetensors.tmp-${dead}-abcdef012345`;
    const live = `model.safetensors.tmp-${process.ppid}-abcdef012345`;
    const other = `other.safetensors.tmp-${dead}-abcdef012345`;
    for (const name of [orphan, live, other]) await writeFile(join(dir, name), 'half-written');
    await saveCheckpoint(path, new Uint8Array([1, 2, 3]));
    expect((await readdir(dir)).sort()).toEqual([live, 'model.safetensors', other].sort());
  });
});
