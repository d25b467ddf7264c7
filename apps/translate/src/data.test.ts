import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, groupBySource, loadCorpus, readAligned, readTsv, spreadSample } from './cli/data.js';
import { textOf, tokensOf } from './preprocess.js';
import { epochBatches } from './cli/train.js';

const dir = mkdtempSync(join(tmpdir(), 'translate-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('data', () => {
  it('reads TSV (extra columns ignored, CRLF and blank lines tolerated) and names the line of a bad row', () => {
    const file = join(dir, 'a.tsv');
    writeFileSync(file, 'Run!\tCours !\tattribution\r\n\nRun!\tCourez !\n');
    expect(readTsv(file)).toEqual([
      { source: 'Run!', target: 'Cours !' },
      { source: 'Run!', target: 'Courez !' },
    ]);
    writeFileSync(file, 'ok\tok\nno tab here\n');
    expect(() => readTsv(file)).toThrow(/a\.tsv:2: expected source<TAB>target/);
    expect(() => readTsv(join(dir, 'missing.tsv'))).toThrow(DataError);
  });

  it('reads line-aligned files and refuses files of different lengths', () => {
    writeFileSync(join(dir, 's.txt'), 'ein hund\nzwei katzen\n');
    writeFileSync(join(dir, 't.txt'), 'a dog\ntwo cats\n');
    writeFileSync(join(dir, 'u.txt'), 'a dog\n');
    expect(readAligned(join(dir, 's.txt'), join(dir, 't.txt'))[1]).toEqual({ source: 'zwei katzen', target: 'two cats' });
    expect(() => readAligned(join(dir, 's.txt'), join(dir, 'u.txt'))).toThrow(/line-aligned/);
    const corpus = loadCorpus(`${join(dir, 's.txt')},${join(dir, 't.txt')}`, { sourceLanguage: 'de', targetLanguage: 'en' });
    expect(corpus.train).toHaveLength(2);
    expect(corpus.sourceLanguage).toBe('de');
  });

  it('groups references by source in first-seen order', () => {
    expect(groupBySource([
      { source: 'Run!', target: 'Cours !' },
      { source: 'Hi.', target: 'Salut !' },
      { source: 'Run!', target: 'Courez !' },
    ])).toEqual([
      { source: 'Run!', references: ['Cours !', 'Courez !'] },
      { source: 'Hi.', references: ['Salut !'] },
    ]);
  });

  it('tokenizes per the preprocessing and detokenizes French with capitals and spacing', () => {
    expect(tokensOf("I'm cold.", { tokenizer: 'words', lowercase: true })).toEqual(['i', "'m", 'cold', '.']);
    expect(tokensOf(' ein  Hund . ', { tokenizer: 'whitespace', lowercase: true })).toEqual(['ein', 'hund', '.']);
    expect(textOf(["j'", 'ai', 'froid', '!'], { tokenizer: 'words', lowercase: true, targetLanguage: 'fr' })).toBe("J'ai froid !");
    expect(textOf(['a', 'dog', '.'], { tokenizer: 'whitespace', lowercase: true, targetLanguage: 'en' })).toBe('a dog .');
  });

  it('epoch batches cover every pair once, depend only on (seed, epoch), and group similar lengths', () => {
    const pairs = Array.from({ length: 103 }, (_, i) => ({ source: new Array(1 + (i % 9)).fill(5), target: [5] }));
    const a = epochBatches(pairs, 8, 3, 0);
    expect(a.flat().sort((x, y) => x - y)).toEqual(pairs.map((_, i) => i));
    expect(epochBatches(pairs, 8, 3, 0)).toEqual(a);
    expect(epochBatches(pairs, 8, 3, 1)).not.toEqual(a);
    const spread = a.map((b) => Math.max(...b.map((i) => pairs[i]!.source.length)) - Math.min(...b.map((i) => pairs[i]!.source.length)));
    expect(Math.max(...spread)).toBeLessThanOrEqual(1);
  });
});

describe('spreadSample', () => {
  const pairs = Array.from({ length: 100 }, (_, i) => [{ source: `s${i}`, target: `a${i}` }, ...(i % 10 === 0 ? [{ source: `s${i}`, target: `b${i}` }] : [])]).flat();

  it('picks distinct sources evenly through the file, each with all its references', () => {
    const sample = spreadSample(pairs, 10);
    expect([...new Set(sample.map((p) => p.source))]).toEqual(Array.from({ length: 10 }, (_, i) => `s${i * 10}`));
    expect(sample.filter((p) => p.source === 's50').map((p) => p.target)).toEqual(['a50', 'b50']);
  });

  it('keeps every source when asked for more than there are', () => {
    expect(spreadSample(pairs, 500)).toHaveLength(pairs.length);
  });
});
