import { describe, expect, it } from 'vitest';
import * as nn from './index.js';

describe('@cellstate/nn public API', () => {
  it('exports the layers, losses, initialisers, optimizers and schedules', () => {
    const names = [
      'Module', 'Parameter', 'StateDictError', 'manualSeed', 'nextSeed', 'deriveSeed', 'IndexOutOfRangeError',
      'Linear', 'Embedding', 'Dropout', 'mseLoss', 'crossEntropyLoss',
      'uniform', 'pytorchUniform', 'normal', 'xavierUniform', 'xavierNormal', 'orthogonal', 'calculateFans', 'calculateGain',
      'Optimizer', 'OptimizerStateError', 'SGD', 'Adam', 'AdamW', 'clipGradNorm',
      'LearningRateScheduler', 'StepLR', 'CosineAnnealingLR', 'ReduceLROnPlateau',
    ];
    for (const name of names) expect(nn, name).toHaveProperty(name);
  });

  it('does not export test helpers or internals', () => {
    for (const name of ['useReferenceBackend', 'orthonormalFactor', 'normalValues', 'uniform53', 'checkIndicesSync']) expect(nn).not.toHaveProperty(name);
  });
});
