// Test helpers, not published: package.json `files` leaves test-setup.ts out, and backend-cpu is only a devDependency.
import '@cellstate/backend-cpu';
import { registerBackend, setBackend, type Backend } from '@cellstate/tensor';
import { createReferenceBackend } from '@cellstate/tensor/testing';
import { readFileSync } from 'node:fs';

/** Selects the float64 reference backend (the living spec). */
export async function useReferenceBackend(): Promise<Backend> {
  registerBackend('reference', () => createReferenceBackend(), { priority: -1, autoSelect: false });
  return setBackend('reference');
}

/** Selects the CPU backend (float32). */
export async function useCpuBackend(): Promise<Backend> {
  return setBackend('cpu');
}

/** Selects a backend by the names the tests run on. */
export function useBackend(name: 'reference' | 'cpu'): Promise<Backend> {
  return name === 'reference' ? useReferenceBackend() : useCpuBackend();
}

/** Flattens nested number arrays. */
export function flat(values: unknown): number[] {
  if (typeof values === 'number') return [values];
  return (values as unknown[]).flatMap((v) => flat(v));
}

/** Tolerances per backend: the reference computes in float64, the CPU in float32. */
export function tolerance(backend: 'reference' | 'cpu'): { atol: number; rtol: number } {
  return backend === 'reference' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 1e-5, rtol: 1e-4 };
}

/** The PyTorch reference numbers written by tools/fixtures/make_nn_fixtures.py. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadPytorchFixture(): any {
  return JSON.parse(readFileSync(new URL('./__fixtures__/nn-pytorch.json', import.meta.url), 'utf8'));
}

/** Cases with a title, for `it.each(...)('%s', (_, c) => ...)`. */
export function labelled<T>(items: readonly T[], title: (item: T) => string): [string, T][] {
  return items.map((item) => [title(item), item]);
}
