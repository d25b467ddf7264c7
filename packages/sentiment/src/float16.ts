import { CheckpointError, narrowTensors, serializeSafetensors } from '@cellstate/nn';
import { readMany, type Tensor } from '@cellstate/tensor';

// The conversion itself lives in @cellstate/nn (quantize.ts), shared with every other file writer.
export { floatToHalf } from '@cellstate/nn';

/**
 * Serializes named tensors as a safetensors file with F16 (or F32) data. `@cellstate/nn`'s
 * `decodeInto` reads F16 into float32 parameters, so a model saved this way loads like any
 * other checkpoint at half the size. Values that are NaN or ±Infinity are refused with a
 * `CheckpointError` (code `non-finite`) unless `allowNonFinite`. A whole model is simpler
 * with `encodeModel(model, { dtype })` from `@cellstate/nn`, which writes the same bytes.
 *
 * @example
 * ```ts
 * const bytes = await encodeSafetensors(model.namedParameters().map(([n, p]) => [n, p.value] as const), { dtype: 'F16' });
 * ```
 */
export async function encodeSafetensors(entries: readonly (readonly [string, Tensor])[], options: { dtype?: 'F16' | 'F32'; metadata?: Record<string, string>; allowNonFinite?: boolean } = {}): Promise<Uint8Array> {
  const values = (await readMany(entries.map(([, t]) => t))) as Float32Array[];
  entries.forEach(([name, t], i) => {
    if (t.dtype !== 'float32') throw new TypeError(`encodeSafetensors: '${name}' is ${t.dtype}; only float32 tensors are written`);
    // A diverged model must never replace a good file (or become the "best" epoch).
    const bad = options.allowNonFinite ? -1 : values[i]!.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new CheckpointError('non-finite', `cannot write: tensor '${name}' holds ${values[i]![bad]} at index ${bad}; a diverged model is not saved`, { tensor: name });
  });
  const { tensors } = narrowTensors(entries.map(([name, t], i) => [name, t.shape, values[i]!] as const), options.dtype ?? 'F16');
  return serializeSafetensors(tensors, options.metadata);
}
