import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../dataset.js';
import { FileTooLargeError, readTrainingFile } from './web-file.js';

const file = (bytes: Uint8Array, name: string) => Object.assign(new Blob([new Uint8Array(bytes)]), { name });

describe('readTrainingFile (the web page’s file input)', () => {
  it('reads plain and gzipped files', async () => {
    const text = new TextEncoder().encode('{"text": "great crew", "label": "positive"}\n');
    expect(await readTrainingFile(file(text, 'a.jsonl'))).toEqual(text);
    expect(await readTrainingFile(file(gzipSync(text), 'a.jsonl.gz'))).toEqual(text);
  });

  it('a gzip bomb is abandoned once the budget is spent, quickly and without inflating in full', async () => {
    const bomb = gzipSync(new Uint8Array(200 * 2 ** 20)); // 200 MiB of zeros in ~200 KB
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const e = await readTrainingFile(file(bomb, 'bomb.jsonl.gz'), 8 * 2 ** 20).catch((x: unknown) => x);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100e6);
    expect(e).toBeInstanceOf(FileTooLargeError);
    expect((e as Error).message).toMatch(/^bomb\.jsonl\.gz: larger than 8 MiB once unpacked/);
    await expect(readTrainingFile(file(new Uint8Array(2048), 'big.csv'), 1024)).rejects.toThrow(/big\.csv: larger than/);
  });

  it('a binary file read as training data gives problems per line, not a crash', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 131) % 256);
    const ds = parseDataset(await readTrainingFile(file(bytes, 'random.jsonl')), 'random.jsonl', { onError: 'skip' });
    expect(ds.examples).toHaveLength(0);
    expect(ds.problems.length).toBeGreaterThan(0);
  });
});
