import { beforeAll, describe, expect, it } from 'vitest';
import { Seq2Seq, type LoadedModel } from '@cellstate/seq2seq';
import { tensor } from '@cellstate/tensor';
import { EOS_ID, Vocabulary } from '@cellstate/text';
import { selectBackend } from './cli/backend.js';
import { Translator } from './translator.js';

let loaded: LoadedModel;

describe('Translator', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    const sourceVocabulary = Vocabulary.build([['i', 'see', 'a', 'cat', '.']]);
    const targetVocabulary = Vocabulary.build([['je', 'vois', 'un', 'chat', '.']]);
    const model = new Seq2Seq({ sourceVocabSize: sourceVocabulary.size, targetVocabSize: targetVocabulary.size, embeddingSize: 4, hiddenSize: 6, attention: 'general', tieEmbeddings: true, reverseSource: true, seed: 1 });
    const bias = new Float32Array(targetVocabulary.size);
    bias[EOS_ID] = -30; // never stop early: every translation has words
    model.loadStateDict({ 'decoder.output_bias': tensor(bias, [bias.length]) }, { strict: false });
    loaded = { model, sourceVocabulary, targetVocabulary, preprocessing: { sourceLanguage: 'en', targetLanguage: 'fr', lowercase: true, tokenizer: 'words', maxSourceLength: 12, maxTargetLength: 12 }, info: {} };
  });

  it('keeps input order across length-sorted batches; blank input gives blank output', async () => {
    const translator = new Translator(loaded);
    const inputs = ['I see a cat.', '', 'Cat.', '   ', 'I see a cat. I see a cat.'];
    const out = await translator.translate(inputs, { beamSize: 1, batchSize: 2, returnAttention: true });
    expect(out.map((t) => t.text === '')).toEqual([false, true, false, true, false]);
    expect(out.map((t) => t.sourceTokens.length)).toEqual([5, 0, 2, 0, 10]);
    for (const t of out.filter((x) => x.text)) {
      expect(t.attention!.length).toBeGreaterThanOrEqual(t.targetTokens.length);
      for (const row of t.attention!) expect(row.length).toBe(t.sourceTokens.length + 1);
    }
  });

  it('truncates long input with a warning and reports unknown words', async () => {
    const warnings: string[] = [];
    const translator = new Translator(loaded, { maxInputTokens: 4 });
    const [t] = await translator.translate(['I see a zebra and a dog.'], { beamSize: 2, onWarning: (w) => warnings.push(w) });
    expect(t!.truncated).toBe(true);
    expect(t!.sourceTokens).toEqual(['i', 'see', 'a', 'zebra']);
    expect(t!.unknownWords).toEqual(['zebra']);
    expect(warnings).toEqual(['input 1 has 8 tokens; translating only the first 4']);
  });
});
