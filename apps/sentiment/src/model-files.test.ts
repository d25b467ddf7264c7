/**
 * The shipped models' weight files: the general model in int8 (Q8), the airline model in
 * the float16 format every model had before int8 existed; both load, and the writers
 * give the same bytes again. `export` converts between the formats.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { parseSafetensors, QUANTIZED_KEY } from '@cellstate/nn';
import { setBackend } from '@cellstate/tensor';
import { loadClassifier } from '@cellstate/sentiment/node';
import { exportCommand } from './cli/export.js';
import { MODELS_DIR, type Io } from './cli/io.js';

const weightsOf = (dir: string) => new Uint8Array(readFileSync(join(dir, 'model.safetensors')));
const silent = (): Io & { stdout: string; stderr: string } => {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
};
const TEXTS = ['Not bad at all.', 'the flight was late again', 'I love it.', 'The acting was great, but the plot was a mess.'];

describe('shipped model files', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('general: int8 embedding and LSTM matrices with a scale per row, the rest float16; encodeWeights Q8 writes the same bytes again', async () => {
    const dir = join(MODELS_DIR, 'general');
    const bytes = weightsOf(dir);
    const { tensors, metadata } = parseSafetensors(bytes);
    const quantized = JSON.parse(metadata[QUANTIZED_KEY]!) as string[];
    expect(quantized.sort()).toEqual(['embedding.weight', 'lstm.weight_hh_l0', 'lstm.weight_hh_l0_reverse', 'lstm.weight_ih_l0', 'lstm.weight_ih_l0_reverse']);
    for (const [name, t] of tensors) expect([name, t.dtype]).toEqual([name, quantized.includes(name) ? 'I8' : name.endsWith('.q8_scale') ? 'F32' : 'F16']);
    expect(bytes.length).toBeLessThan(4.5e6);
    const clf = await loadClassifier(dir);
    expect(Buffer.compare(await clf.encodeWeights({ dtype: 'Q8' }), bytes)).toBe(0); // toEqual on megabytes is slow
    // Trained with airline tweets mixed in: a complaint without sentiment words and the
    // contrast the web page shows come out negative (the SST-only model said neutral).
    const [late, contrast, love] = await clf.predict(['the flight was late again', 'thanks for the great service, but my bag is lost', 'I love it.']);
    expect([late!.label, contrast!.label, love!.label]).toEqual(['negative', 'negative', 'positive']);
    clf.dispose();
  });

  it('airline: the float16 format of before still loads, and encodeWeights writes its bytes again', async () => {
    const dir = join(MODELS_DIR, 'airline');
    const bytes = weightsOf(dir);
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata[QUANTIZED_KEY]).toBeUndefined();
    expect(new Set([...tensors.values()].map((t) => t.dtype))).toEqual(new Set(['F16']));
    const clf = await loadClassifier(dir);
    expect(Buffer.compare(await clf.encodeWeights(), bytes)).toBe(0);
    const [p] = await clf.predict(['the flight was late again']);
    expect(p!.label).toBe('negative');
    clf.dispose();
  });

  it('export --int8 / --float32 / default float16: same labels, probabilities within 1e-2 of the float16 model, report.json copied', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sentiment-export-'));
    const source = await loadClassifier(join(MODELS_DIR, 'airline'));
    const reference = await source.predict(TEXTS);
    source.dispose();
    for (const [flags, dtype] of [[{ int8: true }, 'I8'], [{ float32: true }, 'F32'], [{}, 'F16']] as const) {
      const io = silent();
      expect(await exportCommand({ model: 'airline', out: join(out, dtype), ...flags }, io)).toBe(0);
      expect(io.stdout).toMatch(/saved .*model\.safetensors \d+ KiB/);
      expect(statSync(join(out, dtype, 'report.json')).size).toBeGreaterThan(0);
      const dtypes = new Set([...parseSafetensors(weightsOf(join(out, dtype))).tensors.values()].map((t) => t.dtype));
      expect(dtypes.has(dtype)).toBe(true);
      const clf = await loadClassifier(join(out, dtype));
      (await clf.predict(TEXTS)).forEach((p, i) => {
        expect(p.label).toBe(reference[i]!.label);
        for (const l of clf.labels) expect(Math.abs(p.probabilities[l]! - reference[i]!.probabilities[l]!)).toBeLessThan(1e-2);
      });
      clf.dispose();
    }
    expect(statSync(join(out, 'I8', 'model.safetensors')).size).toBeLessThan(statSync(join(out, 'F16', 'model.safetensors')).size * 0.6);
    const both = silent();
    expect(await exportCommand({ model: 'airline', out: join(out, 'x'), int8: true, float32: true }, both)).toBe(2);
    expect(both.stderr).toMatch(/--int8 and --float32 exclude each other/);
  });
});
