import { CTL } from './layout.js';
import { startWorker, type PlatformWorker } from './platform.js';
import { WORKER_SOURCE } from './worker-source.js';

/** Spins on the done counter this many times before blocking (where blocking is allowed). */
const SPINS = 4000;

/**
 * Worker threads sharing one WebAssembly memory. Thread 0 is the caller; workers are
 * threads 1..size. A job is published through the control block (kind, argument block,
 * then the job word, which carries the thread count), every participating thread runs
 * the same export with its tid, and the caller returns once all of them are done.
 *
 * Workers start asynchronously: until a worker has marked itself ready it takes no part
 * (jobs use `1 + readyWorkers()` threads), so no call ever waits for a worker to boot.
 */
export class WorkerPool {
  readonly size: number;
  readonly #i32: Int32Array;
  readonly #workers: PlatformWorker[] = [];
  #sequence = 0;
  #error: unknown = null;
  #terminated = false;
  /** Resolves once every worker thread has ended (after terminate()). */
  readonly exited: Promise<void>;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, size: number) {
    this.size = size;
    this.#i32 = new Int32Array(memory.buffer, 0, 1024);
    for (let tid = 1; tid <= size; tid++) {
      Atomics.store(this.#i32, CTL.ready + tid, 0);
      const w = startWorker(WORKER_SOURCE);
      w.onError((error) => {
        this.#error ??= error;
      });
      w.postMessage({ module, memory, tid });
      this.#workers.push(w);
    }
    this.exited = Promise.all(this.#workers.map((w) => w.exited)).then(() => undefined);
  }

  /** Workers 1..n that are all ready (a job can use threads 0..n). */
  readyWorkers(): number {
    if (this.#error !== null || this.#terminated) return 0;
    let n = 0;
    while (n < this.size && Atomics.load(this.#i32, CTL.ready + n + 1) === 1) n++;
    return n;
  }

  /** Resolves once every worker is ready; rejects if one failed to start. */
  async whenReady(timeoutMs = 30_000): Promise<void> {
    const start = Date.now();
    while (this.readyWorkers() < this.size) {
      if (this.#error !== null) throw this.#error instanceof Error ? this.#error : new Error(String(this.#error));
      if (this.#terminated) throw new Error('the worker pool was terminated');
      if (Date.now() - start > timeoutMs) throw new Error(`worker threads did not start within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /**
   * Runs `kind` on threads 0..nt-1: workers 1..nt-1 through the control block, thread 0
   * by calling `runHere` on this thread; returns when all are done. `canWait` says whether
   * this thread may block in Atomics.wait (not a browser's main thread).
   */
  run(kind: number, args: number, nt: number, runHere: () => void, canWait: boolean): void {
    const i32 = this.#i32;
    Atomics.store(i32, CTL.kind, kind);
    Atomics.store(i32, CTL.args, args);
    Atomics.store(i32, CTL.done, 0);
    Atomics.store(i32, CTL.failed, 0);
    this.#sequence = (this.#sequence + 1) & 0x7fffff;
    Atomics.store(i32, CTL.job, (this.#sequence << 8) | nt);
    Atomics.notify(i32, CTL.job);
    try {
      runHere();
    } finally {
      const target = nt - 1;
      let spins = 0;
      let done = Atomics.load(i32, CTL.done);
      while (done < target) {
        if (canWait && ++spins > SPINS) Atomics.wait(i32, CTL.done, done, 100);
        done = Atomics.load(i32, CTL.done);
      }
    }
    if (Atomics.load(i32, CTL.failed) !== 0) throw new Error(`a worker thread failed in the '${kind}' kernel`);
  }

  /** Stops the workers (they leave their loop) and terminates them. Idempotent. */
  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    Atomics.store(this.#i32, CTL.stop, 1);
    this.#sequence = (this.#sequence + 1) & 0x7fffff;
    Atomics.store(this.#i32, CTL.job, this.#sequence << 8);
    Atomics.notify(this.#i32, CTL.job);
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
  }
}
