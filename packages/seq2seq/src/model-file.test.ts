import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, dequantizeGroupsQ4, encodeModel, encodeTrainingState, parseSafetensors, quantizeGroupsQ4, serializeSafetensors, type SafetensorsWritableTensor } from '@cellstate/nn';
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

  it("'Q8' stores the large matrices as int8 with a scale per row: each value within half a step, the rest as F16", async () => {
    const p = parts();
    const big = new Seq2Seq({ ...p.model.config, embeddingSize: 40, hiddenSize: 32 });
    const q = { ...p, model: big };
    const original = await values(big);
    const bytes = await encodeSeq2SeqModel(q, { dtype: 'Q8' });
    const { tensors, metadata } = parseSafetensors(bytes);
    const quantized = JSON.parse(metadata['seq2seq.quantized']!) as string[];
    const names = big.namedParameters().map(([n]) => n);
    // Every 2-D parameter of 1024 values or more, and only those.
    expect(quantized).toEqual(big.namedParameters().filter(([, w]) => w.shape.length === 2 && w.shape[0]! * w.shape[1]! >= 1024).map(([n]) => n));
    expect(quantized.length).toBeGreaterThan(3);
    for (const n of quantized) {
      expect(tensors.get(n)!.dtype).toBe('I8');
      expect(tensors.get(`${n}.q8_scale`)!.shape).toEqual([big.namedParameters().find(([m]) => m === n)![1].shape[0]]);
    }
    const loaded = await values((await decodeSeq2SeqModel(bytes, 'q8.safetensors')).model);
    names.forEach((n, i) => {
      const shape = big.namedParameters()[i]![1].shape;
      const cols = shape.length === 2 ? shape[1]! : original[i]!.length;
      original[i]!.forEach((v, j) => {
        const row = original[i]!.subarray(Math.floor(j / cols) * cols, Math.floor(j / cols) * cols + cols);
        const step = quantized.includes(n) ? Math.max(...Array.from(row, Math.abs)) / 127 : 0;
        expect(Math.abs(loaded[i]![j]! - v)).toBeLessThanOrEqual(quantized.includes(n) ? step / 2 + 1e-6 : Math.abs(v) * 2 ** -11 + 1e-7);
      });
    });
    // int8 + one scale per row is about a quarter of float32 for the quantized matrices.
    const f32 = await encodeSeq2SeqModel(q);
    expect(bytes.length).toBeLessThan(f32.length * 0.35);
    big.dispose();
    p.model.dispose();
  });

  it("'Q4' stores the large matrices as 4-bit codes (dequantizeGroupsQ4's values on load), smaller than 'Q8', and a broken one is refused", async () => {
    const p = parts();
    const big = new Seq2Seq({ ...p.model.config, embeddingSize: 40, hiddenSize: 32 });
    const original = await values(big);
    const bytes = await encodeSeq2SeqModel({ ...p, model: big }, { dtype: 'Q4' });
    const { tensors, metadata } = parseSafetensors(bytes);
    const quantized = JSON.parse(metadata['seq2seq.quantized']!) as string[];
    expect(quantized).toEqual(big.namedParameters().filter(([, w]) => w.shape.length === 2 && w.shape[0]! * w.shape[1]! >= 1024).map(([n]) => n));
    const loaded = await values((await decodeSeq2SeqModel(bytes, 'q4.safetensors')).model);
    big.namedParameters().forEach(([n, w], i) => {
      if (quantized.includes(n)) {
        expect(tensors.get(n)!.dtype).toBe('U8');
        const { q, scales } = quantizeGroupsQ4(original[i]!, w.shape[0]!, w.shape[1]!);
        expect(Array.from(loaded[i]!)).toEqual(Array.from(dequantizeGroupsQ4(q, scales, w.shape[0]!, w.shape[1]!)));
      } else original[i]!.forEach((v, j) => expect(Math.abs(loaded[i]![j]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-7));
    });
    expect(bytes.length).toBeLessThan((await encodeSeq2SeqModel({ ...p, model: big }, { dtype: 'Q8' })).length * 0.75);

    // The same file with one matrix's scales cut to the wrong shape: refused, naming the tensor and the shape it needs.
    const name = quantized[0]!;
    const out = new Map<string, SafetensorsWritableTensor>();
    for (const [n, t] of tensors) {
      const data = n === `${name}.q4_scale` ? t.data.subarray(0, t.data.length / 2) : t.data;
      const shape = n === `${name}.q4_scale` ? [t.shape[0]! / 2, t.shape[1]!, 2] : t.shape;
      out.set(n, { dtype: t.dtype === 'U8' ? 'U8' : 'F32', shape, data: t.dtype === 'U8' ? Uint8Array.from(data) : data });
    }
    const e = await errorOf(decodeSeq2SeqModel(serializeSafetensors(out, metadata, { order: 'insertion' }), 'q4.safetensors'));
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toMatch(new RegExp(`q4.safetensors: quantized tensor '${name}' needs a float scale tensor '${name}.q4_scale' of shape \\[`));
    big.dispose();
    p.model.dispose();
  });

  it("a 'Q8' file that lists a matrix without its scales is a ModelFileError naming it", async () => {
    const p = parts();
    const big = new Seq2Seq({ ...p.model.config, embeddingSize: 40, hiddenSize: 32 });
    const bytes = await encodeSeq2SeqModel({ ...p, model: big }, { dtype: 'Q8' });
    // Rewrite the header (offsets are relative to the data, so only its length changes).
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    const listed = JSON.parse(header.__metadata__['seq2seq.quantized']) as string[];
    const small = big.namedParameters().map(([n]) => n).find((n) => !listed.includes(n))!;
    header.__metadata__['seq2seq.quantized'] = JSON.stringify([...listed, small]);
    let json = new TextEncoder().encode(JSON.stringify(header));
    json = Uint8Array.from([...json, ...new Array((8 - (json.length % 8)) % 8).fill(0x20)]);
    const bad = new Uint8Array(8 + json.length + bytes.length - 8 - length);
    new DataView(bad.buffer).setUint32(0, json.length, true);
    bad.set(json, 8);
    bad.set(bytes.subarray(8 + length), 8 + json.length);
    const e = await errorOf(decodeSeq2SeqModel(bad, 'q8.safetensors'));
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toContain(`q8.safetensors: quantized tensor '${small}' needs a float scale tensor '${small}.q8_scale'`);
    big.dispose();
    p.model.dispose();
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
