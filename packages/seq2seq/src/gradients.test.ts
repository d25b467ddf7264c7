import { beforeAll, describe, expect, it } from 'vitest';
import { backward, noGrad, scope, tensor, type Tensor } from '@cellstate/tensor';
import { makeBatch } from './batch.js';
import { Seq2Seq } from './seq2seq-model.js';
import { randomInts, useBackend } from './test-setup.js';
import type { AttentionKind } from './config.js';

// Finite differences on the float64 reference backend: d loss / d parameter for a few
// entries of every parameter tensor.

/** Values in float64 (the reference backend keeps float64; dataSync rounds to float32). */
function float64(t: Tensor): Float64Array {
  const backend = t.backend as unknown as { readFloat64?: (h: unknown) => Float64Array };
  return backend.readFloat64 ? backend.readFloat64(t.handle) : Float64Array.from(t.dataSync());
}
describe('gradients (float64 reference backend, central differences)', () => {
  beforeAll(async () => {
    await useBackend('reference');
  });

  it.each([
    ['general', false, 'identity', false],
    ['additive', true, 'linear', true],
    ['dot', true, 'concat', false],
  ] as [AttentionKind, boolean, 'identity' | 'linear' | 'sum', boolean][])('%s attention, bidirectional %s, bridge %s, tied %s', (attention, bidirectional, bridge, tieEmbeddings) => {
    const model = new Seq2Seq({ sourceVocabSize: 7, targetVocabSize: 8, embeddingSize: 3, hiddenSize: 4, attention, bidirectional, bridge, tieEmbeddings, numLayers: 2, dropout: 0, seed: 1 });
    const batch = makeBatch([
      { source: [4, 5, 6], target: [5, 7] },
      { source: [6], target: [4, 6, 7] },
    ]);
    const lossValue = () => noGrad(() => scope(() => float64(model.loss(batch).loss)[0]!));
    const r = randomInts(3);
    const eps = 1e-6;
    let checked = 0;
    scope(() => {
      const grads = backward(model.loss(batch).loss);
      for (const [name, p] of model.namedParameters()) {
        const analytic = float64(grads.get(p.value)!);
        const base = float64(p.value);
        for (let k = 0; k < 1; k++) {
          const i = r(0, base.length);
          const at = (delta: number) => {
            const v = Float64Array.from(base);
            v[i] = v[i]! + delta;
            p.assign(tensor(v, [...p.shape]));
            return lossValue();
          };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          p.assign(tensor(base, [...p.shape]));
          expect(Math.abs(analytic[i]! - numeric), `${name}[${i}]`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
          checked++;
        }
      }
    });
    expect(checked).toBeGreaterThan(12);
    batch.dispose();
    model.dispose();
  });
});
