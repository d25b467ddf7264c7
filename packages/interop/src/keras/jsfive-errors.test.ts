/** jsfive reports some broken files by throwing bare strings; readKeras must still throw an InteropError. */
import { describe, expect, it, vi } from 'vitest';
import { InteropError } from '../errors.js';
import { readKeras } from './keras.js';

const mode = vi.hoisted(() => ({ throwIn: 'constructor' as 'constructor' | 'value' }));
vi.mock('jsfive', () => ({
  File: class {
    constructor() {
      // eslint-disable-next-line no-throw-literal
      if (mode.throwIn === 'constructor') throw 'Invalid datatype class 11';
    }
    attrs = { model_config: JSON.stringify({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 2 } }] } }) };
    get(path: string) {
      if (path === 'model_weights' || path === 'model_weights/d') return { keys: [], attrs: { weight_names: ['kernel'] } };
      return {
        shape: [3, 2],
        dtype: '<f4',
        get value() {
          // eslint-disable-next-line no-throw-literal
          throw 'Opaque datatype class not supported.';
        },
      };
    }
  },
}));

const HDF5 = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

describe('readKeras and jsfive string throws', () => {
  it.each(['constructor', 'value'] as const)('a string thrown from jsfive (%s) becomes an InteropError naming the file and the text', (where) => {
    mode.throwIn = where;
    let error: unknown;
    try {
      readKeras(HDF5, { source: 'broken.h5' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InteropError);
    expect((error as Error).message).toMatch(where === 'constructor' ? /Invalid datatype class 11/ : /Opaque datatype class not supported/);
    expect((error as Error).message).toContain('broken.h5');
  });
});
