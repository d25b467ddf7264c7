import { ArgumentError, gather, logSoftmax, max, argmax, noGrad, readMany, scope, tensor, type Tensor } from '@cellstate/tensor';
import { BOS_ID, EOS_ID } from '@cellstate/text';
import type { AttentionMemory } from './attention.js';
import type { Seq2SeqBatch } from './batch.js';
import type { DecoderState } from './decoder.js';
import type { Seq2Seq } from './seq2seq-model.js';

/** One decoded sentence. */
export interface Hypothesis {
  /** Target ids, without `<bos>` and `<eos>`. */
  ids: number[];
  /** Sum of the log-probabilities of the emitted tokens (`<eos>` included when emitted). */
  logProb: number;
  /** The ranking score: logProb / lengthPenalty (equals logProb for greedy decoding). */
  score: number;
  /** Whether the hypothesis ended with `<eos>` (false: cut at maxLength). */
  finished: boolean;
  /** Attention weights per emitted token (including `<eos>`), each over the source positions; only when asked for. */
  attention?: number[][];
}

/** Options of `greedyDecode`. */
export interface GreedyOptions {
  /** Most tokens to emit, `<eos>` included (default 50). */
  maxLength?: number;
  /** Collect attention weights (default false). */
  returnAttention?: boolean;
}

/** Options of `beamSearch`. */
export interface BeamSearchOptions extends GreedyOptions {
  /** Beams per sentence (default 5). */
  beamSize?: number;
  /**
   * α of the GNMT length penalty lp(n) = ((5 + n) / 6)^α that finished hypotheses'
   * log-probabilities are divided by (default 0.6; 0 ranks by raw log-probability).
   */
  lengthPenalty?: number;
  /** Hypotheses to return per sentence, best first (default 1, at most beamSize). */
  nBest?: number;
}

function checkLength(op: string, maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ArgumentError(op, `maxLength must be a positive integer, got ${maxLength}`);
}

function release(...xs: (Tensor | null | undefined | DecoderState | AttentionMemory)[]): void {
  for (const x of xs) {
    if (!x) continue;
    if ('dispose' in x && typeof x.dispose === 'function') x.dispose();
    else for (const t of Object.values(x)) (t as Tensor).dispose();
  }
}

function sourceRow(attention: ArrayLike<number>, row: number, S: number, length: number): number[] {
  return Array.from({ length }, (_, s) => attention[row * S + s]!);
}

/**
 * Greedy decoding of a batch: each step feeds back the most probable token; a
 * sentence stops at `<eos>` and leaves the batch (the decoder runs only the sentences
 * still going); the loop ends when all have stopped or at `maxLength`. Reads each
 * step's chosen ids and log-probabilities back (one `readMany`).
 *
 * @example
 * ```ts
 * const [hypothesis] = await greedyDecode(model, makeBatch([{ source: ids }]), { maxLength: 30 });
 * console.log(targetVocab.decode(hypothesis.ids));
 * ```
 */
export async function greedyDecode(model: Seq2Seq, batch: Pick<Seq2SeqBatch, 'source' | 'sourceLengths'>, options: GreedyOptions = {}): Promise<Hypothesis[]> {
  const maxLength = options.maxLength ?? 50;
  checkLength('greedyDecode', maxLength);
  const B = batch.source.shape[1]!;
  const S = batch.source.shape[0]!;
  const backend = batch.source.backend;
  const encoded = noGrad(() => model.encode(batch, null));
  const results: Hypothesis[] = Array.from({ length: B }, () => ({ ids: [], logProb: 0, score: 0, finished: false, ...(options.returnAttention ? { attention: [] } : {}) }));
  // Row r of the decoder batch is sentence rowSentence[r]; a sentence leaves at <eos>.
  let rowSentence = Array.from({ length: B }, (_, b) => b);
  let state = encoded.state;
  let memory = encoded.memory;
  let ids = tensor(new Int32Array(B).fill(BOS_ID), [B], { dtype: 'int32', backend });
  try {
    for (let t = 0; t < maxLength && rowSentence.length > 0; t++) {
      const step = noGrad(() =>
        scope(() => {
          const out = model.decoder.step(ids, state, memory, null);
          const logp = logSoftmax(model.decoder.logits(out.output), -1);
          return { state: out.state, next: argmax(logp, -1), best: max(logp, -1), weights: out.weights };
        }),
      );
      release(state, ids);
      state = step.state;
      ids = step.next;
      const reads = await readMany(step.weights && options.returnAttention ? [step.next, step.best, step.weights] : [step.next, step.best]);
      release(step.best, step.weights);
      const [chosen, best, weights] = reads as [Int32Array, Float32Array, Float32Array | undefined];
      const keep: number[] = [];
      rowSentence.forEach((b, row) => {
        const r = results[b]!;
        r.logProb += best[row]!;
        r.score = r.logProb;
        if (weights) r.attention!.push(sourceRow(weights, row, S, batch.sourceLengths[b]!));
        if (chosen[row] === EOS_ID) r.finished = true;
        else {
          r.ids.push(chosen[row]!);
          keep.push(row);
        }
      });
      if (keep.length === 0) break;
      if (keep.length === rowSentence.length) continue;
      const order = tensor(Int32Array.from(keep), [keep.length], { dtype: 'int32', backend });
      const next = selectRows(model, state, memory, order);
      const nextIds = noGrad(() => gather(ids, order, 0));
      release(state, ids, memory, order);
      ({ state, memory } = next);
      ids = nextIds;
      rowSentence = keep.map((row) => rowSentence[row]!);
    }
  } finally {
    release(state, ids, memory);
  }
  return results;
}

/** Decoder rows `order` of a state and, when one is given, of the attention memory. */
function selectRows(model: Seq2Seq, state: DecoderState, memory: AttentionMemory | null, order: Tensor): { state: DecoderState; memory: AttentionMemory | null } {
  return noGrad(() =>
    scope(() => ({
      state: { h: gather(state.h, order, 1), c: gather(state.c, order, 1) },
      memory: memory && model.decoder.attention ? model.decoder.attention.selectRows(memory, order) : null,
    })),
  );
}

function sameRows(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

interface Beam {
  ids: number[];
  logProb: number;
  attention: number[][];
}

/**
 * Indices of the `k` largest entries of row `row` (length V) of `values`, largest first;
 * of equal values the lower index first (a later equal never displaces an earlier one).
 */
export function topK(values: Float32Array, row: number, V: number, k: number): number[] {
  const best: number[] = [];
  const base = row * V;
  const end = base + V;
  const insert = (p: number, full: boolean) => {
    const x = values[p]!;
    let i = full ? k - 1 : best.length;
    if (!full) best.push(p);
    while (i > 0 && values[best[i - 1]!]! < x) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = p;
  };
  let p = base;
  for (; p < end && best.length < k; p++) insert(p, false);
  if (best.length === k && k > 0) {
    // The k-th best value: almost every entry stops at this test, four at a time.
    let t = values[best[k - 1]!]!;
    const end4 = end - 3;
    for (; p < end4; p += 4) {
      if (values[p]! <= t && values[p + 1]! <= t && values[p + 2]! <= t && values[p + 3]! <= t) continue;
      for (let q = p; q < p + 4; q++) {
        if (values[q]! <= t) continue;
        insert(q, true);
        t = values[best[k - 1]!]!;
      }
    }
    for (; p < end; p++) {
      if (values[p]! <= t) continue;
      insert(p, true);
      t = values[best[k - 1]!]!;
    }
  }
  return best.map((q) => q - base);
}

/**
 * Batched beam search. Every sentence's live hypotheses are rows of one batch; each
 * step's log-probabilities are read back and ranked on the host: the K·2K best
 * extensions by cumulative log-probability; an `<eos>` extension among the top K is
 * finished (scored logProb / lp(length)); the K best others stay alive. A sentence
 * stops once it has K finished hypotheses (or at `maxLength`, where its live beams are
 * finished as they are). With `beamSize` 1 this is exactly greedy decoding.
 *
 * The batch only holds rows that can still change a result: the first step runs one
 * row a sentence (all K beams would start from the same `<bos>`), and a sentence's rows
 * leave the batch once it stops, so the decoder's work follows the live hypotheses and
 * not the longest sentence (on the shipped en-fr model's W8T inputs, 61% of the rows a
 * fixed B·K batch would run). Each sentence's result is the same as decoding it alone.
 *
 * @example
 * ```ts
 * const [nBest] = await beamSearch(model, makeBatch([{ source: ids }]), { beamSize: 5, nBest: 3 });
 * for (const h of nBest) console.log(h.score, targetVocab.decode(h.ids));
 * ```
 */
export async function beamSearch(model: Seq2Seq, batch: Pick<Seq2SeqBatch, 'source' | 'sourceLengths'>, options: BeamSearchOptions = {}): Promise<Hypothesis[][]> {
  const K = options.beamSize ?? 5;
  const maxLength = options.maxLength ?? 50;
  const alpha = options.lengthPenalty ?? 0.6;
  const nBest = Math.min(options.nBest ?? 1, K);
  checkLength('beamSearch', maxLength);
  if (!Number.isInteger(K) || K < 1) throw new ArgumentError('beamSearch', `beamSize must be a positive integer, got ${K}`);
  if (!Number.isInteger(nBest) || nBest < 1) throw new ArgumentError('beamSearch', `nBest must be a positive integer, got ${options.nBest}`);
  if (!(alpha >= 0)) throw new ArgumentError('beamSearch', `lengthPenalty must be >= 0, got ${alpha}`);
  const penalty = (n: number) => Math.pow((5 + n) / 6, alpha);
  const B = batch.source.shape[1]!;
  const S = batch.source.shape[0]!;
  const V = model.config.targetVocabSize;
  const backend = batch.source.backend;
  const int32 = (values: number[]) => tensor(Int32Array.from(values), [values.length], { dtype: 'int32', backend });

  // Row r of the decoder batch holds a live beam of sentence rowSentence[r]; a sentence's
  // rows are consecutive, in the order of beams[b].
  const encoded = noGrad(() => model.encode(batch, null));
  let state: DecoderState = encoded.state;
  let memory: AttentionMemory | null = encoded.memory;
  const beams: Beam[][] = Array.from({ length: B }, () => [{ ids: [], logProb: 0, attention: [] }]);
  const finished: Hypothesis[][] = Array.from({ length: B }, () => []);
  let rowSentence = Array.from({ length: B }, (_, b) => b);
  let ids: Tensor | null = int32(new Array(B).fill(BOS_ID));
  try {
    for (let t = 0; ids !== null; t++) {
      const step = noGrad(() =>
        scope(() => {
          const out = model.decoder.step(ids!, state, memory, null);
          return { state: out.state, logp: logSoftmax(model.decoder.logits(out.output), -1), weights: out.weights };
        }),
      );
      release(state);
      state = step.state;
      const reads = await readMany(step.weights && options.returnAttention ? [step.logp, step.weights] : [step.logp]);
      release(step.logp, step.weights);
      const logp = reads[0] as Float32Array;
      const weights = reads[1] as Float32Array | undefined;
      const last = t === maxLength - 1;
      const origin: number[] = [];
      const nextIds: number[] = [];
      const nextSentence: number[] = [];
      for (let row0 = 0; row0 < rowSentence.length; ) {
        const b = rowSentence[row0]!;
        const rows = beams[b]!.length;
        const candidates: { k: number; token: number; logProb: number }[] = [];
        beams[b]!.forEach((beam, k) => {
          for (const token of topK(logp, row0 + k, V, Math.min(2 * K, V))) candidates.push({ k, token, logProb: beam.logProb + logp[(row0 + k) * V + token]! });
        });
        candidates.sort((x, y) => y.logProb - x.logProb);
        const alive: Beam[] = [];
        const extend = (c: { k: number; token: number; logProb: number }): Beam => {
          const parent = beams[b]![c.k]!;
          return {
            ids: c.token === EOS_ID ? [...parent.ids] : [...parent.ids, c.token],
            logProb: c.logProb,
            attention: weights ? [...parent.attention, sourceRow(weights, row0 + c.k, S, batch.sourceLengths[b]!)] : parent.attention,
          };
        };
        const finish = (beam: Beam, length: number, isFinished: boolean) =>
          finished[b]!.push({ ids: beam.ids, logProb: beam.logProb, score: beam.logProb / penalty(length), finished: isFinished, ...(options.returnAttention ? { attention: beam.attention } : {}) });
        for (let i = 0; i < candidates.length && alive.length < K; i++) {
          const c = candidates[i]!;
          if (c.token === EOS_ID) {
            if (i < K) finish(extend(c), beams[b]![c.k]!.ids.length + 1, true);
            continue;
          }
          alive.push(extend(c));
          origin.push(row0 + c.k);
        }
        if (last) for (const beam of alive) finish(beam, beam.ids.length, false);
        if (finished[b]!.length >= K || last || alive.length === 0) origin.length -= alive.length;
        else
          for (const beam of alive) {
            nextIds.push(beam.ids[beam.ids.length - 1]!);
            nextSentence.push(b);
          }
        beams[b] = alive;
        row0 += rows;
      }
      release(ids);
      ids = null;
      if (origin.length === 0) break;
      const order = int32(origin);
      // Memory rows of one sentence are equal, so any of its old rows serves a new one.
      const regroup = memory !== null && !sameRows(rowSentence, nextSentence);
      const next = selectRows(model, state, regroup ? memory : null, order);
      release(state, order);
      state = next.state;
      if (regroup) {
        release(memory);
        memory = next.memory;
      }
      rowSentence = nextSentence;
      ids = int32(nextIds);
    }
  } finally {
    release(state, ids, memory);
  }
  return finished.map((list) => [...list].sort((x, y) => y.score - x.score).slice(0, nBest));
}
