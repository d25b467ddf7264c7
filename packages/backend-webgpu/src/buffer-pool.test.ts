import { describe, expect, it } from 'vitest';
import { BufferPool, sizeClass, type PoolBuffer } from './buffer-pool.js';

class FakeBuffer implements PoolBuffer {
  destroyed = false;
  constructor(readonly size: number) {}
  destroy(): void {
    this.destroyed = true;
  }
}
const device = { createBuffer: (d: { size: number }) => new FakeBuffer(d.size) };

describe('sizeClass', () => {
  it('rounds small sizes to 16 bytes and large ones to quarter powers of two', () => {
    expect([0, 1, 4, 16, 17, 256].map(sizeClass)).toEqual([16, 16, 16, 16, 32, 256]);
    expect([257, 320, 321, 384, 448, 449, 512, 513].map(sizeClass)).toEqual([320, 320, 384, 384, 448, 512, 512, 640]);
  });

  it('never wastes more than 25% above 256 bytes', () => {
    for (let b = 257; b < 100_000; b += 97) {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c / b).toBeLessThanOrEqual(1.25);
    }
  });
});

describe('BufferPool', () => {
  it('reuses a released buffer of the same class and keeps the byte counts', () => {
    const pool = new BufferPool(device, 0);
    const a = pool.acquire(100);
    expect(a.size).toBe(112);
    expect(pool.bytesInUse).toBe(112);
    pool.release(a);
    expect(pool.bytesInUse).toBe(0);
    expect(pool.bytesPooled).toBe(112);
    const b = pool.acquire(97); // same class
    expect(b).toBe(a);
    expect(pool.buffersCreated).toBe(1);
    expect(pool.bytesPooled).toBe(0);
    expect(pool.bytesInUse).toBe(112);
  });

  it('destroys buffers beyond the per-class and byte caps', () => {
    const pool = new BufferPool(device, 0, { maxPerClass: 1, maxPooledBytes: 1000 });
    const [a, b] = [pool.acquire(64), pool.acquire(64)];
    pool.release(a);
    pool.release(b);
    expect(a.destroyed).toBe(false);
    expect(b.destroyed).toBe(true);
    const big = pool.acquire(2000);
    pool.release(big);
    expect(big.destroyed).toBe(true);
    expect(pool.bytesPooled).toBe(64);
  });

  it('drains idle buffers before growing past maxTotalBytes', () => {
    const pool = new BufferPool(device, 0, { maxTotalBytes: 1024 });
    const a = pool.acquire(512);
    pool.release(a);
    const b = pool.acquire(1024);
    expect(a.destroyed).toBe(true);
    expect(pool.bytesPooled).toBe(0);
    expect(pool.bytesInUse).toBe(b.size);
  });
});
