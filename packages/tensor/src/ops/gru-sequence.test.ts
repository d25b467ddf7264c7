import { beforeAll, describe, expect, it } from 'vitest';
import { useReferenceBackend } from '../test-setup.js';
import { randomUniform } from './random.js';
import type { Tensor } from '../tensor.js';

const seeded = (shape: number[], seed: number, scale = 1): Tensor => randomUniform(shape, { seed, low: -scale, high: scale });
import { tensor } from './creation.js';
import { gruSequence } from './gru-sequence.js';
import { scope } from '../memory.js';
import { checkGradients } from '../testing/check-gradients.js';
import { add } from './elementwise.js';
import { concat, reshape } from './movement.js';
import { ShapeError } from '../errors.js';

describe('gruSequence on the float64 reference backend', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  for (const c of [
    { lengths: null, reverse: false },
    { lengths: [3, 0], reverse: false },
    { lengths: [1, 3], reverse: true },
  ]) {
    it(`gradients of x, weights, biases and h0 match central differences${c.lengths ? ` (lengths [${c.lengths}])` : ''}${c.reverse ? ' reverse' : ''}`, () => {
      const [T, B, I, H] = [3, 2, 2, 2];
      scope(() => {
        const inputs = [seeded([T, B, I], 1), seeded([3 * H, I], 2, 0.5), seeded([3 * H, H], 3, 0.5), seeded([3 * H], 4, 0.5), seeded([3 * H], 5, 0.5), seeded([B, H], 6)];
        const lengths = c.lengths ? tensor(c.lengths, [B], { dtype: 'int32' }) : undefined;
        const fn = (...[x, wIh, wHh, bIh, bHh, h0]: Tensor[]) => {
          const { y, hT } = gruSequence({ x: x!, wIh: wIh!, wHh: wHh!, bIh, bHh, h0: h0!, ...(lengths ? { lengths } : {}), reverse: c.reverse });
          return concat([reshape(y, [T * B * H]), reshape(add(hT, 0), [B * H])], 0);
        };
        const r = checkGradients(fn, inputs);
        for (const { index, analytic, numeric } of r.inputs) {
          for (let j = 0; j < numeric.length; j++) expect(Math.abs(analytic[j]! - numeric[j]!), `input ${index}[${j}]`).toBeLessThan(1e-6 + 1e-6 * Math.abs(numeric[j]!));
        }
      });
    });
  }

  it('names the op in its shape errors', () => {
    scope(() => {
      const x = seeded([2, 1, 3], 1);
      expect(() => gruSequence({ x, wIh: seeded([6, 4], 2), wHh: seeded([6, 2], 3), h0: seeded([1, 2], 4) })).toThrow(ShapeError);
      expect(() => gruSequence({ x, wIh: seeded([6, 4], 2), wHh: seeded([6, 2], 3), h0: seeded([1, 2], 4) })).toThrow(/gruSequence/);
    });
  });
});
