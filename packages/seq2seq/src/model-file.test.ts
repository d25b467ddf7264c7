import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, encodeModel, encodeTrainingState } from '@cellstate/nn';
import { CellstateError, readMany } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import { decodeSeq2SeqModel, encodeSeq2SeqModel, ModelFileError, toFloat16Bits, type Preprocessing } from './model-file.js';
import { Seq2Seq } from './seq2seq-model.js';
import { useBackend } from './test-setup.js';

const preprocessing: Preprocessing = { sourceLanguage: 'en', targetLanguage: 'fr', lowercase: true, tokenizer: 'words', maxSourceLength: 12, maxTargetLength: 12 };

function parts() {
  const sourceVocabulary = Vocabulary.build([['i', 'am', 'cold', '.']]);
  const targetVocabulary = Vocabulary.build([["j'", 'ai', 'froid', '.', '!']]);
  const model = new Seq2Seq({ sourceVocabSize: sourceVocabulary.size, targetVocabSize: targetVocabulary.size, embeddingSize: 6, hiddenSize: 8, attention: 'general', bidirectional: true, seed: 5 });
  return { model, sourceVocabulary, targetVocabulary, preprocessing };
}

async function values(model: Seq2Seq): Promise<Float32Array[]> {
  return (await readMany(model.namedParameters().map(([, p]) => p.value))) as Float32Array[];
}

async function errorOf(promise: Promise<unknown>): Promise<ModelFileError> {
  try {
    await promise;
  } catch (e) {
    return e as ModelFileError;
  }
  throw new Error('expected a rejection');
}

describe('model files', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('round-trips float32 exactly and float16 within half precision, with vocabularies and config', async () => {
    const p = parts();
    const original = await values(p.model);
    const f32 = await decodeSeq2SeqModel(await encodeSeq2SeqModel({ ...p, info: { bleu: 12.5 } }), 'm32.safetensors');
    expect(f32.model.config).toEqual(p.model.config);
    expect(f32.sourceVocabulary.tokens).toEqual(p.sourceVocabulary.tokens);
    expect(f32.targetVocabulary.tokens).toEqual(p.targetVocabulary.tokens);
    expect(f32.preprocessing).toEqual(preprocessing);
    expect(f32.info).toEqual({ bleu: 12.5 });
    expect(await values(f32.model)).toEqual(original);
    const bytes16 = await encodeSeq2SeqModel(p, { dtype: 'F16' });
    const f16 = await decodeSeq2SeqModel(bytes16, 'm16.safetensors');
    const loaded = await values(f16.model);
    loaded.forEach((arr, i) => arr.forEach((v, j) => expect(Math.abs(v - original[i]![j]!)).toBeLessThanOrEqual(Math.abs(original[i]![j]!) * 2 ** -11 + 1e-7)));
    p.model.dispose();
    f32.model.dispose();
    f16.model.dispose();
  });

  it('rejects a wrong kind or version with a typed error naming the file', async () => {
    const p = parts();
    const training = await encodeTrainingState({ model: p.model, step: 3 });
    let e = await errorOf(decodeSeq2SeqModel(training, 'runs/checkpoint.safetensors'));
    expect(e).toBeInstanceOf(ModelFileError);
    expect(CellstateError.isInstance(e)).toBe(true);
    expect(e.code).toBe('wrong-kind');
    expect(e.message).toContain('runs/checkpoint.safetensors');
    expect(e.message).toContain('training checkpoint');
    e = await errorOf(decodeSeq2SeqModel(await encodeModel(p.model), 'plain.safetensors'));
    expect(e.code).toBe('wrong-kind');
    const good = await encodeSeq2SeqModel(p);
    // Edits the JSON header in place (same length), leaving the tensor bytes alone.
    const patchHeader = (from: string, to: string) => {
      const n = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
      const header = new TextDecoder().decode(good.subarray(8, 8 + n)).replace(from, to).padEnd(n, ' ');
      const out = good.slice();
      out.set(new TextEncoder().encode(header), 8);
      return out;
    };
    const bumped = patchHeader('"seq2seq.version":"1"', '"seq2seq.version":"9"');
    e = await errorOf(decodeSeq2SeqModel(bumped, 'future.safetensors'));
    expect(e.code).toBe('wrong-version');
    expect(e.message).toMatch(/future\.safetensors.*version "9"/);
    const broken = patchHeader('\\"format\\":\\"cellstate-vocabulary\\"', '\\"format\\":\\"cellstate-vocabul\\"');
    e = await errorOf(decodeSeq2SeqModel(broken, 'broken.safetensors'));
    expect(e.code).toBe('invalid');
    expect(e.message).toContain('broken.safetensors');
    const garbage = await errorOf(decodeSeq2SeqModel(new Uint8Array([1, 2, 3]), 'garbage.bin'));
    expect(garbage).toBeInstanceOf(CheckpointError);
    expect(garbage.message).toContain('garbage.bin');
    p.model.dispose();
  });

  it('converts to float16 with round-to-nearest-even, subnormals and infinities', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(-Infinity)).toBe(0xfc00);
  });
});
