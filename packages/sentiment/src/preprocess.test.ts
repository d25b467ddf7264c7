import { describe, expect, it } from 'vitest';
import { eng } from 'stopword';
import { NEGATIONS, preprocess } from './preprocess.js';

describe('preprocess', () => {
  it('normalises handles, URLs, numbers, emoticons and emoji to tokens', () => {
    const { tokens } = preprocess('@united flight 1234 was 2 hours late :( http://t.co/abc www.x.com 😡🏽😡 #fail');
    expect(tokens).toEqual(['<user>', 'flight', '<num>', '<num>', 'hours', 'late', '<sad>', '<url>', '<url>', '😡', '😡', 'fail']);
    expect(preprocess('thanks :) :-D').tokens).toEqual(['thanks', '<smile>', '<smile>']);
    expect(preprocess('👍🏽 and 👍').tokens).toEqual(['👍', '👍']);
  });

  it('keeps negations although stop words are removed ("not good" != "good")', () => {
    expect(eng).toContain('never'); // the npm list has it: we keep it anyway
    expect(preprocess('the food was not good').tokens).toEqual(['food', 'not', 'good']);
    expect(preprocess('the food was good').tokens).toEqual(['food', 'good']);
    expect(preprocess("I don't like it and never will, no way").tokens).toEqual(["n't", 'like', 'never', 'will', 'no']);
    expect(preprocess("it does n't work , ca n't say").tokens).toEqual(['does', "n't", 'work', 'ca', "n't", 'say']);
    expect(preprocess('dont cancel, it isnt fair').tokens).toEqual(["n't", 'cancel', "n't", 'fair']);
    for (const w of NEGATIONS) expect(preprocess(w === "n't" ? "it isn't" : `it is ${w}`).tokens).toContain(w);
    expect(preprocess('the food was not good', { removeStopWords: false }).tokens).toEqual(['the', 'food', 'was', 'not', 'good']);
  });

  it('decodes HTML entities, drops punctuation except ! and ?, shortens elongations', () => {
    expect(preprocess('soooo bad &amp; sad!!! really?').tokens).toEqual(['soo', 'bad', 'sad', '!', '!', '!', 'really', '?']);
  });

  it('words that are Object.prototype keys are plain words', () => {
    expect(preprocess('the constructor toString __proto__ hasOwnProperty &constructor; valueOf').tokens).toEqual(['constructor', 'tostring', 'proto', 'hasownproperty', 'constructor', 'valueof']);
  });

  it('empty, whitespace and emoji-only texts', () => {
    expect(preprocess('').tokens).toEqual([]);
    expect(preprocess('   \n ').tokens).toEqual([]);
    expect(preprocess('😀😀').tokens).toEqual(['😀', '😀']);
  });

  it('truncates long texts and reports it', () => {
    const long = 'bad '.repeat(25_000);
    const r = preprocess(long);
    expect(r.truncated).toBe(true);
    expect(r.tokens).toHaveLength(200);
    expect(preprocess('a good flight', { maxTokens: 1 })).toMatchObject({ tokens: ['good'], truncated: true });
    expect(preprocess('short').truncated).toBe(false);
  });

  it('flags and drops U+FFFD (bytes that were not UTF-8)', () => {
    const r = preprocess('great \uFFFD\uFFFD flight');
    expect(r).toMatchObject({ tokens: ['great', 'flight'], hadInvalidBytes: true });
  });
});
