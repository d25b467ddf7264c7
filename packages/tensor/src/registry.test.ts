import { afterEach, describe, expect, it } from 'vitest';
import { listBackends, ready, registerBackend, removeBackend, setBackend, getBackend, findBackend } from './registry.js';
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
