import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSeq2SeqModel } from '@cellstate/seq2seq';
import { selectBackend } from './cli/backend.js';
import { DEFAULT_MODEL } from './cli/io.js';
import { Translator } from './translator.js';

// The samples the READMEs promise (`pnpm translate run "I am cold."` right after install).
// A retrained model that loses one of them must not ship silently.
const README_SAMPLES: Array<[string, string]> = [
  ['I am cold.', "J'ai froid."],
  ['Good morning.', 'Bonjour.'],
  ['I am hungry.', "J'ai faim."],
  ['Thank you very much.', 'Merci beaucoup.'],
  ['I would like a coffee, please.', 'Je voudrais un café, je vous prie.'],
  ['Paris is a beautiful city.', 'Paris est une superbe ville.'],
  ['The weather is nice today.', "Il fait beau aujourd'hui."],
];

describe('the shipped en-fr model', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.skipIf(!existsSync(DEFAULT_MODEL))('loads (PyTorch parameter names, 4-bit matrices) and translates the README samples with beam 5', async () => {
    const loaded = await decodeSeq2SeqModel(new Uint8Array(readFileSync(DEFAULT_MODEL)), 'en-fr.safetensors');
    expect(loaded.model.namedParameters().map(([n]) => n)).toContain('encoder.rnn.weight_ih_l0');
    const translator = new Translator(loaded);
    const out = await translator.translate(README_SAMPLES.map(([en]) => en), { beamSize: 5 });
    expect(out.map((t) => t.text)).toEqual(README_SAMPLES.map(([, fr]) => fr));
    loaded.model.dispose();
  });
});
