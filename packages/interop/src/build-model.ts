import type { Module } from '@cellstate/nn';
import { checkConfigAgainstWeights, type ModelConfig } from './config.js';
import type { InteropFormat } from './errors.js';
import { SequenceModel } from './model.js';
import { applyWeights, type ApplyWeightsOptions, type HostTensor, type LoadReport } from './weights.js';

/** What the importers and loaders pass on from their options, and the file's name for each cellstate tensor (for messages). */
export interface WeightLoadOptions {
  source?: string;
  allowNonFinite?: boolean;
  origins?: ReadonlyMap<string, string>;
}

/** Loads weights read from a file into `module` (all checked first, see `applyWeights`); `strict` as there. */
export function loadWeights(module: Module, tensors: Map<string, HostTensor>, format: InteropFormat, options: WeightLoadOptions, strict?: boolean): LoadReport {
  const { origins } = options;
  const applyOptions: ApplyWeightsOptions = {
    format,
    ...(strict !== undefined ? { strict } : {}),
    ...(origins ? { fileName: (n: string) => origins.get(n) } : {}),
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.allowNonFinite ? { allowNonFinite: true } : {}),
  };
  return applyWeights(module, tensors, applyOptions);
}

/**
 * A `SequenceModel` for `config` holding the weights read from a file. The weights are
 * checked against the config's parameter count before anything is allocated, and the
 * model is disposed when they do not load, so a failed import leaks no tensors.
 */
export function buildModel(config: ModelConfig, tensors: Map<string, HostTensor>, format: InteropFormat, options: WeightLoadOptions & { seed?: number }): SequenceModel {
  checkConfigAgainstWeights(config, tensors, format, options.source);
  const model = new SequenceModel(config, options.seed !== undefined ? { seed: options.seed } : {});
  try {
    loadWeights(model, tensors, format, options);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
