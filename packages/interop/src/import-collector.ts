import type { LayerSpec } from './config.js';
import type { HostTensor } from './weights.js';

/**
 * What a reader of another framework's model (Keras, ONNX) gathers: cellstate layer
 * specs, PyTorch-layout weights under cellstate names with the file's name for each
 * (for messages), and notes. Layer names are made unique as they are handed out.
 */
export class ImportCollector {
  readonly layers: LayerSpec[] = [];
  readonly tensors = new Map<string, HostTensor>();
  /** Which tensor of the file each cellstate tensor came from. */
  readonly origins = new Map<string, string>();
  readonly notes: string[] = [];
  readonly #used = new Set<string>();
  // Next suffix to try per stem: probing from _1 each time made n equal names cost n².
  readonly #nextSuffix = new Map<string, number>();

  /** `base` as an identifier (other characters become `_`), suffixed `_1`, `_2`, ... when taken. */
  uniqueName(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
    const stem = name;
    let k = this.#nextSuffix.get(stem) ?? 1;
    if (this.#used.has(name)) {
      do name = `${stem}_${k++}`;
      while (this.#used.has(name));
    }
    this.#nextSuffix.set(stem, k);
    this.#used.add(name);
    return name;
  }

  put(name: string, t: HostTensor, origin: string): void {
    this.tensors.set(name, t);
    this.origins.set(name, origin);
  }
}
