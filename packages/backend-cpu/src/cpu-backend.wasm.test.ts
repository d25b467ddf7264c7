// Backend options that pick the kernels: { simd }, { threads }, and the lifecycle of the
// worker threads (started on the first big job or by ready(), ended by dispose()).
import { lstmSequence, matmul, noGrad, scope, tensor } from '@cellstate/tensor';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, type CpuBackend } from './cpu-backend.js';
import { WasmKernels } from './wasm/kernels.js';
import { availableCores, relaxedSimdSupported } from './wasm/platform.js';

describe('CpuBackend kernel selection', () => {
  it('runs WebAssembly SIMD by default, on all available cores', () => {
    const cpu = createCpuBackend();
    const cores = availableCores();
    expect(cpu.kernelInfo).toMatchObject({ simd: true, variant: cores > 1 ? 'mt' : 'st', threads: cores });
    cpu.dispose();
  });

  it('runs the plain TypeScript kernels with { simd: false }, and keeps { fused: false } working', () => {
    const plain = createCpuBackend({ simd: false });
    expect(plain.kernelInfo).toEqual({ simd: false, variant: null, relaxedSimd: false, threads: 1, threadsReady: 1 });
    const composed = createCpuBackend({ fused: false });
    expect(composed.capabilities.fused.lstmSequence).toBe(false);
    expect(composed.kernelInfo.simd).toBe(true);
    plain.dispose();
    composed.dispose();
  });

  it('runs the relaxed-SIMD build where the runtime has it, and the SIMD128 build with { relaxedSimd: false }', () => {
    const relaxed = createCpuBackend({ threads: 1 });
    const simd128 = createCpuBackend({ threads: 1, relaxedSimd: false });
    expect(relaxed.kernelInfo.relaxedSimd).toBe(relaxedSimdSupported());
    expect(simd128.kernelInfo).toMatchObject({ simd: true, variant: 'st', relaxedSimd: false });
    // Same product both ways, to the last bits a fused multiply-add may change.
    const [m, k, n] = [37, 300, 29];
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11));
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
    for (const cpu of [relaxed, simd128]) {
      const out = cpu.readSync(cpu.matmul(cpu.upload(a, [m, k], 'float32'), cpu.upload(b, [k, n], 'float32'), false, false));
      for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!)).toBeLessThan(3e-5);
    }
    relaxed.dispose();
    simd128.dispose();
  });

  it('takes the thread count from { threads } (one thread: the plain-memory build)', () => {
    const one = createCpuBackend({ threads: 1 });
    expect(one.kernelInfo).toEqual({ simd: true, variant: 'st', relaxedSimd: relaxedSimdSupported(), threads: 1, threadsReady: 1 });
    const three = createCpuBackend({ threads: 3 });
    expect(three.kernelInfo).toMatchObject({ simd: true, variant: 'mt', threads: 3 });
    one.dispose();
    three.dispose();
  });

  it('gives the same matmul and LSTM results on every path (big enough for the wasm matmul and threads)', async () => {
    const backends = [createCpuBackend({ simd: false }), createCpuBackend({ threads: 1 }), createCpuBackend({ threads: 2, tuning: { minParallelFlops: 0, minParallelStepFlops: 0 } })];
    await Promise.all(backends.map((b) => b.ready()));
    expect(backends[2]!.kernelInfo.threadsReady).toBe(2);
    const results = backends.map((backend) =>
      scope(() =>
        noGrad(() => {
          const [T, B, I, H] = [6, 9, 20, 24];
          const v = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + s) * 0.5);
          const a = tensor(v(40 * 70, 1), [40, 70], { backend });
          const b = tensor(v(70 * 50, 2), [70, 50], { backend });
          const r = lstmSequence({
            x: tensor(v(T * B * I, 3), [T, B, I], { backend }),
            wIh: tensor(v(4 * H * I, 4), [4 * H, I], { backend }),
            wHh: tensor(v(4 * H * H, 5), [4 * H, H], { backend }),
            bias: tensor(v(4 * H, 6), [4 * H], { backend }),
            h0: tensor(v(B * H, 7), [B, H], { backend }),
            c0: tensor(v(B * H, 8), [B, H], { backend }),
          });
          return [matmul(a, b).dataSync(), r.y.dataSync(), r.cT.dataSync()];
        }),
      ),
    );
    for (const r of results.slice(1)) {
      r.forEach((values, i) => {
        let worst = 0;
        for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j]! - results[0]![i]![j]!));
        expect(worst).toBeLessThan(1e-5);
      });
    }
    for (const b of backends) b.dispose();
  });
});

describe('worker threads', () => {
  it('start on ready(), are shared by backends with the same thread count, and end with the last dispose()', async () => {
    const first = WasmKernels.create({ threads: 2 })!;
    const second = WasmKernels.create({ threads: 2 })!;
    await first.whenReady();
    expect(first.threadsReady).toBe(2);
    expect(second.threadsReady).toBe(2);
    const exited = first.workersExited;
    first.dispose();
    expect(second.threadsReady).toBe(2); // still held by the second
    second.dispose();
    await exited; // resolves only when the worker thread has ended
    const third = WasmKernels.create({ threads: 2 })!; // a fresh engine after the last release
    await third.whenReady();
    expect(third.threadsReady).toBe(2);
    third.dispose();
    await third.workersExited;
  });

  it('a disposed backend runs no kernels and holds no threads', async () => {
    const cpu = createCpuBackend({ threads: 2 });
    await cpu.ready();
    expect(cpu.kernelInfo.threadsReady).toBe(2);
    cpu.dispose();
    expect(cpu.kernelInfo).toEqual({ simd: false, variant: null, relaxedSimd: false, threads: 1, threadsReady: 1 });
  });
});

describe('LSTM reserve kept in the WebAssembly memory', () => {
  const [T, B, I, H] = [5, 3, 4, 6];
  const v = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.9 + s) * 0.5);
  const upload = (backend: CpuBackend, n: number, shape: number[], seed: number) => backend.upload(v(n, seed), shape, 'float32');
  const argsFor = (backend: CpuBackend) => ({
    x: upload(backend, T * B * I, [T, B, I], 1),
    wIh: upload(backend, 4 * H * I, [4 * H, I], 2),
    wHh: upload(backend, 4 * H * H, [4 * H, H], 3),
    bias: upload(backend, 4 * H, [4 * H], 4),
    h0: upload(backend, B * H, [B, H], 5),
    c0: upload(backend, B * H, [B, H], 6),
    lengths: backend.upload([5, 2, 0], [B], 'int32'),
    reverse: false,
  });

  it('is counted in memory(), read back on demand, used in place by the backward and freed on release', () => {
    const fast = createCpuBackend({ threads: 1 });
    const plain = createCpuBackend({ simd: false });
    const before = fast.residentBytes;
    const fa = argsFor(fast);
    const pa = argsFor(plain);
    const fr = fast.lstmSequence(fa);
    const pr = plain.lstmSequence(pa);
    const size = 7 * T * B * H;
    expect(fast.residentBytes - before).toBeGreaterThanOrEqual(size * 4);
    expect(fast.memory().bytesInUse).toBe(plain.memory().bytesInUse);
    // The backward reads the resident reserve in place (it stays resident).
    const grads = { dy: upload(fast, T * B * H, [T, B, H], 7), dhT: upload(fast, B * H, [B, H], 8), dcT: null };
    const fg = fast.lstmSequenceBackward({ ...fa, ...grads, y: fr.y, reserve: fr.reserve });
    expect(fast.residentBytes - before).toBeGreaterThanOrEqual(size * 4);
    const pg = plain.lstmSequenceBackward({ ...pa, dy: upload(plain, T * B * H, [T, B, H], 7), dhT: upload(plain, B * H, [B, H], 8), dcT: null, y: pr.y, reserve: pr.reserve });
    for (const k of ['dx', 'dwIh', 'dwHh', 'dBias', 'dh0', 'dc0'] as const) {
      const a = fast.readSync(fg[k]);
      const b = plain.readSync(pg[k]);
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    }
    // Reading it copies it out (equal to the TypeScript reserve) and gives the block back.
    const got = fast.readSync(fr.reserve);
    const want = plain.readSync(pr.reserve);
    expect(got.length).toBe(size);
    for (let i = 0; i < size; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    expect(fast.residentBytes).toBe(before);
    // A second forward, released without a read: the block goes back at release.
    const again = fast.lstmSequence(fa);
    expect(fast.residentBytes).toBeGreaterThan(before);
    fast.release(again.reserve);
    expect(fast.residentBytes).toBe(before);
    // dispose() frees what is still resident.
    fast.lstmSequence(fa);
    expect(fast.residentBytes).toBeGreaterThan(before);
    const other = createCpuBackend({ threads: 1 }); // shares the engine
    fast.dispose();
    expect(other.residentBytes).toBe(before);
    other.dispose();
    plain.dispose();
  });
});
