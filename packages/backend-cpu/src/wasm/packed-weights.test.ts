// The packed-weights cache's budget: entries past `maxPackedWeightBytes` are dropped oldest
// use first, and 0 turns the cache off; the products stay those of the unpacked GEMM, and
// an LSTM's folded gate table gives the same outputs kept or not.
import { mulberry32 } from '@cellstate/tensor/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { matmul } from '../kernels/matmul.js';
import { WasmKernels } from './kernels.js';
import { wasmSimdSupported } from './platform.js';

const [m, k, n] = [6, 40, 24];
const packedSize = Math.ceil(n / 8) * 8 * k * 4;

function weights(seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: k * n }, () => rng() * 2 - 1);
}

describe.skipIf(!wasmSimdSupported())('packed weights budget', () => {
  let kernels: WasmKernels | null = null;
  afterEach(() => kernels?.dispose());

  /** a · wᵀ through the kernels as weight `id`, checked against the TypeScript GEMM. */
  function product(a: Float32Array, w: Float32Array, id: number): void {
    const want = new Float32Array(m * n);
    matmul(a, [m, k], w, [n, k], false, true, want, [m, n]);
    const got = new Float32Array(m * n);
    expect(kernels!.matmul(a, [m, k], w, [n, k], false, true, got, [m, n], id)).toBe(true);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5));
  }

  it('keeps at most the budget, dropping the least recently used weight', async () => {
    kernels = WasmKernels.create({ threads: 1, minWasmMatmul: 0, maxPackedWeightBytes: 2 * packedSize })!;
    await kernels.whenReady();
    const a = weights(1).subarray(0, m * k);
    const [w1, w2, w3] = [weights(2), weights(3), weights(4)];
    for (let i = 0; i < 2; i++) product(a, w1, 1);
    for (let i = 0; i < 2; i++) product(a, w2, 2);
    expect(kernels.packedBytes).toBe(2 * packedSize);
    product(a, w1, 1); // w1 used last: w2 is now the oldest
    for (let i = 0; i < 2; i++) product(a, w3, 3); // packing w3 drops w2
    expect(kernels.packedBytes).toBe(2 * packedSize);
    kernels.forgetPacked(2); // gone already: nothing to free
    expect(kernels.packedBytes).toBe(2 * packedSize);
    kernels.forgetPacked(1); // still kept
    expect(kernels.packedBytes).toBe(packedSize);
    // A forgotten weight starts over: packed again on its second use.
    product(a, w1, 1);
    expect(kernels.packedBytes).toBe(packedSize);
    product(a, w1, 1);
    expect(kernels.packedBytes).toBe(2 * packedSize);
  });

  it('packs nothing with a budget of 0, or when one weight is over the budget', async () => {
    for (const budget of [0, packedSize - 1]) {
      kernels = WasmKernels.create({ threads: 1, minWasmMatmul: 0, maxPackedWeightBytes: budget })!;
      await kernels.whenReady();
      const a = weights(5).subarray(0, m * k);
      for (let i = 0; i < 3; i++) product(a, weights(6), 7);
      expect(kernels.packedBytes).toBe(0);
      kernels.dispose();
      kernels = null;
    }
  });

  it("keeps an LSTM's folded gate table as it is from its second call, and reads the new one after forgetPacked", async () => {
    kernels = WasmKernels.create({ threads: 1, maxPackedWeightBytes: 1 << 20 })!;
    await kernels.whenReady();
    const [T, B, V, H] = [3, 2, 11, 8];
    const rng = mulberry32(9);
    const rand = (len: number) => Float32Array.from({ length: len }, () => rng() * 2 - 1);
    const table = rand(V * 4 * H);
    const ids = Int32Array.from([3, 10, 0, 7, 5, 5]);
    const wHh = rand(4 * H * H);
    const h0 = rand(B * H);
    const c0 = rand(B * H);
    const run = (t: Float32Array) => {
      const out = [new Float32Array(T * B * H), new Float32Array(B * H), new Float32Array(B * H)] as const;
      expect(kernels!.lstmSequenceEmbedded(t, 42, ids, wHh, h0, c0, null, false, T, B, V, H, ...out)).toBe(true);
      return out[0];
    };
    const first = run(table);
    expect(kernels.packedBytes).toBe(0);
    expect(run(table)).toEqual(first);
    expect(kernels.packedBytes).toBe(table.byteLength);
    expect(run(table)).toEqual(first);
    // Storage 42 written in place: the kept copy must go, or the old gates would be read.
    const changed = table.map((v) => v * 0.5);
    kernels.forgetPacked(42);
    expect(kernels.packedBytes).toBe(0);
    const fresh = run(changed);
    expect(fresh).not.toEqual(first);
    expect(run(changed)).toEqual(fresh);
    expect(run(changed)).toEqual(fresh);
    // With no budget every call sends only the rows it reads (renumbered): the same outputs.
    kernels.dispose();
    kernels = WasmKernels.create({ threads: 1, maxPackedWeightBytes: 0 })!;
    await kernels.whenReady();
    expect(run(changed)).toEqual(fresh);
    expect(run(changed)).toEqual(fresh);
    expect(kernels.packedBytes).toBe(0);
  });
});
