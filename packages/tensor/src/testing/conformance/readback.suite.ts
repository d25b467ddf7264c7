import { describe, expect } from 'vitest';
import type { Handle } from '../../backend/handle.js';
import type { TensorData } from '../../dtype.js';
import { checkReadType, type ConformanceContext } from './context.js';
import { mulberry32, randomFloats, randomInts } from '../random-inputs.js';

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** read, readMany, readSync: values, copies, typed-array kinds. */
export function readbackSuite(ctx: ConformanceContext): void {
  describe('readback', () => {
    ctx.test('read returns the uploaded values in the typed array of the dtype', async (scope) => {
      const { backend } = scope;
      const f = Float32Array.from([1.5, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45]);
      const hf = scope.track(backend.upload(f, [f.length], 'float32'));
      const vf = await backend.read(hf);
      checkReadType('read float32', vf, 'float32');
      expect(same(vf, f), `float32 round trip: ${Array.from(vf).join(', ')}`).toBe(true);
      const i = Int32Array.from([0, -1, 2147483647, -2147483648, 42]);
      const hi = scope.track(backend.upload(i, [5], 'int32'));
      const vi = await backend.read(hi);
      checkReadType('read int32', vi, 'int32');
      expect(Array.from(vi)).toEqual(Array.from(i));
      const he = scope.track(backend.upload([], [2, 0], 'float32'));
      expect((await backend.read(he)).length).toBe(0);
      const hs = scope.track(backend.upload([5], [], 'int32'));
      expect(Array.from(await backend.read(hs))).toEqual([5]);
    });

    ctx.test('readMany equals individual reads (mixed dtypes, empty, repeated handles)', async (scope) => {
      const { backend } = scope;
      const rng = mulberry32(800);
      const handles: Handle[] = [
        scope.track(backend.upload(randomFloats(rng, 12), [3, 4], 'float32')),
        scope.track(backend.upload(randomInts(rng, 5, -9, 9), [5], 'int32')),
        scope.track(backend.upload([], [0], 'float32')),
        scope.track(backend.upload(randomFloats(rng, 1), [], 'float32')),
      ];
      handles.push(scope.track(backend.exp(handles[0]!)));
      handles.push(handles[1]!); // the same handle twice
      const many = await backend.readMany(handles);
      expect(many.length).toBe(handles.length);
      for (let k = 0; k < handles.length; k++) {
        const one = await backend.read(handles[k]!);
        checkReadType(`readMany[${k}]`, many[k], handles[k]!.dtype);
        expect(same(many[k]!, one), `readMany[${k}] equals read`).toBe(true);
      }
      expect(await backend.readMany([])).toEqual([]);
    });

    ctx.test('read returns a copy: mutating it does not change the tensor', async (scope) => {
      const { backend } = scope;
      const h = scope.track(backend.upload(Float32Array.from([1, 2, 3]), [3], 'float32'));
      const first = await backend.read(h);
      first[0] = 100;
      first.fill(-1);
      expect(Array.from(await backend.read(h))).toEqual([1, 2, 3]);
      const [many] = await backend.readMany([h]);
      many!.fill(-1);
      expect(Array.from(await backend.read(h))).toEqual([1, 2, 3]);
      // Two reads are two arrays.
      const a = await backend.read(h);
      const b = await backend.read(h);
      expect(a, 'two reads give two arrays').not.toBe(b);
    });

    ctx.test('upload copies its input: mutating the source afterwards does not change the tensor', async (scope) => {
      const { backend } = scope;
      const source = Float32Array.from([1, 2, 3]);
      const h = scope.track(backend.upload(source, [3], 'float32'));
      source.fill(9);
      expect(Array.from(await backend.read(h))).toEqual([1, 2, 3]);
    });

    ctx.test('read waits for the work that writes the handle (a chain of ops)', async (scope) => {
      const { backend } = scope;
      let h = scope.track(backend.upload(Float32Array.from([1, 2, 3, 4]), [4], 'float32'));
      for (let k = 0; k < 50; k++) h = scope.track(backend.add(h, h));
      const values = await backend.read(h);
      expect(Array.from(values)).toEqual([1, 2, 3, 4].map((v) => v * 2 ** 50));
    });

    ctx.test('releasing the inputs right after enqueuing an op does not change its result', async (scope) => {
      const rng = mulberry32(802);
      const a = scope.upload(randomFloats(rng, 64), [8, 8], 'float32');
      const b = scope.upload(randomFloats(rng, 64), [8, 8], 'float32');
      const product = scope.run((backend, x, y) => backend.matmul(x!, y!, false, true), a, b);
      const total = scope.run((backend, x) => backend.sum(x!, [0, 1], false), product);
      const e = scope.run((backend, x) => backend.exp(x!), a);
      scope.releasePair(b);
      scope.releasePair(a);
      scope.releasePair(product);
      await scope.checkOp(e, 'exp', 'exp after its input was released');
      await scope.checkOp(total, 'sum', 'sum of a matmul after both were released', { terms: 64, magnitude: 8 });
    });

    ctx.test('readSync matches read when capabilities.syncRead', async (scope) => {
      const { backend } = scope;
      if (!backend.capabilities.syncRead) return;
      expect(typeof backend.readSync).toBe('function');
      const rng = mulberry32(801);
      const hs = [
        scope.track(backend.upload(randomFloats(rng, 6), [2, 3], 'float32')),
        scope.track(backend.upload(randomInts(rng, 4, -5, 5), [4], 'int32')),
        scope.track(backend.upload([], [0], 'int32')),
      ];
      hs.push(scope.track(backend.tanh(hs[0]!)));
      for (const h of hs) {
        const sync: TensorData = backend.readSync!(h);
        checkReadType('readSync', sync, h.dtype);
        const viaRead = await backend.read(h);
        expect(same(sync, viaRead), 'readSync equals read').toBe(true);
        sync.fill(7);
        expect(same(backend.readSync!(h), viaRead), 'readSync returns a copy').toBe(true);
      }
    });
  });
}
