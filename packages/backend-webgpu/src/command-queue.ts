/**
 * One command encoder shared by every dispatch until a read, `flush()` or the
 * dispatch threshold (tfjs `submitQueue`), with:
 *
 * - one compute pass kept open across consecutive dispatches (ended only for copies),
 * - a uniform arena: each dispatch's 256-byte uniform block is written into a CPU
 *   mirror of 64 KiB uniform chunks and uploaded with one `writeBuffer` per chunk right
 *   before `submit` (the offsets are multiples of 256 = minUniformBufferOffsetAlignment),
 * - use tracking: `uses(buffer)` tells whether the unsubmitted encoder references a
 *   buffer; the backend parks such buffers when their storage is released and gets
 *   them back through `afterSubmit` (a queue.writeBuffer into a reused buffer must not
 *   run before commands recorded earlier that still read it: writeBuffer executes on
 *   the queue timeline before this encoder is submitted).
 */
import { BufferUsage } from './gpu-constants.js';
import { UNIFORM_BYTES, UNIFORM_WORDS } from './kernels/kernel-spec.js';

const CHUNK_BYTES = 64 * 1024;

interface UniformChunk {
  gpu: GPUBuffer;
  cpu: Uint32Array;
  used: number;
}

export class CommandQueue {
  readonly #device: GPUDevice;
  readonly #chunks: UniformChunk[] = [];
  #chunkIndex = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #uses = new Set<GPUBuffer>();
  #afterSubmit: (() => void)[] = [];
  #commands = 0;
  #submits = 0;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** Commands recorded since the last submit. */
  get pending(): number {
    return this.#commands;
  }
  /** Submits so far (tests count them). */
  get submits(): number {
    return this.#submits;
  }

  uses(buffer: GPUBuffer): boolean {
    return this.#uses.has(buffer);
  }

  /** Runs `fn` right after the next submit (or now when nothing is pending). */
  afterSubmit(fn: () => void): void {
    if (this.#commands === 0) fn();
    else this.#afterSubmit.push(fn);
  }

  #getEncoder(): GPUCommandEncoder {
    this.#encoder ??= this.#device.createCommandEncoder();
    return this.#encoder;
  }

  #endPass(): void {
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
  }

  #uniformSlot(words: ArrayLike<number>): { buffer: GPUBuffer; offset: number } {
    let chunk = this.#chunks[this.#chunkIndex];
    if (chunk && chunk.used + UNIFORM_BYTES > CHUNK_BYTES) {
      this.#chunkIndex++;
      chunk = this.#chunks[this.#chunkIndex];
    }
    if (!chunk) {
      chunk = {
        gpu: this.#device.createBuffer({ size: CHUNK_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'cellstate-uniforms' }),
        cpu: new Uint32Array(CHUNK_BYTES / 4),
        used: 0,
      };
      this.#chunks.push(chunk);
    }
    const offset = chunk.used;
    const base = offset / 4;
    const n = Math.min(words.length, UNIFORM_WORDS);
    for (let i = 0; i < n; i++) chunk.cpu[base + i] = words[i]! >>> 0;
    chunk.cpu.fill(0, base + n, base + UNIFORM_WORDS);
    chunk.used += UNIFORM_BYTES;
    return { buffer: chunk.gpu, offset };
  }

  /** Records one dispatch of `pipeline` with its uniform words and storage buffers (bindings 1..). */
  dispatch(pipeline: GPUComputePipeline, uniforms: ArrayLike<number>, buffers: readonly GPUBuffer[], workgroups: readonly [number, number, number]): void {
    if (workgroups[0] === 0 || workgroups[1] === 0 || workgroups[2] === 0) return;
    const slot = this.#uniformSlot(uniforms);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: slot.buffer, offset: slot.offset, size: UNIFORM_BYTES } }];
    buffers.forEach((buffer, i) => {
      entries.push({ binding: i + 1, resource: { buffer } });
      this.#uses.add(buffer);
    });
    const bindGroup = this.#device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    if (!this.#pass) this.#pass = this.#getEncoder().beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, bindGroup);
    this.#pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    this.#commands++;
  }

  /** Records a buffer-to-buffer copy (byte offsets and size multiples of 4). */
  copy(source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, destinationOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.#endPass();
    this.#getEncoder().copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, bytes);
    this.#uses.add(source);
    this.#uses.add(destination);
    this.#commands++;
  }

  /** Records zeroing of `bytes` bytes at `offset` (multiples of 4). */
  clear(buffer: GPUBuffer, offset: number, bytes: number): void {
    if (bytes === 0) return;
    this.#endPass();
    this.#getEncoder().clearBuffer(buffer, offset, bytes);
    this.#uses.add(buffer);
    this.#commands++;
  }

  /** Submits everything recorded so far (uploading the uniform arena first). */
  submit(): void {
    if (this.#commands === 0) return;
    this.#endPass();
    const encoder = this.#getEncoder();
    for (let i = 0; i <= this.#chunkIndex && i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      if (chunk.used > 0) this.#device.queue.writeBuffer(chunk.gpu, 0, chunk.cpu.buffer, 0, chunk.used);
      chunk.used = 0;
    }
    this.#chunkIndex = 0;
    this.#device.queue.submit([encoder.finish()]);
    this.#encoder = null;
    this.#commands = 0;
    this.#submits++;
    this.#uses = new Set();
    const callbacks = this.#afterSubmit;
    this.#afterSubmit = [];
    for (const fn of callbacks) fn();
  }

  /** Drops recorded work without submitting and destroys the uniform chunks (dispose). */
  destroy(): void {
    this.#pass = null;
    this.#encoder = null;
    this.#commands = 0;
    this.#uses = new Set();
    for (const chunk of this.#chunks) chunk.gpu.destroy();
    this.#chunks.length = 0;
    this.#afterSubmit = [];
  }
}
