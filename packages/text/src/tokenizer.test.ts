import { describe, expect, it } from 'vitest';
import { normalizeText, tokenize } from './tokenizer.js';
import { detokenize } from './detokenize.js';

describe('normalizeText', () => {
  it('applies NFC and maps apostrophes, quotes and odd spaces', () => {
    expect(normalizeText('e\u0301te\u0301')).toBe('été');
    expect(normalizeText('J\u2019ai\u00A0froid\u202F!')).toBe("J'ai froid !");
    expect(normalizeText('\u201CHi\u201D\u200B')).toBe('"Hi"');
    expect(normalizeText(normalizeText('l\u2019e\u0301te\u0301'))).toBe(normalizeText('l\u2019e\u0301te\u0301'));
  });
});

describe('tokenize', () => {
  it('splits English punctuation and clitics (Penn Treebank style)', () => {
    expect(tokenize("I don't know, I'm cold.")).toEqual(['I', 'do', "n't", 'know', ',', 'I', "'m", 'cold', '.']);
    expect(tokenize("It's John's; we'll see. They've, you'd, can't")).toEqual([
      'It', "'s", 'John', "'s", ';', 'we', "'ll", 'see', '.', 'They', "'ve", ',', 'you', "'d", ',', 'ca', "n't",
    ]);
    expect(tokenize("o'clock")).toEqual(["o'clock"]);
  });

  it('keeps the clitics of already-tokenised text (SST, PTB) as the same tokens', () => {
    // Same tokens whether the corpus split them already or not.
    expect(tokenize("it 's not that they do n't care , john 's ca n't")).toEqual(tokenize("it's not that they don't care, john's can't"));
    expect(tokenize("I 'm sure we 're fine ; they 've , you 'd , we 'll")).toEqual(['I', "'m", 'sure', 'we', "'re", 'fine', ';', 'they', "'ve", ',', 'you', "'d", ',', 'we', "'ll"]);
    expect(tokenize("do n't")).toEqual(['do', "n't"]);
    // A quote that only starts like a clitic stays a quote.
    expect(tokenize("'sup 'd' 'm")).toEqual(["'", 'sup', "'", 'd', "'", "'m"]);
  });

  it("splits French elisions and keeps aujourd'hui / quelqu'un whole", () => {
    expect(tokenize("L'homme n'est pas là aujourd'hui.")).toEqual(["L'", 'homme', "n'", 'est', 'pas', 'là', "aujourd'hui", '.']);
    expect(tokenize("Qu'est-ce qu'il y a jusqu'à demain ? Quelqu'un d'autre")).toEqual([
      "Qu'", 'est', '-ce', "qu'", 'il', 'y', 'a', "jusqu'", 'à', 'demain', '?', "Quelqu'un", "d'", 'autre',
    ]);
    expect(tokenize('J\u2019ai froid.')).toEqual(["J'", 'ai', 'froid', '.']);
    expect(tokenize("qu'aujourd'hui")).toEqual(["qu'", "aujourd'hui"]);
  });

  it('keeps accents, German letters and composed characters; splits hyphenated words', () => {
    expect(tokenize('Arrête-toi ! Ça suffit.')).toEqual(['Arrête', '-toi', '!', 'Ça', 'suffit', '.']);
    expect(tokenize('Die Straße ist schön, wie geht\u2019s?')).toEqual(['Die', 'Straße', 'ist', 'schön', ',', 'wie', 'geht', "'s", '?']);
    expect(tokenize('e\u0301le\u0300ve')).toEqual(['élève']);
    expect(tokenize('well-known', { splitHyphens: false })).toEqual(['well-known']);
    expect(tokenize("l'homme", { splitClitics: false })).toEqual(["l'homme"]);
  });

  it('keeps numbers whole and splits symbols, quotes and ellipses', () => {
    expect(tokenize('It costs $3.50, i.e. 1,000 yen at 10:30 on the 1st...')).toEqual([
      'It', 'costs', '$', '3.50', ',', 'i', '.', 'e', '.', '1,000', 'yen', 'at', '10:30', 'on', 'the', '1st', '...',
    ]);
    expect(tokenize('« Bonjour » (dit-il) 😀')).toEqual(['«', 'Bonjour', '»', '(', 'dit', '-il', ')', '😀']);
    expect(tokenize('"Hi"')).toEqual(['"', 'Hi', '"']);
  });

  it('lower-cases on request and returns [] for empty or blank input', () => {
    expect(tokenize('Élève ÉCOLE Straße', { lowercase: true })).toEqual(['élève', 'école', 'straße']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' \t\n\u00A0 ')).toEqual([]);
  });

  it('round-trips through detokenize for typical sentences', () => {
    const fr = ["J'ai froid.", "Arrête-toi !", "Qu'est-ce que c'est ?", "Il n'est pas là aujourd'hui."];
    for (const s of fr) expect(detokenize(tokenize(s), { language: 'fr' })).toBe(s);
    const en = ["I don't know, I'm cold.", "It's John's (maybe).", 'Wait... "Hi," she said.'];
    for (const s of en) expect(detokenize(tokenize(s), { language: 'en' })).toBe(s);
    expect(detokenize(tokenize('Wie geht\u2019s? Gut.'), { language: 'de' })).toBe("Wie geht's? Gut.");
  });

  it('handles a very long line in linear time', () => {
    const line = Array.from({ length: 5000 }, (_, i) => `mot${i}`).join(' ');
    const started = performance.now();
    expect(tokenize(line)).toHaveLength(5000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
