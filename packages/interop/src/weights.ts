import type { Module } from '@cellstate/nn';
import { readMany, tensor, type Tensor } from '@cellstate/tensor';
import { InteropError, type InteropFormat } from './errors.js';

/** A tensor on the host: row-major values and a shape. */
export interface HostTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface ApplyWeightsOptions {
  format: InteropFormat;
  /** Every parameter must be given and nothing else (default true). */
  strict?: boolean;
  source?: string;
  /** How the file calls a cellstate parameter (for messages), e.g. `layers/lstm/cell/vars/0 (kernel)`. */
  fileName?: (cellstateName: string) => string | undefined;
  /** Load float weights holding NaN or ±Infinity (default false: refused with code `non-finite`, naming the tensor). */
  allowNonFinite?: boolean;
}

export interface LoadReport {
  /** Parameters that were replaced. */
  loaded: string[];
  /** Parameters the weights did not have (strict: false only). */
  missing: string[];
  /** Weights the model does not have (strict: false only). */
  unexpected: string[];
}

/**
 * Checks every name, shape and dtype of `weights` against the module's parameters,
 * then uploads and assigns them all. Throws `InteropError` naming the first mismatch
 * (tensor, expected and actual shape) before anything is changed.
 */
export function applyWeights(module: Module, weights: Map<string, HostTensor>, options: ApplyWeightsOptions): LoadReport {
  const strict = options.strict ?? true;
  const { format, source } = options;
  const label = (name: string) => {
    const fileName = options.fileName?.(name);
    return fileName && fileName !== name ? `'${fileName}' (cellstate '${name}')` : `'${name}'`;
  };
  const fields = (name: string, extra: { expected?: unknown; actual?: unknown } = {}) => ({ tensor: options.fileName?.(name) ?? name, ...extra, ...(source !== undefined ? { source } : {}) });
  const params = module.namedParameters();
  const report: LoadReport = { loaded: [], missing: [], unexpected: [] };
  for (const [name, p] of params) {
    const w = weights.get(name);
    if (!w) {
      if (strict) throw new InteropError(format, 'missing-tensor', `missing tensor ${label(name)}: the model has it, the file does not`, fields(name, { expected: [...p.shape] }));
      report.missing.push(name);
      continue;
    }
    if (w.shape.length !== p.shape.length || w.shape.some((d, i) => d !== p.shape[i])) {
      throw new InteropError(format, 'shape-mismatch', `tensor ${label(name)} has the wrong shape`, fields(name, { expected: [...p.shape], actual: [...w.shape] }));
    }
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.data.length !== size) throw new InteropError(format, 'invalid-file', `tensor ${label(name)} has ${w.data.length} values for its shape`, fields(name, { expected: size, actual: w.data.length }));
    const dtype = w.data instanceof Float32Array ? 'float32' : 'int32';
    if (dtype !== p.value.dtype) throw new InteropError(format, 'dtype-mismatch', `tensor ${label(name)} is ${dtype}, the parameter ${p.value.dtype}`, fields(name, { expected: p.value.dtype, actual: dtype }));
    if (dtype === 'float32' && !options.allowNonFinite) {
      const bad = (w.data as Float32Array).findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new InteropError(format, 'non-finite', `tensor ${label(name)} holds ${w.data[bad]} at index ${bad}: the weights are not finite (pass allowNonFinite to load them anyway)`, fields(name));
    }
    report.loaded.push(name);
  }
  const names = new Set(params.map(([n]) => n));
  for (const name of weights.keys()) if (!names.has(name)) report.unexpected.push(name);
  if (strict && report.unexpected.length) {
    const first = report.unexpected[0]!;
    throw new InteropError(format, 'unexpected-tensor', `unexpected tensor ${label(first)}: the model has no such parameter${report.unexpected.length > 1 ? ` (and ${report.unexpected.length - 1} more)` : ''}`, fields(first));
  }
  // Everything checked: upload (all or nothing), then assign.
  const byName = new Map(params);
  const uploaded = new Map<string, Tensor>();
  try {
    for (const name of report.loaded) {
      const p = byName.get(name)!;
      const w = weights.get(name)!;
      uploaded.set(name, tensor(w.data, w.shape, { dtype: p.value.dtype, backend: p.value.backend }));
    }
    module.loadStateDict(uploaded, { strict: false });
  } catch (cause) {
    for (const t of uploaded.values()) t.dispose();
    throw new InteropError(format, 'invalid-file', `loading the weights failed: ${(cause as Error).message}`, { cause, ...(source !== undefined ? { source } : {}) });
  }
  return report;
}

/** Reads every parameter of a module to the host, by name. */
export async function readParameters(module: Module): Promise<Map<string, HostTensor>> {
  const params = module.namedParameters();
  const values = await readMany(params.map(([, p]) => p.value));
  return new Map(params.map(([name, p], i) => [name, { shape: [...p.shape], data: values[i] as Float32Array | Int32Array }]));
}
