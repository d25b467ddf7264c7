import { shouldRecord } from '../autograd/tape.js';
import { lstmSequenceEmbeddedReference } from '../backend/fused-reference.js';
import { ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkDType, backendOf, wrap } from './util.js';
import type { LstmSequenceEmbeddedInput, LstmSequenceOutput } from './lstm-sequence-types.js';

export type { LstmSequenceEmbeddedInput } from './lstm-sequence-types.js';

/**
 * An LSTM over embedded ids with the embedding folded into the input projection: the
 * input gates of step t, sample b are `table[ids[t, b]]`, where each table row is
 * x·Wihᵀ + bias of one embedding row x. The same result as `lstmSequence` on
 * `gather(embedding, ids)`, without the input GEMM: a sentiment model reads each of its
 * few thousand words' gates instead of projecting every token again.
 *
 * Without gradients (inference) it runs the backend's fused kernel; when a gradient is
 * wanted, or the backend has no kernel, the reference composition (gather, then the
 * steps), which autograd differentiates.
 *
 * @example
 * ```ts
 * // table [V, 4H] = embeddingWeight · wIhᵀ + bias, made once
 * const table = add(matmul(embeddingWeight, wIh, { transposeB: true }), bias);
 * const { y, hT, cT } = noGrad(() => lstmSequenceEmbedded({ table, ids, wHh, h0, c0, lengths }));
 * ```
 */
export function lstmSequenceEmbedded(args: LstmSequenceEmbeddedInput): LstmSequenceOutput {
  const op = 'lstmSequenceEmbedded';
  const { table, ids, wHh, h0, c0, lengths } = args;
  const reverse = args.reverse ?? false;
  const inputs = lengths ? [table, ids, wHh, h0, c0, lengths] : [table, ids, wHh, h0, c0];
  const backend = backendOf(op, inputs);
  for (const [name, t] of Object.entries({ table, wHh, h0, c0 })) checkDType(op, t, ['float32'], name);
  checkDType(op, ids, ['int32'], 'ids');
  if (ids.rank !== 2) throw new ShapeError({ op, detail: 'ids must be [T, B]', expected: '[T, B]', actual: [...ids.shape] });
  const [T, B] = ids.shape as [number, number];
  const H = wHh.shape[1] ?? -1;
  const wrong = (name: string, t: Tensor, expected: number[] | string) => new ShapeError({ op, detail: `${name} has the wrong shape (T=${T}, B=${B}, H=${H})`, expected, actual: [...t.shape] });
  const expect = (name: string, t: Tensor, shape: number[]) => {
    if (!shapesEqual(t.shape, shape)) throw wrong(name, t, shape);
  };
  if (wHh.rank !== 2 || wHh.shape[0] !== 4 * H) throw wrong('wHh', wHh, '[4H, H]');
  if (table.rank !== 2 || table.shape[1] !== 4 * H) throw wrong('table', table, `[V, ${4 * H}]`);
  expect('h0', h0, [B, H]);
  expect('c0', c0, [B, H]);
  if (lengths) {
    checkDType(op, lengths, ['int32'], 'lengths');
    expect('lengths', lengths, [B]);
  }
  if (shouldRecord(inputs) || !backend.capabilities.fused.lstmSequenceEmbedded || !backend.lstmSequenceEmbedded) {
    return lstmSequenceEmbeddedReference({ ...args, reverse });
  }
  const h = (t: Tensor) => t.handleFor(op);
  const r = backend.lstmSequenceEmbedded({ table: h(table), ids: h(ids), wHh: h(wHh), h0: h(h0), c0: h(c0), ...(lengths ? { lengths: h(lengths) } : {}), reverse });
  return { y: wrap(backend, r.y), hT: wrap(backend, r.hT), cT: wrap(backend, r.cT) };
}
