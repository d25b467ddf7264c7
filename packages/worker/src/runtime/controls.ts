import type { ToWorker } from '../protocol.js';

/** What the main thread's control messages set, read by the run between steps. */
export class RunControls {
  paused = false;
  cancelled = false;
  /** Wakes the run while it waits paused. */
  resume: (() => void) | undefined;
  /** Ids of the checkpoints asked for and not yet taken. */
  readonly checkpointRequests: number[] = [];
  readonly abort = new AbortController();

  apply(m: Exclude<ToWorker, { type: 'start' }>): void {
    switch (m.type) {
      case 'pause':
        this.paused = true;
        break;
      case 'resume':
        this.paused = false;
        this.resume?.();
        break;
      case 'cancel':
        this.cancelled = true;
        this.abort.abort();
        this.resume?.();
        break;
      case 'checkpoint':
        this.checkpointRequests.push(m.id);
        this.resume?.();
        break;
    }
  }
}
