// Test helper (not exported): the float64 reference backend for tight checks.
import { registerBackend, setBackend } from '@cellstate/tensor';
import { createReferenceBackend } from '@cellstate/tensor/testing';

export async function useBackend(name: 'reference' | 'cpu') {
  registerBackend('reference', () => createReferenceBackend(), { priority: -1, autoSelect: false });
  return setBackend(name);
}

export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => lo + (hi - lo) * next());
}
