import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';
import { createCpuBackend } from './cpu-backend.js';

describe('BufferPool', () => {
  it('reuses an array of the same dtype and length, zeroed, and counts the bytes it holds', () => {
    const pool = new BufferPool({ minElements: 4 });
    const a = pool.alloc('float32', 8) as Float32Array;
    a.fill(3);
    pool.give(a);
    expect(pool.bytes).toBe(32);
    expect(pool.alloc('int32', 8)).not.toBe(a); // other dtype
    expect(pool.alloc('float32', 9)).not.toBe(a); // other length
    const b = pool.alloc('float32', 8);
    expect(b).toBe(a);
    expect(Array.from(b)).toEqual(new Array(8).fill(0));
    expect(pool.bytes).toBe(0);
  });

  it('never pools small arrays and stops taking arrays at maxBytes', () => {
    const pool = new BufferPool({ minElements: 16, maxBytes: 128 });
    pool.give(new Float32Array(8));
    expect(pool.bytes).toBe(0);
    pool.give(new Float32Array(20)); // 80 bytes
    pool.give(new Float32Array(20)); // would be 160 > 128: dropped
    expect(pool.bytes).toBe(80);
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
    expect(cpu.memory()).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: n * 4, bytesAllocated: n * 4 });
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
