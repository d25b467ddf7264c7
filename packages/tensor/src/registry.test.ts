import { afterEach, describe, expect, it } from 'vitest';
import { listBackends, ready, registerBackend, removeBackend, setBackend, getBackend, findBackend, importBackend, releaseBackends } from './registry.js';
import { tensor } from './ops/creation.js';
import { add } from './ops/elementwise.js';
import { BackendUnavailableError, CellstateError } from './errors.js';
import { createReferenceBackend } from './testing/reference-backend.js';
import type { Backend } from './backend/backend.js';

const names: string[] = [];
function reg(name: string, factory: () => Backend | null | Promise<Backend | null>, priority: number, autoSelect = true) {
  names.push(name);
  registerBackend(name, factory, { priority, autoSelect });
}
function named(name: string): Backend {
  const b = createReferenceBackend();
  Object.defineProperty(b, 'name', { value: name });
  // The reference backend calls itself software; these stand-ins play hardware backends.
  Object.defineProperty(b, 'capabilities', { value: { ...b.capabilities, isSoftware: false }, configurable: true });
  return b;
}

afterEach(() => {
  for (const n of names.splice(0)) removeBackend(n);
});

describe('registry', () => {
  it('ready() picks the highest-priority backend that comes up and skips null/throwing factories', async () => {
    reg('low', () => named('low'), 1);
    reg('broken', () => {
      throw new Error('driver exploded');
    }, 5);
    reg('absent', () => null, 4);
    reg('mid', async () => named('mid'), 2);
    const b = await ready({});
    expect(b.name).toBe('mid');
    const table = listBackends().filter((e) => names.includes(e.name));
    expect(table.map((e) => [e.name, e.state])).toEqual([
      ['broken', 'failed'],
      ['absent', 'unavailable'],
      ['mid', 'ready'],
      ['low', 'registered'],
    ]);
    expect(table.find((e) => e.name === 'broken')!.reason).toContain('driver exploded');
    expect(table.find((e) => e.name === 'absent')!.reason).toMatch(/null/);
    expect(table.find((e) => e.name === 'mid')!.active).toBe(true);
  });

  it('never selects an unavailable backend, and setBackend names why', async () => {
    reg('absent', () => null, 9);
    reg('ok', () => named('ok'), 0);
    await expect(setBackend('absent')).rejects.toBeInstanceOf(BackendUnavailableError);
    try {
      await setBackend('absent');
    } catch (e) {
      expect(CellstateError.isInstance(e)).toBe(true);
      const err = e as BackendUnavailableError;
      expect(err.message).toContain("backend 'absent' is not available");
      expect(err.message).toContain('ok (priority 0)');
      expect(err.available.find((a) => a.name === 'absent')!.state).toBe('unavailable');
    }
    expect((await setBackend('ok')).name).toBe('ok');
  });

  it('prefer order wins over priority; autoSelect:false backends come up only when asked by name', async () => {
    reg('soft', () => named('soft'), 10, false);
    reg('a', () => named('a'), 3);
    reg('b', () => named('b'), 2);
    expect((await ready({ prefer: ['b', 'a'] })).name).toBe('b');
    expect((await ready({ prefer: ['soft'] })).name).toBe('soft');
    expect(getBackend().name).toBe('soft');
    await expect(ready({ prefer: ['nope'] })).rejects.toThrow(/nope/);
  });

  it('a backend reporting a software adapter comes up but is chosen only by name', async () => {
    reg('gpu-soft', () => {
      const b = named('gpu-soft');
      Object.defineProperty(b, 'capabilities', { value: { ...b.capabilities, isSoftware: true } });
      return b;
    }, 50);
    reg('plain', () => named('plain'), 1);
    expect((await ready({})).name).toBe('plain');
    const row = listBackends().find((e) => e.name === 'gpu-soft')!;
    expect(row.state).toBe('ready');
    expect(row.reason).toMatch(/software adapter/);
    expect((await setBackend('gpu-soft')).name).toBe('gpu-soft');
  });

  it('rejects a backend that speaks another contract version', async () => {
    reg('future', () => {
      const b = named('future');
      Object.defineProperty(b, 'contractVersion', { value: 2 });
      return b;
    }, 1);
    await expect(setBackend('future')).rejects.toThrow(/contract version 2/);
  });

  it('is shared through globalThis', async () => {
    reg('shared', () => named('shared'), 0);
    const state = (globalThis as unknown as Record<symbol, { entries: Map<string, unknown> }>)[Symbol.for('cellstate.registry')]!;
    expect(state.entries.has('shared')).toBe(true);
    await setBackend('shared');
    expect(findBackend('shared')).toBe(getBackend());
  });

  it('initialises a backend once even when asked concurrently', async () => {
    let calls = 0;
    reg('once', async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return named('once');
    }, 0);
    const [x, y] = await Promise.all([setBackend('once'), setBackend('once')]);
    expect(x).toBe(y);
    expect(calls).toBe(1);
  });
});

describe('importBackend', () => {
  const missing = () => Promise.reject(new Error("Cannot find package 'gpu-pkg'\n    at resolve (node:internal)"));

  it('a loader that fails registers an unavailable placeholder: asking for it by name says why', async () => {
    names.push('gpu');
    reg('ok', () => named('ok'), 1);
    expect(await importBackend('gpu', missing, { priority: 3 })).toBe(false);
    const row = listBackends().find((e) => e.name === 'gpu')!;
    expect(row).toMatchObject({ priority: 3, reason: "could not be loaded: Cannot find package 'gpu-pkg'" });
    const error = await ready({ prefer: ['gpu'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain("backend 'gpu' is not available");
    expect((error as Error).message).toContain("gpu (priority 3): unavailable - could not be loaded: Cannot find package 'gpu-pkg'");
    expect((error as Error).message).not.toContain('node:internal');
    // The placeholder never takes part in automatic selection despite its priority.
    expect((await ready({})).name).toBe('ok');
  });

  it('a loader that registers the backend returns true and the backend computes', async () => {
    names.push('gpu');
    const load = async () => registerBackend('gpu', () => named('gpu'), { priority: 3 });
    expect(await importBackend('gpu', load, { priority: 3 })).toBe(true);
    const b = await ready({ prefer: ['gpu'] });
    expect(b.name).toBe('gpu');
    const x = tensor([1, 2, 3]);
    expect(x.backend).toBe(b);
    expect(await add(x, x).data()).toEqual(new Float32Array([2, 4, 6]));
  });

  it('a second failure does not re-register: the first reason stays', async () => {
    names.push('gpu');
    await importBackend('gpu', missing);
    expect(await importBackend('gpu', () => Promise.reject('dawn.node: no such file'))).toBe(false);
    expect(listBackends().filter((e) => e.name === 'gpu')).toHaveLength(1);
    await expect(ready({ prefer: ['gpu'] })).rejects.toThrow(/could not be loaded: Cannot find package 'gpu-pkg'/);
    expect(listBackends().find((e) => e.name === 'gpu')!.state).toBe('unavailable');
  });

  it('leaves an already registered backend alone when a load fails, and a later successful load replaces the placeholder', async () => {
    reg('real', () => named('real'), 2);
    expect(await importBackend('real', missing)).toBe(false);
    expect((await ready({ prefer: ['real'] })).name).toBe('real');
    expect(listBackends().find((e) => e.name === 'real')!.reason).toBeUndefined();

    names.push('gpu');
    await importBackend('gpu', missing);
    expect(await importBackend('gpu', async () => registerBackend('gpu', () => named('gpu'), { priority: 3 }))).toBe(true);
    expect((await ready({ prefer: ['gpu'] })).name).toBe('gpu');
  });
});

describe('releaseBackends', () => {
  it('disposes and removes ready backends except cpu; the active one is deselected', async () => {
    let disposed = 0;
    reg('cpu', () => named('cpu'), 1);
    reg('gpu', () => {
      const b = named('gpu');
      const dispose = b.dispose.bind(b);
      b.dispose = () => {
        disposed++;
        dispose();
      };
      return b;
    }, 3);
    reg('idle', () => named('idle'), 0);
    reg('absent', () => null, 0);
    await ready({ prefer: ['cpu'] });
    await ready({ prefer: ['absent', 'gpu'] });
    expect(getBackend().name).toBe('gpu');

    releaseBackends();
    expect(disposed).toBe(1);
    expect(listBackends().map((e) => [e.name, e.state])).toEqual([
      ['cpu', 'ready'],
      ['idle', 'registered'],
      ['absent', 'unavailable'],
    ]);
    // Nothing is active any more: the next call picks among what is left.
    expect(getBackend().name).toBe('cpu');
    expect(await tensor([1]).data()).toEqual(new Float32Array([1]));
  });

  it('keep names the backends to leave; an empty list releases cpu too', async () => {
    reg('cpu', () => named('cpu'), 1);
    reg('gpu', () => named('gpu'), 3);
    await ready({ prefer: ['cpu'] });
    await ready({ prefer: ['gpu'] });
    releaseBackends({ keep: ['gpu'] });
    expect(listBackends().map((e) => e.name)).toEqual(['gpu']);
    expect(findBackend('gpu')).toBe(getBackend());
    releaseBackends({ keep: [] });
    expect(listBackends()).toEqual([]);
  });
});
