import { describe, expect } from 'vitest';
import { BACKEND_CONTRACT_VERSION } from '../../backend/backend.js';
import type { FusedOpName } from '../../backend/fused-ops.js';
import { UNARY_OPS, BINARY_OPS, COMPARE_OPS } from '../../backend/primitive-ops.js';
import type { ConformanceContext } from './context.js';

const FUSED: readonly FusedOpName[] = ['lstmSequence', 'lstmSequenceBackward', 'lstmSequenceEmbedded', 'gruSequence', 'gruSequenceBackward', 'softmaxCrossEntropy', 'adamStep', 'sumOfSquares', 'logSoftmax', 'addInto'];

const PRIMITIVES = [
  ...UNARY_OPS,
  ...BINARY_OPS,
  ...COMPARE_OPS,
  'where',
  'sum',
  'max',
  'argmax',
  'matmul',
  'transpose',
  'slice',
  'concat',
  'pad',
  'cast',
  'gather',
  'scatterAdd',
  'randomUniform',
  'randomBernoulli',
] as const;

const LIFECYCLE = ['flush', 'sync', 'dispose', 'upload', 'fill', 'read', 'readMany', 'retain', 'release', 'memory'] as const;

/** Identity, contract version, declared capabilities and the methods they promise. */
export function capabilitiesSuite(ctx: ConformanceContext): void {
  describe('capabilities', () => {
    ctx.test('contractVersion is 1 and the name is a non-empty string', ({ backend }) => {
      expect(backend.contractVersion).toBe(BACKEND_CONTRACT_VERSION);
      expect(backend.contractVersion).toBe(1);
      expect(typeof backend.name).toBe('string');
      expect(backend.name.length).toBeGreaterThan(0);
    });

    ctx.test('dtypes include float32 and int32; numbers are sane', ({ backend }) => {
      const caps = backend.capabilities;
      expect(caps.dtypes).toContain('float32');
      expect(caps.dtypes).toContain('int32');
      expect(typeof caps.syncRead).toBe('boolean');
      expect(typeof caps.isSoftware).toBe('boolean');
      expect(caps.maxBufferBytes).toBeGreaterThan(0);
    });

    ctx.test('every primitive op and lifecycle method is a function', ({ backend }) => {
      const missing = [...PRIMITIVES, ...LIFECYCLE].filter((op) => typeof (backend as unknown as Record<string, unknown>)[op] !== 'function');
      expect(missing).toEqual([]);
    });

    ctx.test('readSync exists when capabilities.syncRead', ({ backend }) => {
      if (backend.capabilities.syncRead) expect(typeof backend.readSync).toBe('function');
    });

    ctx.test('every fused flag is a boolean and a true flag has its method', ({ backend }) => {
      const fused = backend.capabilities.fused;
      for (const op of FUSED) {
        expect(typeof fused[op], `capabilities.fused.${op}`).toBe('boolean');
        if (fused[op]) expect(typeof backend[op], `backend.${op} (capabilities.fused.${op} is true)`).toBe('function');
      }
    });

    ctx.test('fused lstmSequence and lstmSequenceBackward come together', ({ backend }) => {
      const fused = backend.capabilities.fused;
      expect(fused.lstmSequenceBackward, 'a fused LSTM forward needs the fused backward, or neither').toBe(fused.lstmSequence);
    });

    ctx.test('fused gruSequence and gruSequenceBackward come together', ({ backend }) => {
      const fused = backend.capabilities.fused;
      expect(fused.gruSequenceBackward, 'a fused GRU forward needs the fused backward, or neither').toBe(fused.gruSequence);
    });

    ctx.test('memory() reports non-negative numbers with bytesAllocated = bytesInUse + bytesPooled', ({ backend }) => {
      const m = backend.memory();
      for (const key of ['handles', 'bytesInUse', 'bytesPooled', 'bytesAllocated'] as const) {
        expect(Number.isFinite(m[key]), key).toBe(true);
        expect(m[key], key).toBeGreaterThanOrEqual(0);
      }
      expect(m.bytesAllocated).toBe(m.bytesInUse + m.bytesPooled);
    });
  });
}
