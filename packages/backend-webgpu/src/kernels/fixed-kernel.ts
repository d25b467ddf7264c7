import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE } from './preamble.wgsl.js';

/**
 * A kernel with one text and nothing to configure, keyed by its name: the preamble, its
 * uniform struct, then `body` (bindings, helpers and `main`).
 */
export function fixedKernel(name: string, params: { readonly wgsl: string }, body: string): KernelSpec<Record<string, never>> {
  const text = `${PREAMBLE}
${params.wgsl}
${body}`;
  return { name, key: () => name, wgsl: () => text };
}
