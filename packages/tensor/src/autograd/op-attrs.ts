import type { PrimitiveOpName } from '../backend/primitive-ops.js';
import type { DType } from '../dtype.js';

type NoAttrs = Record<string, never>;
type ReduceAttrs = { axes: readonly number[]; keepDims: boolean };

/**
 * The attributes each recorded op keeps for its gradient rule. Its keys are the ops
 * the tape can record: every primitive (checked below), `reshape` (metadata only) and
 * the differentiable fused ops.
 */
export interface OpAttrs {
  neg: NoAttrs;
  exp: NoAttrs;
  log: NoAttrs;
  sqrt: NoAttrs;
  tanh: NoAttrs;
  sigmoid: NoAttrs;
  relu: NoAttrs;
  abs: NoAttrs;
  add: NoAttrs;
  sub: NoAttrs;
  mul: NoAttrs;
  div: NoAttrs;
  maximum: NoAttrs;
  greater: NoAttrs;
  equal: NoAttrs;
  where: NoAttrs;
  sum: ReduceAttrs;
  max: ReduceAttrs;
  argmax: { axis: number; keepDims: boolean };
  matmul: { transposeA: boolean; transposeB: boolean };
  transpose: { perm: readonly number[] };
  slice: { begin: readonly number[]; size: readonly number[] };
  concat: { axis: number };
  pad: { paddings: readonly (readonly [number, number])[]; value: number };
  cast: { dtype: DType };
  gather: { axis: number };
  scatterAdd: { axis: number };
  randomUniform: NoAttrs;
  randomBernoulli: NoAttrs;
  reshape: NoAttrs;
  unstack: { axis: number };
  lstmSequence: { reverse: boolean };
  gruSequence: { reverse: boolean };
  softmaxCrossEntropy: NoAttrs;
  logSoftmax: NoAttrs;
}

export type RecordedOpName = keyof OpAttrs;

// A primitive without an OpAttrs entry (and so without a gradient rule) fails tsc here.
type MissingPrimitives = Exclude<PrimitiveOpName, RecordedOpName>;
const everyPrimitiveIsRecordable: [MissingPrimitives] extends [never] ? true : MissingPrimitives = true;
void everyPrimitiveIsRecordable;
