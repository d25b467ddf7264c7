/**
 * A Keras 3 `.keras` archive: a zip of `config.json`, `metadata.json` and
 * `model.weights.h5`. Only those members are inflated, and only within the byte budget
 * (checked against the sizes in the archive's directory before inflating anything).
 */
import { unzipSync } from 'fflate';
import { InteropError } from '../errors.js';
import { H5 } from './h5.js';
import { describeThrown, parseJson } from './parsing.js';

/** The members of a `.keras` archive that are read; nothing else is inflated. */
const ARCHIVE_MEMBERS = new Set(['config.json', 'metadata.json', 'model.weights.h5']);

export interface KerasArchive {
  /** The parsed `config.json`. */
  config: unknown;
  kerasVersion: string | undefined;
  weights: H5;
}

export function readKerasArchive(bytes: Uint8Array, source: string | undefined, budget: number): KerasArchive {
  const src = source !== undefined ? { source } : {};
  const invalid = (detail: string, cause?: unknown): never => {
    throw new InteropError('keras', 'invalid-file', detail, { ...src, ...(cause !== undefined ? { cause } : {}) });
  };
  let files: Record<string, Uint8Array>;
  const members: string[] = [];
  let total = 0;
  let tooLarge: { name: string; size: number } | undefined;
  try {
    // The sizes come from the archive's directory; fflate never inflates past them.
    files = unzipSync(bytes, {
      filter: (f) => {
        members.push(f.name);
        if (!ARCHIVE_MEMBERS.has(f.name) || tooLarge) return false;
        total += f.originalSize;
        if (total > budget) tooLarge = { name: f.name, size: f.originalSize };
        return !tooLarge;
      },
    });
  } catch (cause) {
    return invalid(`not a readable zip archive: ${describeThrown(cause)}`, cause);
  }
  if (tooLarge) {
    throw new InteropError('keras', 'too-large', `the archive member '${tooLarge.name}' inflates to ${tooLarge.size} bytes, beyond the budget of ${budget} bytes (raise maxUncompressedBytes for a model this large)`, { ...src, expected: budget, actual: total });
  }
  const configBytes = files['config.json'];
  if (!configBytes) invalid(`the .keras archive has no config.json (it has ${members.slice(0, 20).join(', ') || 'nothing'})`);
  const weights = files['model.weights.h5'];
  if (!weights) invalid(members.includes('model.weights.npz') ? 'the .keras archive stores its weights as model.weights.npz; only the default model.weights.h5 is read' : 'the .keras archive has no model.weights.h5');
  const config = parseJson(new TextDecoder().decode(configBytes), 'config.json', source);
  let kerasVersion: string | undefined;
  if (files['metadata.json']) {
    const meta = parseJson(new TextDecoder().decode(files['metadata.json']), 'metadata.json', source) as Record<string, unknown>;
    if (typeof meta.keras_version === 'string') kerasVersion = meta.keras_version;
  }
  return { config, kerasVersion, weights: new H5(weights!, source ? `${source}:model.weights.h5` : 'model.weights.h5', budget) };
}
