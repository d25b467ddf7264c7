import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@cellstate/backend-cpu';
import { ready, tensor, type Tensor } from '@cellstate/tensor';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointError } from '../checkpoint/errors.js';
import type { CheckpointOptimizerState } from '../checkpoint/state.js';
import { Module } from '../module.js';
import {
  loadCheckpointFile,
  loadModel,
  loadTrainingCheckpoint,
  saveCheckpoint,
  saveModel,
  saveTrainingCheckpoint,
  writeFileAtomically,
} from './index.js';

/** Lets a test make `rename` fail, as a crash between writing and renaming would. */
const fsHooks = vi.hoisted(() => ({ failRename: false, renamed: [] as [string, string, number[]][] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (fsHooks.failRename) {
        fsHooks.renamed.push([from, to, Array.from(await actual.readFile(from))]);
        throw Object.assign(new Error('EIO: simulated crash during rename'), { code: 'EIO' });
      }
      return actual.rename(from, to);
    },
  };
});

class Tiny extends Module {
  weight = this.addParameter('weight', tensor([[1, 2], [3, 4]]));
  bias = this.addParameter('bias', tensor([0.5, -0.5]));
}

async function values(m: Module): Promise<number[][]> {
  return Promise.all(m.namedParameters().map(async ([, p]) => Array.from(await p.value.data())));
}

let dir: string;
beforeAll(async () => {
  await ready();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellstate-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveCheckpoint', () => {
  it('writes the bytes and leaves no temp files', async () => {
    const path = join(dir, 'a.safetensors');
    await saveCheckpoint(path, new Uint8Array([1, 2, 3]));
    await saveCheckpoint(path, new Uint8Array([4, 5])); // replaces
    expect(Array.from(await readFile(path))).toEqual([4, 5]);
    expect(await readdir(dir)).toEqual(['a.safetensors']);
  });

  it('a failed rename (the target is a directory) keeps what was there and removes the temp file', async () => {
    const path = join(dir, 'model.safetensors');
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'previous');
    const e = await saveCheckpoint(path, new Uint8Array([9, 9, 9])).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).code).toBe('io');
    expect((e as Error).message).toMatch(/could not write checkpoint/);
    expect((e as Error).message).toContain(path);
    expect((e as Error).cause).toBeDefined();
    expect(await readFile(join(path, 'keep.txt'), 'utf8')).toBe('previous');
    expect((await readdir(dir)).sort()).toEqual(['model.safetensors']);
  });

  it('a crash at the rename step leaves the previous file intact and removes the temp file', async () => {
    const path = join(dir, 'model.safetensors');
    await saveCheckpoint(path, new Uint8Array([1, 1, 1]));
    fsHooks.failRename = true;
    try {
      const e = await saveCheckpoint(path, new Uint8Array([2, 2, 2, 2])).catch((error: unknown) => error);
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as Error).message).toMatch(/could not write checkpoint: EIO: simulated/);
    } finally {
      fsHooks.failRename = false;
    }
    // the temp file was complete, fsynced and beside the target when the rename came
    expect(fsHooks.renamed).toHaveLength(1);
    const [from, to, contents] = fsHooks.renamed[0]!;
    expect(to).toBe(path);
    expect(from.startsWith(`${path}.tmp-${process.pid}-`)).toBe(true);
    expect(contents).toEqual([2, 2, 2, 2]);
    expect(Array.from(await readFile(path))).toEqual([1, 1, 1]);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('a target whose directory does not exist fails cleanly', async () => {
    const good = join(dir, 'good.safetensors');
    await saveCheckpoint(good, new Uint8Array([1]));
    const e = await saveCheckpoint(join(good, 'child.safetensors'), new Uint8Array([2])).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(CheckpointError);
    expect(await readdir(dir)).toEqual(['good.safetensors']);
  });

  it('an interrupted model save keeps the previous checkpoint loadable', async () => {
    const path = join(dir, 'tiny.safetensors');
    const model = new Tiny();
    await saveModel(path, model);
    const before = await readFile(path);
    // make the next save fail during encoding (a disposed parameter cannot be read)
    const broken = new Tiny();
    broken.bias.value.dispose();
    await expect(saveModel(path, broken)).rejects.toThrow(/dispose/);
    expect((await readFile(path)).equals(before)).toBe(true);
    expect(await readdir(dir)).toEqual(['tiny.safetensors']);
    const again = new Tiny();
    again.weight.assign(tensor([[0, 0], [0, 0]]));
    await loadModel(path, again);
    expect(await values(again)).toEqual(await values(model));
  });
});

describe('writeFileAtomically', () => {
  it('writes UTF-8 text and bytes, replacing a file only with a complete one', async () => {
    const path = join(dir, 'run.json');
    await writeFileAtomically(path, '{"a":"é"}');
    expect(await readFile(path, 'utf8')).toBe('{"a":"é"}');
    fsHooks.failRename = true;
    try {
      await expect(writeFileAtomically(path, '{"a":2}')).rejects.toBeInstanceOf(CheckpointError);
    } finally {
      fsHooks.failRename = false;
    }
    expect(await readFile(path, 'utf8')).toBe('{"a":"é"}');
    await writeFileAtomically(path, new Uint8Array([123, 125]));
    expect(await readFile(path, 'utf8')).toBe('{}');
    expect(await readdir(dir)).toEqual(['run.json']);
  });
});

describe('loadCheckpointFile / loadModel', () => {
  it('wraps read errors with the path', async () => {
    const path = join(dir, 'missing.safetensors');
    const e = await loadCheckpointFile(path).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).code).toBe('io');
    expect((e as Error).message).toMatch(/could not read checkpoint: ENOENT/);
    expect((e as Error).message).toContain(`(in ${path})`);
  });

  it('saveModel + loadModel round trip; errors name the file; a bad file leaves the model unchanged', async () => {
    const path = join(dir, 'tiny.safetensors');
    const source = new Tiny();
    source.weight.assign(tensor([[0.1, 0.2], [0.3, 0.4]]));
    await saveModel(path, source);
    const target = new Tiny();
    await loadModel(path, target);
    expect(await values(target)).toEqual(await values(source));

    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 2));
    const fresh = new Tiny();
    const e = await loadModel(path, fresh).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toMatch(/truncated file/);
    expect((e as Error).message).toContain(path);
    expect(await values(fresh)).toEqual([[1, 2, 3, 4], [0.5, -0.5]]);
  });
});

describe('saveTrainingCheckpoint / loadTrainingCheckpoint', () => {
  it('restores model, optimizer slots and step exactly', async () => {
    class Opt {
      state: CheckpointOptimizerState = { step: 0, hyper: {}, slots: {} };
      stateDict(): CheckpointOptimizerState {
        return this.state;
      }
      loadStateDict(sd: CheckpointOptimizerState): void {
        this.state = sd;
      }
    }
    const model = new Tiny();
    model.bias.assign(tensor([7, 8]));
    const opt = new Opt();
    const m: Tensor = tensor([[0.125, -3], [1e-9, 4]]);
    opt.state = { step: 17, hyper: { lr: 0.003, nesterov: true }, slots: { weight: { momentum_buffer: m } } };
    const path = join(dir, 'train.safetensors');
    await saveTrainingCheckpoint(path, { model, optimizer: opt, step: 170, epoch: 1.5, extra: { run: 'abc' } });
    expect(await readdir(dir)).toEqual(['train.safetensors']);

    const model2 = new Tiny();
    const opt2 = new Opt();
    const restored = await loadTrainingCheckpoint(path, { model: model2, optimizer: opt2 });
    expect(restored).toEqual({ step: 170, epoch: 1.5, extra: { run: 'abc' } });
    expect(await values(model2)).toEqual(await values(model));
    expect(opt2.state.step).toBe(17);
    expect(opt2.state.hyper).toEqual({ lr: 0.003, nesterov: true });
    expect(Array.from(await opt2.state.slots.weight!.momentum_buffer!.data())).toEqual(Array.from(await m.data()));
    expect(opt2.state.slots.weight!.momentum_buffer!.shape).toEqual([2, 2]);
  });
});
