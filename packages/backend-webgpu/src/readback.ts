/**
 * Reads buffers back: one staging buffer (MAP_READ | COPY_DST) for all requested
 * ranges, the copies appended to the shared encoder, one submit, one `mapAsync`
 * (burn `ops/transaction.rs`: readMany = one submit). The staging buffer is unmapped and
 * destroyed in `finally` whatever happens (jax-js `read`).
 */
import type { CommandQueue } from './command-queue.js';
import { BufferUsage, MapMode } from './gpu-constants.js';

export interface ReadRequest {
  buffer: GPUBuffer;
  /** Bytes to read from offset 0 (a multiple of 4; 0 reads nothing). */
  bytes: number;
}

/** Copies each request into one staging buffer, submits once, and returns a copy of each range. */
export async function readBuffers(device: GPUDevice, queue: CommandQueue, requests: readonly ReadRequest[]): Promise<ArrayBuffer[]> {
  const offsets: number[] = [];
  let total = 0;
  for (const r of requests) {
    offsets.push(total);
    total += Math.ceil(r.bytes / 8) * 8; // mapped ranges stay 8-byte aligned
  }
  if (total === 0) {
    queue.submit();
    return requests.map(() => new ArrayBuffer(0));
  }
  const staging = device.createBuffer({ size: total, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'cellstate-readback' });
  try {
    requests.forEach((r, i) => queue.copy(r.buffer, 0, staging, offsets[i]!, r.bytes));
    queue.submit();
    await staging.mapAsync(MapMode.READ, 0, total);
    const mapped = staging.getMappedRange(0, total);
    return requests.map((r, i) => mapped.slice(offsets[i]!, offsets[i]! + r.bytes));
  } finally {
    if (staging.mapState === 'mapped') staging.unmap();
    staging.destroy();
  }
}
