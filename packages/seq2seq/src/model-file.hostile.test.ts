/**
 * Hostile translation model files: forged sizes, wrong types, integer tensors posing
 * as weights, NaN. Each must end in a typed error quickly and without allocating
 * what the metadata claims.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '@cellstate/nn';
import { CellstateError } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import { resolveConfig, seq2seqParameterCount, type Seq2SeqConfig } from './config.js';
import { decodeSeq2SeqModel, encodeSeq2SeqModel, ModelFileError, type Preprocessing } from './model-file.js';
import { Seq2Seq } from './seq2seq-model.js';
import { useBackend } from './test-setup.js';

const preprocessing: Preprocessing = { sourceLanguage: 'en', targetLanguage: 'fr', lowercase: true, tokenizer: 'words', maxSourceLength: 12, maxTargetLength: 12 };

/** Splits a safetensors file into its header JSON and its data bytes. */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

function join(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The file with some metadata values replaced (raw strings, as the format stores them). */
function withMetadata(bytes: Uint8Array, patch: Record<string, string>): Uint8Array {
  const { header, data } = split(bytes);
  header.__metadata__ = { ...(header.__metadata__ as object), ...patch };
  return join(header, data);
}

/** Runs `load` and returns its typed error, asserting the time and memory it took. */
async function refusal(load: () => Promise<unknown>): Promise<CellstateError> {
  const before = process.memoryUsage();
  const started = performance.now();
  const e = await load().then(() => undefined, (x: unknown) => x);
  const ms = performance.now() - started;
  const after = process.memoryUsage();
  expect(ms).toBeLessThan(1000);
  expect(after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed)).toBeLessThan(100e6);
  expect(CellstateError.isInstance(e), String(e)).toBe(true);
  return e as CellstateError;
}

let file: Uint8Array;
let q8: Uint8Array;

beforeAll(async () => {
  await useBackend('cpu');
  const sourceVocabulary = Vocabulary.build([['i', 'am', 'cold', '.']]);
  const targetVocabulary = Vocabulary.build([["j'", 'ai', 'froid', '.', '!']]);
  const model = new Seq2Seq({ sourceVocabSize: sourceVocabulary.size, targetVocabSize: targetVocabulary.size, embeddingSize: 32, hiddenSize: 32, seed: 5 });
  file = await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing });
  q8 = await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing }, { dtype: 'Q8' });
  model.dispose();
});

describe('seq2seqParameterCount', () => {
  it('is the number of parameters the model allocates, for any architecture', () => {
    const config = fc.record({
      embeddingSize: fc.integer({ min: 1, max: 6 }),
      hiddenSize: fc.integer({ min: 1, max: 6 }),
      numLayers: fc.integer({ min: 1, max: 3 }),
      bidirectional: fc.boolean(),
      attention: fc.constantFrom('none', 'dot', 'general', 'additive' as const),
      bridge: fc.constantFrom(undefined, 'identity', 'sum', 'concat', 'linear' as const),
      tieEmbeddings: fc.boolean(),
      decoderHiddenSize: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(config, (partial) => {
        const c: Seq2SeqConfig = { sourceVocabSize: 7, targetVocabSize: 9, ...Object.fromEntries(Object.entries(partial).filter(([, x]) => x !== undefined)) };
        let resolved;
        try {
          resolved = resolveConfig(c);
        } catch {
          return; // an inconsistent architecture: nothing to count
        }
        const model = new Seq2Seq(c);
        try {
          expect(seq2seqParameterCount(resolved)).toBe(model.parameterCount());
        } finally {
          model.dispose();
        }
      }),
      { numRuns: 60, seed: 19 },
    );
  });
});

describe('hostile model files', () => {
  it('a forged numLayers (10000) or vocabulary size fails on the metadata, before any allocation', async () => {
    const config = JSON.parse(split(file).header.__metadata__ ? (split(file).header.__metadata__ as Record<string, string>)['seq2seq.config']! : '{}');
    let e = await refusal(() => decodeSeq2SeqModel(withMetadata(file, { 'seq2seq.config': JSON.stringify({ ...config, numLayers: 10_000 }) }), 'm.safetensors'));
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toMatch(/^m\.safetensors: metadata 'seq2seq.config' is invalid: numLayers/);
    // Within the schema's maxima, but more parameters than the file holds.
    e = await refusal(() => decodeSeq2SeqModel(withMetadata(file, { 'seq2seq.config': JSON.stringify({ ...config, numLayers: 60, hiddenSize: 60_000, decoderHiddenSize: 60_000 }) }), 'm.safetensors'));
    expect(e.message).toMatch(/describes a model of \d+ parameters, but the file holds \d+ weights/);
    e = await refusal(() => decodeSeq2SeqModel(withMetadata(file, { 'seq2seq.config': JSON.stringify({ ...config, embeddingSize: 1e300 }) }), 'm.safetensors'));
    expect(e.message).toMatch(/embeddingSize/);
  });

  it('lists given as strings are refused, not read character by character', async () => {
    const e = await refusal(() => decodeSeq2SeqModel(withMetadata(q8, { 'seq2seq.quantized': JSON.stringify('decoder.embedding.weight') }), 'q.safetensors'));
    expect(e.message).toMatch(/'seq2seq.quantized' is invalid/);
    const p = await refusal(() => decodeSeq2SeqModel(withMetadata(file, { 'seq2seq.preprocessing': JSON.stringify({ ...preprocessing, tokenizer: ['words'] }) }), 'q.safetensors'));
    expect(p.message).toMatch(/'seq2seq.preprocessing' is invalid: tokenizer/);
  });

  it('an int8 tensor not listed as quantized is refused instead of loading raw integers', async () => {
    const { header } = split(q8);
    const list = JSON.parse((header.__metadata__ as Record<string, string>)['seq2seq.quantized']!) as string[];
    const e = await refusal(() => decodeSeq2SeqModel(withMetadata(q8, { 'seq2seq.quantized': JSON.stringify(list.slice(1)) }), 'q.safetensors'));
    expect(e.message).toContain(`tensor '${list[0]}' is I8 but not listed in 'seq2seq.quantized'`);
  });

  it('NaN or infinite weights fail with the tensor name, unless allowNonFinite', async () => {
    const { header, data } = split(file);
    const [name, entry] = Object.entries(header).find(([k]) => k !== '__metadata__')! as [string, { data_offsets: [number, number] }];
    const broken = new Uint8Array(data);
    new DataView(broken.buffer).setFloat32(entry.data_offsets[0], Number.NaN, true);
    const bad = join(header, broken);
    const e = await refusal(() => decodeSeq2SeqModel(bad, 'nan.safetensors'));
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).code).toBe('non-finite');
    expect(e.message).toContain(`'${name}'`);
    expect(e.message).toContain('nan.safetensors');
    const loaded = await decodeSeq2SeqModel(bad, 'nan.safetensors', { allowNonFinite: true });
    loaded.model.dispose();
  });

  it('fuzz: any JSON in any metadata field gives a model or a typed error naming the file, fast', async () => {
    const keys = ['seq2seq.config', 'seq2seq.source_vocab', 'seq2seq.target_vocab', 'seq2seq.preprocessing', 'seq2seq.info', 'seq2seq.quantized', 'seq2seq.version'];
    const { header } = split(q8);
    const base = header.__metadata__ as Record<string, string>;
    const hostileNumber = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1e9, 2 ** 31, 2 ** 53, 1e300, 0.5), fc.double());
    // A real field with one key's value replaced: the likeliest forgeries.
    const mutated = fc.constantFrom(...keys).chain((key) =>
      fc.tuple(
        fc.constant(key),
        fc.oneof(
          fc.jsonValue(),
          fc.tuple(fc.string({ maxLength: 20 }), fc.oneof(hostileNumber, fc.string(), fc.array(fc.string()), fc.constant(null))).map(([k, x]) => {
            let original: unknown;
            try {
              original = JSON.parse(base[key] ?? '{}');
            } catch {
              original = {};
            }
            const target = typeof original === 'object' && original !== null && !Array.isArray(original) ? original : {};
            const keyNames = Object.keys(target);
            const field = keyNames.length ? keyNames[Math.abs(k.length * 7919) % keyNames.length]! : k;
            return { ...target, [field]: x };
          }),
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async ([key, value]) => {
        const bytes = withMetadata(q8, { [key]: JSON.stringify(value) ?? 'null' });
        const started = performance.now();
        try {
          const loaded = await decodeSeq2SeqModel(bytes, 'fuzz.safetensors');
          loaded.model.dispose();
        } catch (e) {
          expect(CellstateError.isInstance(e), String(e)).toBe(true);
          expect((e as Error).message).toContain('fuzz.safetensors');
        }
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 150, seed: 19 },
    );
  });

  it('fuzz: corrupted header bytes never escape as an untyped error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
        const bytes = new Uint8Array(file);
        const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
        for (const [at, value] of edits) bytes[at % headerEnd] = value;
        try {
          (await decodeSeq2SeqModel(bytes, 'bytes.safetensors')).model.dispose();
        } catch (e) {
          expect(CellstateError.isInstance(e), String(e)).toBe(true);
        }
      }),
      { numRuns: 150, seed: 19 },
    );
  });
});
