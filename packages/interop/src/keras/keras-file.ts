// What reading a Keras file gives, in its own file so the layer builders can name it
// without importing keras.ts (which imports them).
import type { ModelConfig } from '../config.js';
import type { HostTensor } from '../weights.js';

/** Which Keras format a file was read as. */
export type KerasFormat = 'keras3' | 'keras3-weights' | 'keras2-h5';

/** A Keras file read into a cellstate config and PyTorch-layout weights. */
export interface KerasFile {
  format: KerasFormat;
  /** `keras_version` from the file, when recorded. */
  kerasVersion?: string;
  config: ModelConfig;
  /** Weights in PyTorch layout under cellstate names (`lstm.weight_ih_l0`). */
  tensors: Map<string, HostTensor>;
  /** Which Keras tensor each cellstate tensor came from. */
  origins: Map<string, string>;
  notes: string[];
}

