// Test helpers (not exported from the package).
import '@cellstate/backend-cpu';
import { registerBackend, setBackend, type Backend } from '@cellstate/tensor';
import { createReferenceBackend, mulberry32 } from '@cellstate/tensor/testing';

/** Selects the float64 reference backend or the CPU backend. */
export async function useBackend(name: 'reference' | 'cpu'): Promise<Backend> {
  registerBackend('reference', () => createReferenceBackend(), { priority: -1, autoSelect: false });
  return setBackend(name);
}

/** Deterministic pseudo-random integers in [lo, hi). */
export function randomInts(seed: number) {
  const next = mulberry32(seed);
  return (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo));
}
