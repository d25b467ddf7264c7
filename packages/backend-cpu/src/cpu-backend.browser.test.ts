// In a browser (headless chromium, cross-origin isolated by vitest.browser.config.ts): the
// WebAssembly kernels compile asynchronously on the main thread, run on Web Workers over
// shared memory, and agree with the plain TypeScript kernels.
import { describe, expect, it } from 'vitest';
import { createCpuBackend, type CpuBackend } from './cpu-backend.js';
import { relaxedSimdSupported } from './wasm/platform.js';

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.77 + seed) * 0.5);
}

function runAll(cpu: CpuBackend): Float32Array[] {
  const [T, B, I, H] = [7, 9, 20, 24];
  const up = (n: number, shape: number[], seed: number) => cpu.upload(values(n, seed), shape, 'float32');
  const a = up(60 * 70, [60, 70], 1);
  const b = up(50 * 70, [50, 70], 2);
  const args = {
    x: up(T * B * I, [T, B, I], 3),
    wIh: up(4 * H * I, [4 * H, I], 4),
    wHh: up(4 * H * H, [4 * H, H], 5),
    bias: up(4 * H, [4 * H], 6),
    h0: up(B * H, [B, H], 7),
    c0: up(B * H, [B, H], 8),
    reverse: false,
  };
  const r = cpu.lstmSequence(args);
  const g = cpu.lstmSequenceBackward({ ...args, dy: up(T * B * H, [T, B, H], 9), dhT: null, dcT: null, y: r.y, reserve: r.reserve });
  return [cpu.matmul(a, b, false, true), r.y, r.cT, g.dx, g.dwHh, g.dBias].map((h) => cpu.readSync(h) as Float32Array);
}

describe('CPU backend in the browser', () => {
  it('is cross-origin isolated here, with SharedArrayBuffer and Web Workers', () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    expect(typeof SharedArrayBuffer).toBe('function');
    expect(typeof Worker).toBe('function');
  });

  for (const threads of [1, 2]) {
    it(`runs the WebAssembly kernels with ${threads} thread(s) and matches the plain kernels`, async () => {
      const fast = createCpuBackend({ threads, tuning: { minWasmMatmul: 0, minParallelFlops: 0, minParallelStepFlops: 0 } });
      await fast.ready();
      // The relaxed-SIMD build is chosen wherever the browser has it (Chromium does).
      expect(fast.kernelInfo).toEqual({ simd: true, variant: threads > 1 ? 'mt' : 'st', relaxedSimd: relaxedSimdSupported(), threads, threadsReady: threads });
      const plain = createCpuBackend({ simd: false });
      const got = runAll(fast);
      const want = runAll(plain);
      got.forEach((g, i) => {
        expect(g.length).toBe(want[i]!.length);
        let worst = 0;
        for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j]! - want[i]![j]!));
        expect(worst).toBeLessThan(2e-5);
      });
      fast.dispose();
      plain.dispose();
    });
  }
});
