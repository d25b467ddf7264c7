/**
 * Kernel variants side by side (no timing assertions; compare the ratios vitest prints).
 * `pnpm --filter @cellstate/backend-cpu bench`
 */
import { bench, describe } from 'vitest';
import { binary, binaryGeneral } from '../src/kernels/elementwise.js';
import { matmul } from '../src/kernels/matmul.js';

const M = 128;
const K = 256;
const N = 128;
const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i));
const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i));
const out = new Float32Array(M * N);

function naiveMatmul(): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * K + p]! * b[p * N + j]!;
      out[i * N + j] = s;
    }
  }
}

describe(`matmul [${M}, ${K}] x [${K}, ${N}]`, () => {
  bench('kernel (i-k-j, row accumulator)', () => matmul(a, [M, K], b, [K, N], false, false, out, [M, N]));
  bench('kernel, transposeB (dot products)', () => matmul(a, [M, K], b, [N, K], false, true, out, [M, N]));
  bench('naive i-j-k triple loop', naiveMatmul);
});

const x = Float32Array.from({ length: 256 * 256 }, (_, i) => i % 17);
const y = Float32Array.from({ length: 256 * 256 }, (_, i) => i % 13);
const row = Float32Array.from({ length: 256 }, (_, i) => i);
const sum = new Float32Array(256 * 256);

describe('add [256, 256]', () => {
  bench('equal shapes, fast path', () => binary('add', x, [256, 256], y, [256, 256], sum, [256, 256]));
  bench('equal shapes, general path', () => binaryGeneral('add', x, [256, 256], y, [256, 256], sum, [256, 256]));
  bench('broadcast row [256]', () => binary('add', x, [256, 256], row, [256], sum, [256, 256]));
});
