import { describe, expect, it } from 'vitest';
import { detokenize } from './detokenize.js';

describe('detokenize', () => {
  it('follows French spacing before ! ? : ; and inside « »', () => {
    expect(detokenize(["j'", 'ai', 'froid', '!'], { language: 'fr', capitalize: true })).toBe("J'ai froid !");
    expect(detokenize(['«', 'oui', '»', ',', 'dit', '-il', ':', 'non', ';', 'bon', '?'], { language: 'fr' })).toBe('« oui », dit-il : non ; bon ?');
  });

  it('attaches punctuation in English and German', () => {
    expect(detokenize(['i', 'do', "n't", 'know', '!', 'ok', '?'])).toBe("i don't know! ok?");
    expect(detokenize(['(', 'a', ')', '50', '%', '.'], { language: 'de' })).toBe('(a) 50%.');
  });

  it('capitalizes the first letter, also after leading punctuation, and skips empty tokens', () => {
    expect(detokenize(['«', 'école', '»'], { language: 'fr', capitalize: true })).toBe('« École »');
    expect(detokenize(['', 'a', ''])).toBe('a');
    expect(detokenize([])).toBe('');
  });
});
