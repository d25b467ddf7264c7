import { createCpuBackend } from '@cellstate/backend-cpu';
import type { Backend } from '@cellstate/tensor';

/** A cellstate configuration the bench can run, created fresh in its own process. */
export interface System {
  name: string;
  what: string;
  /**
   * Threads its kernels use (default 1). Set it for multi-threaded systems: the MM target
   * ("2048³, one thread") only compares systems with threads = 1.
   */
  threads?: number;
  create(): Backend;
}

export const SYSTEMS: Record<string, System> = {
  'cellstate-cpu': {
    name: 'cellstate-cpu',
    what: 'CPU backend, fused LSTM/cross-entropy/Adam kernels (plain TypeScript)',
    create: () => createCpuBackend(),
  },
  'cellstate-cpu-composed': {
    name: 'cellstate-cpu-composed',
    what: 'CPU backend with fused kernels switched off: the LSTM runs as its reference composition of primitives, differentiated by autograd',
    create: () => createCpuBackend({ fused: false }),
  },
};
