import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preprocess } from '@cellstate/sentiment';
import { detokenize, parseSstSpec, readSstTrees, sstLabel } from './sst-phrases.js';
import { loadLabelled } from './cli/train.js';

// Two handwritten trees in the SST format: a label 0-4 on every node.
const TREE_1 = "(1 (2 (2 The) (2 film)) (1 (2 (2 does) (2 n't)) (3 (2 -LRB-) (3 (3 quite) (2 ``)) (2 '') (2 -RRB-))) (2 .))";
const TREE_2 = '(3 (2 (2 The) (2 film)) (4 (2 is) (4 (3 not) (1 bad))))';

describe('SST phrase-level data from PTB trees', () => {
  it('maps the fine-grained labels: 0-1 negative, 2 neutral, 3-4 positive', () => {
    expect([0, 1, 2, 3, 4].map(sstLabel)).toEqual(['negative', 'negative', 'neutral', 'positive', 'positive']);
  });

  it('detokenizes PTB escapes and joins n\'t, clitics and closing punctuation', () => {
    expect(detokenize(['The', 'film', 'does', "n't", 'work', '.'])).toBe("The film doesn't work.");
    expect(detokenize(['-LRB-', 'a', 'film', "'s", 'charm', '-RRB-', ','])).toBe("(a film's charm),");
    expect(detokenize(['``', 'Conan', "''", 'writer\\/director', '\\*\\*\\*'])).toBe('" Conan " writer/director ***');
    expect(detokenize(['ca', "n't", 'stop', ',', 'wo', "n't", 'stop', '...'])).toBe("can't stop, won't stop...");
  });

  it('gives the tokens the app gives the same sentence typed by a person', () => {
    const pairs: [string[], string][] = [
      [['I', 'do', "n't", 'hate', 'it', '.'], "I don't hate it."],
      [['It', 'ca', "n't", 'be', 'worse', '!'], "It can't be worse!"],
      [['-LRB-', 'the', 'film', "'s", '``', 'charm', "''", '-RRB-'], '(the film\'s "charm")'],
    ];
    for (const [tokens, typed] of pairs) {
      for (const removeStopWords of [true, false]) {
        expect(preprocess(detokenize(tokens), { removeStopWords }).tokens, typed).toEqual(preprocess(typed, { removeStopWords }).tokens);
      }
    }
    // The PTB form itself (as GLUE writes it) gives the same tokens too.
    expect(preprocess("i do n't hate it .", { removeStopWords: false }).tokens).toEqual(preprocess("I don't hate it.", { removeStopWords: false }).tokens);
  });

  it('takes every labelled phrase of every tree, whole sentences included, merging identical texts', () => {
    const r = readSstTrees(`${TREE_1}\n\n${TREE_2}\n`);
    const got = Object.fromEntries(r.examples.map((e) => [e.text, [e.label, e.line]]));
    expect(got).toEqual({
      The: ['neutral', 1],
      film: ['neutral', 1],
      'The film': ['neutral', 1],
      does: ['neutral', 1],
      "n't": ['neutral', 1],
      "doesn't": ['neutral', 1],
      quite: ['positive', 1],
      'quite "': ['positive', 1],
      '(quite " ")': ['positive', 1],
      "doesn't (quite \" \")": ['negative', 1],
      "The film doesn't (quite \" \").": ['negative', 1],
      is: ['neutral', 3],
      not: ['positive', 3],
      bad: ['negative', 3],
      'not bad': ['positive', 3],
      'is not bad': ['positive', 3],
      'The film is not bad': ['positive', 3],
    });
    // 16 + 9 nodes; "The", "film", "The film" repeat; "-LRB-", "``", "''", "-RRB-", "." are punctuation only.
    expect(r).toMatchObject({ trees: 2, nodes: 25, merged: 3, conflicts: 0, punctuationOnly: 5 });
  });

  it('keeps the majority label of a phrase labelled differently in two trees (ties: the first seen)', () => {
    const r = readSstTrees(['(3 (4 good) (2 film))', '(1 (1 good) (2 grief))', '(1 (1 good) (2 tears))'].join('\n'));
    expect(r.examples.find((e) => e.text === 'good')?.label).toBe('negative');
    expect(r.conflicts).toBe(1);
    const tie = readSstTrees(['(3 (4 good) (2 film))', '(1 (1 good) (2 grief))'].join('\n'));
    expect(tie.examples.find((e) => e.text === 'good')?.label).toBe('positive');
  });

  it('sentences level: the roots only, one example per tree', () => {
    const r = readSstTrees(`${TREE_1}\n${TREE_2}`, { level: 'sentences' });
    expect(r.examples).toEqual([
      { text: "The film doesn't (quite \" \").", label: 'negative', line: 1 },
      { text: 'The film is not bad', label: 'positive', line: 2 },
    ]);
  });

  it('names the file and line of a malformed tree', () => {
    expect(() => readSstTrees(`${TREE_2}\n(3 (2 The) (x film))`, { file: 'train.txt' })).toThrow(/^train\.txt:2: expected a label 0-4 at column/);
  });

  it('the train command reads sst-phrases:FILE and sst-sentences:FILE; binary labels leave the neutral ones out', () => {
    expect(parseSstSpec('sst-phrases:/a/train.txt')).toEqual({ level: 'phrases', file: '/a/train.txt' });
    expect(parseSstSpec('train.jsonl')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'sst-phrases-'));
    const file = join(dir, 'trees.txt');
    writeFileSync(file, `${TREE_1}\n${TREE_2}\n`);
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => void err.push(t) };
    const phrases = loadLabelled(`sst-phrases:${file}`, ['negative', 'neutral', 'positive'], {}, io);
    expect(phrases).toHaveLength(17);
    expect(err.join('')).toContain(': 17 examples (2 trees, 25 phrases, 3 repeats merged (0 texts with disagreeing labels: majority kept), 5 punctuation-only left out)');
    const binary = loadLabelled(`sst-phrases:${file}`, ['negative', 'positive'], {}, io);
    expect(binary.map((e) => e.text).sort()).toEqual(['(quite " ")', 'The film doesn\'t (quite " ").', 'The film is not bad', 'bad', "doesn't (quite \" \")", 'is not bad', 'not', 'not bad', 'quite', 'quite "']);
    expect(err.join('')).toContain('; 7 with labels not in negative,positive left out');
    expect(loadLabelled(`sst-sentences:${file}`, ['negative', 'neutral', 'positive'], {}, io).map((e) => e.label)).toEqual(['negative', 'positive']);
  });
});
