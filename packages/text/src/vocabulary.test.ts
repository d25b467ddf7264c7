import { describe, expect, it } from 'vitest';
import { CellstateError } from '@cellstate/tensor';
import { BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID, Vocabulary } from './vocabulary.js';
import { VocabularyError } from './errors.js';
import { padSequences } from './pad.js';
import { tokenize } from './tokenizer.js';

const corpus = ['the cat sat on the mat', 'the dog sat', 'a cat'].map((s) => tokenize(s));

describe('Vocabulary', () => {
  it('puts the specials first and orders tokens by frequency, then code point', () => {
    const v = Vocabulary.build(corpus);
    expect([PAD_ID, UNK_ID, BOS_ID, EOS_ID]).toEqual([0, 1, 2, 3]);
    expect(v.tokens.slice(0, 4)).toEqual([...SPECIAL_TOKENS]);
    expect(v.tokens.slice(4)).toEqual(['the', 'cat', 'sat', 'a', 'dog', 'mat', 'on']);
    expect(v.size).toBe(11);
  });

  it('applies minFrequency and maxSize', () => {
    expect(Vocabulary.build(corpus, { minFrequency: 2 }).tokens.slice(4)).toEqual(['the', 'cat', 'sat']);
    expect(Vocabulary.build(corpus, { maxSize: 6 }).tokens.slice(4)).toEqual(['the', 'cat']);
    expect(() => Vocabulary.build(corpus, { maxSize: 2 })).toThrow(VocabularyError);
  });

  it('encodes with <unk>, <bos>, <eos> and truncation; decodes stopping at <eos>', () => {
    const v = Vocabulary.build(corpus);
    expect(v.encode(['the', 'bird'], { bos: true, eos: true })).toEqual([2, 4, 1, 3]);
    expect(v.encode(['the', 'cat', 'sat'], { maxLength: 2, eos: true })).toEqual([4, 5, 3]);
    expect(v.decode([2, 4, 1, 5, 3, 6, 0])).toEqual(['the', '<unk>', 'cat']);
    expect(v.decode([4, 3, 5], { stopAtEos: false })).toEqual(['the', 'cat']);
    expect(v.decode([2, 4, 3], { keepSpecials: true, stopAtEos: false })).toEqual(['<bos>', 'the', '<eos>']);
    expect(() => v.tokenOf(99)).toThrow(/outside/);
    expect(v.unknownRate(['the', 'zebra'])).toBe(0.5);
    expect(v.idOf('<eos>')).toBe(EOS_ID);
  });

  it('does not add special strings found in the text twice', () => {
    const v = Vocabulary.build([['<unk>', 'x', '<pad>']]);
    expect(v.tokens).toEqual([...SPECIAL_TOKENS, 'x']);
  });

  it('round-trips through JSON and rejects the wrong kind, version or content with typed errors', () => {
    const v = Vocabulary.build(corpus);
    const copy = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(copy.tokens).toEqual(v.tokens);
    const fail = (json: unknown) => {
      try {
        Vocabulary.fromJSON(json, 'vocab.json');
      } catch (e) {
        expect(CellstateError.isInstance(e)).toBe(true);
        expect((e as Error).message).toContain('vocab.json');
        return (e as VocabularyError).code;
      }
      throw new Error('expected a throw');
    };
    expect(fail([1, 2])).toBe('wrong-kind');
    expect(fail({ format: 'cellstate-model', version: 1, tokens: [] })).toBe('wrong-kind');
    expect(fail({ ...v.toJSON(), version: 2 })).toBe('wrong-version');
    expect(fail({ ...v.toJSON(), tokens: ['<unk>', '<pad>', '<bos>', '<eos>'] })).toBe('invalid');
    expect(fail({ ...v.toJSON(), tokens: [...SPECIAL_TOKENS, 'a', 'a'] })).toBe('invalid');
    expect(fail({ ...v.toJSON(), tokens: [...SPECIAL_TOKENS, 3] })).toBe('invalid');
  });
});

describe('padSequences', () => {
  it('pads batch-major and time-major, truncates at either end', () => {
    const a = padSequences([[5, 6, 7], [8]]);
    expect([...a.ids]).toEqual([5, 6, 7, 8, 0, 0]);
    expect([...a.lengths]).toEqual([3, 1]);
    expect(a.shape).toEqual([2, 3]);
    const b = padSequences([[5, 6, 7], [8]], { layout: 'time', maxLength: 2 });
    expect([...b.ids]).toEqual([5, 8, 6, 0]);
    expect(b.shape).toEqual([2, 2]);
    const c = padSequences([[5, 6, 7]], { maxLength: 2, truncate: 'start', padId: 9 });
    expect([...c.ids]).toEqual([6, 7]);
    const d = padSequences([[], []]);
    expect(d.shape).toEqual([2, 1]);
    expect([...d.lengths]).toEqual([0, 0]);
    expect(() => padSequences([[1]], { maxLength: 0 })).toThrow(VocabularyError);
  });
});
