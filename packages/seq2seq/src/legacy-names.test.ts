import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, decodeTrainingState, deriveSeed, encodeTrainingState, type Module } from '@cellstate/nn';
import { readMany } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import { makeBatch } from './batch.js';
import { decodeSeq2SeqModel, encodeSeq2SeqModel, type Preprocessing } from './model-file.js';
import { upgradeRnnName } from './rnn.js';
import { Seq2Seq } from './seq2seq-model.js';
import { useBackend } from './test-setup.js';
import { trainStep } from './train.js';

// Files written before the encoder and decoder used one `LSTM` with `numLayers` named
// the weights of layer l `rnn.layer<l>.weight_ih_l0` (one one-layer LSTM per layer).
// These tests write such files by renaming a new file's tensors back, and load them.

/** The old name of a tensor (a parameter, its optimizer slot or its row scale). */
function oldName(name: string): string {
  return name.replace(/(^|\.)rnn\.(weight|bias)_(ih|hh)_l(\d+)(_reverse)?(\.q8_scale)?$/, '$1rnn.layer$4.$2_$3_l0$5$6');
}

/** Rewrites a safetensors header (names and metadata), leaving the tensor bytes as they are. */
function withOldNames(bytes: Uint8Array): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let renamed = 0;
  for (const [key, value] of Object.entries(header)) {
    if (oldName(key) !== key) renamed++;
    out[key === '__metadata__' ? key : oldName(key)] = value;
  }
  expect(renamed).toBeGreaterThan(0);
  const metadata = { ...(header.__metadata__ as Record<string, string>) };
  if (metadata['seq2seq.quantized']) metadata['seq2seq.quantized'] = JSON.stringify((JSON.parse(metadata['seq2seq.quantized']) as string[]).map(oldName));
  if (metadata['optimizer.slots']) {
    const slots = JSON.parse(metadata['optimizer.slots']) as Record<string, string[]>;
    metadata['optimizer.slots'] = JSON.stringify(Object.fromEntries(Object.entries(slots).map(([param, s]) => [oldName(param), s])));
  }
  out.__metadata__ = metadata;
  let text = JSON.stringify(out);
  while ((8 + text.length) % 8 !== 0) text += ' ';
  const head = new TextEncoder().encode(text);
  const file = new Uint8Array(8 + head.length + bytes.length - 8 - n);
  new DataView(file.buffer).setBigUint64(0, BigInt(head.length), true);
  file.set(head, 8);
  file.set(bytes.subarray(8 + n), 8 + head.length);
  return file;
}

const preprocessing: Preprocessing = { sourceLanguage: 'en', targetLanguage: 'fr', lowercase: true, tokenizer: 'words', maxSourceLength: 12, maxTargetLength: 12 };
const batch = () => makeBatch([{ source: [4, 5, 6], target: [5, 7] }, { source: [6], target: [4, 6, 7] }]);

async function weights(m: Module): Promise<[string, number[]][]> {
  const values = await readMany(m.namedParameters().map(([, p]) => p.value));
  return m.namedParameters().map(([name], i) => [name, Array.from(values[i]!)]);
}

describe('parameter names of files written with stacked one-layer LSTMs', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('upgradeRnnName maps rnn.layer<l>.*_l0[_reverse] to PyTorch names and leaves the rest', () => {
    expect(upgradeRnnName('rnn.layer0.weight_ih_l0')).toBe('rnn.weight_ih_l0');
    expect(upgradeRnnName('rnn.layer1.weight_hh_l0')).toBe('rnn.weight_hh_l1');
    expect(upgradeRnnName('rnn.layer12.bias_ih_l0_reverse')).toBe('rnn.bias_ih_l12_reverse');
    expect(upgradeRnnName('rnn.layer2.bias_hh_l0')).toBe('rnn.bias_hh_l2');
    for (const same of ['rnn.weight_ih_l1', 'embedding.weight', 'rnn.layer1.weight_ih_l1', 'xrnn.layer0.weight_ih_l0']) expect(upgradeRnnName(same)).toBe(same);
  });

  it('the encoder and decoder name their LSTM weights as PyTorch does', () => {
    const model = new Seq2Seq({ sourceVocabSize: 8, targetVocabSize: 8, embeddingSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true, attention: 'general', dropout: 0, seed: 3 });
    const names = model.namedParameters().map(([name]) => name);
    expect(names).toContain('encoder.rnn.weight_ih_l1_reverse');
    expect(names).toContain('decoder.rnn.bias_hh_l1');
    expect(names.some((n) => n.includes('layer'))).toBe(false);
    expect(model.upgradeParameterName('encoder.rnn.layer1.weight_ih_l0_reverse')).toBe('encoder.rnn.weight_ih_l1_reverse');
    expect(model.upgradeParameterName('decoder.rnn.layer0.bias_hh_l0')).toBe('decoder.rnn.bias_hh_l0');
    model.dispose();
  });

  it.each([['F32'], ['Q8']] as const)('a %s model file with the old names loads to the same weights and outputs', async (dtype) => {
    const sourceVocabulary = Vocabulary.build([['i', 'am', 'cold', '.']]);
    const targetVocabulary = Vocabulary.build([["j'", 'ai', 'froid', '.', '!']]);
    const model = new Seq2Seq({ sourceVocabSize: sourceVocabulary.size, targetVocabSize: targetVocabulary.size, embeddingSize: 6, hiddenSize: 8, numLayers: 2, bidirectional: true, attention: 'general', dropout: 0, seed: 5 });
    const bytes = await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing }, { dtype });
    const current = await decodeSeq2SeqModel(bytes, 'new.safetensors');
    const old = await decodeSeq2SeqModel(withOldNames(bytes), 'old.safetensors');
    expect(await weights(old.model)).toEqual(await weights(current.model));
    const b = makeBatch([{ source: [4, 5, 6], target: [5, 7] }]);
    const logits = async (m: Seq2Seq) => Array.from((await readMany([m.logits(b)]))[0]!);
    expect(await logits(old.model)).toEqual(await logits(current.model));
    for (const m of [model, current.model, old.model]) m.dispose();
  });

  it('a training checkpoint with the old names resumes exactly (weights and Adam moments)', async () => {
    const setup = () => {
      const model = new Seq2Seq({ sourceVocabSize: 8, targetVocabSize: 8, embeddingSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true, attention: 'general', dropout: 0.3, seed: 3 });
      return { model, optimizer: new Adam(model, { learningRate: 0.01 }) };
    };
    const step = async (s: ReturnType<typeof setup>, n: number) => {
      const loss = trainStep(s.model, s.optimizer, batch(), { seed: deriveSeed(7, n), teacherForcing: 0.5 });
      const [v] = await readMany([loss]);
      loss.dispose();
      return v![0]!;
    };
    const first = setup();
    await step(first, 0);
    const bytes = await encodeTrainingState({ model: first.model, optimizer: first.optimizer, step: 1 });
    const resumed = setup();
    expect((await decodeTrainingState(withOldNames(bytes), { model: resumed.model, optimizer: resumed.optimizer })).step).toBe(1);
    expect(await step(resumed, 1)).toBe(await step(first, 1));
    expect(await weights(resumed.model)).toEqual(await weights(first.model));
    for (const s of [first, resumed]) {
      s.model.dispose();
      s.optimizer.dispose();
    }
  });
});
