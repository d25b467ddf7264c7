import { BACKEND_CONTRACT_VERSION, DisposedTensorError, uniformAt, type Handle } from '@cellstate/tensor';
import { describe, expect, it } from 'vitest';
import { CpuBackend, createCpuBackend } from './cpu-backend.js';

describe('CpuBackend identity', () => {
  it('declares its name, contract version and capabilities', () => {
    const cpu = createCpuBackend();
    expect(cpu).toBeInstanceOf(CpuBackend);
    expect(cpu.name).toBe('cpu');
    expect(cpu.contractVersion).toBe(BACKEND_CONTRACT_VERSION);
    expect(cpu.capabilities).toEqual({
      syncRead: true,
      dtypes: ['float32', 'int32'],
      fused: { lstmSequence: true, lstmSequenceBackward: true, lstmSequenceEmbedded: true, gruSequence: true, gruSequenceBackward: true, softmaxCrossEntropy: true, adamStep: true, sumOfSquares: true, logSoftmax: true, addInto: true },
      maxBufferBytes: 2 ** 31 - 1,
      isSoftware: false,
    });
  });

  it('turns every fused flag off with { fused: false } (the composed baseline)', () => {
    const composed = createCpuBackend({ fused: false });
    expect(composed.capabilities.fused).toEqual({ lstmSequence: false, lstmSequenceBackward: false, lstmSequenceEmbedded: false, gruSequence: false, gruSequenceBackward: false, softmaxCrossEntropy: false, adamStep: false, sumOfSquares: false, logSoftmax: false, addInto: false });
    expect(createCpuBackend({ fused: true }).capabilities.fused.lstmSequence).toBe(true);
  });
});

describe('CpuBackend data', () => {
  it('uploads with conversion and reads copies', async () => {
    const cpu = createCpuBackend();
    const f = cpu.upload([1.5, -2, 1e-46], [3], 'float32');
    expect(f).toEqual({ id: f.id, shape: [3], dtype: 'float32' });
    const values = await cpu.read(f);
    expect(values).toBeInstanceOf(Float32Array);
    expect(Array.from(values)).toEqual([1.5, -2, 0]);
    values[0] = 99;
    expect(cpu.readSync(f)[0]).toBe(1.5);
    const i = cpu.upload(Float32Array.from([1.7, -1.7, NaN]), [3], 'int32');
    expect(cpu.readSync(i)).toEqual(Int32Array.from([1, -1, 0]));
    // Floats into int32 clamp (like cast), they do not wrap.
    const big = cpu.upload([3e9, -3e9, Infinity, -0.5], [4], 'int32');
    expect(cpu.readSync(big)).toEqual(Int32Array.from([2147483647, -2147483648, 2147483647, 0]));
    expect(cpu.readSync(cpu.fill([2], 'int32', -3e9))).toEqual(Int32Array.from([-2147483648, -2147483648]));
    expect(cpu.readSync(cpu.fill([2], 'int32', 2.9))).toEqual(Int32Array.from([2, 2]));
    expect(cpu.readSync(cpu.pad(cpu.upload([1], [1], 'int32'), [[1, 0]], -2.9))).toEqual(Int32Array.from([-2, 1]));
  });

  it('does not alias the uploaded array or the shape argument', () => {
    const cpu = createCpuBackend();
    const source = Float32Array.from([1, 2]);
    const shape = [2];
    const h = cpu.upload(source, shape, 'float32');
    source[0] = 5;
    shape[0] = 7;
    expect(Array.from(cpu.readSync(h))).toEqual([1, 2]);
    expect(h.shape).toEqual([2]);
  });

  it('fills, and readMany equals individual reads', async () => {
    const cpu = createCpuBackend();
    const a = cpu.fill([2, 2], 'float32', 0.25);
    const b = cpu.fill([3], 'int32', -4);
    const z = cpu.fill([0, 5], 'float32', 1);
    const s = cpu.fill([], 'float32', 3);
    const many = await cpu.readMany([a, b, z, s]);
    expect(many).toEqual([await cpu.read(a), await cpu.read(b), await cpu.read(z), await cpu.read(s)]);
    expect(Array.from(many[0]!)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(many[1]).toEqual(Int32Array.from([-4, -4, -4]));
    expect(many[2]!.length).toBe(0);
    expect(Array.from(many[3]!)).toEqual([3]);
  });

  it('reads a reshape view (same id, other shape) through every op', () => {
    const cpu = createCpuBackend();
    const x = cpu.upload([1, 2, 3, 4, 5, 6], [6], 'float32');
    cpu.retain(x);
    const view: Handle = { id: x.id, shape: [2, 3], dtype: 'float32' };
    const t = cpu.transpose(view, [1, 0]);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(cpu.readSync(t))).toEqual([1, 4, 2, 5, 3, 6]);
    const s = cpu.sum(view, [1], true);
    expect(s.shape).toEqual([2, 1]);
    expect(Array.from(cpu.readSync(s))).toEqual([6, 15]);
    for (const h of [x, view, t, s]) cpu.release(h);
    expect(cpu.memory().handles).toBe(0);
  });

  it('computes output shapes and dtypes for each family', () => {
    const cpu = createCpuBackend();
    const a = cpu.upload([1, 2, 3, 4, 5, 6], [2, 3], 'float32');
    const col = cpu.upload([10, 20], [2, 1], 'float32');
    const ids = cpu.upload([2, 0], [2], 'int32');
    expect(cpu.add(a, col).shape).toEqual([2, 3]);
    expect(cpu.greater(ids, ids).dtype).toBe('float32');
    expect(cpu.mul(ids, ids).dtype).toBe('int32');
    expect(cpu.where(col, a, a).shape).toEqual([2, 3]);
    expect(cpu.max(a, [0, 1], false).shape).toEqual([]);
    const am = cpu.argmax(a, 1, true);
    expect(am).toMatchObject({ shape: [2, 1], dtype: 'int32' });
    expect(Array.from(cpu.readSync(am))).toEqual([2, 2]);
    const mm = cpu.matmul(a, a, false, true);
    expect(mm.shape).toEqual([2, 2]);
    expect(Array.from(cpu.readSync(mm))).toEqual([14, 32, 32, 77]);
    expect(cpu.slice(a, [1, 1], [1, 2]).shape).toEqual([1, 2]);
    expect(cpu.concat([a, col], 1).shape).toEqual([2, 4]);
    expect(cpu.pad(a, [[0, 1], [2, 0]], 0).shape).toEqual([3, 5]);
    expect(cpu.cast(a, 'int32')).toMatchObject({ shape: [2, 3], dtype: 'int32' });
    const g = cpu.gather(a, ids, 1);
    expect(g.shape).toEqual([2, 2]);
    expect(Array.from(cpu.readSync(g))).toEqual([3, 1, 6, 4]);
    const sa = cpu.scatterAdd(a, ids, g, 1);
    expect(Array.from(cpu.readSync(sa))).toEqual([2, 2, 6, 8, 5, 12]);
    expect(cpu.sigmoid(a).shape).toEqual([2, 3]);
    expect(cpu.randomUniform([4, 0], 1).shape).toEqual([4, 0]);
  });
});

describe('CpuBackend packed weights', () => {
  // Big enough for the WebAssembly GEMM (m·n·k >= 4096), so the weight gets packed.
  const [m, k, n] = [8, 40, 70];
  const values = (size: number, seed: number) => Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + seed));
  const product = (a: Float32Array, w: Float32Array) => {
    // out = a · wᵀ in float64 (w is [n, k]).
    const out = new Float32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * w[j * k + p]!;
      out[i * n + j] = s;
    }
    return out;
  };
  const close = (got: Float32Array, want: Float32Array) => got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));

  it('uses a weight packed on its second use until an in-place write (addInto, donated adamStep) or a release', () => {
    const cpu = createCpuBackend({ threads: 1 });
    if (!cpu.kernelInfo.simd) return; // no WebAssembly here: nothing is packed
    const a = cpu.upload(values(m * k, 1), [m, k], 'float32');
    let wValues = values(n * k, 2);
    let w = cpu.upload(wValues, [n, k], 'float32');
    const times = (count: number) => {
      for (let i = 0; i < count; i++) {
        const out = cpu.matmul(a, w, false, true);
        close(cpu.readSync(out) as Float32Array, product(values(m * k, 1), wValues));
        cpu.release(out);
      }
    };
    times(1);
    expect(cpu.packedWeightBytes).toBe(0);
    times(2);
    const packed = Math.ceil(n / 8) * 8 * k * 4;
    expect(cpu.packedWeightBytes).toBe(packed);
    const pooledWithout = cpu.memory().bytesPooled - packed; // the buffer pool's part
    cpu.releasePooled();
    expect(cpu.memory().bytesPooled).toBe(0); // packed weights count as memory kept for reuse
    expect(pooledWithout).toBeGreaterThanOrEqual(0);
    times(2);
    expect(cpu.packedWeightBytes).toBe(packed);
    // addInto writes w in place: the packed copy goes, and products use the new values.
    const delta = cpu.upload(values(n * k, 3), [n, k], 'float32');
    w = cpu.addInto({ into: w, x: delta });
    cpu.release(w); // addInto retained it
    wValues = Float32Array.from(wValues, (v, i) => v + values(n * k, 3)[i]!);
    expect(cpu.packedWeightBytes).toBe(0);
    times(3);
    expect(cpu.packedWeightBytes).toBe(packed);
    // A donated Adam step updates w in place: the same.
    const zeros = () => cpu.fill([n, k], 'float32', 0);
    const step = cpu.adamStep({ param: w, grad: delta, m: zeros(), v: zeros(), step: 1, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false, donate: true });
    expect(step.param.id).toBe(w.id);
    wValues = Float32Array.from(cpu.readSync(step.param) as Float32Array);
    expect(wValues[0]).not.toBe(values(n * k, 2)[0]! + values(n * k, 3)[0]!);
    for (const h of [step.param, step.m, step.v]) cpu.release(h);
    expect(cpu.packedWeightBytes).toBe(0);
    times(2);
    expect(cpu.packedWeightBytes).toBe(packed);
    // Releasing the weight frees its packed copy; releasePooled clears what is left.
    cpu.release(w);
    expect(cpu.packedWeightBytes).toBe(0);
    const w2 = cpu.upload(wValues, [n, k], 'float32');
    w = w2;
    times(2);
    expect(cpu.packedWeightBytes).toBe(packed);
    cpu.releasePooled();
    expect(cpu.packedWeightBytes).toBe(0);
    times(1);
    cpu.dispose();
  });
});

describe('CpuBackend addInto', () => {
  it('adds in place into storage nothing else references (same id, no new bytes), else into a fresh one', () => {
    const cpu = createCpuBackend();
    const into = cpu.upload([1, 2, 3, 4, 5, 6, 7, 8, 9], [9], 'float32');
    const x = cpu.upload([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [9], 'float32');
    const bytes = cpu.memory().bytesInUse;
    const sum = cpu.addInto({ into, x });
    cpu.release(into);
    expect(sum.id).toBe(into.id);
    expect(cpu.memory().bytesInUse).toBe(bytes);
    expect(Array.from(cpu.readSync(sum))).toEqual([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]);
    // A second reference (a reshape view) keeps the storage intact: the sum goes to new storage.
    cpu.retain(sum);
    const again = cpu.addInto({ into: sum, x });
    expect(again.id).not.toBe(sum.id);
    expect(Array.from(cpu.readSync(sum))).toEqual([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]);
    expect(Array.from(cpu.readSync(again))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Storage made by fill(0) is known to be zero; after an in-place add it is not.
    const zero = cpu.fill([3], 'float32', 0);
    const y = cpu.upload([1, 2, 3], [3], 'float32');
    const z = cpu.addInto({ into: zero, x: y });
    cpu.release(zero);
    expect(Array.from(cpu.readSync(cpu.mul(z, y)))).toEqual([1, 4, 9]);
  });
});

describe('CpuBackend memory', () => {
  it('counts live storages and bytes and returns to the baseline', () => {
    const cpu = createCpuBackend();
    const base = cpu.memory();
    expect(base).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: 0, bytesAllocated: 0 });
    const a = cpu.upload([1, 2, 3], [3], 'float32');
    const b = cpu.fill([2, 2], 'int32', 1);
    expect(cpu.memory()).toEqual({ handles: 2, bytesInUse: 28, bytesPooled: 0, bytesAllocated: 28 });
    const c = cpu.add(a, a);
    const d = cpu.matmul(cpu.cast(b, 'float32'), cpu.fill([2, 1], 'float32', 1), false, false);
    expect(cpu.memory().handles).toBe(6);
    cpu.retain(a); // a view shares storage: no new handle, no new bytes
    expect(cpu.memory().handles).toBe(6);
    cpu.release(a);
    expect(cpu.memory().handles).toBe(6);
    for (const h of [a, b, c, d]) cpu.release(h);
    // cast(b) and fill([2, 1]) were never released: 2 storages, 16 + 8 bytes.
    expect(cpu.memory()).toEqual({ handles: 2, bytesInUse: 24, bytesPooled: 0, bytesAllocated: 24 });
  });

  it('runs a chain of every op family and frees everything', () => {
    const cpu = createCpuBackend();
    const live: Handle[] = [];
    const keep = (h: Handle): Handle => (live.push(h), h);
    const x = keep(cpu.randomUniform([3, 4], 11));
    const w = keep(cpu.randomUniform([4, 2], 12));
    const y = keep(cpu.tanh(keep(cpu.matmul(x, w, false, false))));
    const m = keep(cpu.randomBernoulli([3, 2], 0.5, 13));
    const z = keep(cpu.where(m, y, keep(cpu.neg(y))));
    keep(cpu.sum(z, [0], false));
    keep(cpu.argmax(z, 1, false));
    keep(cpu.concat([z, z], 0));
    keep(cpu.pad(keep(cpu.transpose(z, [1, 0])), [[1, 1], [0, 0]], 0));
    expect(cpu.memory().handles).toBe(live.length);
    for (const h of live) cpu.release(h);
    expect(cpu.memory()).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: 0, bytesAllocated: 0 });
  });

  it('throws DisposedTensorError on release twice, and on use or retain after release', async () => {
    const cpu = createCpuBackend();
    const a = cpu.upload([1], [1], 'float32');
    cpu.release(a);
    expect(() => cpu.release(a)).toThrow(DisposedTensorError);
    expect(() => cpu.retain(a)).toThrow(DisposedTensorError);
    expect(() => cpu.exp(a)).toThrow(DisposedTensorError);
    expect(() => cpu.readSync(a)).toThrow(DisposedTensorError);
    await expect(cpu.read(a)).rejects.toThrow(DisposedTensorError);
    expect(() => cpu.release({ id: 12345, shape: [], dtype: 'float32' })).toThrow(DisposedTensorError);
  });

  it('frees storage only when the last reference goes', () => {
    const cpu = createCpuBackend();
    const a = cpu.upload([1, 2], [2], 'float32');
    cpu.retain(a);
    cpu.release(a);
    expect(Array.from(cpu.readSync(a))).toEqual([1, 2]);
    cpu.release(a);
    expect(() => cpu.readSync(a)).toThrow(DisposedTensorError);
  });

  it('dispose drops all storage; flush and sync are harmless', async () => {
    const cpu = createCpuBackend();
    const a = cpu.fill([10], 'float32', 1);
    cpu.flush();
    await cpu.sync();
    cpu.dispose();
    expect(cpu.memory().handles).toBe(0);
    expect(cpu.memory().bytesInUse).toBe(0);
    expect(() => cpu.readSync(a)).toThrow(DisposedTensorError);
  });
});

describe('CpuBackend random', () => {
  it('gives the same numbers for the same seed, others for another seed', () => {
    const cpu = createCpuBackend();
    const a = cpu.readSync(cpu.randomUniform([5, 7], 1234));
    const b = cpu.readSync(cpu.randomUniform([5, 7], 1234));
    const c = cpu.readSync(cpu.randomUniform([5, 7], 1235));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // Another instance gives the same stream, and the shape only sets the length.
    const other = createCpuBackend();
    const d = other.readSync(other.randomUniform([35], 1234));
    expect(d).toEqual(a);
  });

  it('matches uniformAt from @cellstate/tensor', () => {
    const cpu = createCpuBackend();
    const u = cpu.readSync(cpu.randomUniform([3], 99));
    expect(u[0]).toBe(uniformAt(99, 0));
    expect(Array.from(u)).toEqual([0, 1, 2].map((i) => uniformAt(99, i)));
    const s = cpu.readSync(cpu.randomUniform([], 5));
    expect(Array.from(s)).toEqual([uniformAt(5, 0)]);
  });

  it('randomBernoulli follows u < p on the same stream', () => {
    const cpu = createCpuBackend();
    const u = cpu.readSync(cpu.randomUniform([64], 21));
    const m = cpu.readSync(cpu.randomBernoulli([64], 0.4, 21));
    expect(Array.from(m)).toEqual(Array.from(u).map((v) => (v < 0.4 ? 1 : 0)));
  });
});
