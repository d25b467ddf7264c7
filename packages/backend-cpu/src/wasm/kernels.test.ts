// Every WebAssembly kernel against the plain TypeScript kernel of the same signature, on
// random and awkward shapes, single-threaded ('st' build) and on worker threads ('mt'
// build, thresholds lowered so even tiny jobs are split).
import { sizeOf } from '@cellstate/tensor';
import { expectClose, mulberry32 } from '@cellstate/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lstmSequenceBackward } from '../kernels/lstm-sequence-backward.js';
import { lstmReserveLayout, type AdamHyperparameters } from '@cellstate/tensor/backend-kit';
import { lstmSequence, sigmoid } from '../kernels/lstm-sequence.js';
import { gemmNT, matmul } from '../kernels/matmul.js';
import { adamStep } from '../kernels/adam-step.js';
import { randomBernoulli } from '../kernels/random.js';
import { binaryGeneral, unary as unaryKernel } from '../kernels/elementwise.js';
import { max as maxKernel, sum as sumKernel } from '../kernels/reduce.js';
import { softmaxCrossEntropy } from '../kernels/softmax-cross-entropy.js';
import { logSoftmax } from '../kernels/log-softmax.js';
import { WasmKernels } from './kernels.js';
import { relaxedSimdSupported, sharedMemorySupported, wasmSimdSupported } from './platform.js';

const EVERYTHING = { minWasmMatmul: 0, minParallelFlops: 0, minParallelStepFlops: 0, minWasmElementwise: 0 };

function uniform(rng: () => number, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng() * 2 - 1) * scale;
  return out;
}

interface LstmCase {
  T: number;
  B: number;
  I: number;
  H: number;
  lengths?: number[];
  reverse?: boolean;
  /** Which of dy, dhT, dcT are given (the others null). */
  grads?: { dy: boolean; dhT: boolean; dcT: boolean };
  scale?: number;
}

const LSTM_CASES: LstmCase[] = [
  { T: 1, B: 1, I: 1, H: 1 },
  { T: 1, B: 1, I: 1, H: 1, reverse: true },
  { T: 1, B: 3, I: 2, H: 5 },
  { T: 4, B: 1, I: 3, H: 1 },
  { T: 5, B: 3, I: 7, H: 9 },
  { T: 5, B: 3, I: 7, H: 9, reverse: true },
  { T: 6, B: 5, I: 6, H: 17, lengths: [6, 0, 3, 1, 5] },
  { T: 6, B: 5, I: 6, H: 17, lengths: [6, 0, 3, 1, 5], reverse: true },
  { T: 4, B: 2, I: 3, H: 2, lengths: [0, 0] },
  { T: 5, B: 6, I: 8, H: 8, lengths: [5, 2, 0, 5, 4, 1], reverse: true },
  { T: 9, B: 7, I: 13, H: 33, lengths: [9, 8, 0, 9, 4, 2, 7] },
  { T: 3, B: 2, I: 4, H: 3, scale: 4 }, // saturated gates
  { T: 200, B: 2, I: 3, H: 5, lengths: [200, 117] },
  { T: 200, B: 1, I: 1, H: 1, reverse: true },
  { T: 0, B: 2, I: 3, H: 4 },
  { T: 3, B: 0, I: 2, H: 3 },
  { T: 3, B: 2, I: 0, H: 3 },
  { T: 3, B: 2, I: 3, H: 0 },
  { T: 7, B: 11, I: 37, H: 41, lengths: [7, 7, 1, 0, 7, 3, 7, 7, 2, 6, 5] },
  { T: 12, B: 32, I: 20, H: 64 },
  // Mixed lengths the host sorts (the kernel then skips finished rows), and a batch sorted already.
  { T: 23, B: 64, I: 100, H: 64, lengths: Array.from({ length: 64 }, (_, i) => 1 + ((i * 37) % 23)) },
  { T: 23, B: 64, I: 100, H: 64, lengths: Array.from({ length: 64 }, (_, i) => (i * 11) % 24), reverse: true },
  { T: 9, B: 6, I: 5, H: 7, lengths: [9, 7, 7, 3, 1, 0] },
  // Input and gate widths past KC (256): the weights packed once per call span two blocks.
  { T: 6, B: 9, I: 300, H: 80, lengths: [6, 2, 6, 1, 5, 3, 6, 4, 2] },
  { T: 9, B: 6, I: 5, H: 7, lengths: [9, 7, 7, 3, 1, 0], reverse: true },
  { T: 3, B: 9, I: 130, H: 260 }, // K and N past one cache block (KC = 256)
  ...[
    { dy: true, dhT: false, dcT: false },
    { dy: false, dhT: true, dcT: false },
    { dy: false, dhT: false, dcT: true },
    { dy: true, dhT: true, dcT: false },
    { dy: true, dhT: false, dcT: true },
    { dy: false, dhT: true, dcT: true },
    { dy: false, dhT: false, dcT: false },
  ].flatMap((grads) => [
    { T: 5, B: 3, I: 4, H: 6, lengths: [5, 2, 0], grads },
    { T: 5, B: 3, I: 4, H: 6, lengths: [1, 5, 3], reverse: true, grads },
  ]),
];

function lstmTitle(c: LstmCase): string {
  const g = c.grads ? ` grads(${(['dy', 'dhT', 'dcT'] as const).filter((k) => c.grads![k]).join('+') || 'none'})` : '';
  return `T=${c.T} B=${c.B} I=${c.I} H=${c.H}${c.lengths ? ` lengths=[${c.lengths}]` : ''}${c.reverse ? ' reverse' : ''}${c.scale ? ` w±${c.scale}` : ''}${g}`;
}

/** Forward and backward through both paths; every output and gradient must agree. */
function compareLstm(kernels: WasmKernels, c: LstmCase, seed: number): void {
  const { T, B, I, H } = c;
  const rng = mulberry32(seed);
  const w = c.scale ?? 0.5;
  const x = uniform(rng, T * B * I);
  const wIh = uniform(rng, 4 * H * I, w);
  const wHh = uniform(rng, 4 * H * H, w);
  const bias = uniform(rng, 4 * H, w);
  const h0 = uniform(rng, B * H);
  const c0 = uniform(rng, B * H);
  const lengths = c.lengths ? Int32Array.from(c.lengths) : null;
  const reverse = c.reverse ?? false;
  const size = lstmReserveLayout(T, B, H).size;
  const outputs = () => [new Float32Array(T * B * H), new Float32Array(B * H), new Float32Array(B * H), new Float32Array(size)] as const;
  const plain = outputs();
  const fast = outputs();
  for (const o of fast) o.fill(NaN); // every element must be written
  lstmSequence(x, wIh, wHh, bias, h0, c0, lengths, reverse, T, B, I, H, ...plain);
  expect(kernels.lstmSequence(x, wIh, wHh, bias, h0, c0, lengths, reverse, T, B, I, H, ...fast)).toBe(true);
  const title = lstmTitle(c);
  // float32 sums (wasm) against float64 sums (TypeScript): the error grows with I + H.
  const forwardTolerance = 2e-6 * Math.max(1, Math.sqrt((I + H) / 16));
  ['y', 'hT', 'cT', 'reserve'].forEach((name, i) => expectClose(fast[i]!, plain[i]!, { atol: forwardTolerance, rtol: forwardTolerance, label: `${title}: ${name}` }));

  const grads = c.grads ?? { dy: true, dhT: true, dcT: true };
  const dy = grads.dy ? uniform(rng, T * B * H) : null;
  const dhT = grads.dhT ? uniform(rng, B * H) : null;
  const dcT = grads.dcT ? uniform(rng, B * H) : null;
  const gradients = () => [new Float32Array(T * B * I), new Float32Array(4 * H * I), new Float32Array(4 * H * H), new Float32Array(4 * H), new Float32Array(B * H), new Float32Array(B * H)] as const;
  const gPlain = gradients();
  const gFast = gradients();
  for (const o of gFast) o.fill(NaN);
  // Both backward passes read the same (TypeScript) reserve: the layouts are interchangeable.
  lstmSequenceBackward(x, wIh, wHh, lengths, reverse, T, B, I, H, dy, dhT, dcT, plain[3], ...gPlain);
  expect(kernels.lstmSequenceBackward(x, wIh, wHh, lengths, reverse, T, B, I, H, dy, dhT, dcT, plain[3], ...gFast)).toBe(true);
  const tolerance = 2e-5 * Math.max(1, Math.sqrt(T * B));
  ['dx', 'dwIh', 'dwHh', 'dBias', 'dh0', 'dc0'].forEach((name, i) => expectClose(gFast[i]!, gPlain[i]!, { atol: tolerance, rtol: tolerance, label: `${title}: ${name}` }));
  // And the TypeScript backward accepts the WebAssembly reserve.
  const gMixed = gradients();
  lstmSequenceBackward(x, wIh, wHh, lengths, reverse, T, B, I, H, dy, dhT, dcT, fast[3], ...gMixed);
  ['dx', 'dwIh', 'dwHh', 'dBias', 'dh0', 'dc0'].forEach((name, i) => expectClose(gMixed[i]!, gPlain[i]!, { atol: tolerance, rtol: tolerance, label: `${title}: ${name} from the wasm reserve` }));
}

const MATMUL_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 17, 9],
  [9, 17, 1],
  [2, 3, 4],
  [5, 8, 8],
  [7, 13, 5],
  [6, 1, 10],
  [33, 65, 17],
  [64, 128, 48],
  [4, 0, 3],
  [121, 257, 9], // past MC and KC
  [11, 300, 520], // past NC
];

function describeVariant(label: string, threads: number, relaxedSimd: boolean): void {
  const skip = !wasmSimdSupported() || (threads > 1 && !sharedMemorySupported()) || (relaxedSimd && !relaxedSimdSupported());
  const build = relaxedSimd ? 'relaxed-SIMD build' : 'SIMD128 build';
  const reason = skip ? ` (skipped: this runtime lacks ${relaxedSimd ? 'relaxed SIMD' : 'SIMD128 or shared memory'})` : '';
  describe.skipIf(skip)(`WebAssembly kernels, ${build}, ${label}${reason}`, () => {
    let kernels: WasmKernels;
    beforeAll(async () => {
      kernels = WasmKernels.create({ threads, relaxedSimd, ...EVERYTHING })!;
      await kernels.whenReady();
    });
    afterAll(() => kernels.dispose());

    it(`runs the ${threads > 1 ? "'mt'" : "'st'"} ${build} with ${threads} thread(s) ready`, () => {
      expect(kernels.relaxedSimd).toBe(relaxedSimd);
      expect(kernels.variant).toBe(threads > 1 ? 'mt' : 'st');
      expect(kernels.maxThreads).toBe(threads);
      expect(kernels.threadsReady).toBe(threads);
    });

    it('matmul agrees with the TypeScript kernel for every transpose pair on awkward shapes', () => {
      const rng = mulberry32(7 + threads);
      for (const [m, k, n] of MATMUL_SHAPES) {
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const aShape = tA ? [k, m] : [m, k];
          const bShape = tB ? [n, k] : [k, n];
          const a = uniform(rng, m * k);
          const b = uniform(rng, k * n);
          const want = new Float32Array(m * n);
          matmul(a, aShape, b, bShape, tA, tB, want, [m, n]);
          const got = new Float32Array(m * n).fill(NaN);
          expect(kernels.matmul(a, aShape, b, bShape, tA, tB, got, [m, n])).toBe(true);
          const tolerance = 1e-6 * Math.max(1, Math.sqrt(k));
          expectClose(got, want, { atol: tolerance, rtol: tolerance, label: `${m}x${k}x${n} tA=${tA} tB=${tB}` });
        }
      }
    });

    it('a weight packed once (from its second use) gives bit-identical products, batched A included; forget drops it', () => {
      const rng = mulberry32(17 + threads);
      let id = 1000;
      // Shapes past KC (257), past NC and not a multiple of NR (520, 1029), few rows (column split across threads).
      for (const [m, k, n] of [[33, 65, 17], [121, 257, 9], [11, 300, 520], [3, 40, 1029], [64, 128, 48]] as const) {
        for (const tB of [false, true]) {
          const bShape = tB ? [n, k] : [k, n];
          const b = uniform(rng, k * n);
          const bId = id++;
          for (const batch of [[], [3]]) {
            const aShape = [...batch, m, k];
            const a = uniform(rng, sizeOf(aShape));
            const outShape = [...batch, m, n];
            const plain = new Float32Array(sizeOf(outShape));
            expect(kernels.matmul(a, aShape, b, bShape, false, tB, plain, outShape)).toBe(true);
            for (let use = 0; use < 3; use++) {
              const got = new Float32Array(plain.length).fill(NaN);
              expect(kernels.matmul(a, aShape, b, bShape, false, tB, got, outShape, bId)).toBe(true);
              const label = `${m}x${k}x${n} tB=${tB} batch=${batch} use ${use}`;
              expect(Array.from(got).every((v, i) => Object.is(v, plain[i])), label).toBe(true);
            }
          }
          // Packed on the second use with this flag, and only once.
          expect(kernels.packedBytes).toBeGreaterThanOrEqual(Math.ceil(n / 8) * 8 * k * 4);
          const before = kernels.packedBytes;
          kernels.forgetPacked(bId);
          expect(kernels.packedBytes).toBe(before - Math.ceil(n / 8) * 8 * k * 4);
          // After forget, new values under the same id are used (the next call is a first use again).
          const b2 = uniform(rng, k * n);
          const a = uniform(rng, m * k);
          const want = new Float32Array(m * n);
          matmul(a, [m, k], b2, bShape, false, tB, want, [m, n]);
          for (let use = 0; use < 2; use++) {
            const got = new Float32Array(m * n);
            expect(kernels.matmul(a, [m, k], b2, bShape, false, tB, got, [m, n], bId)).toBe(true);
            expectClose(got, want, { atol: 1e-5, rtol: 1e-5, label: `${m}x${k}x${n} after forget` });
          }
          kernels.forgetPacked(bId);
        }
      }
      expect(kernels.packedBytes).toBe(0);
    });

    it('the LSTM forward with its weights packed once (from the second call on) is bit-identical, packed rows and wide inputs included', () => {
      const rng = mulberry32(19 + threads);
      let id = 5000;
      // H a multiple of 8 (the kernel's panels); a batch of mixed lengths (per-step projections); I past KC.
      for (const c of [{ T: 1, B: 40, I: 24, H: 32 }, { T: 5, B: 9, I: 300, H: 16, lengths: [5, 2, 5, 1, 4, 3, 5, 4, 2] }, { T: 3, B: 6, I: 10, H: 24, reverse: true }] as LstmCase[]) {
        const { T, B, I, H } = c;
        const [wIh, wHh, bias, h0, c0] = [uniform(rng, 4 * H * I, 0.5), uniform(rng, 4 * H * H, 0.5), uniform(rng, 4 * H, 0.5), uniform(rng, B * H), uniform(rng, B * H)];
        const lengths = c.lengths ? Int32Array.from(c.lengths) : null;
        const ids = [id++, id++] as const;
        const run = (x: Float32Array, withIds: boolean) => {
          const out = [new Float32Array(T * B * H), new Float32Array(B * H), new Float32Array(B * H)] as const;
          const r = kernels.lstmSequenceResident(x, wIh, wHh, bias, h0, c0, lengths, c.reverse ?? false, T, B, I, H, ...out, withIds ? ids : null)!;
          expect(r).not.toBeNull();
          const reserve = r.read();
          r.free();
          return [...out, reserve];
        };
        for (let call = 0; call < 3; call++) {
          const x = uniform(rng, T * B * I);
          const want = run(x, false);
          const got = run(x, true);
          got.forEach((a, i) => expect(Array.from(a).every((v, j) => Object.is(v, want[i]![j])), `${lstmTitle(c)} call ${call} output ${i}`).toBe(true));
        }
        // From the second call on both weights are packed and kept: the input weight in GEMM blocks, the recurrent one in panels.
        expect(kernels.packedBytes).toBe(4 * H * I * 4 + 4 * H * H * 4);
        for (const w of ids) kernels.forgetPacked(w);
        expect(kernels.packedBytes).toBe(0);
      }
    });

    it('matmul broadcasts batch dimensions like the TypeScript kernel', () => {
      const rng = mulberry32(11);
      const cases: [number[], number[], number, number, number][] = [
        [[2], [2], 3, 4, 5],
        [[2, 1], [5], 3, 4, 2],
        [[], [3], 4, 6, 2],
        [[1, 3], [2, 1], 2, 5, 3],
        [[37], [37], 3, 5, 2],
      ];
      for (const [ba, bb, m, k, n] of cases) {
        const aShape = [...ba, m, k];
        const bShape = [...bb, k, n];
        const batch = ba.length >= bb.length ? ba.map((d, i) => Math.max(d, bb[i - (ba.length - bb.length)] ?? 1)) : bb.map((d, i) => Math.max(d, ba[i - (bb.length - ba.length)] ?? 1));
        const outShape = [...batch, m, n];
        const a = uniform(rng, sizeOf(aShape));
        const b = uniform(rng, sizeOf(bShape));
        const want = new Float32Array(sizeOf(outShape));
        matmul(a, aShape, b, bShape, false, false, want, outShape);
        const got = new Float32Array(want.length).fill(NaN);
        expect(kernels.matmul(a, aShape, b, bShape, false, false, got, outShape)).toBe(true);
        expectClose(got, want, { atol: 1e-6, rtol: 1e-6, label: JSON.stringify({ aShape, bShape }) });
      }
    });

    it('matmul propagates NaN and Inf (no zero-skipping)', () => {
      const a = Float32Array.from([1, NaN, 2, 3, Infinity, 1]);
      const b = Float32Array.from([1, 0, 0, 1]);
      const got = new Float32Array(6);
      expect(kernels.matmul(a, [3, 2], b, [2, 2], false, false, got, [3, 2])).toBe(true);
      expect(Array.from(got)).toEqual([NaN, NaN, 2, 3, Infinity, NaN]);
    });

    it('gemmNT agrees with the TypeScript kernel with offsets, strides, accumulate and bias', () => {
      const rng = mulberry32(13);
      for (let trial = 0; trial < 120; trial++) {
        const m = Math.floor(rng() * 12);
        const n = Math.floor(rng() * 20);
        const k = Math.floor(rng() * 11);
        const lda = k + Math.floor(rng() * 3);
        const ldb = k + Math.floor(rng() * 3);
        const ldo = n + Math.floor(rng() * 3);
        const [ao, bo, oo] = [Math.floor(rng() * 4), Math.floor(rng() * 4), Math.floor(rng() * 4)];
        const accumulate = rng() < 0.5;
        const a = uniform(rng, ao + m * lda + 3);
        const b = uniform(rng, bo + n * ldb + 3);
        const bias = rng() < 0.5 ? uniform(rng, n) : null;
        const start = uniform(rng, oo + m * ldo + 3);
        const want = start.slice();
        const got = start.slice();
        gemmNT(m, n, k, a, ao, lda, b, bo, ldb, want, oo, ldo, accumulate, bias);
        expect(kernels.gemmNT(m, n, k, a, ao, lda, b, bo, ldb, got, oo, ldo, accumulate, bias)).toBe(true);
        expectClose(got, want, { atol: 1e-6, rtol: 1e-6, label: JSON.stringify({ m, n, k, lda, ldb, ldo, ao, bo, oo, accumulate, bias: bias !== null }) });
      }
    });

    LSTM_CASES.forEach((c, i) => {
      it(`lstmSequence forward + backward ${lstmTitle(c)}`, () => compareLstm(kernels, c, 100 + i));
    });

    it('adamStep agrees with the float64 TypeScript kernel (Adam, AdamW, gradient scale, odd sizes, in place)', () => {
      const rng = mulberry32(17 + threads);
      const hypers: AdamHyperparameters[] = [
        { step: 1, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false },
        { step: 7, learningRate: 3e-2, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1, decoupledWeightDecay: false },
        { step: 1000, learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, decoupledWeightDecay: true },
      ];
      for (const n of [1, 3, 4, 5, 63, 1000, 4097]) {
        for (const [h, hyper] of hypers.entries()) {
          const scale = h === 1 ? 0.37 : 1;
          const param = uniform(rng, n);
          const grad = uniform(rng, n, 0.1);
          const m = uniform(rng, n, 0.01);
          const v = uniform(rng, n, 0.001).map(Math.abs);
          const want = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
          adamStep(param, grad, m, v, scale, hyper, ...want);
          // In place, as the backend runs it for donated buffers.
          const got = [param.slice(), m.slice(), v.slice()] as const;
          expect(kernels.adamStep(got[0], grad, got[1], got[2], scale, hyper, ...got)).toBe(true);
          for (let k = 0; k < 3; k++) expectClose(got[k], want[k], { atol: 2e-6, rtol: 2e-6, label: `n=${n} hyper ${h} output ${k}` });
        }
      }
    });

    it('softmaxCrossEntropy agrees with the TypeScript kernel (odd widths, labels outside [0, C), NaN and -Inf rows)', () => {
      const rng = mulberry32(23 + threads);
      for (const [N, C] of [[1, 1], [3, 5], [7, 4], [5, 2021], [64, 33]] as const) {
        const logits = uniform(rng, N * C, 8);
        const labels = Int32Array.from({ length: N }, (_, n) => (n === 1 ? -1 : n === 2 ? C : Math.floor(rng() * C)));
        if (N > 3 && C > 3) {
          logits[3 * C + 1] = NaN;
          logits[4 * C] = -Infinity;
        }
        const want = [new Float32Array(N), new Float32Array(N * C)] as const;
        softmaxCrossEntropy(logits, labels, N, C, ...want);
        const got = [new Float32Array(N), new Float32Array(N * C)] as const;
        expect(kernels.softmaxCrossEntropy(logits, labels, N, C, ...got)).toBe(true);
        for (let k = 0; k < 2; k++) {
          // NaN and ±Inf exactly where the TypeScript kernel has them (the whole row of a NaN
          // logit; the loss of a -Inf label), close elsewhere.
          const special = (a: Float32Array) => Array.from(a, (x) => (Number.isFinite(x) ? 'finite' : String(x)));
          expect(special(got[k]), `non-finite positions N=${N} C=${C}`).toEqual(special(want[k]));
          const finite = (a: Float32Array) => a.map((x) => (Number.isFinite(x) ? x : 0));
          expectClose(finite(got[k]), finite(want[k]), { atol: 2e-6, rtol: 2e-6, label: `${k ? 'probabilities' : 'loss'} N=${N} C=${C}` });
        }
      }
    });

    it('logSoftmax agrees with the TypeScript kernel (odd widths, NaN and -Inf entries, a row of -Inf)', () => {
      const rng = mulberry32(37 + threads);
      for (const [N, C] of [[1, 1], [3, 5], [7, 4], [5, 2021], [64, 33], [160, 8000]] as const) {
        const x = uniform(rng, N * C, 8);
        if (N > 4 && C > 3) {
          x[3 * C + 1] = NaN;
          x[4 * C] = -Infinity;
          for (let c = 0; c < C; c++) x[2 * C + c] = -Infinity;
        }
        const want = new Float32Array(N * C);
        logSoftmax(x, N, C, want);
        const got = new Float32Array(N * C).fill(7);
        expect(kernels.logSoftmax(x, N, C, got)).toBe(true);
        const special = (a: Float32Array) => Array.from(a, (v) => (Number.isFinite(v) ? 'finite' : String(v)));
        expect(special(got), `non-finite positions N=${N} C=${C}`).toEqual(special(want));
        const finite = (a: Float32Array) => a.map((v) => (Number.isFinite(v) ? v : 0));
        expectClose(finite(got), finite(want), { atol: 4e-6, rtol: 4e-6, label: `logSoftmax N=${N} C=${C}` });
      }
    });

    it('binary ops give exactly the TypeScript kernel\'s values for equal shapes, scalars, rows and columns (NaN, ±Inf, ±0)', () => {
      const rng = mulberry32(29 + threads);
      const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, 3.5];
      const fill = (n: number) => {
        const x = uniform(rng, n, 4);
        for (let i = 0; i < n; i += 7) x[i] = special[(i / 7) % special.length]!;
        return x;
      };
      const cases: [number[], number[]][] = [
        [[1], [1]], [[5], [5]], [[4097], [4097]], [[3, 7], [7]], [[7], [3, 7]], [[6, 5], [6, 1]], [[6, 1], [6, 5]],
        [[9, 33], []], [[], [9, 33]], [[2, 1, 5], [2, 1, 5]], [[1, 64, 3], [3]], [[4, 1, 3], [4, 5, 3]],
      ];
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'greater', 'equal'] as const) {
        for (const [aShape, bShape] of cases) {
          const outShape = aShape.length >= bShape.length ? aShape.map((d, i) => Math.max(d, bShape[i - (aShape.length - bShape.length)] ?? 1)) : bShape.map((d, i) => Math.max(d, aShape[i - (bShape.length - aShape.length)] ?? 1));
          const a = fill(sizeOf(aShape));
          const b = fill(sizeOf(bShape));
          if (op === 'equal' && a.length === b.length) b.set(a.subarray(0, Math.floor(a.length / 2)));
          const want = new Float32Array(sizeOf(outShape));
          binaryGeneral(op, a, aShape, b, bShape, want, outShape);
          const got = new Float32Array(want.length).fill(42);
          const ran = kernels.binary(op, a, aShape, b, bShape, got, outShape);
          // Three coalesced dimensions are left to the TypeScript kernel.
          expect(ran, `${op} ${JSON.stringify([aShape, bShape])}`).toBe(JSON.stringify([aShape, bShape]) !== '[[4,1,3],[4,5,3]]');
          if (ran) expect(Array.from(got), `${op} ${JSON.stringify([aShape, bShape])}`).toEqual(Array.from(want));
        }
      }
      expect(kernels.binary('add', new Int32Array(8), [8], new Int32Array(8), [8], new Int32Array(8), [8])).toBe(false);
    });

    it('sum agrees with the float64-accumulating TypeScript kernel for whole, row, column and middle reductions', () => {
      const rng = mulberry32(31 + threads);
      const cases: [number[], number[]][] = [
        [[2], [0]], [[4097], [0]], [[3, 7], [1]], [[7, 3], [0]], [[64, 1000], [0]], [[64, 1000], [1]], [[64, 1000], [0, 1]],
        [[5, 6, 7], [1]], [[5, 6, 7], [1, 2]], [[5, 6, 7], [0, 1]], [[2, 1, 33], [0]], [[9, 130, 3], [1]],
      ];
      for (const [shape, axes] of cases) {
        const x = uniform(rng, sizeOf(shape), 3);
        if (x.length > 10) x[5] = NaN;
        const outShape = shape.filter((_, d) => !axes.includes(d));
        const want = new Float32Array(sizeOf(outShape));
        sumKernel(x, shape, axes, want);
        const got = new Float32Array(want.length).fill(42);
        expect(kernels.sum(x, shape, axes, got), JSON.stringify([shape, axes])).toBe(true);
        const special = (a: Float32Array) => Array.from(a, Number.isNaN);
        expect(special(got)).toEqual(special(want));
        expectClose(got.map((v) => (Number.isNaN(v) ? 0 : v)), want.map((v) => (Number.isNaN(v) ? 0 : v)), { atol: 1e-6, rtol: 1e-6, label: JSON.stringify([shape, axes]) });
      }
      // Two separate reduced runs are left to the TypeScript kernel.
      expect(kernels.sum(new Float32Array(5 * 6 * 7), [5, 6, 7], [0, 2], new Float32Array(6))).toBe(false);
    });

    it('column max equals the TypeScript kernel exactly: NaN anywhere wins, -0 before +0 stays -0, ±Inf', () => {
      const rng = mulberry32(33 + threads);
      const cases: [number[], number[]][] = [
        [[24, 64, 128], [0]], [[7, 3], [0]], [[5, 6, 7], [1]], [[5, 6, 7], [0, 1]], [[9, 130, 3], [1]], [[2, 1, 33], [0]], [[3, 4097], [0]],
      ];
      for (const [shape, axes] of cases) {
        const x = uniform(rng, sizeOf(shape), 3);
        const outShape = shape.filter((_, d) => !axes.includes(d));
        const Q = shape.slice(axes[axes.length - 1]! + 1).reduce((a, b) => a * b, 1);
        // Column 0 of the first block: a NaN late; column 1: -0 then +0 and nothing larger;
        // column 2: +Inf; column 3: all -Inf (stays -Inf).
        const R = axes.reduce((n, d) => n * shape[d]!, 1);
        if (Q > 3)
          for (let r = 0; r < R; r++) {
            x[r * Q + 1] = r === 0 ? -0 : r === 1 ? 0 : -1;
            x[r * Q + 3] = -Infinity;
          }
        if (Q > 3) {
          x[(R - 1) * Q] = NaN;
          x[Q + 2] = Infinity;
        }
        const want = new Float32Array(sizeOf(outShape));
        maxKernel(x, shape, axes, want);
        const got = new Float32Array(want.length).fill(42);
        expect(kernels.max(x, shape, axes, got), JSON.stringify([shape, axes])).toBe(true);
        const same = Array.from(got).every((v, i) => Object.is(v, want[i]));
        expect(same, JSON.stringify([shape, axes])).toBe(true);
        if (Q > 3) {
          expect(got[0]).toBeNaN();
          expect(Object.is(got[1], -0)).toBe(true);
          expect(got[2]).toBe(Infinity);
          expect(got[3]).toBe(-Infinity);
        }
      }
      // Row maxima and two separate reduced runs stay in TypeScript.
      expect(kernels.max(new Float32Array(64 * 1000), [64, 1000], [1], new Float32Array(64))).toBe(false);
      expect(kernels.max(new Float32Array(50 * 60 * 7), [50, 60, 7], [0, 2], new Float32Array(60))).toBe(false);
    });

    it('unary ops agree with Math.* within a few ulp, with the exact limits (±Inf, NaN, overflow, subnormal underflow)', () => {
      const rng = mulberry32(37 + threads);
      const edges = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 88, 88.5, 88.72, 88.73, 89, 100, -87, -87.5, -95, -103.9, -104, -110, 7.9, -7.9, 30, -30];
      for (const op of ['exp', 'tanh', 'sigmoid', 'neg', 'abs', 'sqrt', 'relu'] as const) {
        const x = Float32Array.from([...edges, ...uniform(rng, 5000, 20)]);
        const want = new Float32Array(x.length);
        unaryKernel(op, x, want);
        const got = new Float32Array(x.length).fill(42);
        expect(kernels.unary(op, x, got)).toBe(true);
        for (let i = 0; i < x.length; i++) {
          const w = want[i]!;
          const g = got[i]!;
          if (!Number.isFinite(w) || w === 0) {
            // Exact limits; an underflow to zero may come out as the tiniest subnormal.
            if (w === 0) expect(Math.abs(g), `${op}(${x[i]})`).toBeLessThan(1e-44);
            else expect(g, `${op}(${x[i]})`).toBe(w);
            continue;
          }
          // Relative error for exp/sqrt/neg/abs/relu; sigmoid and tanh as the LSTM kernels (3e-7 absolute).
          const err = op === 'tanh' || op === 'sigmoid' ? Math.abs(g - w) : Math.abs(g - w) / Math.max(Math.abs(w), 1.2e-38);
          expect(err, `${op}(${x[i]}) = ${g}, want ${w}`).toBeLessThanOrEqual(op === 'exp' ? 1e-6 : 3e-7);
        }
      }
      expect(kernels.unary('log', new Float32Array(8), new Float32Array(8))).toBe(false);
    });

    it('randomBernoulli gives exactly the TypeScript kernel\'s masks (Threefry stream, p at the edges)', () => {
      for (const n of [1, 5, 4096, 10_001]) {
        for (const p of [0, 1e-9, 0.1, 0.5, 0.9, 1 - 2 ** -24, 1, 2, -1, NaN]) {
          for (const seed of [0, 7, 2 ** 40 + 3]) {
            const want = new Float32Array(n);
            randomBernoulli(p, seed, want);
            const got = new Float32Array(n).fill(NaN);
            expect(kernels.randomBernoulli(p, seed, got)).toBe(true);
            expect(Array.from(got), `n=${n} p=${p} seed=${seed}`).toEqual(Array.from(want));
          }
        }
      }
    });
  });
}

for (const relaxed of [false, true]) {
  describeVariant('one thread', 1, relaxed);
  describeVariant('two threads', 2, relaxed);
  describeVariant('three threads (more threads than cores)', 3, relaxed);
}

describe.skipIf(!wasmSimdSupported())('WebAssembly activations', () => {
  it('sigmoid and tanh stay within 3e-7 of the float64 functions and saturate cleanly', () => {
    const k = WasmKernels.create({ threads: 1 })!;
    try {
      let worst = 0;
      for (let x = -20; x <= 20; x += 0.0137) {
        worst = Math.max(worst, Math.abs(k.activation('sigmoid', x) - sigmoid(x)), Math.abs(k.activation('tanh', x) - Math.tanh(x)));
      }
      expect(worst).toBeLessThan(3e-7);
      for (const x of [-1e30, -200, -88, 88, 200, 1e30, Infinity, -Infinity]) {
        expect(k.activation('sigmoid', x)).toBeCloseTo(sigmoid(x), 7);
        expect(k.activation('tanh', x)).toBe(Math.sign(x));
      }
      expect(k.activation('sigmoid', NaN)).toBeNaN();
      expect(k.activation('tanh', NaN)).toBeNaN();
      expect(k.activation('tanh', 1e-20)).toBeCloseTo(1e-20, 25);
    } finally {
      k.dispose();
    }
  });
});
