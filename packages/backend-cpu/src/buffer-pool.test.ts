import { describe, expect, it } from 'vitest';
import { BufferPool, REUSE_CLASSES, classAbove, sizeClass } from './buffer-pool.js';
import { createCpuBackend } from './cpu-backend.js';

describe('BufferPool', () => {
  it('size classes round up by at most 12.5 % and are fixed points', () => {
    for (let n = 1; n < 100_000; n += 1 + Math.floor(n / 50)) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c).toBeLessThanOrEqual(Math.max(16, n * 1.125));
      expect(sizeClass(c)).toBe(c);
    }
  });

  it('reuses a buffer of the same dtype and size class, as a zeroed view of the requested length', () => {
    const pool = new BufferPool({ minElements: 4 });
    const a = pool.alloc('float32', 1000) as Float32Array;
    expect(a.length).toBe(1000);
    expect(a.buffer.byteLength).toBe(sizeClass(1000) * 4);
    a.fill(3);
    pool.give(a);
    expect(pool.bytes).toBe(sizeClass(1000) * 4);
    expect(pool.alloc('int32', 1000).buffer).not.toBe(a.buffer); // other dtype
    expect(pool.alloc('float32', 2000).buffer).not.toBe(a.buffer); // other class
    const b = pool.alloc('float32', 1010);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(1010);
    expect(Array.from(b).every((x) => x === 0)).toBe(true);
    expect(pool.bytes).toBe(0);
    pool.give(new Float32Array(1000)); // not a class-sized buffer: not taken
    expect(pool.bytes).toBe(0);
  });

  it('a request takes a free buffer of up to REUSE_CLASSES classes above its own (not further), and the view goes back whole', () => {
    const pool = new BufferPool({ minElements: 4 });
    const n = 5000;
    const big = pool.alloc('float32', classAbove(n, REUSE_CLASSES)) as Float32Array;
    const bigger = pool.alloc('float32', classAbove(n, REUSE_CLASSES + 1)) as Float32Array;
    big.fill(7);
    pool.give(big);
    pool.give(bigger);
    const v = pool.alloc('float32', n);
    expect(v.buffer).toBe(big.buffer); // the nearest class that has a free buffer
    expect(v.length).toBe(n);
    expect(Array.from(v).every((x) => x === 0)).toBe(true);
    expect(pool.alloc('float32', n).buffer).not.toBe(bigger.buffer); // too far above: a fresh array
    // The view returns its whole buffer, which then serves its own class again.
    pool.give(v);
    expect(pool.bytes).toBe(big.byteLength + bigger.byteLength);
    expect(pool.alloc('float32', big.length).buffer).toBe(big.buffer);
    // A view whose buffer is too far above its length (not one alloc made) is not taken.
    pool.give(new Float32Array(bigger.buffer as ArrayBuffer, 0, 10));
    expect(pool.bytes).toBe(bigger.byteLength);
  });

  it('never pools small arrays, and when full drops the arrays given longest ago', () => {
    const pool = new BufferPool({ minElements: 16, maxBytes: 160 });
    pool.give(new Float32Array(8));
    expect(pool.bytes).toBe(0);
    const first = pool.alloc('float32', 20); // class 20: 80 bytes
    const second = pool.alloc('float32', 16); // 64 bytes
    const third = pool.alloc('float32', 20);
    pool.give(first);
    pool.give(second);
    pool.give(third); // 224 > 160: `first` goes
    expect(pool.bytes).toBe(144);
    expect(pool.alloc('float32', 20)).toBe(third);
    expect(pool.alloc('float32', 20)).not.toBe(first);
    expect(pool.alloc('float32', 16)).toBe(second);
    expect(pool.bytes).toBe(0);
    pool.give(pool.alloc('float32', 100)); // 400 bytes > maxBytes: never pooled
    expect(pool.bytes).toBe(0);
    pool.give(first);
    pool.clear();
    expect(pool.bytes).toBe(0);
  });
});

describe('CpuBackend buffer reuse', () => {
  it('a released buffer comes back zeroed for the next op and memory() counts it as pooled', () => {
    const cpu = createCpuBackend({ simd: false });
    const n = 4096;
    const dirty = cpu.upload(new Float32Array(n).fill(7), [n], 'float32');
    cpu.release(dirty);
    expect(cpu.memory()).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: sizeClass(n) * 4, bytesAllocated: sizeClass(n) * 4 });
    // fill(0) and randomBernoulli(p = 0) write nothing themselves: they rely on a zeroed buffer.
    const zeros = cpu.fill([n], 'float32', 0);
    expect(cpu.readSync(zeros).every((x) => x === 0)).toBe(true);
    expect(cpu.memory().bytesPooled).toBe(0);
    cpu.releasePooled();
    cpu.release(zeros);
    cpu.releasePooled();
    expect(cpu.memory()).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: 0, bytesAllocated: 0 });
    cpu.dispose();
  });

  it('poolBytes: 0 keeps nothing', () => {
    const cpu = createCpuBackend({ simd: false, poolBytes: 0 });
    cpu.release(cpu.fill([4096], 'float32', 1));
    expect(cpu.memory().bytesPooled).toBe(0);
    cpu.dispose();
  });
});

describe('CpuBackend scatterAdd into zeros', () => {
  it('skips copying a fill(0) x and gives the same values as scattering into an uploaded zero tensor (and into a non-zero x)', () => {
    const cpu = createCpuBackend({ simd: false });
    const [n, q] = [3000, 4];
    const ids = cpu.upload([5, 2999, 5, -1, 3000, 0], [6], 'int32');
    const updates = cpu.upload(Array.from({ length: 24 }, (_, i) => i + 0.5), [6, q], 'float32');
    // Leave a dirty buffer of the same size class in the pool first.
    cpu.release(cpu.upload(new Float32Array(n * q).fill(9), [n, q], 'float32'));
    const filled = cpu.fill([n, q], 'float32', 0);
    const uploaded = cpu.upload(new Float32Array(n * q), [n, q], 'float32');
    const ones = cpu.fill([n, q], 'float32', 1);
    const a = cpu.readSync(cpu.scatterAdd(filled, ids, updates, 0));
    const b = cpu.readSync(cpu.scatterAdd(uploaded, ids, updates, 0));
    const c = cpu.readSync(cpu.scatterAdd(ones, ids, updates, 0));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a.subarray(20, 24))).toEqual([0.5 + 8.5, 1.5 + 9.5, 2.5 + 10.5, 3.5 + 11.5]);
    expect(a[8]).toBe(0);
    expect(Array.from(c, (v, i) => v - 1)).toEqual(Array.from(a));
    cpu.dispose();
  });
});
