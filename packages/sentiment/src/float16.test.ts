import { beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '@cellstate/nn';
import { tensor } from '@cellstate/tensor';
import { encodeSafetensors, floatToHalf } from './float16.js';
import { useCpu } from './test-setup.js';

describe('float16', () => {
  beforeAll(useCpu);
  it('rounds to nearest even, with subnormals, overflow, infinities and NaN', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(0.5)).toBe(0x3800);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // rounds up to infinity
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(floatToHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(floatToHalf(2 ** -26)).toBe(0);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(Infinity)).toBe(0x7c00);
    expect(floatToHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('writes safetensors that @cellstate/nn reads back (F16 and F32)', async () => {
    const a = tensor([0.1, -3.25, 1000, 1e-3], [2, 2]);
    for (const dtype of ['F16', 'F32'] as const) {
      const bytes = await encodeSafetensors([['w', a]], { dtype, metadata: { k: 'v' } });
      const parsed = parseSafetensors(bytes);
      expect(parsed.metadata).toEqual({ k: 'v' });
      const t = parsed.tensors.get('w')!;
      expect(t.dtype).toBe(dtype);
      expect(t.shape).toEqual([2, 2]);
      Array.from(t.data).forEach((v, i) => expect(Math.abs(v - a.dataSync()[i]!)).toBeLessThan(dtype === 'F16' ? 0.5e-3 * Math.max(1, Math.abs(v)) : 1e-7));
    }
  });
});
