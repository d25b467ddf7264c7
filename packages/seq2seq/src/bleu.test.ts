import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { corpusBleu, perplexity } from './bleu.js';

interface Case {
  name: string;
  hypotheses: string[][];
  references: string[][][];
  nltk_bleu: number;
}
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/bleu-nltk.json', import.meta.url), 'utf8')) as { nltk: string; cases: Case[] };

describe('corpusBleu', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('matches NLTK corpus_bleu: %s', (_, c) => {
    const r = corpusBleu(c.hypotheses, c.references);
    expect(Math.abs(r.bleu - c.nltk_bleu)).toBeLessThan(1e-12);
  });

  it('reports precisions, brevity penalty and lengths', () => {
    const r = corpusBleu([['the', 'cat', 'sat', 'on']], [[['the', 'cat', 'sat', 'on', 'the', 'mat']]]);
    expect(r.precisions).toEqual([1, 1, 1, 1]);
    expect(r.brevityPenalty).toBeCloseTo(Math.exp(1 - 6 / 4), 12);
    expect([r.hypothesisLength, r.referenceLength]).toEqual([4, 6]);
    expect(corpusBleu([], []).bleu).toBe(0);
    expect(() => corpusBleu([['a']], [])).toThrow(/one list of references/);
    expect(() => corpusBleu([['a']], [[]])).toThrow(/no reference/);
  });
});

describe('perplexity', () => {
  it('is exp of the mean negative log-likelihood', () => {
    expect(perplexity(Math.log(10) * 5, 5)).toBeCloseTo(10, 10);
    expect(() => perplexity(1, 0)).toThrow();
  });
});
