// Test helper (not exported): the float64 reference backend for tight checks.
import { registerBackend, setBackend } from '@cellstate/tensor';
import { createReferenceBackend, mulberry32 } from '@cellstate/tensor/testing';

export async function useBackend(name: 'reference' | 'cpu') {
  registerBackend('reference', () => createReferenceBackend(), { priority: -1, autoSelect: false });
  return setBackend(name);
}

export function seeded(seed: number) {
  const next = mulberry32(seed);
  return (n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => lo + (hi - lo) * next());
}
