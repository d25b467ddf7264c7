import { describe, expect } from 'vitest';
import type { Backend } from '../../backend/backend.js';
import type { Handle } from '../../backend/handle.js';
import { CellstateError, DisposedTensorError } from '../../errors.js';
import type { ConformanceContext } from './context.js';
import { mulberry32, randomFloats } from '../random-inputs.js';

const EXACT = { atol: 0, rtol: 0 };

/** True for a DisposedTensorError, also one thrown by another copy of the package. */
function isDisposedError(error: unknown): boolean {
  return error instanceof DisposedTensorError || (CellstateError.isInstance(error) && error.name === 'DisposedTensorError');
}

function expectDisposedError(run: () => void, label: string): void {
  let thrown: unknown = undefined;
  let threw = false;
  try {
    run();
  } catch (error) {
    threw = true;
    thrown = error;
  }
  expect(threw, `${label}: expected DisposedTensorError, nothing was thrown`).toBe(true);
  expect(isDisposedError(thrown), `${label}: expected DisposedTensorError, got ${String(thrown)}`).toBe(true);
}

async function settledMemory(backend: Backend): Promise<ReturnType<Backend['memory']>> {
  backend.flush();
  await backend.sync();
  return backend.memory();
}

/** upload / fill / retain / release and the memory() counters. */
export function memorySuite(ctx: ConformanceContext): void {
  describe('memory', () => {
    handleCases(ctx);
    valueCases(ctx);
  });
}

/** Handles: upload and release, retain counts, freed handles, reshaped views. */
function handleCases(ctx: ConformanceContext): void {
  ctx.test('upload adds one handle and its bytes; release returns memory() to the baseline', async (scope) => {
    const { backend } = scope;
    const before = await settledMemory(backend);
    const h = scope.track(backend.upload(new Float32Array(10).fill(1), [2, 5], 'float32'));
    const during = backend.memory();
    expect(during.handles, 'handles after one upload').toBe(before.handles + 1);
    expect(during.bytesInUse - before.bytesInUse, 'bytesInUse grows by at least 10 float32').toBeGreaterThanOrEqual(40);
    expect(during.bytesAllocated, 'bytesAllocated = bytesInUse + bytesPooled').toBe(during.bytesInUse + during.bytesPooled);
    scope.release(h);
    const after = await settledMemory(backend);
    expect({ handles: after.handles, bytesInUse: after.bytesInUse }).toEqual({ handles: before.handles, bytesInUse: before.bytesInUse });
  });

  ctx.test('many uploads, fills and op results of both dtypes return to the baseline once released', async (scope) => {
    const { backend } = scope;
    const before = await settledMemory(backend);
    const handles: Handle[] = [];
    const rng = mulberry32(700);
    for (let i = 0; i < 20; i++) {
      handles.push(backend.upload(randomFloats(rng, i + 1), [i + 1], 'float32'));
      handles.push(backend.upload(new Int32Array(i), [i], 'int32'));
      handles.push(backend.fill([i, 2], i % 2 ? 'int32' : 'float32', i));
    }
    const a = handles[0]!;
    handles.push(backend.exp(a), backend.add(a, a), backend.sum(a, [0], false));
    expect(backend.memory().handles, 'one live storage per handle').toBe(before.handles + handles.length);
    for (const h of handles) backend.release(h);
    const after = await settledMemory(backend);
    expect({ handles: after.handles, bytesInUse: after.bytesInUse }).toEqual({ handles: before.handles, bytesInUse: before.bytesInUse });
  });

  ctx.test('releasing a freed handle throws DisposedTensorError', async (scope) => {
    const { backend } = scope;
    const h = backend.upload(Float32Array.from([1, 2, 3]), [3], 'float32');
    backend.release(h);
    expectDisposedError(() => backend.release(h), 'second release');
    const e = backend.exp(scope.track(backend.upload(Float32Array.from([0]), [1], 'float32')));
    backend.release(e);
    expectDisposedError(() => backend.release(e), 'second release of an op result');
    const empty = backend.upload([], [0], 'float32');
    backend.release(empty);
    expectDisposedError(() => backend.release(empty), 'second release of an empty tensor');
  });

  ctx.test('retain then release twice frees once; a third release throws', async (scope) => {
    const { backend } = scope;
    const before = await settledMemory(backend);
    const h = backend.upload(Float32Array.from([1, 2, 3, 4]), [4], 'float32');
    backend.retain(h);
    expect(backend.memory().handles, 'a retain adds no storage').toBe(before.handles + 1);
    backend.release(h);
    expect(backend.memory().handles, 'still live after the first release').toBe(before.handles + 1);
    expect(Array.from(await backend.read(h)), 'still readable after the first release').toEqual([1, 2, 3, 4]);
    backend.release(h);
    const after = await settledMemory(backend);
    expect({ handles: after.handles, bytesInUse: after.bytesInUse }, 'freed after the second release').toEqual({
      handles: before.handles,
      bytesInUse: before.bytesInUse,
    });
    expectDisposedError(() => backend.release(h), 'third release');
  });

  ctx.test('a reshaped view (same id, new shape) reads and computes with its own shape', async (scope) => {
    const { backend, reference } = scope;
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const x = scope.upload(values, [6], 'float32');
    // What ops/movement.ts reshape does: retain the storage, hand out a handle with another shape.
    backend.retain(x.actual);
    reference.retain(x.expected);
    const view = {
      actual: scope.track({ id: x.actual.id, shape: [2, 3], dtype: 'float32' as const }, backend),
      expected: scope.track({ id: x.expected.id, shape: [2, 3], dtype: 'float32' as const }, reference),
    };
    expect(Array.from(await scope.read(view.actual))).toEqual([1, 2, 3, 4, 5, 6]);
    const summed = scope.run((b, h) => b.sum(h!, [1], false), view);
    await scope.checkOp(summed, 'sum', 'sum over a view', { terms: 3 });
    const t = scope.run((b, h) => b.transpose(h!, [1, 0]), view);
    await scope.checkOp(t, 'transpose', 'transpose of a view');
    // Releasing the original leaves the view's storage alive.
    scope.release(x.actual, backend);
    scope.release(x.expected, reference);
    expect(Array.from(await scope.read(view.actual)), 'the view outlives the original handle').toEqual([1, 2, 3, 4, 5, 6]);
  });
}

/** Values: inputs never modified, fill, upload conversions. */
function valueCases(ctx: ConformanceContext): void {
  ctx.test('ops never modify their inputs', async (scope) => {
    const rng = mulberry32(701);
    const xv = randomFloats(rng, 12);
    const x = scope.upload(xv, [4, 3], 'float32');
    const idx = scope.upload([0, 2, 2], [3], 'int32');
    const updates = scope.upload(randomFloats(rng, 9), [3, 3], 'float32');
    const mask = scope.upload(Float32Array.from([1, 0, 1]), [3], 'float32');
    const outputs = [
      scope.run((b, h) => b.exp(h!), x),
      scope.run((b, h) => b.neg(h!), x),
      scope.run((b, h) => b.add(h!, h!), x),
      scope.run((b, h) => b.maximum(h!, h!), x),
      scope.run((b, h, m) => b.where(m!, h!, h!), x, mask),
      scope.run((b, h) => b.sum(h!, [0, 1], false), x),
      scope.run((b, h) => b.max(h!, [1], true), x),
      scope.run((b, h) => b.matmul(h!, h!, true, false), x),
      scope.run((b, h) => b.transpose(h!, [1, 0]), x),
      scope.run((b, h) => b.slice(h!, [0, 0], [4, 3]), x),
      scope.run((b, h) => b.concat([h!], 0), x),
      scope.run((b, h) => b.pad(h!, [[0, 0], [0, 0]], 0), x),
      scope.run((b, h) => b.cast(h!, 'float32'), x),
      scope.run((b, h, i) => b.gather(h!, i!, 0), x, idx),
      scope.run((b, h, i, u) => b.scatterAdd(h!, i!, u!, 0), x, idx, updates),
    ];
    expect(outputs.length).toBe(15);
    expect(Array.from(await scope.read(x.actual)), 'x after 15 ops').toEqual(Array.from(xv));
    expect(Array.from(await scope.read(idx.actual)), 'indices after gather / scatterAdd').toEqual([0, 2, 2]);
  });

  ctx.test('fill: float32 and int32, NaN and infinities, scalar, empty and long shapes', async (scope) => {
    const cases: [number[], 'float32' | 'int32', number][] = [
      [[2, 3], 'float32', 2.5],
      [[2, 3], 'float32', -0],
      [[4], 'float32', NaN],
      [[4], 'float32', Infinity],
      [[4], 'float32', -Infinity],
      [[], 'float32', 7],
      [[0], 'float32', 1],
      [[3, 0, 2], 'float32', 1],
      [[1037], 'float32', 0.1],
      [[2, 3], 'int32', 7],
      [[2, 3], 'int32', -2147483648],
      [[], 'int32', -5],
      [[0], 'int32', 3],
      [[1037], 'int32', 123456],
    ];
    for (const [shape, dtype, value] of cases) {
      const out = scope.create((b) => b.fill(shape, dtype, value));
      await scope.check(out, EXACT, `fill ${dtype} [${shape.join(',')}] with ${value}`);
      scope.releasePair(out);
    }
  });

  ctx.test('fill int32 with a fractional or out-of-range value truncates toward zero and clamps', async (scope) => {
    for (const value of [2.7, -3.9, 1e10, -1e10, NaN]) {
      const out = scope.create((b) => b.fill([3], 'int32', value));
      await scope.check(out, EXACT, `fill int32 with ${value}`);
      scope.releasePair(out);
    }
  });

  ctx.test('upload converts values: numbers to float32 (rounded), plain arrays accepted', async (scope) => {
    const { backend } = scope;
    const h = scope.track(backend.upload([0.1, 1 / 3, 1e-50, 1e39, -1e39], [5], 'float32'));
    const values = await scope.read(h);
    expect(Array.from(values)).toEqual([Math.fround(0.1), Math.fround(1 / 3), 0, Infinity, -Infinity]);
    const i = scope.track(backend.upload([1, -2, 3], [3], 'int32'));
    expect(Array.from(await scope.read(i))).toEqual([1, -2, 3]);
  });
}
