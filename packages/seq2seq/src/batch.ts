import { tensor, type Backend, type Tensor } from '@cellstate/tensor';
import { BOS_ID, EOS_ID, PAD_ID } from '@cellstate/text';

/** One training pair as ids (no `<bos>`/`<eos>`: `makeBatch` adds them). */
export interface IdPair {
  source: readonly number[];
  target: readonly number[];
}

/**
 * A padded batch, time-major. Shapes: S source steps, T target steps, B pairs.
 */
export interface Seq2SeqBatch {
  /** int32 [S, B]: source ids + `<eos>` (reversed first with `reverseSource`), padded with 0. */
  source: Tensor;
  sourceLengths: number[];
  /** int32 [T, B]: `<bos>` y₁ … y_n, padded (only for batches with targets). */
  targetIn?: Tensor;
  /** int32 [T, B]: y₁ … y_n `<eos>`, padded with 0 (= ignored by the loss). */
  targetOut?: Tensor;
  targetLengths?: number[];
  /** Host copy of `targetOut` (int32, [T, B] row-major). */
  targetOutIds?: Int32Array;
  /** Number of real target tokens (`<eos>` included). */
  targetTokens: number;
  size: number;
  /** Releases the batch's tensors. */
  dispose(): void;
}

/** Options of `makeBatch`. */
export interface MakeBatchOptions {
  reverseSource?: boolean;
  /** Backend of the tensors (default: the active one). */
  backend?: Backend;
}

/**
 * Pads id pairs into time-major tensors. Sources get `<eos>` appended (and are
 * reversed before that with `reverseSource`); targets become `<bos>`+y (decoder input)
 * and y+`<eos>` (labels).
 *
 * @example
 * ```ts
 * const batch = makeBatch([{ source: [5, 6], target: [7] }, { source: [8], target: [9, 10] }]);
 * batch.source.shape; // [3, 2]
 * batch.dispose();
 * ```
 */
export function makeBatch(pairs: readonly (IdPair | { source: readonly number[]; target?: readonly number[] })[], options: MakeBatchOptions = {}): Seq2SeqBatch {
  const B = pairs.length;
  const sources = pairs.map((p) => {
    const s = options.reverseSource ? [...p.source].reverse() : [...p.source];
    s.push(EOS_ID);
    return s;
  });
  const S = Math.max(1, ...sources.map((s) => s.length));
  const src = new Int32Array(S * B).fill(PAD_ID);
  sources.forEach((s, b) => s.forEach((id, t) => (src[t * B + b] = id)));
  const created: Tensor[] = [];
  const make = (values: Int32Array, shape: number[]) => {
    const t = tensor(values, shape, { dtype: 'int32', ...(options.backend ? { backend: options.backend } : {}) });
    created.push(t);
    return t;
  };
  const batch: Seq2SeqBatch = {
    source: make(src, [S, B]),
    sourceLengths: sources.map((s) => s.length),
    targetTokens: 0,
    size: B,
    dispose: () => created.forEach((t) => t.dispose()),
  };
  const targets = pairs.map((p) => (p as { target?: readonly number[] }).target);
  if (targets.every((t) => t !== undefined)) {
    const T = Math.max(1, ...targets.map((t) => t!.length + 1));
    const input = new Int32Array(T * B).fill(PAD_ID);
    const output = new Int32Array(T * B).fill(PAD_ID);
    targets.forEach((y, b) => {
      input[b] = BOS_ID;
      y!.forEach((id, t) => {
        input[(t + 1) * B + b] = id;
        output[t * B + b] = id;
      });
      output[y!.length * B + b] = EOS_ID;
    });
    batch.targetIn = make(input, [T, B]);
    batch.targetOut = make(output, [T, B]);
    batch.targetOutIds = output;
    batch.targetLengths = targets.map((y) => y!.length + 1);
    batch.targetTokens = batch.targetLengths.reduce((a, b) => a + b, 0);
  }
  return batch;
}
