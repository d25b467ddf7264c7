// Test helpers (not exported from the package).
import '@cellstate/backend-cpu';
import { registerBackend, setBackend, type Backend } from '@cellstate/tensor';
import { createReferenceBackend } from '@cellstate/tensor/testing';

/** Selects the float64 reference backend or the CPU backend. */
export async function useBackend(name: 'reference' | 'cpu'): Promise<Backend> {
  registerBackend('reference', () => createReferenceBackend(), { priority: -1, autoSelect: false });
  return setBackend(name);
}

/** Deterministic pseudo-random integers in [lo, hi). */
export function randomInts(seed: number) {
  let a = seed >>> 0;
  return (lo: number, hi: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo));
  };
}
